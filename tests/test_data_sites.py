"""Data-quality tests of ``data/sites.csv``, read with the csv module like a curator would.

They check the file's shape (columns, sort order, vocabularies), that every row is sourced,
that coordinates are sane and that points said to come from airportsdata really do, the
must-show facts of the seeds (Evenes, Pituffik/Thule), and that sites and the agreements
registry reference each other completely.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import airportsdata
import pycountry
import pytest
import yaml

from geo.gazetteer.sources import SITE_KINDS

DATA = Path(__file__).resolve().parent.parent / "data"
SITES = DATA / "sites.csv"
AGREEMENTS = DATA / "agreements.yaml"

COLUMNS = [
    "id",
    "name",
    "local_name",
    "kind",
    "country",
    "admin_area",
    "lat",
    "lon",
    "coord_precision",
    "coord_source",
    "aliases",
    "former_names",
    "status",
    "confidence",
    "source_urls",
    "notes",
]
KINDS = SITE_KINDS  # the loader's vocabulary: one list, not two
PRECISIONS = {"airfield_reference_point", "facility", "village_containing_facility", "locality", ""}


def _rows() -> list[dict[str, str]]:
    with SITES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _rows()


@pytest.fixture(scope="module")
def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in rows}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_header_is_exactly_the_documented_columns() -> None:
    with SITES.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS


def test_ids_unique_well_formed_and_sorted(rows: list[dict[str, str]]) -> None:
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    for row in rows:
        assert re.fullmatch(r"[a-z]{2}-[a-z0-9-]+", row["id"]), row["id"]
        assert row["id"][:2].upper() == row["country"], row["id"]


def test_kind_status_confidence_in_vocabulary(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["kind"] in KINDS, (row["id"], row["kind"])
        assert row["status"] in {"current", "former"}, row["id"]
        assert row["confidence"] in {"high", "medium", "low"}, row["id"]
        assert row["coord_precision"] in PRECISIONS, row["id"]
        assert row["name"].strip(), row["id"]


def test_country_is_iso_alpha2(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert pycountry.countries.get(alpha_2=row["country"]) is not None, row["id"]


def test_lat_lon_both_set_or_both_empty_and_in_range(rows: list[dict[str, str]]) -> None:
    for row in rows:
        lat, lon = row["lat"], row["lon"]
        assert bool(lat) == bool(lon), row["id"]
        if not lat:
            assert row["coord_precision"] == "", row["id"]
            assert row["notes"], f"{row['id']}: a site without a point must say why in notes"
            continue
        assert -90 <= float(lat) <= 90, row["id"]
        assert -180 <= float(lon) <= 180, row["id"]
        for value in (lat, lon):
            assert len(value.partition(".")[2]) <= 5, (row["id"], value)
        assert row["coord_precision"], row["id"]
        assert row["coord_source"], row["id"]


def test_every_row_has_an_http_source_url(rows: list[dict[str, str]]) -> None:
    for row in rows:
        urls = _split(row["source_urls"])
        assert urls, row["id"]
        for url in urls:
            assert re.fullmatch(r"https?://\S+", url), (row["id"], url)


def test_icao_points_match_airportsdata(rows: list[dict[str, str]]) -> None:
    airports = airportsdata.load()
    checked = 0
    for row in rows:
        match = re.fullmatch(r"airportsdata ICAO ([A-Z0-9]{4})", row["coord_source"])
        if not match:
            continue
        airport = airports[match.group(1)]
        assert abs(airport["lat"] - float(row["lat"])) < 1e-4, row["id"]
        assert abs(airport["lon"] - float(row["lon"])) < 1e-4, row["id"]
        assert row["coord_precision"] == "airfield_reference_point", row["id"]
        checked += 1
    assert checked >= 20


def test_garbled_parentheticals_are_not_copied_into_names(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for name in _split(row["aliases"]) + _split(row["former_names"]):
            assert "garbled" not in name.lower(), (row["id"], name)
            assert "(" not in name, (row["id"], name)


def test_evenes_is_at_the_airfield(by_id: dict[str, dict[str, str]]) -> None:
    evenes = by_id["no-evenes"]
    assert _km(float(evenes["lat"]), float(evenes["lon"]), 68.49, 16.68) < 2.0
    assert "Evenes Air Station" in _split(evenes["aliases"])
    assert "Luftwaffenstützpunkt Evenes" in _split(evenes["aliases"])
    assert evenes["kind"] == "air_base"


def test_pituffik_is_thule(by_id: dict[str, dict[str, str]]) -> None:
    pituffik = by_id["gl-pituffik"]
    assert _km(float(pituffik["lat"]), float(pituffik["lon"]), 76.53, -68.70) < 5.0
    assert pituffik["country"] == "GL"
    assert pituffik["kind"] == "space_base"
    assert "Thule Air Base" in _split(pituffik["former_names"])
    assert "Luftwaffenstützpunkt Thule" in _split(pituffik["aliases"])


def test_former_greenland_areas_are_marked_former(by_id: dict[str, dict[str, str]]) -> None:
    assert by_id["gl-narsarsuaq"]["status"] == "former"
    assert by_id["gl-kangerlussuaq"]["status"] == "former"
    assert by_id["gl-pituffik"]["status"] == "current"


def _registry_site_ids() -> set[str]:
    document = yaml.safe_load(AGREEMENTS.read_text(encoding="utf-8"))
    ids: set[str] = set()
    for agreement in document["agreements"]:
        ids.update(agreement["sites"])
        ids.update(agreement.get("removes_sites") or ())
        for amendment in agreement.get("amendments") or ():
            ids.update(amendment["adds_sites"])
    return ids


def test_registry_and_sites_reference_each_other(by_id: dict[str, dict[str, str]]) -> None:
    referenced = _registry_site_ids()
    assert referenced - set(by_id) == set(), "agreements.yaml names sites missing from sites.csv"
    assert set(by_id) - referenced == set(), "sites.csv has sites no agreement names"


def test_every_reference_site_is_present(by_id: dict[str, dict[str, str]]) -> None:
    """All site ids of the shared reference file made it into sites.csv."""
    reference = DATA.parent.parent / "shared" / "reference" / "nordic_defense_agreements.yaml"
    if not reference.is_file():
        pytest.skip("shared reference file not present beside the checkout")
    document = yaml.safe_load(reference.read_text(encoding="utf-8"))
    ids = {site["id"] for agreement in document["agreements"] for site in agreement["sites"]}
    assert len(ids) >= 48
    assert ids - set(by_id) == set()
