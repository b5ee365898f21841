"""Issue 14: big corpora — Parquet in and out, two stages, the Dask engine.

Unit tests (no index): Parquet corpora read like JSON Lines, bad rows reported by row
number, partitions read back to exactly the documents of ``read_documents``, the quote
selection bounded. Integration: Parquet/GeoParquet output read back with geopandas,
``--from-mentions`` layers equal to a direct build on the seeds, and (``slow``) the Dask
engine on a 2-worker ``LocalCluster`` over loopback giving the single-process records,
record for record, on the seeds and a slice of a bench corpus.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import warnings
from contextlib import redirect_stderr
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from geo.cli.main import main
from geo.errors import DocumentError, GeoWarning
from geo.io.documents import UniqueIds, plan_partitions, read_documents, read_partition
from tests.conftest import SHARED

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

BENCH = SHARED / "bench"

TEXTS = [
    "Evenes Air Station in Norway will host American aircraft.",
    "Die Regierung in Kopenhagen verhandelt über Karup und Skrydstrup.",
    "",
    "Thule, now Pituffik Space Base, lies in Greenland.",
]


def _write_parquet(path: Path, rows: list[dict[str, Any]], row_group_size: int = 2) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "id": f"a{i}",
            "text": text,
            "date": f"2024-0{i + 1}-15",
            "url": f"https://example.org/{i}",
            "source": "Example News",
            "title": f"Title {i}",
            "lang": None,
        }
        for i, text in enumerate(TEXTS)
    ]


def _same_docs(a: list[Any], b: list[Any]) -> None:
    assert [(d.id, d.text, d.title, d.date, d.url, dict(d.meta)) for d in a] == [
        (d.id, d.text, d.title, d.date, d.url, dict(d.meta)) for d in b
    ]


# ------------------------------------------------------------------------- Parquet in


@pytest.mark.unit
def test_parquet_corpus_reads_like_json_lines(tmp_path: Path) -> None:
    rows = _rows()
    corpus = _write_parquet(tmp_path / "corpus.parquet", rows)
    jsonl = tmp_path / "corpus.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    errors: list[DocumentError] = []
    from_parquet = list(read_documents(corpus, on_error=errors.append))
    assert not errors
    _same_docs(from_parquet, list(read_documents(jsonl)))
    assert from_parquet[0].meta == {"source": "Example News"}
    assert from_parquet[1].source == f"{corpus}:row 2"


@pytest.mark.unit
def test_parquet_bad_row_is_reported_by_row_number_and_the_rest_goes_on(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["text"] = None
    corpus = _write_parquet(tmp_path / "corpus.parquet", rows)
    errors: list[DocumentError] = []
    docs = list(read_documents(corpus, on_error=errors.append))
    assert [d.id for d in docs] == ["a0", "a1", "a3"]
    assert [str(e) for e in errors] == [f'{corpus}:row 3: "text" must be a string, not NoneType']


@pytest.mark.unit
def test_parquet_without_text_column_names_the_file(tmp_path: Path) -> None:
    corpus = _write_parquet(tmp_path / "x.parquet", [{"id": "1", "body": "Oslo"}])
    errors: list[DocumentError] = []
    assert list(read_documents(corpus, on_error=errors.append)) == []
    assert str(errors[0]) == (
        f"{corpus}: a Parquet corpus needs the columns id and text; missing text "
        "(columns: id, body)"
    )


@pytest.mark.unit
def test_parquet_date_column_is_an_iso_date(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table({"id": ["d"], "text": ["Oslo"], "date": [dt.date(2024, 6, 1)]})
    pq.write_table(table, tmp_path / "d.parquet")
    (doc,) = read_documents(tmp_path / "d.parquet")
    assert doc.date == "2024-06-01"


@pytest.mark.unit
def test_partitions_read_exactly_what_read_documents_reads(tmp_path: Path) -> None:
    """Folders, JSON Lines byte ranges and Parquet row groups; bad lines; duplicate ids."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(5):
        (folder / f"t{i}.txt").write_text(f"date 2022-02\n\nText {i} from Oslo.", encoding="utf-8")
    lines = [json.dumps({"id": f"j{i % 7}", "text": "Bodø " * (i % 13)}) for i in range(60)]
    lines[17] = "{not json"
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [{"id": f"t{i % 3}", "text": f"Row {i} in Tromsø"} for i in range(9)]
    _write_parquet(folder / "rows.parquet", rows, row_group_size=4)

    errors: list[str] = []
    expected = list(read_documents(folder, on_error=lambda e: errors.append(str(e))))

    part_errors: list[str] = []
    partitions = list(
        plan_partitions(
            folder,
            target_bytes=200,
            files_per_partition=2,
            on_error=lambda e: part_errors.append(str(e)),
        )
    )
    assert len({p.kind for p in partitions}) == 3
    assert len(partitions) > 8
    ids = UniqueIds(lambda e: part_errors.append(str(e)))
    got = []
    for partition in partitions:
        for doc in read_partition(partition, on_error=lambda e: part_errors.append(str(e))):
            got.append(replace(doc, id=ids(doc.id, doc.source)))
    _same_docs(got, expected)
    assert [d.source for d in got] == [d.source for d in expected]
    assert sorted(part_errors) == sorted(errors)
    assert any(":18: invalid JSON" in e for e in errors)


@pytest.mark.unit
def test_quotes_kept_per_place_are_bounded_and_chosen_like_build_layers() -> None:
    from geo.layers.aggregate import QuoteTop
    from geo.layers.build import _best_quotes
    from geo.models import Mention, Resolution

    top = QuoteTop(limit=5)
    resolutions = []
    for n in range(20_000):
        doc, sentence = f"d{n // 40}", (n % 40) // 3 * 100
        record = {"doc": doc, "sentence": f"s{sentence}", "start": n % 40, "end": n % 40 + 4}
        record.update(surface="Oslo", sentence_start=sentence)
        top.add(record)
        assert len(top) <= 15  # never more than three times the limit, whatever the corpus
        mention = Mention(doc, record["start"], record["end"], "Oslo", f"s{sentence}", sentence)
        resolutions.append(Resolution(mention=mention, place=None, score=1.0, reason=""))
    assert top.quotes() == _best_quotes(resolutions, limit=5)
    # one document only: the first mention, then one per new sentence
    single = QuoteTop(limit=3)
    for start, sentence in [(0, 0), (5, 0), (60, 50), (70, 50), (120, 100), (200, 150)]:
        single.add(
            {"doc": "x", "sentence": "s", "start": start, "end": start + 1, "surface": "O"}
            | {"sentence_start": sentence}
        )
    assert [q["start"] for q in single.quotes()] == [0, 60, 120]


