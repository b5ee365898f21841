"""Speed per core of the whole tool (issue 14): extract, resolve, build, start-up.

Usage::

    python benchmarks/speed.py [--size-mb 20] [--bench-dir DIR] [--skip-build] [--json OUT]

What it prints, side by side from one run (the machine is shared, so ratios measured
together mean more than absolute times):

- ``geo extract`` as a whole process (``python -m geo.cli extract``, pinned to one core,
  JSON Lines written to a file): the **first pass** over one copy of the benchmark
  corpora (about 1.1 MB; every name is new to the process, start-up included) and the
  **20 MB corpus** (the corpora repeated with distinct ids), whose marginal speed
  ``(bytes_20 - bytes_1) / (time_20 - time_1)`` is the **steady state** once the names
  have been met. Wall and CPU seconds (user + system) are both shown; the MB/s use CPU
  seconds, which another job on the machine does not inflate.
- The same in one process (gazetteer loaded, one short warm-up text): the first pass and
  the median of three later passes of ``geoparse`` plus the records' JSON encoding.
- A **geotext-style baseline**, implemented here: one regular expression for runs of
  capitalised words and one set lookup per run in the gazetteer's name keys (the same
  index ``geo`` reads), the hits encoded as JSON. It finds about half the places; it is
  the floor of what recognizing names costs. Timed the same two ways (in process, and as
  a whole process that loads the keys, reads the corpus and writes its hits); the
  ratios ``baseline MB/s / geo MB/s`` are printed (≤ 1.0 means geo is as fast).
- ``geo resolve Evenes`` wall time, ``geo --version`` and the import time of the CLI.
- ``geo build`` against ``geo extract`` on the same 20 MB corpus (CPU-time ratio).
- The seeds map, ``geo build seeds/ -o map.html``, end to end.
- The SHA-256 of the extract output of the 1.1 MB copy and of the seeds, so a speed
  change can be checked to leave every record byte-identical.

The corpora are read in place from ``../shared/bench`` (never copied into the
repository); the repeated corpus is written under the cache folder
(``geo.settings.cache_dir / "bench-speed"``) and reused while the inputs are unchanged.
The index must already be built (``make index``); start-up timings assume it is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CORPORA = ("geowebnews", "trnews", "geovirus")


# --------------------------------------------------------------------------- corpus


def _bench_docs(bench_dir: Path) -> list[tuple[str, str]]:
    """(id, text) of every document of the three benchmark corpora, in file order."""
    out: list[tuple[str, str]] = []
    for name in CORPORA:
        path = bench_dir / f"{name}.jsonl"
        if not path.is_file():
            msg = f"corpus file {str(path)!r} not found; use --bench-dir or $GEO_BENCH_DIR"
            raise SystemExit(msg)
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    record = json.loads(line)
                    out.append((str(record["id"]), str(record["text"])))
    return out


def write_corpus(docs: Sequence[tuple[str, str]], copies: int, path: Path) -> int:
    """Write *docs* repeated *copies* times (ids ``<id>~<copy>``) as JSON Lines; its bytes.

    Rewritten only when missing or different, so repeated runs read the same file.
    """
    lines = []
    for copy in range(copies):
        for doc_id, text in docs:
            lines.append(json.dumps({"id": f"{doc_id}~{copy}", "text": text}, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return sum(len(text.encode("utf-8")) for _id, text in docs) * copies


# --------------------------------------------------------------------------- processes


def _pin() -> None:
    """Run the child on one core (the lowest this process may use)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_process(args: Sequence[str], *, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run ``python -m geo.cli ARGS`` (or a given command) pinned; (wall, CPU) seconds."""
    cmd = list(args) if args[0] == sys.executable else [sys.executable, "-m", "geo.cli", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_pin,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        msg = f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-2000:]}"
        raise SystemExit(msg)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best_process(args: Sequence[str], runs: int, **kw: Any) -> tuple[float, float]:
    """The run with the least CPU time of *runs* (timings only grow under load)."""
    return min((run_process(args, **kw) for _ in range(runs)), key=lambda t: t[1])


def digest(path: Path) -> str:
    """First 16 hex digits of the SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def import_summary() -> dict[str, Any]:
    """Import time of ``geo.cli`` for ``geo resolve`` (``-X importtime``) and what it loads."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "from geo.cli.main import build_parser; build_parser()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    heavy = {}
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        total += int(m.group(1))
        name = m.group(4)
        if name in ("pandas", "geopandas", "folium", "shapely", "numpy", "pyproj", "yaml"):
            heavy[name] = int(m.group(2)) / 1e6
    return {"import_seconds": total / 1e6, "heavy": heavy}


# --------------------------------------------------------------------------- baseline

# A capitalised word ("Winston-Salem", "O'Hare", "U.S."), runs of them joined by spaces.
_CAP_WORD = r"[A-ZÀ-ÖØ-ÞА-Я][\w'’.\-]*"
BASELINE_RUN = re.compile(rf"{_CAP_WORD}(?:[ \t]+{_CAP_WORD})*")


def baseline_keys() -> frozenset[str]:
    """The gazetteer's name keys (the lookup table of the baseline)."""
    from geo.gazetteer.store import load_gazetteer

    gaz = load_gazetteer()
    return frozenset(gaz.names) | frozenset(gaz.demonyms)


def baseline_parse(text: str, keys: frozenset[str]) -> list[tuple[int, int, str]]:
    """geotext's method: every capitalised run whose folded text is a known name."""
    out = []
    for m in BASELINE_RUN.finditer(text):
        run = m.group().rstrip(".'’")
        if run.lower() in keys:
            out.append((m.start(), m.start() + len(run), run))
    return out


def baseline_main(corpus: Path, output: Path) -> None:
    """The baseline as a whole process: load the keys, read JSON Lines, write hits."""
    keys = baseline_keys()
    with corpus.open(encoding="utf-8") as src, output.open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            for start, end, surface in baseline_parse(record["text"], keys):
                hit = {"doc": record["id"], "start": start, "end": end, "surface": surface}
                dst.write(json.dumps(hit, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- in process


def _passes(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """CPU seconds of the first call of *fn* and the median of the *n* calls after it."""
    times = []
    for _ in range(n + 1):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return times[0], statistics.median(times[1:])


def in_process(docs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """geo and the baseline over *docs* in this process, one pinned core."""
    from geo.gazetteer.store import load_gazetteer
    from geo.models import Document
    from geo.parse.pipeline import geoparse

    before = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    _pin()
    try:
        gaz = load_gazetteer()
        documents = [Document(id=i, text=t) for i, t in docs]
        # Warm-up on a text of its own: lazy loads (word lists, weights), not the corpus.
        list(geoparse([Document(id="w", text="Troops left Oslo for Norway.")], gazetteer=gaz))

        def geo_pass() -> None:
            for parsed in geoparse(documents, gazetteer=gaz):
                for r in parsed.resolutions:
                    json.dumps(r.to_record(), ensure_ascii=False)

        geo_first, geo_steady = _passes(geo_pass, 3)
        keys = baseline_keys()

        def baseline_pass() -> None:
            for doc_id, text in docs:
                for start, end, surface in baseline_parse(text, keys):
                    hit = {"doc": doc_id, "start": start, "end": end, "surface": surface}
                    json.dumps(hit, ensure_ascii=False)

        base_first, base_steady = _passes(baseline_pass, 3)
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)
    return {
        "geo_first_s": geo_first,
        "geo_steady_s": geo_steady,
        "baseline_first_s": base_first,
        "baseline_steady_s": base_steady,
    }


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Build the corpora, run every measure, print the table (and write --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=20.0, help="size of the big corpus")
    parser.add_argument("--bench-dir", type=Path, help="folder of the benchmark corpora")
    parser.add_argument("--skip-build", action="store_true", help="skip geo build on 20 MB")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--baseline-run", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_run:
        baseline_main(*args.baseline_run)
        return 0

    from geoparse import default_bench_dir

    from geo import settings

    bench = args.bench_dir or default_bench_dir()
    docs = _bench_docs(bench)
    scratch = Path(settings.cache_dir) / "bench-speed"
    one_bytes = write_corpus(docs, 1, scratch / "corpus-1x.jsonl")
    copies = max(2, round(args.size_mb * 1e6 / one_bytes))
    big_bytes = write_corpus(docs, copies, scratch / f"corpus-{copies}x.jsonl")
    one, big = scratch / "corpus-1x.jsonl", scratch / f"corpus-{copies}x.jsonl"
    out = scratch / "out"
    out.mkdir(exist_ok=True)
    fig: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "one_copy_bytes": one_bytes,
        "big_bytes": big_bytes,
        "copies": copies,
    }

    # Start-up.
    fig["version"] = best_process(["--version"], 3)
    fig["resolve"] = best_process(["resolve", "Evenes"], 3)
    fig["imports"] = import_summary()

    # Extract: first pass (1 copy) and the big corpus, whole process.
    ok = (0, 1)  # 1: some names stay unresolved, which the corpora have
    fig["extract_1x"] = best_process(
        ["extract", str(one), "-q", "-o", str(out / "extract-1x.jsonl")], 2, ok=ok
    )
    fig["extract_1x_sha"] = digest(out / "extract-1x.jsonl")
    fig["extract_big"] = run_process(
        ["extract", str(big), "-q", "-o", str(out / "extract-big.jsonl")], ok=ok
    )
    baseline = [sys.executable, str(Path(__file__).resolve()), "--baseline-run"]
    fig["baseline_1x"] = best_process([*baseline, str(one), str(out / "base-1x.jsonl")], 2)
    fig["baseline_big"] = run_process([*baseline, str(big), str(out / "base-big.jsonl")])

    # Seeds: the map end to end, and the extract digest.
    seeds = ROOT / "seeds"
    fig["seeds_map"] = best_process(["build", str(seeds), "-o", str(out / "seeds.html")], 2, ok=ok)
    run_process(["extract", str(seeds), "-q", "-o", str(out / "seeds.jsonl")], ok=ok)
    fig["seeds_extract_sha"] = digest(out / "seeds.jsonl")

    if not args.skip_build:
        fig["build_big"] = run_process(
            ["build", str(big), "-o", str(out / "map-big.html")], ok=(0, 1)
        )

    fig["in_process"] = in_process(docs)
    report(fig)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    return 0


def report(fig: dict[str, Any]) -> None:
    """Print the figures as one table."""
    mb1, mbb = fig["one_copy_bytes"] / 1e6, fig["big_bytes"] / 1e6

    def rate(mb: float, seconds: float) -> str:
        return f"{mb / seconds:6.2f} MB/s" if seconds > 0 else "   inf"

    w1, c1 = fig["extract_1x"]
    wb, cb = fig["extract_big"]
    bw1, bc1 = fig["baseline_1x"]
    bwb, bcb = fig["baseline_big"]
    steady = (mbb - mb1) / (cb - c1) if cb > c1 else float("inf")
    base_steady = (mbb - mb1) / (bcb - bc1) if bcb > bc1 else float("inf")
    ip = fig["in_process"]
    print(f"machine: {fig['machine']}, Python {fig['python']}, {fig['date']}")
    print(f"corpus: {mb1:.2f} MB x {fig['copies']} = {mbb:.2f} MB (UTF-8 text)")
    print("\nwhole process, one core (CPU seconds; wall in brackets)")
    print(f"  geo extract, first pass {mb1:.2f} MB   {c1:6.2f} s ({w1:.2f})  {rate(mb1, c1)}")
    print(f"  geo extract, {mbb:.1f} MB           {cb:6.2f} s ({wb:.2f})  {rate(mbb, cb)}")
    print(f"  geo extract, steady (marginal)              {steady:6.2f} MB/s")
    print(f"  baseline, first pass             {bc1:6.2f} s ({bw1:.2f})  {rate(mb1, bc1)}")
    print(f"  baseline, {mbb:.1f} MB              {bcb:6.2f} s ({bwb:.2f})  {rate(mbb, bcb)}")
    print(f"  baseline, steady (marginal)                 {base_steady:6.2f} MB/s")
    print(f"  ratio baseline/geo, steady                  {base_steady / steady:6.2f}")
    print(f"  ratio baseline/geo, first pass              {c1 / bc1:6.2f}")
    print("\nin process, one core (CPU seconds per pass)")
    g1, gs = ip["geo_first_s"], ip["geo_steady_s"]
    b1, bs = ip["baseline_first_s"], ip["baseline_steady_s"]
    print(f"  geo first pass   {g1:6.3f} s  {rate(mb1, g1)}")
    print(f"  geo steady       {gs:6.3f} s  {rate(mb1, gs)}")
    print(f"  baseline steady  {bs:6.3f} s  {rate(mb1, bs)}   (first pass {rate(mb1, b1)})")
    print(f"  ratio baseline/geo, steady  {gs / bs:6.2f}")
    print("\nstart-up and commands (best of 3; CPU s, wall in brackets)")
    for label, key in (("geo --version", "version"), ("geo resolve Evenes", "resolve")):
        w, c = fig[key]
        print(f"  {label:<28} {c:6.2f} s ({w:.2f})")
    imp = fig["imports"]
    heavy = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(imp["heavy"].items())) or "none"
    print(f"  imports of the CLI parser    {imp['import_seconds']:6.2f} s (heavy: {heavy})")
    w, c = fig["seeds_map"]
    print(f"  seeds map (geo build seeds/) {c:6.2f} s ({w:.2f})")
    if "build_big" in fig:
        w, c = fig["build_big"]
        print(f"  geo build {mbb:.1f} MB           {c:6.2f} s ({w:.2f})  {c / cb:.2f}x extract")
    print("\noutputs (SHA-256, first 16 hex digits)")
    print(f"  extract of one copy  {fig['extract_1x_sha']}")
    print(f"  extract of the seeds {fig['seeds_extract_sha']}")


if __name__ == "__main__":
    raise SystemExit(main())
