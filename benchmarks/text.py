"""Speed of the text stages: language detection and sentence splitting.

Usage: ``python benchmarks/text.py [--mb 5]``. Builds a corpus by repeating the seeds to
about the given size, then prints MB/s (UTF-8 bytes of text per second, best of three)
for sentence splitting of one large text, sentence splitting of many documents, and
language detection of many documents. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.io.documents import read_documents
from geo.text.langid import detect_language
from geo.text.sentences import sentence_spans


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()
    texts = [d.text for d in read_documents([ROOT / "seeds"])]
    one = "\n\n".join(texts)
    reps = int(args.mb * 1e6 // len(one.encode())) + 1
    big = (one + "\n\n") * reps
    docs = texts * (reps * len(texts) // len(texts))
    size_big = len(big.encode())
    size_docs = sum(len(t.encode()) for t in docs)
    t = best_of(3, lambda: sentence_spans(big))
    print(f"sentences, one {size_big / 1e6:.1f} MB text: {size_big / t / 1e6:.1f} MB/s")
    t = best_of(3, lambda: [sentence_spans(d) for d in docs])
    print(f"sentences, {len(docs):,} documents: {size_docs / t / 1e6:.1f} MB/s")
    t = best_of(3, lambda: [detect_language(d) for d in docs])
    print(f"language detection, {len(docs):,} documents: {size_docs / t / 1e6:.1f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
