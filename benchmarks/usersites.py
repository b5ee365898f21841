"""What a few hundred user sites cost (issue 13): an overlay, never an index rebuild.

Prints, side by side: loading the cached index (the baseline every run pays), reading
and validating N user sites (``--sites``), laying them over the loaded gazetteer, and
what a rebuild of the index would have cost instead (the old way: a copy of ``data/``
with ``GEO_DATA_DIR``). The sites are generated in a temporary CSV (points on a grid in
the Philippine Sea, names that exist nowhere else), so the figures are for real rows
through the real validation.

    python benchmarks/usersites.py            # N = 300
    python benchmarks/usersites.py 1000 --rebuild
"""

from __future__ import annotations

import argparse
import csv
import marshal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.gazetteer.build import build_index
from geo.gazetteer.sources import SITE_COLUMNS
from geo.gazetteer.store import gazetteer_from_tables, index_path, load_gazetteer
from geo.gazetteer.usersites import load_user_sites, overlay


def _write_sites(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SITE_COLUMNS)
        writer.writeheader()
        for i in range(count):
            writer.writerow(
                {
                    "id": f"zz-bench-{i}",
                    "name": f"Benchmark Outpost Kelvarin {i}",
                    "kind": "air_base" if i % 2 else "naval_base",
                    "country": "PH",
                    "lat": f"{10 + (i % 20) * 0.5:.4f}",
                    "lon": f"{125 + (i // 20) * 0.5:.4f}",
                    "coord_precision": "locality",
                    "coord_source": "benchmark grid",
                    "aliases": f"Kelvarin Field {i}|KVF{i}",
                    "status": "current",
                    "confidence": "low",
                    "source_urls": f"https://example.org/bench/{i}",
                }
            )


def _timed(label: str, func: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    print(f"{label:<44} {best * 1000:10.1f} ms")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="also time an index rebuild")
    args = parser.parse_args()
    base = load_gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sites.csv"
        _write_sites(path, args.count)
        print(f"{args.count} user sites; index of {len(base):,} places, {len(base.names):,} names")
        index = index_path()
        load = _timed(
            "baseline: load the cached index from disk",
            lambda: gazetteer_from_tables(marshal.loads(index.read_bytes())),
        )
        rows = load_user_sites([path])
        read = _timed(f"read and validate {args.count} user sites", lambda: load_user_sites([path]))
        lay = _timed("overlay them on the loaded gazetteer", lambda: overlay(base, rows))
        gaz = overlay(base, rows)
        assert gaz.get("Kelvarin Field 7") is not None
        print(f"{'user sites / cached index load':<44} {(read + lay) / max(load, 1e-9):10.2f} x")
        if args.rebuild:
            rebuild = _timed("instead: rebuild the index (old way)", build_index, repeat=1)
            print(f"{'overlay / rebuild':<44} {(read + lay) / rebuild:10.4f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
