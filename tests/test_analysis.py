"""geo.layers.analysis: geodesic distances, corpus coverage, status at dates, Arctic plot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point

from geo.errors import ConfigurationError, PlaceNotFoundError
from geo.gazetteer.boundaries import country_polygon
from geo.gazetteer.sources import load_sites
from geo.io.documents import read_documents
from geo.layers import analysis
from geo.models import Document
from geo.registry.agreements import STATUSES, load_registry
from tests.test_assets import require_assets

ROOT = Path(__file__).resolve().parent.parent
GEOD = Geod(ellps="WGS84")
EVENES = (68.4913, 16.6781)  # data/sites.csv, airportsdata ENEV
SEVEROMORSK = (69.06936, 33.40807)  # GeoNames 496278


def sites_frame(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    """A minimal sites layer: id, name and a lon/lat point per row."""
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[Point(r[3], r[2]) for r in rows],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def agreed_sites() -> gpd.GeoDataFrame:
    """Every site of the Nordic-Arctic agreements, with an empty geometry where no point
    is known (the Arctic study of the notebook)."""
    from geo.registry.agreements import load_registry

    nordic = {
        site
        for agreement in load_registry()
        if (agreement.territory or agreement.host) in {"NO", "DK", "SE", "FI", "IS", "GL"}
        and agreement.partner == "US"
        for site in agreement.all_sites()
    }
    rows = [s for s in load_sites() if s.id in nordic]
    return gpd.GeoDataFrame(
        {"id": [s.id for s in rows], "name": [s.name for s in rows]},
        geometry=[Point(s.lon, s.lat) if s.lat is not None else None for s in rows],
        crs="EPSG:4326",
    )


def geod_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Independent WGS84 geodesic distance (pyproj, not geopy) between (lat, lon) pairs."""
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / 1000


def dense_border_min_km(site: tuple[float, float], iso2: str = "RU") -> float:
    """Brute force: the closest of the border's vertices, densified to 0.005°, by pyproj."""
    border = shapely.segmentize(country_polygon(iso2).boundary, 0.005)
    xy = shapely.get_coordinates(border)
    lons = np.full(len(xy), site[1])
    lats = np.full(len(xy), site[0])
    return float(GEOD.inv(lons, lats, xy[:, 0], xy[:, 1])[2].min()) / 1000


# --------------------------------------------------------------------------- nearest point


def test_nearest_point_is_geodesic_not_in_degrees() -> None:
    # At 70° N a degree of longitude is ~38 km, a degree of latitude ~111 km: the line
    # 2° east (~76 km) is nearer than the one 1.5° north (~167 km), although a planar
    # search in degrees would pick the northern one.
    east = LineString([(2.0, 60.0), (2.0, 80.0)])
    north = LineString([(-10.0, 71.5), (1.0, 71.5)])
    lines = MultiLineString([east, north])
    assert shapely.ops.nearest_points(Point(0, 70), lines)[1].y == pytest.approx(71.5)
    lat, lon = analysis.nearest_border_point(70.0, 0.0, lines)
    assert lon == pytest.approx(2.0, abs=1e-6)
    # Brute force along the meridian: the geodesically nearest point lies a little north
    # of 70° N (meridians converge), and nearer than the point due east.
    lats = np.linspace(69.0, 71.0, 20001)
    brute = GEOD.inv(np.zeros_like(lats), np.full_like(lats, 70.0), np.full_like(lats, 2.0), lats)
    best = int(np.argmin(brute[2]))
    assert lat == pytest.approx(lats[best], abs=2e-4)
    assert geod_km((70.0, 0.0), (lat, lon)) == pytest.approx(brute[2][best] / 1000, abs=1e-3)
    assert geod_km((70.0, 0.0), (lat, lon)) < geod_km((70.0, 0.0), (70.0, 2.0))


def test_border_lines_drop_the_antimeridian_cut() -> None:
    square = shapely.box(170.0, 60.0, 180.0, 70.0)
    lines = analysis.border_lines(square)
    coords = shapely.get_coordinates(lines)
    assert not shapely.intersects(lines, LineString([(180, 60.5), (180, 69.5)]))
    assert coords[:, 0].max() == pytest.approx(180.0)  # the corners stay
    # Edges are densified to at most 0.05°.
    for line in shapely.get_parts(lines):
        steps = np.hypot(*np.diff(np.asarray(line.coords), axis=0).T)
        assert steps.max() <= 0.05 + 1e-9


