"""The gazetteer: sites first, multilingual names, ranked candidates, total lookups."""

from __future__ import annotations

import pytest

from geo.errors import ConfigurationError, PlaceNotFoundError
from geo.gazetteer.query import Gazetteer, clean_query
from geo.gazetteer.store import load_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize(
    ("name", "place_id"),
    [
        ("Kopenhagen", "geonames:2618425"),
        ("København", "geonames:2618425"),
        ("Copenhagen", "geonames:2618425"),
        ("Dänemark", "country:DK"),
        ("Danmark", "country:DK"),
        ("Denmark", "country:DK"),
        ("Daenemark", "country:DK"),
        ("Grönland", "country:GL"),
        ("Kalaallit Nunaat", "country:GL"),
        ("Greenland", "country:GL"),
        ("Thule Air Base", "gl-pituffik"),
        ("Pituffik Space Base", "gl-pituffik"),
        ("Norwegen", "country:NO"),
        ("Noruega", "country:NO"),
        ("Norvège", "country:NO"),
        ("Ruotsi", "country:SE"),
        ("U.S.", "country:US"),
        ("USA", "country:US"),
        ("Evenes flystasjon", "no-evenes"),
    ],
)
def test_multilingual_names(gaz: Gazetteer, name: str, place_id: str) -> None:
    place = gaz.get(name)
    assert place is not None, name
    assert place.id == place_id


def test_curated_site_outranks_namesakes(gaz: Gazetteer) -> None:
    ranked = gaz.candidates("Thule")
    assert ranked[0].place.id == "gl-pituffik"
    assert ranked[0].reason.startswith("curated site")
    assert any(c.place.kind == "city" for c in ranked[1:])
    assert ranked[0].score > ranked[1].score


def test_candidates_carry_kind_country_population_source_reason(gaz: Gazetteer) -> None:
    ranked = gaz.candidates("Washington")
    assert len(ranked) > 3
    for c in ranked:
        assert c.place.kind
        assert c.place.source
        assert c.reason
    city = next(c for c in ranked if c.place.kind == "city")
    assert city.place.population > 0
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_filters(gaz: Gazetteer) -> None:
    assert gaz.get("Sola", country="NO").country == "NO"
    only_cities = gaz.candidates("Sola", kinds=["city"])
    assert only_cities
    assert {c.place.kind for c in only_cities} == {"city"}


def test_abbreviations_are_case_sensitive(gaz: Gazetteer) -> None:
    assert gaz.get("US").id == "country:US"
    assert gaz.get("us") is None or gaz.get("us").id != "country:US"


def test_get_returns_none_and_lookup_raises(gaz: Gazetteer) -> None:
    assert gaz.get("Xyzzyqwv") is None
    assert gaz.get("") is None
    with pytest.raises(PlaceNotFoundError, match="Xyzzyqwv"):
        gaz.lookup("Xyzzyqwv")


def test_lookup_suggests_close_names(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError) as info:
        gaz.lookup("Copenhagn")
    assert "Copenhagen" in info.value.suggestions


@pytest.mark.parametrize(
    ("bad", "message"),
    [("", "empty"), ("   ", "empty"), ("a\x00b", "control"), ("x" * 10_000, "10,000")],
)
def test_bad_queries_are_refused_clearly(bad: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        clean_query(bad)


def test_place_by_id(gaz: Gazetteer) -> None:
    assert gaz.place("no-evenes").name == "Evenes Air Station"
    assert gaz.get_place("no-such-id") is None
    with pytest.raises(PlaceNotFoundError):
        gaz.place("no-such-id")


def test_index_is_cached_per_process(gaz: Gazetteer) -> None:
    assert load_gazetteer() is gaz
