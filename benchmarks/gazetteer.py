"""Gazetteer index: cold build time, warm load time, peak memory and lookups per second.

Usage: ``python benchmarks/gazetteer.py``. Each phase runs in a fresh Python process so
the figures are what a user sees: the build into an empty temporary cache (cold), then a
load from that cache (warm), then lookups of 200,000 names drawn from the index itself
(display names of random places: mostly towns, as users and documents write them) through
``Gazetteer.get`` and through ``Gazetteer.entries`` (the geoparser's path). Peak memory
is the process's maximum resident set size. Targets (issue 2): build ≤ 20 s, load ≤ 1 s,
≤ 1 GB, ≥ 100,000 lookups/s.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PHASE = r"""
import json, resource, sys, time, random
t0 = time.perf_counter()
from geo.gazetteer import load_gazetteer
gaz = load_gazetteer()
took = time.perf_counter() - t0
out = {"seconds": took, "places": len(gaz), "names": len(gaz.names)}
if sys.argv[1] == "lookups":
    rng = random.Random(7)
    # Display names of random places: what users and documents write.
    picks = rng.sample(range(len(gaz.places)), 200_000)
    names = [gaz.places[i].name for i in picks]
    t = time.perf_counter()
    for n in names:
        gaz.get(n)
    out["get_per_s"] = len(names) / (time.perf_counter() - t)
    t = time.perf_counter()
    for n in names:
        gaz.entries(n)
    out["entries_per_s"] = len(names) / (time.perf_counter() - t)
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def phase(name: str, cache: Path) -> dict[str, float]:
    env = {**os.environ, "GEO_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _PHASE, name],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp:
        cache = Path(tmp)
        build = phase("build", cache)
        load = phase("load", cache)
        lookups = phase("lookups", cache)
    py = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {py}")
    print(f"index: {build['places']:,} places, {build['names']:,} names")
    b = build
    print(f"build (cold, empty cache): {b['seconds']:.1f} s, peak {b['peak_rss_mb']:.0f} MB")
    print(f"load (warm, from cache):   {load['seconds']:.2f} s, peak {load['peak_rss_mb']:.0f} MB")
    print(f"lookups, Gazetteer.get:     {lookups['get_per_s']:,.0f} /s")
    print(f"lookups, Gazetteer.entries: {lookups['entries_per_s']:,.0f} /s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
