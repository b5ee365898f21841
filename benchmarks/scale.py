"""Issue 14: throughput and peak memory of ``geo extract`` on corpora of 10 to 500 MB.

Usage::

    python benchmarks/scale.py [--sizes 10 100 500] [--scratch DIR] [--bench-dir DIR]
                               [--corpus-format jsonl|jsonl.gz|csv|parquet]
                               [--engines single dask1 dask2]
                               [--json OUT]

For each size (MB of article text) a corpus is built in the scratch folder (default
``<cache dir>/bench-scale``, never the repository) by repeating the texts of the bench
corpora (``../shared/bench/*.jsonl``, read in place, override with ``--bench-dir`` or
``$GEO_BENCH_DIR``) with distinct ids (``geovirus-12~r3``), as JSON Lines, one gzip
file of JSON Lines or one CSV file (both of which the Dask engine's driver reads and
cuts into partitions) or Parquet in row groups of 1,000. A corpus already there with the same
size is reused.

Each engine runs ``python -m geo.cli extract CORPUS -o OUT`` in a fresh subprocess,
measured from a small wrapper process with ``resource.getrusage(RUSAGE_CHILDREN)``:

* throughput: MB of text per second of wall-clock time (start-up, gazetteer load and,
  for Dask, cluster start included);
* peak memory: the largest resident set of any one process of the run (``ru_maxrss``
  over the process and its descendants: for Dask the driver or a worker, not the sum);
* CPU seconds: user + system of every process of the run.

Engines: ``single`` (the default engine, one process, Parquet output), ``dask1`` and
``dask2`` (``--engine dask --workers 1|2 --partition-mb 2``: a LocalCluster on 127.0.0.1,
2 MB JSON Lines partitions so that even 10 MB give both workers work). The speed-up
is dask2's throughput over dask1's. The single process's peak memory must stay flat:
the ratio of its peak at the largest size to the smallest is printed (target: within
20%, ratio <= 1.2).

``--stage2`` then times the second stage on the Parquet parts the Dask run wrote
(``out-dask2/``, or ``out-dask1/``) and on the single run's one file
(``out-single.parquet``, shared between workers by row groups); ``--engines`` with no
engine reuses the records of an earlier run:
:func:`geo.layers.aggregate.build_layers_from_mentions` (aggregation of every record,
the layers' frames and their validation, what ``geo build`` and ``geo export
--from-mentions`` do before writing) in one process, and on Dask on 1 and 2 local
workers (``aggregate=partial(aggregate_dask, workers=N)``, what ``--engine dask``
passes), each in a fresh subprocess measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(ROOT))

CORPORA = ("geowebnews", "trnews", "geovirus")
ENGINES = {
    "single": [],
    "dask1": ["--engine", "dask", "--workers", "1", "--partition-mb", "2"],
    "dask2": ["--engine", "dask", "--workers", "2", "--partition-mb", "2"],
}
MB = 1_000_000

# Runs the command given as arguments and prints its children's resource use as JSON.
_WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": r.ru_utime + r.ru_stime,
                  "maxrss_kb": r.ru_maxrss}))
"""


def bench_dir(given: str | None) -> Path:
    path = Path(given or os.environ.get("GEO_BENCH_DIR") or ROOT.parent / "shared" / "bench")
    missing = [c for c in CORPORA if not (path / f"{c}.jsonl").is_file()]
    if missing:
        raise SystemExit(f"bench corpora not found in {path} (missing {', '.join(missing)})")
    return path