def _quote_stream(seed: int, docs: int) -> list[dict[str, Any]]:
    """Records of one place over *docs* documents: few sentences, many repeats."""
    import random

    rng = random.Random(seed)
    out = []
    for d in range(docs):
        for n in range(rng.randint(1, 6)):
            sentence = rng.choice((0, 0, 100, 200, 300))
            record = {"doc": f"d{d}", "sentence": f"s{d}-{sentence}", "start": n, "end": n + 1}
            out.append(record | {"surface": "X", "sentence_start": sentence})
    return out


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(40))
def test_quote_summaries_of_consecutive_stretches_merge_exactly(seed: int) -> None:
    from geo.layers.aggregate import QuoteTop
    from geo.layers.build import _best_quotes
    from geo.models import Mention, Resolution

    records = _quote_stream(seed, docs=3 + seed % 17)
    limit = 1 + seed % 4
    whole = QuoteTop(limit)
    for record in records:
        whole.add(record)
    resolutions = [
        Resolution(
            mention=Mention(
                r["doc"], r["start"], r["end"], "X", r["sentence"], r["sentence_start"]
            ),
            place=None,
            score=1.0,
            reason="",
        )
        for r in records
    ]
    assert whole.quotes() == _best_quotes(resolutions, limit=limit)
    # cut at document boundaries into 1..5 stretches, summarise each apart, merge in order
    boundaries = [i for i in range(1, len(records)) if records[i]["doc"] != records[i - 1]["doc"]]
    cuts = sorted(set(boundaries[seed % 3 :: 1 + seed % 4]))
    pieces = [records[a:b] for a, b in zip([0, *cuts], [*cuts, len(records)], strict=True)]
    merged = QuoteTop(limit)
    for piece in pieces:
        part = QuoteTop(limit)
        for record in piece:
            part.add(record)
        merged.merge(part)
    assert merged.quotes() == whole.quotes()
    assert len(merged) <= 3 * limit


