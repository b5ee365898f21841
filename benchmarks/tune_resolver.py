"""Choose the resolver's context weights on the TRAINING split of the benchmark corpora.

Usage::

    python benchmarks/tune_resolver.py [--bench-dir ../shared/bench]

Recognition does not depend on these weights, so spans are found once per training
document; then every combination of a small grid of weights resolves them again and is
scored by acc@161 on the spans that overlap a gold toponym (the resolution metric), over
the three corpora together. Prints the best combinations; the chosen values are written
into ``geo/resolve.py`` by hand, with a comment, so they stay readable. The test split
is never read.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from geoparse import CORPORA, default_bench_dir

import geo.parse.resolve as resolve
from geo.gazetteer.store import load_gazetteer
from geo.parse.evaluate import haversine_km, load_corpus, split
from geo.parse.recognize import find_spans

GRID = {
    "COUNTRY_SUPPORT": (0.15, 0.3, 0.5),
    "ADMIN1_SUPPORT": (0.1, 0.2, 0.35),
    "ADMIN1_SIBLINGS": (0.0, 0.1, 0.25),
    "CONTAINER_SUPPORT": (0.5, 0.8, 1.2),
    "DEMONYM_COUNTRY": (0.0, 0.1),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", default=str(default_bench_dir()))
    args = parser.parse_args()
    gaz = load_gazetteer()
    cases = []
    for name in CORPORA:
        for doc in split(load_corpus(Path(args.bench_dir) / f"{name}.jsonl"), "train"):
            spans = find_spans(doc.text, gaz, lang="en")
            gold = [(t.start, t.end, t.lat, t.lon) for t in doc.toponyms]
            cases.append((doc.text, spans, gold))
    results = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        for k, v in zip(keys, values, strict=True):
            setattr(resolve, k, v)
        hit = total = 0
        for text, spans, gold in cases:
            for i, d in resolve.resolve_spans(text, spans).items():
                s = spans[i]
                g = next((g for g in gold if g[0] < s.end and s.start < g[1]), None)
                if g is None:
                    continue
                total += 1
                p = d.place
                if p.lat is not None and haversine_km(g[2], g[3], p.lat, p.lon) <= 161:
                    hit += 1
        results.append((hit / max(total, 1), values))
    results.sort(reverse=True)
    print(f"{len(cases)} training documents; acc@161 on spans that overlap gold")
    for acc, values in results[:10]:
        print(f"  {acc:.4f}  " + "  ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
