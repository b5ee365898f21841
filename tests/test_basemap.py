"""geo.gazetteer.boundaries: world-atlas countries, valid and antimeridian-safe."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import ConfigurationError, GeoError
from geo.gazetteer import boundaries as basemap
from tests.test_assets import require_assets


@pytest.fixture(scope="module", params=["50m", "110m"])
def frame(request: pytest.FixtureRequest) -> gpd.GeoDataFrame:
    require_assets()
    return basemap.countries(request.param)


def test_countries_have_codes_and_crs(frame: gpd.GeoDataFrame) -> None:
    assert frame.crs is not None
    assert frame.crs.to_epsg() == 4326
    assert {"iso2", "iso3", "name", "geometry"} <= set(frame.columns)
    present = set(frame["iso2"].dropna())
    assert {"NO", "DK", "GL", "RU", "US"} <= present
    assert set(frame.loc[frame["iso2"] == "NO", "iso3"]) == {"NOR"}
    assert set(frame.loc[frame["iso2"] == "RU", "name"]) == {"Russia"}
    assert frame["iso2"].isna().sum() <= 1  # Siachen Glacier, disputed, at 50m only


def test_all_geometries_are_valid_polygons(frame: gpd.GeoDataFrame) -> None:
    assert frame.is_valid.all()
    assert set(frame.geom_type) == {"Polygon"}


def test_no_part_spans_more_than_180_degrees(frame: gpd.GeoDataFrame) -> None:
    bounds = frame.bounds
    wide = frame[(bounds.maxx - bounds.minx) > 180]
    # Only Antarctica's ring encircles the pole; as a flat polygon it is -180..180 on
    # purpose and draws correctly (no band across the map).
    assert set(wide["iso2"]) <= {"AQ"}
    assert (bounds.loc[wide.index, "miny"] < -80).all()
    chukotka = frame[(frame["iso2"] == "RU") & (bounds.maxx > 180)]
    assert not chukotka.empty  # unwrapped east of 180°, not lost


def test_features_without_numeric_id_get_codes_by_name() -> None:
    require_assets()
    frame = basemap.countries("50m")
    by_name = frame.groupby("name")["iso2"].first()
    assert by_name["Kosovo"] == "XK"
    assert by_name["N. Cyprus"] == "CY"
    assert by_name["Somaliland"] == "SO"
    assert set(frame.loc[frame["name"] == "Indian Ocean Ter.", "iso2"]) == {"CX", "CC"}


def test_country_polygon_russia() -> None:
    require_assets()
    russia = basemap.country_polygon("RU")
    assert russia.is_valid
    assert russia.geom_type in {"Polygon", "MultiPolygon"}
    minx, _, maxx, _ = russia.bounds
    assert minx >= -180
    assert maxx <= 180
    assert russia.contains(Point(37.62, 55.75))  # Moscow
    assert russia.contains(Point(175.0, 67.0))  # Chukotka west of the antimeridian
    assert russia.contains(Point(-175.0, 67.0))  # Chukotka east of it
    assert not russia.contains(Point(10.75, 59.91))  # Oslo


def test_country_polygon_accepts_lowercase_and_rejects_unknown() -> None:
    require_assets()
    assert basemap.country_polygon("no").contains(Point(10.75, 59.91))
    assert basemap.country_polygon("CY", "110m").is_valid
    with pytest.raises(GeoError, match="ZZ"):
        basemap.country_polygon("ZZ")
    with pytest.raises(ConfigurationError, match="resolution"):
        basemap.countries("10m")  # type: ignore[arg-type]


def test_basemap_geojson_is_small_and_well_formed() -> None:
    require_assets()
    collection = basemap.basemap_geojson()
    text = json.dumps(collection, separators=(",", ":"))
    assert len(text) < 500_000
    assert collection["type"] == "FeatureCollection"
    codes = {f["properties"]["iso2"] for f in collection["features"]}
    assert {"NO", "DK", "GL", "RU", "US"} <= codes
    ring = collection["features"][0]["geometry"]["coordinates"][0][0]
    assert all(round(x, 2) == x and round(y, 2) == y for x, y in ring)


def test_missing_assets_raise_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GeoError, match="geo assets fetch"):
        basemap.countries("110m", assets_dir=tmp_path)


def test_plain_tile_layer_is_a_data_uri() -> None:
    layer = basemap.plain_tile_layer("#abc")
    assert layer.tiles.startswith("data:image/png;base64,")
    with pytest.raises(ConfigurationError, match="color"):
        basemap.plain_tile_layer("blue")