# --------------------------------------------------------------------------- distances


def test_site_on_the_border_is_zero() -> None:
    require_assets()
    lon, lat = shapely.get_coordinates(country_polygon("RU").boundary)[1234]
    frame = analysis.distances_to_border(sites_frame([("edge", "On the border", lat, lon)]))
    assert frame.loc[0, "distance_km"] == pytest.approx(0.0, abs=0.01)


def test_evenes_to_russian_border_matches_dense_sampling() -> None:
    require_assets()
    frame = analysis.distances_to_border(sites_frame([("no-evenes", "Evenes", *EVENES)]))
    row = frame.iloc[0]
    assert row["distance_km"] == pytest.approx(dense_border_min_km(EVENES), abs=0.5)
    assert 400 < row["distance_km"] < 550
    assert not row["inside"]
    # The reported border point is on the border and at the reported distance.
    assert geod_km(EVENES, (row["border_lat"], row["border_lon"])) == pytest.approx(
        row["distance_km"], rel=1e-6
    )


def test_distances_to_border_sorted_and_only_sites_with_points(
    agreed_sites: gpd.GeoDataFrame,
) -> None:
    require_assets()
    frame = analysis.distances_to_border(agreed_sites)
    with_points = int((~agreed_sites.geometry.isna() & ~agreed_sites.geometry.is_empty).sum())
    assert len(frame) == with_points
    assert frame["distance_km"].is_monotonic_increasing
    assert frame.iloc[0]["site"] == "fi-ivalo"  # 40 km from the Finnish-Russian border
    assert {"site", "name", "lat", "lon", "border_lat", "border_lon", "distance_km"} <= set(
        frame.columns
    )


def test_kaliningrad_is_part_of_russia() -> None:
    require_assets()
    gdansk = (54.352, 18.6466)
    frame = analysis.distances_to_border(sites_frame([("pl-gdansk", "Gdańsk", *gdansk)]))
    row = frame.iloc[0]
    assert row["border_lon"] < 23.0  # the Kaliningrad exclave, not the mainland
    assert row["distance_km"] == pytest.approx(dense_border_min_km(gdansk), abs=0.5)
    assert row["distance_km"] < 80


def test_antimeridian_cut_is_not_a_border() -> None:
    require_assets()
    # Inside Chukotka, 0.4 km west of 180°: the nearest *real* border is the coast.
    site = (66.0, 179.99)
    frame = analysis.distances_to_border(sites_frame([("ru-chukotka", "Chukotka", *site)]))
    row = frame.iloc[0]
    assert row["inside"]
    assert abs(row["border_lon"]) < 179.999
    assert row["distance_km"] > 1.0


def test_evenes_to_severomorsk_within_a_thousandth_of_pyproj() -> None:
    frame = analysis.distances_to_place(
        sites_frame([("no-evenes", "Evenes Air Station", *EVENES)]), "Severomorsk"
    )
    expected = geod_km(EVENES, SEVEROMORSK)
    assert frame.loc[0, "distance_km"] == pytest.approx(expected, rel=1e-3)
    assert frame.loc[0, "place"] == "Severomorsk"


def test_distances_to_place_sorted_and_accepts_latlon(agreed_sites: gpd.GeoDataFrame) -> None:
    frame = analysis.distances_to_place(agreed_sites, SEVEROMORSK)
    assert frame["distance_km"].is_monotonic_increasing
    assert frame.iloc[0]["site"] == "fi-ivalo"
    evenes = frame.set_index("site").loc["no-evenes", "distance_km"]
    assert evenes == pytest.approx(geod_km(EVENES, SEVEROMORSK), rel=1e-6)


def test_distances_to_place_errors() -> None:
    frame = sites_frame([("a", "A", 60.0, 10.0)])
    with pytest.raises(PlaceNotFoundError):
        analysis.distances_to_place(frame, "Nowhere-on-Earth-Xyzzy")
    with pytest.raises(ConfigurationError):
        analysis.distances_to_place(frame, (95.0, 10.0))