def source_texts(bench: Path) -> list[tuple[str, str]]:
    """(id, text) of every document of the bench corpora, in corpus order."""
    docs = []
    for name in CORPORA:
        with (bench / f"{name}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    docs.append((str(record["id"]), record["text"]))
    return docs


def build_corpus(folder: Path, size_mb: int, fmt: str, docs: list[tuple[str, str]]) -> Path:
    """A corpus of at least *size_mb* MB of text (UTF-8), reused when already built."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"corpus-{size_mb}mb.{fmt}"
    marker = path.with_suffix(path.suffix + ".done")
    if path.is_file() and marker.is_file():
        return path
    target = size_mb * MB
    written = 0

    def rows() -> Any:
        nonlocal written
        copy = 0
        while True:
            for doc_id, text in docs:
                yield {"id": f"{doc_id}~r{copy}", "text": text}
                written += len(text.encode("utf-8"))
                if written >= target:
                    return
            copy += 1

    tmp = path.with_name(path.name + ".tmp")
    if fmt.startswith("jsonl"):
        import gzip

        opener = gzip.open if fmt == "jsonl.gz" else open
        with opener(tmp, "wt", encoding="utf-8") as handle:
            for row in rows():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        import csv

        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            for row in rows():
                writer.writerow([row["id"], row["text"]])
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("id", pa.string()), ("text", pa.string())])
        with pq.ParquetWriter(tmp, schema) as writer:
            batch: list[dict[str, str]] = []
            for row in rows():
                batch.append(row)
                if len(batch) == 1000:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    os.replace(tmp, path)
    marker.write_text(str(written), encoding="utf-8")
    return path


def text_bytes(path: Path) -> int:
    return int(path.with_suffix(path.suffix + ".done").read_text(encoding="utf-8"))


def measured(cmd: list[str]) -> dict[str, Any]:
    """Run *cmd* under the wrapper: its exit code, wall and CPU seconds, peak memory."""
    wrapped = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(wrapped.stdout)
    return result


def run_engine(corpus: Path, engine: str, out: Path) -> dict[str, Any]:
    import shutil

    if out.is_dir():
        shutil.rmtree(out)
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "geo.cli", "extract", str(corpus), "-q", "-o", str(out)]
    cmd += ENGINES[engine]
    result = measured(cmd)
    if result["code"] not in (0, 1):  # 1: some names unresolved, as on every real corpus
        raise SystemExit(f"{engine} failed on {corpus} (exit {result['code']})")
    return result


_STAGE2 = (
    "import sys\n"
    "from functools import partial\n"
    "from geo.layers.aggregate import build_layers_from_mentions\n"
    "from geo.scale.engine import aggregate_dask\n"
    "workers = int(sys.argv[3]) or None\n"
    "fold = partial(aggregate_dask, workers=workers) if sys.argv[2] == 'dask' else None\n"
    "layers = build_layers_from_mentions(sys.argv[1], aggregate=fold)\n"
    "print(len(layers.mentions), len(layers.places), file=sys.stderr)\n"
)


def stage2(scratch: Path, size: int) -> list[dict[str, Any]]:
    """Time the layers from the Dask run's parts and from the single run's one file.

    Each source is aggregated in one process and on Dask with 1 and 2 workers: the parts
    are shared out as runs of consecutive files, the one file as runs of its row groups.
    """
    sources = [p for p in (scratch / "out-dask2", scratch / "out-dask1") if p.is_dir()][:1]
    if (scratch / "out-single.parquet").is_file():
        sources.append(scratch / "out-single.parquet")
    if not sources:
        print(f"{size:>6} stage 2: no Parquet records from an earlier run in {scratch}")
        return []
    rows = []
    for source in sources:
        files = sorted(source.glob("*.parquet")) if source.is_dir() else [source]
        records = sum(pq_rows(p) for p in files)
        groups = sum(pq_groups(p) for p in files)
        name = source.name + ("/" if source.is_dir() else "")
        print(
            f"{size:>6} stage 2 on {name} ({records:,} mention records, {len(files)} files, "
            f"{groups} row groups)"
        )
        rows.extend(_stage2_runs(source, name, size, records))
    return rows


def _stage2_runs(source: Path, name: str, size: int, records: int) -> list[dict[str, Any]]:
    """The three stage-2 runs on one source: single process, Dask on 1 and 2 workers."""
    rows = []
    for label, engine, workers in (
        ("single", "single", 0),
        ("dask1", "dask", 1),
        ("dask2", "dask", 2),
    ):
        cmd = [sys.executable, "-c", _STAGE2, str(source), engine, str(workers)]
        started = time.strftime("%H:%M:%S")
        r = measured(cmd)
        if r["code"] != 0:
            raise SystemExit(f"stage 2 {label} failed on {source} (exit {r['code']})")
        row = {
            "size_mb": size,
            "stage": 2,
            "source": name,
            "engine": label,
            "records": records,
            "records_per_s": round(records / r["wall"]),
            "wall_s": round(r["wall"], 1),
            "cpu_s": round(r["cpu"], 1),
            "peak_mb": round(r["maxrss_kb"] / 1024, 1),
            "started": started,
        }
        rows.append(row)
        print(
            f"{size:>6} {label:>7} {row['records_per_s']:>9,} rec/s {row['wall_s']:>7.1f} s wall "
            f"{row['cpu_s']:>7.1f} s CPU {row['peak_mb']:>8.1f} MB peak",
            flush=True,
        )
    speedup = rows[1]["wall_s"] / rows[2]["wall_s"]
    print(f"{size:>6} stage 2 on {name}: speed-up of 2 workers over 1: {speedup:.2f}x")
    return rows


def pq_rows(path: Path) -> int:
    """Rows of one Parquet file, from its footer."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def pq_groups(path: Path) -> int:
    """Row groups of one Parquet file, from its footer."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_row_groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500], metavar="MB")
    parser.add_argument("--scratch", type=Path, help="where corpora are built")
    parser.add_argument("--bench-dir")
    parser.add_argument(
        "--corpus-format", choices=("jsonl", "jsonl.gz", "csv", "parquet"), default="jsonl"
    )
    parser.add_argument("--engines", nargs="*", choices=tuple(ENGINES), default=list(ENGINES))
    parser.add_argument("--stage2", action="store_true", help="also time --from-mentions")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    from geo import settings

    scratch = args.scratch or settings.cache_dir / "bench-scale"
    docs = source_texts(bench_dir(args.bench_dir))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; scratch {scratch}"
    )
    print(f"{'size':>6} {'engine':>7} {'MB/s':>7} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    figures: list[dict[str, Any]] = []
    for size in sorted(args.sizes):
        corpus = build_corpus(scratch, size, args.corpus_format, docs)
        mb = text_bytes(corpus) / MB
        for engine in args.engines:
            out = scratch / (f"out-{engine}" + (".parquet" if engine == "single" else ""))
            started = time.strftime("%H:%M:%S")
            r = run_engine(corpus, engine, out)
            row = {
                "size_mb": size,
                "text_mb": round(mb, 1),
                "engine": engine,
                "mb_per_s": round(mb / r["wall"], 3),
                "wall_s": round(r["wall"], 1),
                "cpu_s": round(r["cpu"], 1),
                "peak_mb": round(r["maxrss_kb"] / 1024, 1),
                "started": started,
            }
            figures.append(row)
            print(
                f"{size:>6} {engine:>7} {row['mb_per_s']:>7.3f} {row['wall_s']:>8.1f} "
                f"{row['cpu_s']:>8.1f} {row['peak_mb']:>8.1f}",
                flush=True,
            )
        by = {f["engine"]: f for f in figures if f["size_mb"] == size}
        if "dask1" in by and "dask2" in by:
            speedup = by["dask2"]["mb_per_s"] / by["dask1"]["mb_per_s"]
            print(f"{size:>6} speed-up of 2 workers over 1: {speedup:.2f}x")
        if args.stage2:
            figures.extend(stage2(scratch, size))
    singles = [f for f in figures if f["engine"] == "single" and "stage" not in f]
    if len(singles) > 1:
        ratio = singles[-1]["peak_mb"] / singles[0]["peak_mb"]
        verdict = "within 20%" if ratio <= 1.2 else "NOT within 20%"
        print(
            f"single-process peak memory, {singles[-1]['size_mb']} MB / {singles[0]['size_mb']} MB:"
            f" {ratio:.2f} ({verdict})"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
