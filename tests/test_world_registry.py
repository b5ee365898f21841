"""The world registry at work (issue 11): site names as news writes them, the EDCA corpus.

``NEWS_NAMES`` are site names from outside the Nordics in the forms news uses
(designators, short forms, transliterations); each must resolve, inside a defense
sentence, to its site or to a point within the tolerance of the site's precision class.
The EDCA corpus (``tests/data/edca/``, three short texts written for these tests) must
come out on the map and in the layers with the agreement, its 2014 signing, the sites
added in 2016 and 2023 and the quotes that name them, and ``--as-of 2022-06-01`` must show
the 2023 sites as not yet agreed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from geo.gazetteer.sources import SiteRow, load_sites
from geo.gazetteer.store import load_gazetteer
from geo.layers.build import build_layers
from geo.parse.pipeline import parse_text
from geo.vocab import PRECISIONS
from tests.conftest import ROOT

EDCA = ROOT / "tests" / "data" / "edca"
TOLERANCE_KM = {p.key: p.tolerance_km for p in PRECISIONS}

#: (name as news writes it, the site it names).
NEWS_NAMES: list[tuple[str, str]] = [
    ("Basa Air Base", "ph-basa"),
    ("Fort Magsaysay", "ph-fort-magsaysay"),
    ("Lumbia Air Base", "ph-lumbia"),
    ("Antonio Bautista Air Base", "ph-antonio-bautista"),
    ("Mactan-Benito Ebuen Air Base", "ph-mactan"),
    ("Naval Base Camilo Osias", "ph-camilo-osias"),
    ("Lal-lo Airport", "ph-lal-lo"),
    ("Camp Melchor Dela Cruz", "ph-camp-melchor-dela-cruz"),
    ("Balabac Island", "ph-balabac"),
    ("Camp Lemonnier", "dj-camp-lemonnier"),
    ("Chabelley Airfield", "dj-chabelley"),
    ("Souda Bay", "gr-souda-bay"),
    ("Larissa Air Base", "gr-larissa"),
    ("Stefanovikio", "gr-stefanovikeio"),
    ("Alexandroupolis", "gr-alexandroupoli-port"),
    ("Redzikowo", "pl-redzikowo"),
    ("Powidz Air Base", "pl-powidz"),
    ("Lask Air Base", "pl-lask"),
    ("Drawsko Pomorskie", "pl-drawsko-pomorskie"),
    ("Zagan", "pl-zagan"),
    ("Deveselu", "ro-deveselu"),
    ("Mihail Kogalniceanu Air Base", "ro-mihail-kogalniceanu"),
    ("Babadag", "ro-babadag"),
    ("Cincu", "ro-cincu"),
    ("Bezmer Air Base", "bg-bezmer"),
    ("Graf Ignatievo", "bg-graf-ignatievo"),
    ("Novo Selo", "bg-novo-selo"),
    ("Kecskemet Air Base", "hu-kecskemet"),
    ("Papa Air Base", "hu-papa"),
    ("Sliac Air Base", "sk-sliac"),
    ("Amari Air Base", "ee-amari"),
    ("Tapa", "ee-tapa"),
    ("Lielvarde Air Base", "lv-lielvarde"),
    ("Adazi", "lv-adazi"),
    ("Siauliai Air Base", "lt-siauliai"),
    ("Naval Station Rota", "es-rota"),
    ("Moron Air Base", "es-moron"),
    ("Aviano Air Base", "it-aviano"),
    ("NAS Sigonella", "it-sigonella"),
    ("Camp Ederle", "it-camp-ederle"),
    ("Ramstein Air Base", "de-ramstein"),
    ("Grafenwoehr", "de-grafenwoehr"),
    ("Incirlik Air Base", "tr-incirlik"),
    ("Kurecik", "tr-kurecik"),
    ("Lajes Field", "pt-lajes"),
    ("RAAF Base Darwin", "au-raaf-darwin"),
    ("RAAF Base Tindal", "au-raaf-tindal"),
    ("Robertson Barracks", "au-robertson-barracks"),
    ("HMAS Stirling", "au-hmas-stirling"),
    ("Kadena Air Base", "jp-kadena"),
    ("Yokota Air Base", "jp-yokota"),
    ("Misawa Air Base", "jp-misawa"),
    ("Yokosuka Naval Base", "jp-yokosuka"),
    ("Marine Corps Air Station Futenma", "jp-futenma"),
    ("MCAS Iwakuni", "jp-iwakuni"),
    ("Camp Schwab", "jp-camp-schwab"),
    ("Camp Blaz", "gu-camp-blaz"),
    ("Andersen Air Force Base", "gu-andersen"),
    ("Camp Humphreys", "kr-camp-humphreys"),
    ("Osan Air Base", "kr-osan"),
    ("Kunsan Air Base", "kr-kunsan"),
    ("Camp Arifjan", "kw-camp-arifjan"),
    ("Ali Al Salem Air Base", "kw-ali-al-salem"),
    ("Naval Support Activity Bahrain", "bh-nsa-bahrain"),
    ("Diego Garcia", "io-diego-garcia"),
    ("Lombrum Naval Base", "pg-lombrum"),
    ("Hmeimim Air Base", "sy-hmeimim"),
    ("Tartus", "sy-tartus"),
    ("Gyumri", "am-gyumri-102nd-base"),
    ("Kant Air Base", "kg-kant"),
    ("Doraleh", "dj-pla-support-base"),
    ("Ream Naval Base", "kh-ream"),
    ("RAF Akrotiri", "cy-raf-akrotiri"),
    ("Dhekelia", "cy-dhekelia"),
    ("HMS Jufair", "bh-hms-jufair"),
    ("Duqm", "om-ukjlsb-duqm"),
    ("Camp de la Paix", "ae-abu-dhabi-naval-base"),
    ("Agalega", "mu-agalega-airstrip"),
    ("Port Sudan", "sd-port-sudan-naval-base"),
    ("Baranavichi Air Base", "by-baranavichi-air-base"),
    ("Vileyka", "by-vileyka"),
    ("Severomorsk", "ru-severomorsk"),
    ("Edwards Air Force Base", "us-edwards-air-force-base"),
    ("Fort Bragg", "us-fort-bragg"),
    ("Naval Station Norfolk", "us-naval-station-norfolk"),
    ("Plesetsk Cosmodrome", "ru-plesetsk-cosmodrome"),
    ("Baikonur Cosmodrome", "kz-baikonur-cosmodrome"),
]


@pytest.fixture(scope="module")
def sites() -> dict[str, SiteRow]:
    return {s.id: s for s in load_sites()}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_the_list_is_long_enough_and_worldwide() -> None:
    assert len(NEWS_NAMES) >= 80
    countries = {site_id[:2] for _, site_id in NEWS_NAMES}
    assert len(countries) >= 30
    assert not countries & {"no", "dk", "se", "fi", "is", "gl"}


@pytest.mark.parametrize(("name", "site_id"), NEWS_NAMES)
def test_news_names_resolve_to_their_site(
    name: str, site_id: str, sites: dict[str, SiteRow]
) -> None:
    text = f"U.S. and allied troops will rotate through {name} under the agreement, officials said."
    start = text.index(name)
    found = [
        r
        for r in parse_text(text, gazetteer=load_gazetteer())
        if r.mention.start <= start < r.mention.end
    ]
    assert found, f"{name!r} was not recognised"
    place = found[0].place
    assert place is not None, f"{name!r} was not resolved"
    site = sites[site_id]
    if place.id == site_id:
        return
    assert site.lat is not None, f"{name!r} resolved to {place.id}, not {site_id}"
    assert place.lat is not None
    assert place.lon is not None
    tolerance = TOLERANCE_KM[site.coord_precision]
    distance = _km(site.lat, site.lon, place.lat, place.lon)
    assert distance <= tolerance, f"{name!r} -> {place.id}, {distance:.1f} km from {site_id}"


def _edca_rows(layers: object) -> dict[str, dict[str, object]]:
    sites = layers.sites  # type: ignore[attr-defined]
    rows = sites[sites["agreements"].str.contains("us-ph-edca")]
    return {row["site_id"]: row for row in rows.to_dict("records")}


SITES_2016 = {"ph-antonio-bautista", "ph-basa", "ph-fort-magsaysay", "ph-lumbia", "ph-mactan"}
SITES_2023 = {"ph-camilo-osias", "ph-lal-lo", "ph-camp-melchor-dela-cruz", "ph-balabac"}


def test_edca_corpus_draws_the_sites_with_agreement_dates_and_quotes() -> None:
    layers = build_layers([EDCA], as_of="2024-01-01")
    rows = _edca_rows(layers)
    assert set(rows) == SITES_2016 | SITES_2023
    for site_id, row in rows.items():
        assert row["named_in_corpus"], site_id
        assert row["status"] == "approved", site_id
        quotes = json.loads(str(row["quotes"]))
        assert quotes, site_id
        assert all(q["doc"] for q in quotes)
    assert {rows[s]["added_by"] for s in SITES_2016} == {"us-ph-edca-sites-2016"}
    assert {rows[s]["added_by"] for s in SITES_2023} == {"us-ph-edca-sites-2023"}
    detail = json.loads(str(rows["ph-basa"]["status_detail"]))
    assert detail[0]["agreement"] == "us-ph-edca"
    edca = layers.registry["us-ph-edca"] if layers.registry else None
    assert edca is not None
    assert [e.date for e in edca.events if e.type == "signed"] == ["2014-04-28"]
    docs = layers.documents.set_index("doc_id")
    assert all("us-ph-edca" in str(a).split(",") for a in docs["agreements"])


def test_edca_as_of_2022_shows_the_2023_sites_as_not_yet_agreed() -> None:
    rows = _edca_rows(build_layers([EDCA], as_of="2022-06-01"))
    assert {rows[s]["status"] for s in SITES_2023} == {"none"}
    assert {rows[s]["status"] for s in SITES_2016} == {"approved"}


def test_edca_map_and_cli(tmp_path: Path) -> None:
    from geo.cli.main import main
    from tests.test_assets import require_assets
    from tests.test_security import map_strings

    require_assets()
    target = tmp_path / "edca.html"
    assert main(["build", str(EDCA), "-o", str(target), "--as-of", "2024-01-01"]) == 0
    strings = map_strings(target.read_text(encoding="utf-8"))
    joined = "\n".join(strings)
    assert "Enhanced Defense Cooperation Agreement" in joined
    assert "2014-04-28" in joined
    assert "Camp Melchor Dela Cruz" in joined
    assert any("Balabac Island in Palawan" in s for s in strings)  # the quote