def test_projected_sites_are_refused() -> None:
    frame = sites_frame([("a", "A", 60.0, 10.0)]).to_crs("EPSG:3575")
    with pytest.raises(ConfigurationError, match="EPSG:4326"):
        analysis.distances_to_place(frame, SEVEROMORSK)


def test_format_distances_one_line_per_site() -> None:
    frame = analysis.distances_to_place(
        sites_frame([("no-evenes", "Evenes Air Station", *EVENES), ("x", "X", *SEVEROMORSK)]),
        SEVEROMORSK,
    )
    text = analysis.format_distances(frame, title="To Severomorsk")
    lines = text.splitlines()
    assert lines[0] == "To Severomorsk"
    assert lines[1].split() == ["x", "X", "0.0", "km"]
    assert lines[2].startswith("no-evenes")
    assert lines[2].endswith(f"{geod_km(EVENES, SEVEROMORSK):.1f} km")


# --------------------------------------------------------------------------- corpus


@pytest.fixture(scope="module")
def seed_documents() -> list[Document]:
    return list(read_documents(ROOT / "seeds"))


@pytest.fixture(scope="module")
def seed_layers(seed_documents: list[Document]) -> Any:
    """The layers of the seeds: from geo.layers when present, else the parts the tests use."""
    try:
        from geo.layers.build import build_layers
    except ImportError:
        from geo.parse.pipeline import geoparse

        mentions = analysis.mentions_table(geoparse(seed_documents))
        return SimpleNamespace(mentions=mentions, documents=seed_documents)
    as_of = analysis.latest_document_date(seed_documents)
    return build_layers([ROOT / "seeds"], as_of=as_of)


def test_mentions_table_has_sentences(seed_documents: list[Document]) -> None:
    from geo.parse.pipeline import geoparse

    table = analysis.mentions_table(geoparse(seed_documents))
    assert {"doc", "surface", "id", "sentence"} <= set(table.columns)
    evenes = table[table["id"] == "no-evenes"]
    assert len(evenes) == 2
    assert all(s in sentence for s, sentence in zip(evenes.surface, evenes.sentence, strict=True))


def test_named_vs_unnamed_on_the_seeds(seed_layers: Any) -> None:
    frame = analysis.named_vs_unnamed(seed_layers)
    named = set(frame.loc[frame["named"], "site"])
    unnamed = set(frame.loc[~frame["named"], "site"])
    assert {"no-evenes", "no-ramsund", "gl-pituffik"} <= named
    assert {"no-rygge", "no-sola"} <= unnamed
    assert named | unnamed == set(load_registry().site_ids())
    pituffik = frame.set_index("site").loc["gl-pituffik"]
    assert "Thule" in pituffik["surfaces"]
    assert frame["named"].iloc[: len(named)].all()  # named sites first


def test_status_at_document_dates(seed_documents: list[Document]) -> None:
    registry = load_registry()
    frame = analysis.status_at_document_dates(
        seed_documents, registry=registry, today=dt.date(2025, 1, 1)
    )
    assert list(frame.columns[3:]) == list(registry.ids)
    dated = frame.loc["004_f6e18cdd7bce2205"]
    assert dated["as_of"] == dt.date(2022, 2, 1)
    assert dated["date_note"] == "article date"
    assert dated["us-no-sdca"] == registry.status("us-no-sdca", dt.date(2022, 2, 1))
    assert dated["us-no-sdca"] == "signed"  # in force only from mid-2022
    undated = frame.loc["000_640b02f3eca9c30c"]
    assert undated["as_of"] == dt.date(2025, 1, 1)
    assert "no date" in undated["date_note"]
    assert set(frame[list(registry.ids)].to_numpy().ravel()) <= set(STATUSES)


def test_status_from_documents_layer_frame() -> None:
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "date": ["2021-04-16", None, "spring"]})
    frame = analysis.status_at_document_dates(
        SimpleNamespace(documents=docs), today=dt.date(2030, 1, 1)
    )
    assert frame.loc["a", "us-no-sdca"] == "signed"
    assert frame.loc["b", "as_of"] == dt.date(2030, 1, 1)
    assert frame.loc["c", "as_of"] == dt.date(2030, 1, 1)
    assert frame.loc["c", "date_note"].startswith("unreadable date 'spring'")


