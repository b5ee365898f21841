"""Issue 14: memory and time of the run's document-id table on millions of documents.

Usage::

    python benchmarks/ids.py [--counts 250000 1000000 3000000] [--duplicates 0.01]

The duplicate-id rule of :func:`geo.io.documents.read_documents` (and of the Dask
driver) keeps every id seen with the source that first used it. For each count of
documents this feeds ids shaped like a big corpus's (``reuters-2019-0001234``, source
``/data/news/corpus-0007.jsonl:123456``, a share of them repeated) through
:class:`geo.io.documents.SeenIds` twice, each in a fresh subprocess:

* ``dict``: never spilled (``spill_after`` above the count): the table as it was, the
  baseline;
* ``spill``: the default (:data:`geo.io.documents.SPILL_IDS` ids in memory, then a
  temporary SQLite file).

and prints the wall time per document and the process's peak resident memory over the
same process with no ids (so the figure is the table's own cost). Both runs must rename
the same ids: a digest of the renamed ids is printed for each and compared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import hashlib, json, resource, sys, time
from geo.io.documents import SeenIds, _unique
from geo.models import Document
count, spill, dup = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seen = SeenIds(spill_after=count + 1 if spill == "dict" else None)
digest, renamed = hashlib.sha256(), 0
step = max(1, round(1 / dup)) if dup else 0
t = time.perf_counter()
for n in range(count):
    k = n - 1 if step and n % step == step - 1 else n
    doc = Document(id=f"reuters-2019-{k:07d}", text="",
                   source=f"/data/news/corpus-{n // 100000:04d}.jsonl:{n % 100000 + 1}")
    out = _unique(doc, seen, lambda w: None).id
    renamed += out != doc.id
    digest.update(out.encode() + b"\\n")
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "table_mb": (peak - base) / 1024, "renamed": renamed,
                  "digest": digest.hexdigest()[:16], "spilled": seen.spilled}))
"""


def run(count: int, mode: str, duplicates: float) -> dict[str, float | str | bool]:
    """One fresh process: feed *count* ids through a SeenIds in *mode*."""
    out = subprocess.run(
        [sys.executable, "-c", _RUN, str(count), mode, str(duplicates)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, float | str | bool] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[250_000, 1_000_000, 3_000_000])
    parser.add_argument("--duplicates", type=float, default=0.01, help="share of repeated ids")
    args = parser.parse_args(argv)
    print(f"{'documents':>10} {'table':>6} {'µs/doc':>7} {'table MB':>9} {'renamed':>8} digest")
    for count in args.counts:
        rows = {mode: run(count, mode, args.duplicates) for mode in ("dict", "spill")}
        for mode, r in rows.items():
            print(
                f"{count:>10,} {mode:>6} {float(r['wall']) / count * 1e6:>7.2f} "
                f"{float(r['table_mb']):>9.1f} {r['renamed']:>8} {r['digest']}"
                + ("" if r["spilled"] or mode == "dict" else " (not spilled)"),
                flush=True,
            )
        same = rows["dict"]["digest"] == rows["spill"]["digest"]
        ratio = float(rows["spill"]["wall"]) / float(rows["dict"]["wall"])
        print(
            f"{count:>10,} spill / dict time: {ratio:.2f}x; renamed ids "
            + ("identical" if same else "DIFFER")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
