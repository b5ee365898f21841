"""Issue 14: peak memory of the second stage as the corpus grows, capped against uncapped.

Usage::

    python benchmarks/stage2.py [--records PATH] [--copies 1 2 4] [--json OUT]

Reads the mention records of an earlier ``geo extract`` (a Parquet file or a folder of
parts; default: the ``out-dask2/`` folder ``benchmarks/scale.py`` leaves in its scratch
folder, the 500 MB corpus's 2.8 million records of 243,029 documents) and, for each
number of copies, builds the layers from that many copies of the records one after the
other, each copy's document ids made distinct (``id~c2``), as a corpus of that many
times the documents would give. Each run is a fresh subprocess measured by the wrapper
of ``scale.py`` (wall and CPU seconds, peak resident memory), and calls
:func:`geo.layers.aggregate.build_layers_from_mentions` -- aggregation, the layers'
frames and their validation, what ``geo build|export --from-mentions`` do before
writing -- with an ``aggregate`` callable that reads the records the given number of
times with :func:`geo.io.mentions.read_mention_records` (the reader ``geo build``
uses) into one :class:`~geo.layers.aggregate.MentionAggregator`.

Printed: documents in the corpus, rows of the documents layer, peak MB, seconds, and
for each setting the ratio of its peak at the most copies to the fewest.

Two settings side by side in one run: ``capped`` (the default ``max_documents``, 100,000)
and the baseline ``uncapped`` (``max_documents`` larger than any corpus: every document
stays a row of the documents layer and of its places' ``doc_ids``, which is what stage 2
held before the cap).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scale import measured  # (scale puts the checkout on sys.path)

_RUN = """
import sys
from geo.io.mentions import read_mention_records
from geo.layers.aggregate import MentionAggregator, build_layers_from_mentions

source, copies, max_documents, report = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
seen = []


def repeated(sources, site_ids, *, max_rows, max_documents, on_error):
    aggregator = MentionAggregator(site_ids, max_rows=max_rows, max_documents=max_documents)
    for copy in range(copies):
        for record in read_mention_records(sources, on_error=on_error, documents=True):
            if copy:
                record["doc"] = f"{record['doc']}~c{copy + 1}"
            aggregator.add(record)
    seen.append(aggregator.seen_documents)
    return aggregator


layers = build_layers_from_mentions(source, max_documents=max_documents, aggregate=repeated)
with open(report, "w") as handle:
    handle.write(f"{seen[0]} {len(layers.documents)}")
"""

#: The baseline's max_documents: more than any corpus has, so no document is left out.
UNCAPPED = 10**12


def default_records() -> Path:
    from geo import settings

    return settings.cache_dir / "bench-scale" / "out-dask2"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, help="mention records (Parquet file or folder)")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    from geo.layers.aggregate import MAX_DOCUMENT_ROWS

    records = args.records or default_records()
    if not records.exists():
        raise SystemExit(
            f"no mention records at {records}: run benchmarks/scale.py first, or pass --records"
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; records {records}"
    )
    print(
        f"{'copies':>6} {'setting':>9} {'documents':>10} {'layer rows':>10} {'peak MB':>8} "
        f"{'wall s':>7} {'CPU s':>7}"
    )
    figures: list[dict[str, Any]] = []
    for copies in sorted(args.copies):
        for setting, cap in (("capped", MAX_DOCUMENT_ROWS), ("uncapped", UNCAPPED)):
            started = time.strftime("%H:%M:%S")
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "counts"
                cmd = [sys.executable, "-c", _RUN, str(records), str(copies), str(cap), str(report)]
                r = measured(cmd)
                if r["code"] != 0:
                    raise SystemExit(f"{setting} x{copies} failed (exit {r['code']})")
                seen, rows = map(int, report.read_text(encoding="utf-8").split())
            row = {
                "copies": copies,
                "setting": setting,
                "documents": seen,
                "documents_layer": rows,
                "peak_mb": round(r["maxrss_kb"] / 1024, 1),
                "wall_s": round(r["wall"], 1),
                "cpu_s": round(r["cpu"], 1),
                "started": started,
            }
            figures.append(row)
            print(
                f"{copies:>6} {setting:>9} {seen:>10,} {rows:>10,} {row['peak_mb']:>8.1f} "
                f"{row['wall_s']:>7.1f} {row['cpu_s']:>7.1f}",
                flush=True,
            )
    for setting in ("capped", "uncapped"):
        rows = [f for f in figures if f["setting"] == setting]
        if len(rows) > 1:
            ratio = rows[-1]["peak_mb"] / rows[0]["peak_mb"]
            print(
                f"{setting}: peak at {rows[-1]['copies']} copies / {rows[0]['copies']}: {ratio:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
