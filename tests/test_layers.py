"""The agreement layers built from the seeds, their statuses over time and validation.

The seeds' layers are built once per session (``seed_layers``, as of 2022-06-01) from
the documents parsed once by ``tests/test_linking.py``'s fixture; statuses at other
dates reuse the parsed documents. Real registry, real gazetteer, real Natural Earth.
"""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point

from geo.errors import ConfigurationError, DataError, LayerValidationError
from geo.layers.build import Layers, build_layers
from geo.layers.schema import COLUMNS, LAYER_NAMES, point, points
from geo.layers.validate import validate_layers
from geo.models import Document, ParsedDocument
from geo.registry.agreements import Registry

from .test_linking import gazetteer, registry, seed_parsed  # noqa: F401 - shared fixtures

INITIAL_SDCA_SITES = ("no-rygge", "no-sola", "no-evenes", "no-ramsund")


@pytest.fixture(scope="session")
def seed_layers(seed_parsed: list[ParsedDocument], registry: Registry) -> Layers:  # noqa: F811
    """The seeds' layers as of 2022-06-01, built once per session."""
    return build_layers(seed_parsed, as_of="2022-06-01", registry=registry)


def _doc_id(layers: Layers, lang: str) -> str:
    docs = layers.documents
    (doc_id,) = docs.loc[docs["lang"] == lang, "doc_id"]
    return str(doc_id)


def _site(layers: Layers, site_id: str) -> pd.Series:
    rows = layers.sites[layers.sites["site_id"] == site_id]
    assert len(rows) == 1, site_id
    return rows.iloc[0]