def test_document_days() -> None:
    assert analysis.document_day("2022-02") == dt.date(2022, 2, 1)
    assert analysis.document_day("2022") == dt.date(2022, 1, 1)
    assert analysis.document_day("2022-02-10") == dt.date(2022, 2, 10)
    docs = [Document("a", "x", date="2021-05-03"), Document("b", "y", date="2022-02")]
    assert analysis.latest_document_date(docs) == dt.date(2022, 2, 1)
    assert analysis.latest_document_date([Document("c", "z")]) is None
    assert analysis.latest_document_date([{"date": "2020"}]) == dt.date(2020, 1, 1)


# --------------------------------------------------------------------------- plot, paths


def test_arctic_plot(agreed_sites: gpd.GeoDataFrame) -> None:
    require_assets()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    status = ["in_force" if s.startswith("no-") else "none" for s in agreed_sites["id"]]
    ax = analysis.arctic_plot(SimpleNamespace(sites=agreed_sites.assign(status=status)))
    try:
        texts = {t.get_text() for t in ax.texts}
        assert {"no-evenes", "gl-pituffik", "is-keflavik"} <= texts
        assert "dk-karup" in texts  # 56° N, north of the 50° N cut
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["none", "in force"]
        # Projected metres, centred on the pole: Pituffik lies within ~1600 km of it.
        x0, x1 = ax.get_xlim()
        assert x1 - x0 > 4_000_000
    finally:
        plt.close(ax.figure)


def test_arctic_plot_labels_named_sites_and_marks(seed_layers: Any) -> None:
    require_assets()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not hasattr(seed_layers, "sites"):
        pytest.skip("needs geo.layers")
    ax = analysis.arctic_plot(seed_layers, mark=["Severomorsk"])
    try:
        texts = {t.get_text() for t in ax.texts}
        assert {"no-evenes", "no-ramsund", "gl-pituffik", "Severomorsk"} <= texts
        assert "no-rygge" not in texts  # implied, not named
    finally:
        plt.close(ax.figure)
    ax = analysis.arctic_plot(seed_layers, labels="none")
    try:
        assert not ax.texts
    finally:
        plt.close(ax.figure)
    with pytest.raises(ConfigurationError):
        analysis.arctic_plot(seed_layers, labels="some")  # type: ignore[arg-type]


def test_corpus_summary(seed_documents: list[Document]) -> None:
    from geo.parse.pipeline import geoparse

    frame = analysis.corpus_summary(geoparse(seed_documents)).set_index("doc")
    assert frame.loc["000_640b02f3eca9c30c", "sites"] == 3  # Evenes, Ramsund, Thule
    assert frame.loc["004_f6e18cdd7bce2205", "date"] == "2022-02"
    assert frame.loc["004_f6e18cdd7bce2205", "lang"] == "de"
    assert (frame["mentions"] > 0).all()


def test_layer_and_geopackage_summaries(tmp_path: Path) -> None:
    sites = sites_frame([("a", "A", 60.0, 10.0), ("b", "B", 61.0, 11.0)])
    sites.loc[len(sites)] = ["c", "C", None]
    table = pd.DataFrame({"doc": ["x"], "surface": ["Y"]})
    summary = analysis.layer_summary({"sites": sites, "unresolved": table})
    assert summary.loc["sites", "rows"] == 3
    assert summary.loc["sites", "with_geometry"] == 2
    assert summary.loc["sites", "geometry"] == "Point"
    assert summary.loc["sites", "crs"] == "EPSG:4326"
    assert summary.loc["unresolved", "geometry"] == ""
    path = tmp_path / "x.gpkg"
    sites.to_file(path, layer="sites")
    on_disk = analysis.geopackage_summary(path)
    assert on_disk.loc["sites", "features"] == 3
    assert on_disk.loc["sites", "geometry"] == "Point"


def test_project_root_and_output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert analysis.project_root(ROOT / "notebooks") == ROOT
    assert analysis.project_root(ROOT) == ROOT
    monkeypatch.setenv("GEO_NOTEBOOK_OUT", str(tmp_path / "out"))
    assert analysis.output_dir() == tmp_path / "out"
    assert (tmp_path / "out").is_dir()
