"""Speed of linking: documents → agreements and agreed sites (``geo.link.rules``).

Usage: ``python benchmarks/linking.py [--bench-dir DIR] [--seeds-mb 1]``.

Two corpora, geoparsed first (not timed), then linked on one pinned core, best of five:

- *news*: every document of the three benchmark corpora (``../shared/bench``, read in
  place). Most name no agreement, so this measures what every document costs: folding
  its words once, the name index, the count phrases, the vocabulary checks.
- *seeds*: the sample documents repeated (with distinct ids) to about ``--seeds-mb`` MB.
  Every rule fires here, so this measures the cost of the links themselves.

Prints seconds, documents per second, MB/s of UTF-8 text and the number of links.
Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from geoparse import CORPORA, _pin_one_core, default_bench_dir, load_corpora

from geo.gazetteer.store import load_gazetteer
from geo.io.documents import read_documents, read_text
from geo.link.rules import link_documents
from geo.models import Document, ParsedDocument
from geo.parse.pipeline import geoparse
from geo.registry.agreements import load_registry


def best_of(n: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(label: str, docs: Sequence[Document]) -> None:
    """Geoparse *docs* (untimed), then time linking them and print one line."""
    gaz = load_gazetteer()
    registry = load_registry()
    parsed: list[ParsedDocument] = list(geoparse(docs, gazetteer=gaz))
    links = link_documents(parsed[:1], registry)  # warm-up: the name index, vocabularies
    links = link_documents(parsed, registry)
    seconds = best_of(5, lambda: link_documents(parsed, registry))
    size = sum(len(d.text.encode()) for d in docs)
    print(
        f"linking, {label}: {len(docs):,} documents, {size / 1e6:.2f} MB, "
        f"{len(links):,} links: {seconds:.3f} s, {len(docs) / seconds:,.0f} documents/s, "
        f"{size / seconds / 1e6:.2f} MB/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=default_bench_dir())
    parser.add_argument("--seeds-mb", type=float, default=1.0)
    args = parser.parse_args()
    cpu, _before = _pin_one_core()
    print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned (platform cannot)")
    corpora = load_corpora(args.bench_dir, CORPORA)
    news = [read_text(g.text, g.id) for docs in corpora.values() for g in docs]
    measure("news (all three corpora)", news)
    seeds = list(read_documents([ROOT / "seeds"]))
    size = sum(len(d.text.encode()) for d in seeds)
    reps = max(1, int(args.seeds_mb * 1e6 // size))
    repeated = [dataclasses.replace(d, id=f"{d.id}#{i}") for i in range(reps) for d in seeds]
    measure(f"seeds x{reps}", repeated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