def _malformed_registry(path: Path) -> Path:
    """A user registry with exactly four problems: missing field, unknown site, bad date,
    duplicate id."""
    path.write_text(
        textwrap.dedent(
            """\
            schema_version: 1
            agreements:
              - id: us-no-sdca
                name: A second SDCA
                type: defense_agreement
                host: "NO"
                partner: US
                events:
                  - {type: signed, date: '2021-04-16', source: 'https://example.org/a'}
                sites: [no-evenes]
                sources: ['https://example.org/a']
              - id: gb-no-test
                name: Test agreement
                type: defense_agreement
                host: "NO"
                partner: GB
                events:
                  - {type: signed, date: '2021-13-40', source: 'https://example.org/b'}
                sites: [no-atlantis]
            """
        ),
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- must show


def test_evenes_row(seed_layers: Layers) -> None:
    evenes = _site(seed_layers, "no-evenes")
    assert "us-no-sdca" in evenes["agreements"].split(",")
    assert (evenes["host"], evenes["partner"]) == ("NO", "US")
    assert evenes["signed"] == "2021-04-16"
    assert evenes["named_in_corpus"]
    assert evenes["mention_count"] >= 2
    english = _doc_id(seed_layers, "en")
    quotes = json.loads(evenes["quotes"])
    assert any(q["doc"] == english and "Evenes Air Station" in q["sentence"] for q in quotes)
    assert len(quotes) <= 5
    assert set(quotes[0]) == {"doc", "sentence", "start", "end", "surface"}
    assert english in json.loads(evenes["doc_ids"])
    assert evenes.geometry.equals(Point(evenes["lon"], evenes["lat"]))


def test_rygge_and_sola_are_on_the_map_but_not_named(seed_layers: Layers) -> None:
    for site_id in ("no-rygge", "no-sola"):
        row = _site(seed_layers, site_id)
        assert row["mention_count"] == 0
        assert not row["named_in_corpus"]
        assert row["in_corpus"]
        assert row["implied_count"] == 1
        assert row["has_point"]
        assert isinstance(row.geometry, Point)
        implied = json.loads(row["implied_by"])
        assert "four" in implied[0]["phrase"]
        assert "Norway" in implied[0]["phrase"]
    for site_id in INITIAL_SDCA_SITES:
        assert _site(seed_layers, site_id)["in_corpus"]


def test_pituffik_carries_the_1951_and_2004_agreements(seed_layers: Layers) -> None:
    pituffik = _site(seed_layers, "gl-pituffik")
    assert pituffik["agreements"].split(",") == ["us-dk-greenland-1951", "us-dk-gl-igaliku-2004"]
    assert pituffik["named_in_corpus"]
    detail = {d["agreement"]: d for d in json.loads(pituffik["status_detail"])}
    assert detail["us-dk-gl-igaliku-2004"]["signed"] == "2004-08-06"
    assert pituffik["status"] == "in_force"


def test_german_seed_links_the_danish_agreement_with_its_sentence(seed_layers: Layers) -> None:
    german = _doc_id(seed_layers, "de")
    row = seed_layers.documents.set_index("doc_id").loc[german]
    assert set(row["agreements"].split(",")) == {"us-dk-dca", "us-no-sdca"}
    assert json.loads(row["link_reasons"])["us-dk-dca"]
    evidence = [
        k
        for k in seed_layers.links
        if k.kind == "document_agreement" and k.doc_id == german and k.target_id == "us-dk-dca"
    ]
    assert any("neue Verteidigungszusammenarbeit" in k.evidence_sentence for k in evidence)
    links = seed_layers.links_frame()
    assert len(links) == len(seed_layers.links)
    assert "evidence_sentence" in links.columns


def test_english_seed_documents_row(seed_layers: Layers) -> None:
    row = seed_layers.documents.set_index("doc_id").loc[_doc_id(seed_layers, "en")]
    linked = set(row["agreements"].split(","))
    assert {"us-no-sdca", "us-dk-dca", "us-dk-greenland-1951"} <= linked
    assert not linked & {"us-se-dca", "us-fi-dca", "us-is-1951"}
    assert row["n_mentions"] > 10
    assert row.geometry.geom_type == "MultiPoint"


# --------------------------------------------------------------------------- the layers


def test_every_layer_has_its_columns_and_crs(seed_layers: Layers) -> None:
    for name in LAYER_NAMES:
        frame = getattr(seed_layers, name)
        assert list(frame.columns) == list(COLUMNS[name]), name
        if name == "unresolved":
            assert not isinstance(frame, gpd.GeoDataFrame)
        else:
            assert isinstance(frame, gpd.GeoDataFrame)
            assert frame.crs.to_epsg() == 4326


def test_sites_hold_every_registry_site_with_or_without_a_point(
    seed_layers: Layers,
    registry: Registry,  # noqa: F811
) -> None:
    sites = seed_layers.sites
    assert set(sites["site_id"]) == set(registry.site_ids())
    assert sites["site_id"].is_unique
    unlocated = sites[~sites["has_point"]]
    assert "no-osmarka" in set(unlocated["site_id"])
    assert unlocated.geometry.isna().all()
    assert not sites[sites["has_point"]].geometry.isna().any()
    assert not sites.loc[sites["site_id"] == "dk-karup", "in_corpus"].item()


def test_places_mentions_and_unresolved(seed_layers: Layers) -> None:
    places, mentions, sites = seed_layers.places, seed_layers.mentions, seed_layers.sites
    assert not set(places["place_id"]) & set(sites["site_id"])
    denmark = places.set_index("place_id").loc["country:DK"]
    assert denmark["mention_count"] >= 5
    assert denmark["demonym_count"] >= 1
    assert set(mentions["place_id"]) <= set(places["place_id"]) | set(sites["site_id"])
    for row in mentions.itertuples():
        offset = row.start - row.sentence_start
        assert row.sentence[offset : offset + len(row.surface)] == row.surface
    assert mentions["is_site"].sum() == 4  # Evenes twice, Ramsund, Thule
    assert list(seed_layers.unresolved.columns) == list(COLUMNS["unresolved"])


def test_countries_have_polygons_roles_and_statuses(seed_layers: Layers) -> None:
    countries = seed_layers.countries.set_index("iso2")
    assert {"DK", "NO", "US", "GL", "SE", "FI", "IS"} <= set(countries.index)
    assert countries.loc["US", "role"] == "both"  # partner everywhere, host of Guam's
    assert countries.loc["NO", "role"] == "host"
    assert countries.loc["GL", "territory_of"] == "DK"
    assert all(isinstance(g, MultiPolygon) and g.is_valid for g in countries.geometry)
    minx, miny, maxx, maxy = countries.total_bounds
    assert minx >= -180
    assert maxx <= 180
    assert miny >= -90
    assert maxy <= 90
    assert json.loads(countries.loc["DK", "status_detail"])["us-dk-dca"] == "negotiating"
    assert countries.loc["NO", "status"] == "signed"  # approved 2022-06-03


def test_point_flips_lat_lon_to_x_y() -> None:
    p = point(68.49, 16.68)
    assert p is not None
    assert (p.x, p.y) == (16.68, 68.49)
    assert point(None, 16.68) is None


def test_points_vectorised_equal_point_row_by_row() -> None:
    lats = [68.49, None, -33.9, 0, 12.5]
    lons = [16.68, 10.0, None, 0, -179.25]
    made = points(lats, lons)
    expected = [point(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert [None if g is None else g.wkt for g in made] == [
        None if g is None else g.wkt for g in expected
    ]
    assert made[1] is None
    assert made[2] is None
    assert points([], []) == []


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("as_of", "expected"), [("2022-03-01", "negotiating"), ("2024-06-01", "signed")]
)
def test_as_of_changes_statuses(
    seed_parsed: list[ParsedDocument],  # noqa: F811
    registry: Registry,  # noqa: F811
    as_of: str,
    expected: str,
) -> None:
    layers = build_layers(seed_parsed, as_of=as_of, registry=registry)
    assert str(layers.as_of) == as_of
    for site_id in ("dk-karup", "dk-skrydstrup", "dk-aalborg"):
        assert _site(layers, site_id)["status"] == expected
    detail = json.loads(layers.countries.set_index("iso2").loc["DK", "status_detail"])
    assert detail["us-dk-dca"] == expected


def test_bad_as_of_is_a_usage_error(seed_parsed: list[ParsedDocument]) -> None:  # noqa: F811
    with pytest.raises(ConfigurationError, match="YYYY-MM-DD"):
        build_layers(seed_parsed, as_of="June 2022")


# --------------------------------------------------------------------------- registries


def test_user_registry_is_merged(
    seed_parsed: list[ParsedDocument],  # noqa: F811
    tmp_path: Path,
) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        textwrap.dedent(
            """\
            schema_version: 1
            agreements:
              - id: gb-no-evenes-test
                name: Test Evenes arrangement
                type: defense_agreement
                host: "NO"
                partner: GB
                events:
                  - {type: signed, date: '2020-01-15', source: 'https://example.org/x'}
                sites: [no-evenes]
                sources: ['https://example.org/x']
            """
        ),
        encoding="utf-8",
    )
    layers = build_layers(seed_parsed, as_of="2022-06-01", agreements=[extra])
    evenes = _site(layers, "no-evenes")
    assert evenes["agreements"].split(",") == ["us-no-sdca", "gb-no-evenes-test"]
    assert evenes["partner"] == "US,GB"
    gb = layers.countries.set_index("iso2").loc["GB"]
    assert gb["role"] in ("partner", "both")  # the UK also hosts (Diego Garcia's notes)
    assert "gb-no-evenes-test" in gb["agreements"].split(",")
    assert "gb-no-evenes-test" in layers.registry


def test_malformed_registry_lists_every_problem_with_file_and_line(
    seed_parsed: list[ParsedDocument],  # noqa: F811
    tmp_path: Path,
) -> None:
    bad = _malformed_registry(tmp_path / "bad.yaml")
    with pytest.raises(DataError) as caught:
        build_layers(seed_parsed, agreements=[bad])
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert all(p.startswith(f"{bad}:") and p.split(":")[1].isdigit() for p in problems)
    text = "\n".join(problems)
    assert "sources" in text  # missing field
    assert "no-atlantis" in text  # unknown site id
    assert "2021-13-40" in text  # bad date
    assert "duplicate id 'us-no-sdca'" in text
    assert all(p in str(caught.value) for p in problems)


# --------------------------------------------------------------------------- inputs


def test_build_from_paths_and_documents_agree(seed_layers: Layers, tmp_path: Path) -> None:
    text = "Troops arrived at Evenes Air Station in Norway under the SDCA."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    from_paths = build_layers([tmp_path], as_of="2022-06-01")
    from_docs = build_layers([Document(id="a", text=text)], as_of="2022-06-01")
    for layers in (from_paths, from_docs):
        assert list(layers.documents["doc_id"]) == ["a"]
        assert layers.documents["agreements"].item() == "us-no-sdca"
        assert _site(layers, "no-evenes")["mention_count"] == 1
    assert len(from_paths.sites) == len(seed_layers.sites)


def test_a_failing_input_is_reported_and_the_rest_built(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Evenes Air Station is in Norway.", encoding="utf-8")
    seen: list[Exception] = []
    layers = build_layers([tmp_path / "ok.txt", tmp_path / "missing.txt"], on_error=seen.append)
    assert len(layers.documents) == 1
    assert len(seen) == 1
    assert "missing.txt" in str(seen[0])
    assert layers.errors == seen


# --------------------------------------------------------------------------- validation


def test_validation_reports_every_problem_at_once(seed_layers: Layers) -> None:
    broken = copy.copy(seed_layers)
    broken.mentions = seed_layers.mentions.copy()
    broken.mentions.loc[broken.mentions.index[0], "place_id"] = "country:XX"
    broken.mentions.loc[broken.mentions.index[1], "start"] = 99_999
    broken.places = seed_layers.places.copy().set_crs("EPSG:3857", allow_override=True)
    broken.sites = seed_layers.sites.copy()
    broken.sites.loc[broken.sites.index[0], "agreements"] = "us-xx-unknown"
    broken.countries = seed_layers.countries.drop(columns="status")
    with pytest.raises(LayerValidationError) as caught:
        validate_layers(broken)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "country:XX" in text
    assert "neither places nor sites" in text
    assert "offsets" in text
    assert "places: CRS" in text
    assert "EPSG:3857" in text
    assert "us-xx-unknown" in text
    assert "countries: missing columns status" in text
    assert len(problems) >= 5
    validate_layers(seed_layers)  # the original is untouched and valid


def test_validation_checks_has_point_against_geometry(seed_layers: Layers) -> None:
    broken = copy.copy(seed_layers)
    broken.sites = seed_layers.sites.copy()
    index = broken.sites.index[broken.sites["site_id"] == "no-evenes"][0]
    broken.sites.loc[index, "has_point"] = False
    broken.sites.loc[index, "lat"] = 95.0
    with pytest.raises(LayerValidationError) as caught:
        validate_layers(broken)
    text = "\n".join(caught.value.problems)
    assert "sites[no-evenes]: has_point is False but geometry is present" in text
    assert "does not match lat/lon" in text


def test_validation_accepts_empty_layers(seed_layers: Layers) -> None:
    # A corpus whose every name stays unresolved leaves the places layer empty; the
    # vectorised checks must not trip over a zero-length mask.
    empty = copy.copy(seed_layers)
    empty.places = seed_layers.places.iloc[0:0].copy()
    empty.mentions = seed_layers.mentions[
        ~seed_layers.mentions["place_id"].isin(seed_layers.places["place_id"])
    ].copy()
    validate_layers(empty)
