"""The geopy-compatible offline geocoder, alone and through geopandas."""

from __future__ import annotations

import geopandas
import pytest
from geopy.location import Location

from geo.gazetteer.geocoder import GazetteerGeocoder


@pytest.fixture(scope="module")
def coder() -> GazetteerGeocoder:
    return GazetteerGeocoder()


def test_geocode_returns_a_geopy_location_with_the_record(coder: GazetteerGeocoder) -> None:
    loc = coder.geocode("Evenes")
    assert isinstance(loc, Location)
    assert loc.latitude == pytest.approx(68.4913, abs=0.01)
    assert loc.longitude == pytest.approx(16.6781, abs=0.01)
    assert loc.raw["id"] == "no-evenes"
    assert loc.raw["kind"] == "air_base"
    assert "curated site" in loc.raw["reason"]
    address, (lat, _lon) = loc
    assert address.startswith("Evenes Air Station")
    assert lat == loc.latitude


def test_geocode_none_for_unknown_and_lists_when_asked(coder: GazetteerGeocoder) -> None:
    assert coder.geocode("Xyzzyqwv") is None
    assert coder.geocode("") is None
    many = coder.geocode("Washington", exactly_one=False, limit=3)
    assert isinstance(many, list)
    assert len(many) == 3


def test_country_restriction(coder: GazetteerGeocoder) -> None:
    assert coder.geocode("Sola", country_codes="NO").raw["country"] == "NO"


def test_reverse_finds_the_nearest_town(coder: GazetteerGeocoder) -> None:
    loc = coder.reverse((69.0689, 33.4163))  # Severomorsk
    assert loc.raw["name"] == "Severomorsk"


def test_geopandas_geocode_works_offline() -> None:
    gdf = geopandas.tools.geocode(["Evenes", "Thule"], provider=GazetteerGeocoder)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].y == pytest.approx(68.49, abs=0.02)
    assert gdf.geometry.iloc[1].y == pytest.approx(76.53, abs=0.02)
    assert gdf.geometry.iloc[1].x == pytest.approx(-68.70, abs=0.02)
    assert gdf["address"].iloc[1].startswith("Pituffik Space Base")
