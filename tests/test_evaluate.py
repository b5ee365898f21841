"""The geoparsing metrics on hand-made cases, and the scorer's sanity on the real corpora.

The hand-made cases pin each rule of ``docs/GEOPARSING_BENCHMARKS.md`` §5: one-to-one
lenient matching, strict offsets, the 161 km boundary, predictions without a point, AUC,
the end-to-end definition. The corpus tests prove the scorer is sane: the oracle (gold in,
gold out) is perfect, and the geotext-like baseline lands in the expected band.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ConfigurationError, DataError
from geo.models import Mention, Place, Resolution
from geo.parse.evaluate import (
    MAX_ERROR_KM,
    GoldDoc,
    GoldToponym,
    Prediction,
    auc,
    collect_errors,
    end_to_end,
    error_km,
    evaluate,
    geonameid_of,
    haversine_km,
    load_corpus,
    match_end_to_end,
    match_lenient,
    match_strict,
    prediction_from_resolution,
    recognition,
    resolution_pairs,
    split,
    split_index,
    summarize_resolution,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("GEO_BENCH_DIR") or ROOT.parent / "shared" / "bench")
KM_PER_DEGREE = math.pi * 6371.0 / 180  # along a meridian, on the 6,371 km sphere


def gold(start: int, end: int, lat: float = 0.0, lon: float = 0.0, **kw: object) -> GoldToponym:
    return GoldToponym(start, end, "x" * (end - start), lat, lon, **kw)  # type: ignore[arg-type]


def pred(
    start: int, end: int, lat: float | None = 0.0, lon: float | None = 0.0, **kw: object
) -> Prediction:
    return Prediction(start, end, "x" * (end - start), lat, lon, **kw)  # type: ignore[arg-type]


def north_of_origin(km: float) -> float:
    """Latitude of the point *km* north of (0, 0)."""
    return km / KM_PER_DEGREE


# --------------------------------------------------------------------------- distance


def test_haversine_known_distances() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=1e-3)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0)
    # Copenhagen - Oslo, about 483 km great-circle
    assert haversine_km(55.6761, 12.5683, 59.9139, 10.7522) == pytest.approx(483, abs=3)
    assert haversine_km(10, 20, -30, 40) == pytest.approx(haversine_km(-30, 40, 10, 20))


# --------------------------------------------------------------------------- recognition


def test_lenient_is_one_to_one_when_one_prediction_covers_two_names() -> None:
    g = [gold(0, 5), gold(6, 10)]  # "Falls Church" annotated as two names, say
    p = [pred(0, 10)]
    counts = recognition(g, p)
    assert (counts.tp, counts.fp, counts.fn) == (1, 0, 1)


def test_lenient_is_one_to_one_when_two_predictions_hit_one_name() -> None:
    g = [gold(0, 10)]
    p = [pred(0, 4), pred(5, 10)]
    counts = recognition(g, p)
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 0)


def test_lenient_prefers_the_largest_overlap() -> None:
    g = [gold(0, 5), gold(6, 20)]
    p = [pred(3, 15)]  # 2 characters of the first name, 9 of the second
    assert match_lenient(g, p) == [(1, 0)]


def test_lenient_matching_is_maximum_not_greedy() -> None:
    # Greedy by largest overlap pairs the long prediction with gold 0 (5 chars) and leaves
    # gold 1 and the short prediction unmatched; the maximum matching finds both pairs.
    g = [gold(0, 10), gold(10, 12)]
    p = [pred(5, 12), pred(0, 3)]
    assert match_lenient(g, p) == [(0, 1), (1, 0)]
    assert recognition(g, p).f1 == 1.0


def test_lenient_matching_ignores_prediction_order() -> None:
    g = [gold(0, 10), gold(10, 12), gold(20, 30)]
    p = [pred(5, 12), pred(0, 3), pred(22, 25), pred(19, 31)]
    forward = {(gi, (p[pj].start, p[pj].end)) for gi, pj in match_lenient(g, p)}
    rev = p[::-1]
    backward = {(gi, (rev[pj].start, rev[pj].end)) for gi, pj in match_lenient(g, rev)}
    assert forward == backward
    assert (20, 30) in {(g[gi].start, g[gi].end) for gi, _ in forward}


def test_touching_spans_do_not_overlap() -> None:
    assert match_lenient([gold(0, 5)], [pred(5, 9)]) == []
    assert match_lenient([gold(0, 5)], [pred(3, 3)]) == []  # empty prediction


def test_strict_needs_exact_offsets() -> None:
    g = [gold(0, 6), gold(10, 15)]
    p = [pred(0, 5), pred(10, 15)]  # "Norway" found as "Norwa"
    lenient, strict = recognition(g, p), recognition(g, p, strict=True)
    assert (lenient.tp, lenient.fp, lenient.fn) == (2, 0, 0)
    assert (strict.tp, strict.fp, strict.fn) == (1, 1, 1)


def test_strict_duplicate_prediction_counts_once() -> None:
    assert match_strict([gold(0, 5)], [pred(0, 5), pred(0, 5)]) == [(0, 0)]
    counts = recognition([gold(0, 5)], [pred(0, 5), pred(0, 5)], strict=True)
    assert (counts.tp, counts.fp) == (1, 1)


def test_empty_inputs_give_zero_not_errors() -> None:
    counts = recognition([], [])
    assert (counts.precision, counts.recall, counts.f1) == (0.0, 0.0, 0.0)
    assert recognition([gold(0, 3)], []).recall == 0.0
    assert recognition([], [pred(0, 3)]).precision == 0.0


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(("km", "within"), [(160.999, True), (161.001, False)])
def test_161_km_boundary(km: float, within: bool) -> None:
    g = [gold(0, 5, 0.0, 0.0)]
    p = [pred(0, 5, north_of_origin(km), 0.0)]
    assert error_km(g[0], p[0]) == pytest.approx(km)
    summary = summarize_resolution(resolution_pairs(g, p))
    assert summary.acc161 == (1.0 if within else 0.0)
    assert summary.acc25 == 0.0
    assert end_to_end(g, p).tp == int(within)


def test_25_km_threshold() -> None:
    g = [gold(0, 5), gold(10, 15)]
    p = [pred(0, 5, north_of_origin(24.9), 0), pred(10, 15, north_of_origin(25.1), 0)]
    summary = summarize_resolution(resolution_pairs(g, p))
    assert summary.acc25 == 0.5
    assert summary.acc161 == 1.0


def test_auc_of_zero_error_is_zero() -> None:
    assert auc([0.0, 0.0]) == 0.0
    g = [gold(0, 5, 48.85, 2.35)]
    summary = summarize_resolution(resolution_pairs(g, [pred(0, 5, 48.85, 2.35)]))
    assert (summary.auc, summary.median_km, summary.mean_km, summary.acc161) == (0, 0, 0, 1)


def test_auc_formula_and_cap() -> None:
    assert auc([100.0]) == pytest.approx(math.log(101) / math.log(MAX_ERROR_KM))
    assert auc([math.inf]) == pytest.approx(math.log1p(MAX_ERROR_KM) / math.log(MAX_ERROR_KM))
    assert math.isnan(auc([]))


def test_prediction_without_point_counts_for_recognition_but_misses_resolution() -> None:
    g = [gold(0, 5, 10.0, 10.0), gold(10, 15, 0.0, 0.0)]
    p = [pred(0, 5, None, None), pred(10, 15, 0.0, 0.0)]
    assert recognition(g, p).f1 == 1.0
    e2e = end_to_end(g, p)
    assert (e2e.tp, e2e.fp, e2e.fn) == (1, 1, 1)
    summary = summarize_resolution(resolution_pairs(g, p))
    assert summary.acc161 == 0.5
    assert summary.no_point == 1
    assert summary.mean_km == pytest.approx(MAX_ERROR_KM / 2)  # errors 20,039 and 0
    assert summary.median_km == pytest.approx(MAX_ERROR_KM / 2)
    assert error_km(g[0], p[0]) == math.inf


def test_exact_id_and_country() -> None:
    g = [
        gold(0, 5, geonameid="1", country="DK"),
        gold(10, 15, geonameid="2", country="NO"),
        gold(20, 25, geonameid="3"),
        gold(30, 35),  # no gold id (a street): not counted
    ]
    p = [
        pred(0, 5, geonameid="1", country="dk"),
        pred(10, 15, geonameid="9", country="SE"),
        pred(20, 25),  # carries no id
        pred(30, 35, geonameid="4"),
    ]
    s = summarize_resolution(resolution_pairs(g, p))
    assert (s.exact_id, s.exact_id_n) == (0.5, 2)
    assert (s.exact_id_all, s.exact_id_gold_n) == (pytest.approx(1 / 3), 3)
    assert (s.country, s.country_n) == (0.5, 2)


# --------------------------------------------------------------------------- end to end


def test_e2e_true_positive_needs_overlap_and_distance() -> None:
    g = [gold(0, 5, 0, 0), gold(10, 15, 0, 0)]
    p = [
        pred(0, 5, 0, 0),  # right place: TP
        pred(10, 15, 40, 40),  # right span, wrong place: FP, and gold 1 is FN
        pred(20, 25, 0, 0),  # no gold there: FP
    ]
    counts = end_to_end(g, p)
    assert (counts.tp, counts.fp, counts.fn) == (1, 2, 1)


def test_e2e_prefers_the_pair_within_161_km() -> None:
    g = [gold(0, 10, 0, 0)]
    far_big = pred(0, 10, 30, 30)  # larger overlap, wrong place
    near_small = pred(2, 5, 0, 0)  # smaller overlap, right place
    for p in ([far_big, near_small], [near_small, far_big]):
        counts = end_to_end(g, p)
        assert (counts.tp, counts.fp, counts.fn) == (1, 1, 0)
    assert match_end_to_end(g, [far_big, near_small]) == [(0, 1)]
    # Lenient recognition still pairs the larger overlap.
    assert match_lenient(g, [far_big, near_small]) == [(0, 0)]


def test_e2e_is_one_to_one() -> None:
    g = [gold(0, 10, 0, 0)]
    p = [pred(0, 4, 0, 0), pred(5, 10, 0, 0)]
    counts = end_to_end(g, p)
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 0)


# --------------------------------------------------------------------------- corpus level


def _doc(doc_id: str, *toponyms: GoldToponym) -> GoldDoc:
    return GoldDoc(doc_id, "x" * 100, toponyms)


def test_evaluate_micro_averages_and_counts_missing_documents_as_empty() -> None:
    docs = [
        _doc("a", gold(0, 5), gold(10, 15)),
        _doc("b", gold(0, 5)),
        _doc("c", gold(0, 5, type="Literal"), gold(10, 15, type="Metonymic")),
    ]
    preds = {
        "a": [pred(0, 5), pred(10, 15), pred(20, 25)],
        "c": [pred(0, 5)],
    }  # "b" is missing: nothing found there
    s = evaluate(docs, preds)
    assert (s.lenient.tp, s.lenient.fp, s.lenient.fn) == (3, 1, 2)
    assert s.lenient.precision == 0.75
    assert s.lenient.recall == 0.6
    assert (s.n_gold, s.n_pred, s.n_docs) == (5, 4, 3)
    assert s.literal_lenient is not None
    assert (s.literal_lenient.tp, s.literal_lenient.fn) == (1, 0)
    report = collect_errors(docs, preds)
    assert len(report.false_positives) == s.lenient.fp
    assert len(report.false_negatives) == s.lenient.fn
    assert report.false_negatives[0].doc == "b"
    json.dumps(s.to_dict())  # plain data


def test_collect_errors_far_off() -> None:
    docs = [_doc("a", gold(0, 5, 0, 0), gold(10, 15, 0, 0))]
    preds = {"a": [pred(0, 5, 10, 10), pred(10, 15, None, None)]}
    far = collect_errors(docs, preds).far_off
    assert [c.km for c in far] == [pytest.approx(haversine_km(0, 0, 10, 10)), math.inf]


# --------------------------------------------------------------------------- corpora


def test_split_is_70_30_in_file_order() -> None:
    docs = [_doc(str(i)) for i in range(200)]
    train, test = split(docs, "train"), split(docs, "test")
    assert (len(train), len(test)) == (140, 60)
    assert train + test == docs
    assert split(docs, "all") == docs
    assert (split_index(118), split_index(229)) == (82, 160)
    with pytest.raises(ConfigurationError, match="unknown part"):
        split(docs, "dev")


def test_load_corpus_reads_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "mini.jsonl"
    good = {
        "id": "d1",
        "text": "From Ankara to Turkey.",
        "toponyms": [
            {"start": 15, "end": 21, "surface": "Turkey", "lat": 39, "lon": 35,
             "geonameid": 298795, "country": "Turkey"},
            {"start": 5, "end": 11, "surface": "Ankara", "lat": 39.9, "lon": 32.9,
             "geonameid": None, "type": "Literal"},
        ],
    }  # fmt: skip
    path.write_text(json.dumps(good) + "\n\n", encoding="utf-8")
    (doc,) = load_corpus(path)
    assert [t.surface for t in doc.toponyms] == ["Ankara", "Turkey"]  # sorted by start
    assert doc.toponyms[1].geonameid == "298795"
    assert doc.toponyms[1].country == "TR"  # GeoNames country name → ISO code
    assert doc.toponyms[0].geonameid is None
    assert doc.toponyms[0].type == "Literal"

    bad = dict(good, id="d2")
    bad["toponyms"] = [dict(good["toponyms"][0], start=14)]  # type: ignore[index]
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_corpus(path)
    assert len(info.value.problems) == 2
    assert f"{path}:2" in info.value.problems[0]
    assert f"{path}:3" in info.value.problems[1]
    with pytest.raises(DataError, match="cannot read"):
        load_corpus(tmp_path / "absent.jsonl")


# --------------------------------------------------------------------------- adapters


def test_prediction_from_resolution() -> None:
    mention = Mention("d", 5, 11, "Ankara", "From Ankara.", 0)
    place = Place("geonames:323786", "Ankara", "admin1", "TR", 39.92, 32.85, 3_517_182)
    p = prediction_from_resolution(Resolution(mention, place, 0.9, "population"))
    assert (p.start, p.end, p.lat, p.lon, p.geonameid, p.country) == (
        5, 11, 39.92, 32.85, "323786", "TR"
    )  # fmt: skip
    unresolved = prediction_from_resolution(Resolution(mention, None, 0.0, "no candidate"))
    assert (unresolved.start, unresolved.has_point, unresolved.reason) == (5, False, "no candidate")


def test_geonameid_of_place_ids() -> None:
    assert geonameid_of("geonames:2618425") == "2618425"
    assert geonameid_of("country:DK") == "2623032"
    assert geonameid_of("icao:ENEV") is None
    assert geonameid_of("no-evenes") is None


# --------------------------------------------------------------------------- properties

spans = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=7,
)


def _brute_force(g: list[tuple[int, int]], p: list[tuple[int, int]]) -> tuple[int, int]:
    """Best (pairs, total overlap) by trying every assignment; for tiny inputs only."""
    best = (0, 0)

    def go(i: int, used: frozenset[int], n: int, total: int) -> None:
        nonlocal best
        if i == len(g):
            best = max(best, (n, total))
            return
        go(i + 1, used, n, total)
        for j, (ps, pe) in enumerate(p):
            shared = min(g[i][1], pe) - max(g[i][0], ps)
            if j not in used and shared > 0:
                go(i + 1, used | {j}, n + 1, total + shared)

    go(0, frozenset(), 0, 0)
    return best


@settings(max_examples=200, deadline=None)
@given(spans, spans)
def test_matching_is_optimal_and_one_to_one(
    g_spans: list[tuple[int, int]], p_spans: list[tuple[int, int]]
) -> None:
    g = [gold(s, e) for s, e in g_spans]
    p = [pred(s, e) for s, e in p_spans]
    pairs = match_lenient(g, p)
    assert len({gi for gi, _ in pairs}) == len(pairs) == len({pj for _, pj in pairs})
    shared = [min(g[gi].end, p[pj].end) - max(g[gi].start, p[pj].start) for gi, pj in pairs]
    assert all(s > 0 for s in shared)
    assert (len(pairs), sum(shared)) == _brute_force(g_spans, p_spans)
    assert match_lenient(g, p) == pairs  # deterministic


# --------------------------------------------------------------------------- real corpora


def _load_benchmark_script() -> ModuleType:
    path = ROOT / "benchmarks" / "geoparse.py"
    spec = importlib.util.spec_from_file_location("bench_geoparse", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    module = _load_benchmark_script()
    yield module
    sys.modules.pop("bench_geoparse", None)


@pytest.fixture(scope="module")
def gwn_test() -> list[GoldDoc]:
    path = BENCH / "geowebnews.jsonl"
    if not path.is_file():
        pytest.skip(f"benchmark corpora not found at {BENCH} (set GEO_BENCH_DIR)")
    return split(load_corpus(path), "test")


def test_oracle_is_perfect_on_the_gwn_test_split(
    bench: ModuleType, gwn_test: list[GoldDoc]
) -> None:
    oracle = bench.oracle_system({"geowebnews": gwn_test})
    s = evaluate(gwn_test, {doc.id: oracle(doc) for doc in gwn_test})
    assert s.n_gold == 763
    for counts in (s.lenient, s.strict, s.e2e):
        assert (counts.precision, counts.recall, counts.f1) == (1.0, 1.0, 1.0)
    assert s.resolution.acc161 == 1.0
    assert (s.resolution.auc, s.resolution.median_km) == (0.0, 0.0)
    assert s.resolution.exact_id == 1.0


def test_baseline_lands_in_the_expected_band_on_gwn_test(
    bench: ModuleType, gwn_test: list[GoldDoc]
) -> None:
    baseline = bench.GeotextBaseline()
    s = evaluate(gwn_test, {doc.id: baseline(doc) for doc in gwn_test})
    assert 0.15 <= s.e2e.f1 <= 0.45
    assert s.e2e.f1 < s.lenient.f1 < 1.0


def test_cli_writes_json_and_explains_a_missing_system(
    bench: ModuleType,
    gwn_test: list[GoldDoc],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "scores.json"
    argv = ["--system", "oracle", "--corpus", "geowebnews", "--no-speed", "--errors", "3"]
    assert bench.main([*argv, "--bench-dir", str(BENCH), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scores"]["geowebnews"]["test"]["end_to_end_161"]["f1"] == 1.0
    assert "e2e F1@161" in capsys.readouterr().out

    monkeypatch.setattr(bench.importlib.util, "find_spec", lambda name: None)
    assert bench.main(["--system", "geo", "--no-speed", "--bench-dir", str(BENCH)]) == 2
    assert "geo.parse.pipeline" in capsys.readouterr().err

    assert bench.main(["--system", "oracle", "--bench-dir", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


def test_geo_system_reports_a_missing_module(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "geo.parse.pipeline", None)  # makes the import fail
    with pytest.raises(bench.BenchmarkError, match="does not exist yet"):
        bench.geo_system()