@pytest.mark.unit
def test_stage2_runs_of_row_groups_keep_their_order_and_balance_sizes(tmp_path: Path) -> None:
    from geo.io.mentions import MentionSlice
    from geo.scale.engine import _groups, _pieces, _run_rows, _sources

    files = []
    for n, size in enumerate([5, 1, 1, 1, 1, 1, 4, 2, 2, 2]):
        path = tmp_path / f"part-{n:05d}.jsonl"
        path.write_bytes(b"x" * size * 1000)
        files.append(str(path))
    pieces = [p for f in files for p in _pieces(f)]
    assert [(p.group, p.rows) for p in pieces] == [(-1, None)] * 10  # JSON Lines: whole
    groups = _groups(pieces, 4)
    assert [p for g in groups for p in g] == pieces
    assert len(groups) == 4
    assert [sum(p.size for p in g) // 1000 for g in groups] == [5, 5, 6, 4]
    assert _groups(pieces, 1) == [pieces]
    assert _groups([], 3) == []
    assert _sources(groups[0]) == files[:1]
    assert _run_rows(groups[0]) is None  # the worker reads the file and reports problems
    # One Parquet file of three row groups: a piece each, with the footer's row counts.
    table = pa.table({"id": ["a", None, "b", None, None], "doc": ["d"] * 5})
    big = str(tmp_path / "m.parquet")
    pq.write_table(table, big, row_group_size=2)
    pieces = _pieces(big)
    assert [(p.group, p.rows) for p in pieces] == [(0, (1, 1)), (1, (1, 1)), (2, (0, 1))]
    assert _run_rows(pieces) == (2, 3)
    assert _sources(pieces) == [MentionSlice(big, 0, 3)]
    assert [_sources(g) for g in _groups(pieces, 3)] == [
        [MentionSlice(big, n, n + 1)] for n in range(3)
    ]


@pytest.mark.unit
def test_slices_of_row_groups_hold_each_document_once_and_whole(tmp_path: Path) -> None:
    """Row groups cut documents anywhere; consecutive slices still read every record once."""
    from geo.io.mentions import MentionSlice, MentionWriter, read_mention_records
    from geo.models import RECORD_FIELDS

    lengths = [3, 1, 7, 2, 2, 9, 1, 1, 4, 5, 3]  # records per document; one spans groups
    records = []
    for d, length in enumerate(lengths):
        for k in range(length):
            record = dict.fromkeys(RECORD_FIELDS)
            record.update(doc=f"d{d}", start=k, end=k + 1, surface="X", id=f"p{k % 3}")
            records.append(record)
    path = tmp_path / "m.parquet"
    with MentionWriter(path, batch_rows=4) as writer:  # row groups of 4 records
        for record in records:
            writer.write(record)
    groups = 10  # ceil(38 / 4)
    key = [(r["doc"], r["start"]) for r in records]
    for cuts in ([0, groups], [0, 1, groups], [0, 3, 4, 5, groups], list(range(groups + 1))):
        slices = [MentionSlice(str(path), a, b) for a, b in itertools.pairwise(cuts)]
        parts = [list(read_mention_records([s])) for s in slices]
        assert [(r["doc"], r["start"]) for part in parts for r in part] == key
        docs = [[r["doc"] for r in part] for part in parts]
        for mine, later in itertools.pairwise(docs):
            assert not (set(mine) & set(later))  # no document split between slices


@pytest.mark.unit
def test_a_document_split_between_two_inputs_is_refused() -> None:
    from geo.layers.aggregate import QuoteTop

    a, b = QuoteTop(), QuoteTop()
    a.add({"doc": "x", "sentence": "s", "start": 0, "end": 1, "surface": "X", "sentence_start": 0})
    b.add({"doc": "x", "sentence": "s", "start": 5, "end": 6, "surface": "X", "sentence_start": 0})
    with pytest.raises(ValueError, match="split between two inputs"):
        a.merge(b)


@pytest.mark.unit
def test_aggregates_of_consecutive_stretches_merge_into_the_whole() -> None:
    from geo.layers.aggregate import MentionAggregator
    from geo.models import DOCUMENT_FIELDS, RECORD_FIELDS

    records = []
    for n in range(2_000):
        record = dict.fromkeys(RECORD_FIELDS)
        place = ("no-evenes", "geonames:1", "geonames:2")[n % 7 % 3]
        lat = None if place == "geonames:2" else 68.5 + n % 5
        record.update(doc=f"d{n // 9}", start=n % 9, end=n % 9 + 6, surface="Evenes")
        record.update(id=None if n % 11 == 0 else place, name="Evenes", kind="air_base")
        record.update(lat=lat, lon=16.7, score=0.9, reason="r")
        record.update(sentence=f"S{n % 4}.", sentence_start=n % 4 * 10)
        doc = n // 9
        record.update(dict.fromkeys(DOCUMENT_FIELDS), doc_title=f"t{doc}")
        record["doc_date"] = None if doc % 4 == 0 else f"20{10 + doc * 7 % 15}-0{1 + doc % 9}"
        if n % 13 == 0:
            record["kind"] = "demonym"
        records.append(record)
    whole = MentionAggregator({"no-evenes"}, max_rows=300)
    for record in records:
        whole.add(record)
    merged = MentionAggregator({"no-evenes"}, max_rows=300)
    for a, b in ((0, 450), (450, 900), (900, 1_305), (1_305, 2_000)):  # cuts between documents
        part = MentionAggregator({"no-evenes"}, max_rows=300)
        for record in records[a:b]:
            part.add(record)
        merged.merge(part)
    assert merged.records == whole.records == 2_000
    assert merged.dropped_rows == whole.dropped_rows > 0
    assert merged.mention_rows == whole.mention_rows
    assert merged.unresolved_rows == whole.unresolved_rows
    assert merged.named_sites() == whole.named_sites()
    assert merged.place_rows(None) == whole.place_rows(None)
    columns = whole.document_columns()
    assert merged.document_columns() == columns
    assert columns["title"][1] == "t1"
    # Each document's MultiPoint: its records' distinct points in order, although a place
    # is met at five points here (the aggregate stores a place's usual point by its id).
    expected: dict[Any, dict[Any, None]] = {}
    for r in records:
        points = expected.setdefault(r["doc"], {})
        if r["id"] is not None and r["lat"] is not None:
            points[(r["lon"], r["lat"])] = None
    got = dict(zip(columns["doc_id"], columns["geometry"], strict=True))
    assert list(got) == list(expected)
    for doc_id, points in expected.items():
        geom = got[doc_id]
        assert (geom is None) == (not points)
        if geom is not None:
            assert [(p.x, p.y) for p in geom.geoms] == list(points)
    first = [r["first_reported"] for r in whole.place_rows(None)]
    assert first == [r["first_reported"] for r in merged.place_rows(None)]
    assert all(first)
    dates = [
        r["doc_date"]
        for r in records
        if r["id"] == "no-evenes" and r["kind"] != "demonym" and r["doc_date"]
    ]
    assert whole.named_sites()["no-evenes"].reported == (min(dates), max(dates))


@pytest.mark.unit
def test_aggregator_keeps_counts_complete_and_rows_capped() -> None:
    from geo.layers.aggregate import MentionAggregator
    from geo.models import RECORD_FIELDS

    aggregator = MentionAggregator({"no-evenes"}, max_rows=10)
    for n in range(3_000):
        record = dict.fromkeys(RECORD_FIELDS)
        place = "no-evenes" if n % 3 else "geonames:1"
        record.update(doc=f"d{n // 10}", start=n % 10, end=n % 10 + 6, surface="Evenes")
        record.update(id=place, name="Evenes", kind="air_base", lat=68.5, lon=16.7, score=0.9)
        record.update(sentence="Evenes.", sentence_start=0, reason="r")
        aggregator.add(record)
    assert len(aggregator.mention_rows) == 10
    assert aggregator.dropped_rows == 2_990
    site = aggregator.named_sites()["no-evenes"]
    assert site.mentions == 2_000
    assert len(site.quotes) == 5
    assert len(site.doc_ids) == 300
    assert max(len(s.name_quotes) + len(s.all_quotes) for s in aggregator.places.values()) <= 30
    assert sum(d.mentions for d in aggregator.documents.values()) == 3_000


def _stream(n_docs: int) -> list[dict[str, Any]]:
    """Records of *n_docs* documents: a site in each, a place in a few late ones.

    Dates run backwards for the last third (an analyst's archive is not always in date
    order), and every fifth document is undated.
    """
    from geo.models import DOCUMENT_FIELDS, RECORD_FIELDS

    records = []
    for d in range(n_docs):
        date = None if d % 5 == 4 else f"{2000 + (d if d < 2 * n_docs // 3 else n_docs - d)}-01"
        places = ["no-evenes", "geonames:1"] if d % 97 == 50 else ["no-evenes"]
        if d % 7 == 3:
            places.append(None)  # an unresolved name
        for i, place in enumerate(places):
            record = dict.fromkeys(RECORD_FIELDS)
            record.update(dict.fromkeys(DOCUMENT_FIELDS), doc_title=f"t{d}", doc_date=date)
            record.update(doc=f"d{d}", start=10 * i, end=10 * i + 6, surface="Evenes")
            record.update(id=place, name="Evenes", kind="air_base", lat=68.5, lon=16.7)
            record.update(score=0.9, reason="r", sentence=f"Evenes, d{d}.", sentence_start=10 * i)
            records.append(record)
    return records


@pytest.mark.unit
def test_documents_past_the_cap_are_forgotten_but_counted() -> None:
    """Stage 2 holds a bounded number of documents, whatever the corpus size (issue 14)."""
    from geo.layers.aggregate import MentionAggregator

    records = _stream(3_000)
    aggregator = MentionAggregator({"no-evenes"}, max_rows=100, max_documents=40, collect_slack=0)
    held = 0
    for record in records:
        aggregator.add(record)
        held = max(held, len(aggregator.documents))
    assert aggregator.seen_documents == 3_000
    assert held < 200  # 40 first ones, quoted and dating ones, a quarter more before forgetting
    kept = aggregator.retained()
    ids = [d.id for d in kept]
    assert ids[:40] == [f"d{n}" for n in range(40)]
    site = aggregator.named_sites(kept)["no-evenes"]
    assert site.mentions == 3_000
    assert site.doc_count == 3_000
    assert site.reported == ("2000-01", max(r["doc_date"] for r in records if r["doc_date"]))
    assert set(site.doc_ids) <= set(ids)
    assert len(site.doc_ids) == len(ids)
    assert {q["doc"] for q in site.quotes} <= set(ids)
    # the place named late: its doc_ids hold the earliest-dated document naming it (the
    # one the map's time control shows it by) and the first undated one
    (place,) = aggregator.place_rows(None, kept)
    naming = sorted(
        {r["doc"] for r in records if r["id"] == "geonames:1"}, key=lambda d: int(d[1:])
    )
    assert place["doc_count"] == len(naming) == 31
    dates = {r["doc"]: r["doc_date"] for r in records}
    earliest = min(dates[d] for d in naming if dates[d])
    first_earliest = next(d for d in naming if dates[d] == earliest)
    first_undated = next(d for d in naming if dates[d] is None)
    place_docs = json.loads(place["doc_ids"])
    assert first_earliest in place_docs
    assert first_undated in place_docs
    assert place["first_reported"] == earliest
    assert len(place_docs) < len(naming)
    # rows of the mentions and unresolved tables only from the first 40 documents
    assert {r[1] for r in aggregator.mention_rows} <= set(ids[:40])
    assert {r[0] for r in aggregator.unresolved_rows} <= set(ids[:40])
    assert len(aggregator.mention_rows) == 40
    assert len(aggregator.unresolved_rows) == 6
    columns = aggregator.document_columns(kept)
    assert columns["doc_id"] == ids
    assert sum(columns["n_mentions"]) < 3_000
    # the same, folded in parts and merged (as the Dask engine does)
    merged = MentionAggregator({"no-evenes"}, max_rows=100, max_documents=40, collect_slack=0)
    starts = [i for i in range(1, len(records)) if records[i]["doc"] != records[i - 1]["doc"]]
    cuts = [0, starts[700], starts[2_000], starts[2_600], len(records)]  # between documents
    for a, b in itertools.pairwise(cuts):
        part = MentionAggregator({"no-evenes"}, max_rows=100, max_documents=40, collect_slack=0)
        for record in records[a:b]:
            part.add(record)
        merged.merge(part)
    assert merged.seen_documents == 3_000
    assert [d.id for d in merged.retained()] == ids
    assert merged.named_sites() == aggregator.named_sites()
    assert merged.place_rows(None) == aggregator.place_rows(None)
    assert merged.document_columns()["n_mentions"] == columns["n_mentions"]
    assert merged.mention_rows == aggregator.mention_rows
    assert merged.unresolved_rows == aggregator.unresolved_rows
    assert merged.dropped_rows == aggregator.dropped_rows
    # without the cap, every document stays (what the layers had before)
    uncapped = MentionAggregator({"no-evenes"}, max_rows=100, max_documents=10**9)
    for record in records:
        uncapped.add(record)
    assert len(uncapped.retained()) == 3_000
    assert len(uncapped.named_sites()["no-evenes"].doc_ids) == 3_000


@pytest.mark.unit
def test_mention_writer_geoparquet_null_geometry_for_unresolved(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    from geo.io.mentions import GEOPARQUET_METADATA, MentionWriter
    from geo.models import RECORD_FIELDS

    base = dict.fromkeys(RECORD_FIELDS)
    base.update(doc="d", start=0, end=4, surface="Oslo", reason="r", sentence="Oslo.")
    base.update(sentence_start=0, sentence_full_start=0, sentence_full_end=5)
    resolved = {**base, "id": "x", "name": "Oslo", "lat": 59.9, "lon": 10.7, "score": 0.9}
    path = tmp_path / "m.parquet"
    with MentionWriter(path, geometry=True, batch_rows=1) as writer:
        writer.write(resolved)
        writer.write(base)
    assert json.loads(pq.read_schema(path).metadata[b"geo"]) == GEOPARQUET_METADATA
    frame = gpd.read_parquet(path)
    assert frame.crs.to_epsg() == 4326 or frame.crs.to_string() == "OGC:CRS84"
    assert (frame.geometry[0].x, frame.geometry[0].y) == (10.7, 59.9)
    assert frame.geometry[1] is None
    assert pq.ParquetFile(path).metadata.num_row_groups == 2


@pytest.mark.unit
def test_a_failed_write_leaves_no_parquet_file(tmp_path: Path) -> None:
    from geo.io.mentions import MentionWriter

    path = tmp_path / "m.parquet"
    with pytest.raises(RuntimeError), MentionWriter(path):
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ extract → parquet


def _extract(argv: list[str]) -> int:
    return main(["extract", "-q", *argv], out=io.StringIO())


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_parquet_and_geoparquet_hold_the_json_lines_records(
    seeds_dir: Path, tmp_path: Path
) -> None:
    gpd = pytest.importorskip("geopandas")
    assert _extract([str(seeds_dir), "--candidates", "-o", str(tmp_path / "m.jsonl")]) == 0
    assert _extract([str(seeds_dir), "--candidates", "-o", str(tmp_path / "m.parquet")]) == 0
    geo_args = ["--format", "geoparquet", "-o", str(tmp_path / "g.parquet")]
    assert _extract([str(seeds_dir), *geo_args]) == 0
    expected = _jsonl(tmp_path / "m.jsonl")
    rows = pq.read_table(tmp_path / "m.parquet").to_pylist()
    from geo.models import DOCUMENT_FIELDS

    for row in rows:
        row["candidates"] = json.loads(row["candidates"])
        # the document's metadata columns (Parquet only): its language and file, at least
        meta = {f: row.pop(f) for f in DOCUMENT_FIELDS}
        assert meta["doc_lang"] in ("en", "de")
        assert str(meta["doc_source"]).startswith(str(seeds_dir))
    assert rows == expected
    frame = gpd.read_parquet(tmp_path / "g.parquet")
    assert len(frame) == len(expected)
    for geom, record in zip(frame.geometry, expected, strict=True):
        assert (geom.x, geom.y) == (record["lon"], record["lat"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_extract_parquet_refuses_stdout_and_mismatched_suffix(
    seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _extract([str(seeds_dir), "--format", "parquet"]) == 2
    assert "binary format: name the output file with -o" in capsys.readouterr().err
    assert _extract([str(seeds_dir), "--format", "csv", "-o", str(tmp_path / "m.parquet")]) == 2
    assert _extract([str(seeds_dir), "--workers", "2", "-o", str(tmp_path / "m.jsonl")]) == 2
    assert "--workers, --partition-mb and --resume need --engine dask" in capsys.readouterr().err


# ------------------------------------------------------------------ --from-mentions

#: Columns the agreed_areas rule fills from the document text, absent from records.
IMPLIED = ["implied_count", "implied_by", "in_corpus"]


def test_from_mentions_gives_the_layers_of_a_direct_build(seeds_dir: Path, tmp_path: Path) -> None:
    from geo.layers.aggregate import build_layers_from_mentions
    from geo.layers.build import build_layers

    assert _extract([str(seeds_dir), "-o", str(tmp_path / "m.parquet")]) == 0
    assert _extract([str(seeds_dir), "-o", str(tmp_path / "m.jsonl")]) == 0
    direct = build_layers([seeds_dir], as_of="2024-06-01")
    for source in ("m.parquet", "m.jsonl"):
        layers = build_layers_from_mentions(tmp_path / source, as_of="2024-06-01")
        # the documents' dates travel in Parquet records only (first/last reported)
        undated = () if source.endswith(".parquet") else ("first_reported", "last_reported")
        for name in ("sites", "places", "mentions", "unresolved", "countries"):
            a, b = getattr(direct, name), getattr(layers, name)
            columns = [c for c in a.columns if c not in IMPLIED and c not in undated]
            assert a[columns].equals(b[columns]), name
        if undated:
            assert layers.places["first_reported"].isna().all()
        else:
            assert layers.places["first_reported"].eq("2022-02").any()
        implied = direct.sites["implied_count"] > 0
        named = direct.sites["named_in_corpus"]
        assert (layers.sites["in_corpus"] == named).all()
        assert (direct.sites["in_corpus"] == (named | implied)).all()
        counts = ["doc_id", "n_mentions", "n_unresolved"]
        assert direct.documents[counts].equals(layers.documents[counts])
        meta = ["doc_id", "title", "date", "lang", "source", "outlet", "url"]
        if source.endswith(".parquet"):  # the documents' metadata travels in Parquet only
            assert direct.documents[meta].equals(layers.documents[meta])
            assert layers.documents["date"].notna().any()
        else:
            assert layers.documents[meta[1:]].isna().all().all()
        assert direct.documents.geometry.equals(layers.documents.geometry)


def test_from_mentions_keeps_the_articles_titles_dates_and_outlets(tmp_path: Path) -> None:
    from geo.layers.aggregate import build_layers_from_mentions
    from geo.layers.build import build_layers

    example = Path(__file__).resolve().parent.parent / "examples" / "philippines"
    articles = str(example / "articles")
    user = ["--sites", str(example / "sites.csv")]
    assert _extract([articles, *user, "-o", str(tmp_path / "m.parquet")]) in (0, 1)
    sites, agreements = [example / "sites.csv"], [example / "agreements.yaml"]
    direct = build_layers([articles], as_of="2025-12-01", sites=sites, agreements=agreements)
    layers = build_layers_from_mentions(
        tmp_path / "m.parquet", as_of="2025-12-01", sites=sites, agreements=agreements
    )
    meta = ["doc_id", "title", "date", "lang", "source", "outlet", "url"]
    assert direct.documents[meta].equals(layers.documents[meta])
    assert layers.documents["url"].notna().all()
    assert layers.documents["outlet"].notna().all()
    assert layers.documents["date"].tolist() == sorted(layers.documents["date"])  # 2016 .. 2025
    for name in ("sites", "places"):  # first and last reports, as from the documents
        columns = ["first_reported", "last_reported"]
        assert getattr(direct, name)[columns].equals(getattr(layers, name)[columns]), name
    sites = layers.sites.set_index("site_id")
    assert sites.loc["ph-camp-melchor-dela-cruz", "first_reported"] == "2023-04-03"


def test_from_mentions_past_the_document_cap_keeps_counts_and_the_time_control(
    tmp_path: Path,
) -> None:
    """A documents layer capped at one document: the quoted ones stay, and so do counts.

    Every one of the three articles is quoted, so all stay rows of the documents layer;
    the mentions table keeps the first document's rows only. (Documents that nothing
    quotes are left out: ``test_documents_past_the_cap_are_forgotten_but_counted``.)
    """
    from geo.layers.aggregate import build_layers_from_mentions
    from geo.layers.build import build_layers
    from geo.web.mapdata import map_data

    example = Path(__file__).resolve().parent.parent / "examples" / "philippines"
    articles = str(example / "articles")
    user = ["--sites", str(example / "sites.csv")]
    assert _extract([articles, *user, "-o", str(tmp_path / "m.parquet")]) in (0, 1)
    options: dict[str, Any] = {
        "as_of": "2025-12-01",
        "sites": [example / "sites.csv"],
        "agreements": [example / "agreements.yaml"],
    }
    direct = build_layers([articles], **options)
    with pytest.warns(GeoWarning, match="200,000 rows each and only those of the first 1 "):
        layers = build_layers_from_mentions(tmp_path / "m.parquet", max_documents=1, **options)
    kept = set(layers.documents["doc_id"])
    first = direct.documents["doc_id"].iloc[0]
    assert kept == set(direct.documents["doc_id"])
    assert set(layers.mentions["doc"]) == {first}
    assert len(layers.mentions) == direct.mentions["doc"].eq(first).sum()
    # the unresolved names of the later documents still count (exit code 1, issue 14)
    from geo.cli.common import report_unresolved

    assert len(layers.unresolved) == 0  # both are in the last article
    assert len(direct.unresolved) == layers.unresolved_count == 2
    said = io.StringIO()
    assert report_unresolved("build", layers, said) == 2
    assert "2 names stayed unresolved (...)" in said.getvalue()
    dates = dict(zip(direct.documents["doc_id"], direct.documents["date"], strict=True))
    for name, key in (("sites", "site_id"), ("places", "place_id")):
        a = getattr(direct, name).set_index(key)
        b = getattr(layers, name).set_index(key)
        columns = ["mention_count", "first_reported", "last_reported", "quotes"]
        assert a[columns].equals(b[columns]), name
        for place_id, row in b.iterrows():
            every = json.loads(a.loc[place_id, "doc_ids"])
            listed = json.loads(row["doc_ids"])
            assert row["doc_count"] == a.loc[place_id, "doc_count"] == len(every)
            assert set(listed) <= kept
            assert listed == [d for d in every if d in listed]
            if every:  # the document that shows it first on the time control is listed
                assert min(every, key=lambda d: dates[d]) in listed
    assert direct.sites["doc_count"].max() == 2  # a site named in two of the three
    data = map_data(layers)
    dc = {s["i"]: s.get("dc", 0) for s in data["sites"]}
    assert dc == dict(zip(direct.sites["site_id"], direct.sites["doc_count"], strict=True))
    assert all(s.get("dd") for s in data["sites"] if s.get("dc"))


def test_build_and_export_from_mentions_cli(
    seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _extract([str(seeds_dir), "-o", str(tmp_path / "m.parquet")]) == 0
    mentions = str(tmp_path / "m.parquet")
    out = tmp_path / "map.html"
    assert main(["build", "--from-mentions", mentions, "-o", str(out)], out=io.StringIO()) == 0
    assert out.stat().st_size > 100_000
    gpkg = tmp_path / "x.gpkg"
    assert main(["export", "--from-mentions", mentions, "-o", str(gpkg)], out=io.StringIO()) == 0
    assert gpkg.is_file()
    capsys.readouterr()
    assert main(["build", str(seeds_dir), "--from-mentions", mentions], out=io.StringIO()) == 2
    assert "not both" in capsys.readouterr().err
    fixes = ["--from-mentions", mentions, "--corrections", "x.yaml", "-o", str(out)]
    assert main(["build", *fixes], out=io.StringIO()) == 2
    capsys.readouterr()
    assert main(["build", str(seeds_dir), "--engine", "dask"], out=io.StringIO()) == 2
    assert "geo extract --engine dask first" in capsys.readouterr().err
    workers = ["--from-mentions", mentions, "--workers", "2", "-o", str(gpkg)]
    assert main(["export", *workers], out=io.StringIO()) == 2
    assert "need --engine dask" in capsys.readouterr().err
    both = ["--engine", "dask", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]
    assert main(["build", "--from-mentions", mentions, *both], out=io.StringIO()) == 2
    assert main(["build", "--from-mentions", str(tmp_path / "nope")], out=io.StringIO()) == 3


def test_max_documents_option_caps_the_documents_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--max-documents N`` (0: every document) on ``geo export --from-mentions``."""
    import geopandas as gpd

    records = tmp_path / "m.jsonl"
    with records.open("w", encoding="utf-8") as handle:
        for record in _stream(300):
            handle.write(json.dumps(record) + "\n")
    rows = {}
    for cap in ("10", "0"):
        gpkg = tmp_path / f"cap{cap}.gpkg"
        argv = ["export", "--from-mentions", str(records), "--max-documents", cap]
        assert main([*argv, "-o", str(gpkg)], out=io.StringIO()) == 1  # unresolved names
        rows[cap] = len(gpd.read_file(gpkg, layer="documents"))
        said = capsys.readouterr().err
        assert ("documents beyond the first 10 were left out" in said) == (cap == "10")
        sites = gpd.read_file(gpkg, layer="sites").set_index("site_id")
        assert sites.loc["no-evenes", "doc_count"] == 300
    # the first ten and those a shown quote cites or that date a place (as the API keeps)
    from geo.layers.aggregate import MentionAggregator

    aggregator = MentionAggregator({"no-evenes"}, max_documents=10)
    for record in _stream(300):
        aggregator.add(record)
    assert rows == {"10": len(aggregator.retained()), "0": 300}
    assert 10 < rows["10"] < 20
    from geo.layers.aggregate import MAX_DOCUMENT_ROWS

    for command in ("build", "export"):  # the help states the cap the code applies
        assert main([command, "--help"], out=io.StringIO()) == 0
        assert f"default {MAX_DOCUMENT_ROWS:,};" in " ".join(capsys.readouterr().out.split())
    for argv in (
        ["--from-mentions", str(records), "--max-documents", "-1"],
        [str(records), "--max-documents", "10"],
    ):
        assert main(["export", *argv, "-o", str(tmp_path / "x.gpkg")], out=io.StringIO()) == 2
        assert "--max-documents" in capsys.readouterr().err


# ------------------------------------------------------------------------ Dask engine


def _capped(build: Any, source: Path, **options: Any) -> tuple[Any, list[str]]:
    """``build(source, as_of=..., **options)`` and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        layers = build(source, as_of="2024-06-01", **options)
    assert all(issubclass(w.category, GeoWarning) for w in seen)
    return layers, [str(w.message) for w in seen]


def _local_cluster(distributed: Any) -> Any:
    """A real 2-worker LocalCluster on loopback, one thread per worker, no dashboard."""
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False},
    )


def _bench_slice(tmp_path: Path, per_corpus: int = 40) -> Path:
    """The first records of each bench corpus (read at run time) and one duplicate id."""
    lines: list[str] = []
    for name in ("geovirus.jsonl", "trnews.jsonl", "geowebnews.jsonl"):
        with (BENCH / name).open(encoding="utf-8") as handle:
            for _, line in zip(range(per_corpus), handle, strict=False):
                lines.append(line.rstrip("\n"))
    lines.append(lines[0])  # a duplicate id in the last partition: renamed like x#2
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_engine_gives_the_single_process_records(seeds_dir: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from geo.io.mentions import MentionWriter, read_mention_records
    from geo.scale.engine import aggregate_dask, extract_dask

    corpora = [("seeds", seeds_dir)]
    if (BENCH / "geovirus.jsonl").is_file():
        corpora.append(("bench", _bench_slice(tmp_path)))
    with _local_cluster(distributed) as cluster:
        for name, corpus in corpora:
            single = tmp_path / f"{name}.jsonl"
            code = _extract([str(corpus), "--candidates", "-o", str(single)])
            expected = _jsonl(single)
            out = tmp_path / f"{name}-parts"
            counts = extract_dask(
                [corpus],
                out,
                scheduler=cluster.scheduler_address,
                candidates=True,
                target_bytes=64 * 1024,
                files_per_partition=1,
            )
            assert counts["partitions"] > 1
            got = list(read_mention_records(out))
            assert len(got) == len(expected) > 0
            assert got == [{k: v for k, v in r.items() if k != "candidates"} for r in expected]
            table = pq.read_table(out).to_pylist()
            assert [json.loads(r["candidates"]) for r in table] == [
                r["candidates"] for r in expected
            ]
            # the command line, on the same cluster
            cli_out = tmp_path / f"{name}-cli"
            argv = [str(corpus), "--engine", "dask", "--scheduler", cluster.scheduler_address]
            assert _extract([*argv, "--partition-mb", "0.05", "-o", str(cli_out)]) == code
            assert list(read_mention_records(cli_out)) == got
            # the second stage, in this process and on the cluster: the same layers
            from geo.layers.aggregate import build_layers_from_mentions

            layers = build_layers_from_mentions(out, as_of="2024-06-01")
            on_dask_cluster = partial(aggregate_dask, scheduler=cluster.scheduler_address)
            on_dask = build_layers_from_mentions(out, as_of="2024-06-01", aggregate=on_dask_cluster)
            for layer in ("sites", "places", "mentions", "unresolved", "countries", "documents"):
                assert getattr(layers, layer).equals(getattr(on_dask, layer)), layer
            # a full mentions table: later parts send no rows back, and none that counts is
            # lost; the documents layer capped too, for the bench slice (123 documents)
            caps = {"max_rows": 40, "max_documents": 1 if name == "seeds" else 30}
            capped, said = _capped(build_layers_from_mentions, out, **caps)
            capped_dask, said_dask = _capped(
                build_layers_from_mentions, out, **caps, aggregate=on_dask_cluster
            )
            assert said == said_dask
            assert any("keep at most 40 rows each" in m for m in said)
            assert any("documents beyond the first 30 " in m for m in said) == (name != "seeds")
            assert len(capped.mentions) == 40
            if name != "seeds":  # both seeds are quoted, so both stay
                assert len(capped.documents) < len(layers.documents)
            for layer in ("sites", "places", "mentions", "unresolved", "documents"):
                assert getattr(capped, layer).equals(getattr(capped_dask, layer)), layer
            # one big file (as a single-process extract writes), its row groups cut inside
            # documents: the workers share it by slices, with the same layers again
            one = tmp_path / f"{name}-one.parquet"
            with MentionWriter(one, batch_rows=13) as writer:
                for record in read_mention_records(out, documents=True):
                    writer.write(record)
            assert pq.ParquetFile(one).metadata.num_row_groups > 4
            shared = build_layers_from_mentions(one, as_of="2024-06-01", aggregate=on_dask_cluster)
            for layer in ("sites", "places", "mentions", "unresolved", "countries", "documents"):
                assert getattr(layers, layer).equals(getattr(shared, layer)), layer
            capped_one, said_one = _capped(
                build_layers_from_mentions, one, **caps, aggregate=on_dask_cluster
            )
            assert said_one == said
            for layer in ("sites", "places", "mentions", "unresolved", "documents"):
                assert getattr(capped, layer).equals(getattr(capped_one, layer)), layer
            if name == "seeds":  # ... which are those of a build from the documents
                from geo.layers.build import build_layers

                direct = build_layers([corpus], as_of="2024-06-01")
                for layer in ("sites", "places", "mentions"):
                    a, b = getattr(direct, layer), getattr(layers, layer)
                    columns = [c for c in a.columns if c not in IMPLIED]
                    assert a[columns].equals(b[columns]), layer
                html = tmp_path / "from-dask.html"
                argv = ["build", "--from-mentions", str(out), "--engine", "dask"]
                argv += ["--scheduler", cluster.scheduler_address, "-o", str(html)]
                assert main(argv, out=io.StringIO()) == 0
                assert html.stat().st_size > 100_000
    if len(corpora) > 1:
        assert any(r["doc"] == "geovirus-0#2" for r in got)


def _resume_corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    """Twelve documents from the seeds' sentences, a duplicate id and a bad line."""
    sentences = [
        line.strip()
        for path in sorted(seeds_dir.iterdir())
        for line in path.read_text(encoding="utf-8").split(". ")
        if len(line.strip()) > 40
    ]
    lines = [json.dumps({"id": f"d{i}", "text": sentences[i % len(sentences)]}) for i in range(12)]
    lines.insert(5, json.dumps({"id": "d1", "text": sentences[3]}))  # renamed d1#2
    lines.insert(8, '{"id": "broken", "text": ')  # reported by file:line, every time
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_an_interrupted_dask_extract_resumes_with_the_same_records(
    seeds_dir: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    from geo.io.mentions import read_mention_records
    from geo.scale.engine import extract_dask, work_folder

    corpus = _resume_corpus(tmp_path, seeds_dir)
    with _local_cluster(distributed) as cluster:

        def run(out: Path, stop_after: int | None = None, **options: Any) -> tuple[Any, list[str]]:
            return run_on([corpus], out, stop_after, **options)

        def run_on(
            inputs: list[Path], out: Path, stop_after: int | None = None, **options: Any
        ) -> tuple[Any, list[str]]:
            said: list[str] = []
            seen = itertools.count(1)

            def on_part(_part: Any) -> None:
                if stop_after is not None and next(seen) == stop_after:
                    raise KeyboardInterrupt

            counts = extract_dask(
                inputs,
                out,
                scheduler=cluster.scheduler_address,
                target_bytes=400,
                on_error=lambda e: said.append(str(e)),
                on_part=on_part,
                **options,
            )
            return counts, said

        reference, said = run(tmp_path / "whole")
        assert reference["partitions"] >= 6
        assert reference["resumed"] == 0
        assert any("broken" in m or ":9" in m for m in said)
        expected = list(read_mention_records(tmp_path / "whole"))
        assert any(r["doc"] == "d1#2" for r in expected)

        out = tmp_path / "mentions"
        work = work_folder(out)
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=3)
        assert not out.exists()  # nothing published
        assert len(list((work / "done").glob("part-*.json"))) == 3
        counts, said_again = run(out, resume=True)
        assert counts["resumed"] == 3
        assert {k: v for k, v in counts.items() if k != "resumed"} == {
            k: v for k, v in reference.items() if k != "resumed"
        }
        assert said_again == said  # the kept parts' problems are reported again, in order
        assert list(read_mention_records(out)) == expected
        assert sorted(p.name for p in out.iterdir()) == sorted(
            p.name for p in (tmp_path / "whole").iterdir()
        )
        assert not (work / "parts").exists()  # only the receipts stay

        # a finished run's parts are taken too, from the output: a corpus that grew by a
        # file is geoparsed only for that file
        more = tmp_path / "more.jsonl"
        more.write_text(
            json.dumps({"id": "d1", "text": "Evenes again, in Norway."}) + "\n", encoding="utf-8"
        )
        grown_expected = tmp_path / "grown-whole"
        counts_grown, said_grown = run_on([corpus, more], grown_expected)
        counts, said_again = run_on([corpus, more], out, resume=True)
        assert counts["resumed"] == reference["partitions"]  # only the new file was parsed
        assert said_again == said_grown
        assert list(read_mention_records(out)) == list(read_mention_records(grown_expected))
        assert any(r["doc"] == "d1#3" for r in read_mention_records(out))
        (out / "part-00000.parquet").write_bytes((out / "part-00001.parquet").read_bytes())
        counts, _ = run_on([corpus, more], out, resume=True)  # a part changed by hand
        assert counts["resumed"] == counts_grown["partitions"] - 1  # every part but that one
        assert list(read_mention_records(out)) == list(read_mention_records(grown_expected))

        # a part is kept only for the same bytes and the same options
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=2)
        assert run(out, resume=True, candidates=True)[0]["resumed"] == 0
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=2)
        stat = corpus.stat()
        os.utime(corpus, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert run(out, resume=True)[0]["resumed"] == 2  # touched, not changed
        assert list(read_mention_records(out)) == expected
        # a JSON Lines file that grows by appending keeps the parts before its old end
        original = corpus.read_bytes()
        late = json.dumps({"id": "late", "text": "Thule lies in Greenland."}) + "\n"
        corpus.write_bytes(original + late.encode())
        counts, said_appended = run(out, resume=True)
        # every range before the old end (the last one too when its cut falls there)
        assert reference["partitions"] - 1 <= counts["resumed"] < counts["partitions"]
        _, said_scratch = run(tmp_path / "appended-whole")
        assert said_appended == said_scratch
        assert list(read_mention_records(out)) == list(
            read_mention_records(tmp_path / "appended-whole")
        )
        assert any(r["doc"] == "late" for r in read_mention_records(out))
        corpus.write_bytes(original[:-30] + b"X" * 30)  # the same size, other bytes
        assert run(out, resume=True)[0]["resumed"] < reference["partitions"]
        corpus.write_bytes(original)
        assert run(out, resume=True)[0]["resumed"] == reference["partitions"] - 1
        assert list(read_mention_records(out)) == expected
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=2)
        assert run(out)[0]["resumed"] == 0  # without resume: from scratch
        assert not (work / "parts").exists()

        # a compressed file is cut into partitions by the driver, with the records and
        # problems of the single-process run; its parts are keyed by their lines, so
        # compressing the file again, or appending to it, keeps them
        import gzip

        packed = tmp_path / "corpus.jsonl.gz"
        packed.write_bytes(gzip.compress(original, compresslevel=1, mtime=1))
        single = tmp_path / "packed.jsonl"
        single_said: list[str] = []
        with redirect_stderr(io.StringIO()) as err:
            assert _extract([str(packed), "-o", str(single)]) == 1  # the bad line
        single_said = [line for line in err.getvalue().splitlines() if str(packed) in line]
        gz_out = tmp_path / "packed-parts"
        counts, said_packed = run_on([packed], gz_out)
        assert counts["partitions"] == reference["partitions"]
        assert list(read_mention_records(gz_out)) == [
            {k: v for k, v in r.items() if k != "candidates"} for r in _jsonl(single)
        ]
        assert [r["doc"] for r in read_mention_records(gz_out)] == [r["doc"] for r in expected]
        assert said_packed == [m.replace(str(corpus), str(packed)) for m in said]
        assert [m for m in said_packed if m in " ".join(single_said)] == said_packed
        packed.write_bytes(gzip.compress(original, compresslevel=9, mtime=2))
        counts, _ = run_on([packed], gz_out, resume=True)
        assert counts["resumed"] == counts["partitions"]
        packed.write_bytes(gzip.compress(original + late.encode(), mtime=3))
        counts, _ = run_on([packed], gz_out, resume=True)
        assert reference["partitions"] - 1 <= counts["resumed"] < counts["partitions"]
        assert any(r["doc"] == "late" for r in read_mention_records(gz_out))

        # a CSV export is cut by the driver at record boundaries (a text spans lines)
        import csv

        table = tmp_path / "corpus.csv"
        with table.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text", "outlet"])
            for line in original.decode().splitlines():
                if line.endswith("}"):
                    record = json.loads(line)
                    writer.writerow([record["id"], record["text"].replace(". ", ".\n\n"), "DR"])
            writer.writerow(["short"])  # reported by its line
        single = tmp_path / "table.jsonl"
        with redirect_stderr(io.StringIO()) as err:
            assert _extract([str(table), "-o", str(single)]) == 1
        counts, said_table = run_on([table], tmp_path / "table-parts")
        assert counts["partitions"] > 3
        assert list(read_mention_records(tmp_path / "table-parts")) == _jsonl(single)
        assert said_table
        assert all(m in err.getvalue() for m in said_table)

        # the command line says what it keeps and what it took
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=4)
        argv = ["extract", str(corpus), "--engine", "dask", "--scheduler"]
        argv += [cluster.scheduler_address, "--partition-mb", str(400 / (1 << 20)), "-o", str(out)]
        err = io.StringIO()
        with redirect_stderr(err):
            assert main([*argv, "--resume", "-q"], out=io.StringIO()) == 1  # the bad line
        assert "(4 taken from the earlier run)" in err.getvalue()
        assert list(read_mention_records(out)) == expected
        with pytest.raises(KeyboardInterrupt):
            run(out, stop_after=2)
        err = io.StringIO()
        with redirect_stderr(err):
            main([*argv, "-q"], out=io.StringIO())
        assert "starting over" in err.getvalue()
    assert main(["extract", str(corpus), "--resume", "-o", str(tmp_path / "x.jsonl")]) == 2


def test_single_process_extract_never_imports_dask(seeds_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, io; from geo.cli.main import main; "
        f"rc = main(['extract', '-q', {str(seeds_dir)!r}, '-o', {str(tmp_path / 'm.parquet')!r}],"
        " out=io.StringIO()); "
        "assert rc == 0, rc; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_ctrl_c_on_a_dask_extract_stops_it_cleanly(seeds_dir: Path, tmp_path: Path) -> None:
    """Ctrl-C, as a terminal sends it (to every process of the command): no tracebacks."""
    pytest.importorskip("distributed")
    import signal
    import subprocess
    import sys
    import time

    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.iterdir())]
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for i in range(400):
            handle.write(json.dumps({"id": f"d{i}", "text": texts[i % len(texts)]}) + "\n")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "geo.cli", "extract", str(corpus), "--engine", "dask"]
    argv += ["--workers", "2", "--partition-mb", "0.01", "-o", str(out)]
    run = subprocess.Popen(
        argv,
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    done = tmp_path / ".out.geo-partial" / "done"
    deadline = time.monotonic() + 180
    while not any(done.glob("part-*.json")) and run.poll() is None:
        assert time.monotonic() < deadline, "no part was finished"
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be interrupted"
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130
    assert "finished parts are kept in" in err
    assert "--resume" in err
    assert "Traceback" not in err
    assert "CancelledError" not in err
    assert not out.exists()


def test_a_part_reports_problems_and_ids_in_the_order_of_a_single_process_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading problems, duplicate ids, an unsupported script, a document that fails."""
    from geo.io.documents import Partition
    from geo.io.mentions import read_mention_records
    from geo.parse import pipeline
    from geo.scale.engine import _collect_part, parse_partition

    real = pipeline.parse_document

    def flaky(doc: Any, gazetteer: Any = None) -> Any:
        if doc.text.startswith("boom"):
            raise ValueError("boom")
        return real(doc, gazetteer)

    monkeypatch.setattr(pipeline, "parse_document", flaky)
    lines = [
        json.dumps({"id": "a", "text": "Troops left Oslo."}),
        '{"id": "broken", ',
        json.dumps({"id": "a", "text": "Bergen and Bodø."}),
        json.dumps({"id": "b", "text": "boom in Tromsø"}),  # fails, but its id is taken
        "{bad",
        json.dumps({"id": "b", "text": "Evenes."}),
        json.dumps({"id": "c", "text": "北京是中国的首都。" * 5}),  # a script geo does not read
        json.dumps({"id": "c", "text": "Narvik."}),
        "[1]",
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")

    expected: list[str] = []
    parsed = list(
        pipeline.geoparse(
            read_documents(corpus, on_error=lambda e: expected.append(str(e))),
            on_error=lambda e: expected.append(str(e)),
        )
    )
    assert any("cannot geoparse" in m for m in expected)
    assert any("written in" in m for m in expected)
    assert sum("duplicate document id" in m for m in expected) == 3

    part = tmp_path / "part.parquet"
    result = parse_partition(Partition("files", ((str(corpus), "jsonl"),)), str(part))
    said: list[str] = []
    ids = UniqueIds(lambda e: said.append(str(e)))
    _collect_part(result, ids, lambda e: said.append(str(e)))
    assert said == expected
    assert [d for d in result.docs if d[2] < 0] == [("b", f"{corpus}:4", -1)]
    records = list(read_mention_records(part))
    assert [r["doc"] for r in records] == [r.mention.doc for p in parsed for r in p.resolutions]
    assert "b#2" in {r["doc"] for r in records}
