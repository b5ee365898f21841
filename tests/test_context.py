"""Reading a name the way an analyst does (issue 12): people, states, containers, facilities.

Every case here is one the geoparser once got wrong: a German noun read as a town, a
minister's or a secretary's name read as a place, a state lost to a village that bears
its name, a town placed in the wrong country although the text names its province, an
island resolved to a namesake farm, a facility's name cut in pieces. They run on the
real gazetteer, in the language the text is written in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.gazetteer.query import Gazetteer
from geo.gazetteer.store import load_gazetteer
from geo.io.documents import DocumentWarning
from geo.models import Document
from geo.parse.pipeline import geoparse, parse_document, parse_text
from geo.text.langid import unsupported_script


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def _found(text: str, lang: str, gaz: Gazetteer) -> list[tuple[str, str]]:
    return [
        (r.mention.surface, r.place.id)
        for r in parse_text(text, lang=lang, gazetteer=gaz)
        if r.place is not None
    ]


CASES = [
    pytest.param(
        "Die Basis der Zusammenarbeit ist das Abkommen mit den USA.",
        "de",
        [("USA", "country:US")],
        id="german-noun-is-no-inflected-town",
    ),
    pytest.param(
        "Spanish Prime Minister Pedro Sánchez visited the troops.",
        "en",
        [("Spanish", "country:ES")],
        id="a-ministers-name",
    ),
    pytest.param(
        "Defense Secretary Lloyd Austin met his counterpart. Austin said the deal was signed.",
        "en",
        [],
        id="a-secretary-named-later-by-surname",
    ),
    pytest.param(
        "The report by the United States Studies Centre at the University of Sydney was published.",
        "en",
        [("United States", "country:US"), ("Sydney", "geonames:2147714")],
        id="organisation-word-ends-a-bodys-name",
    ),
    pytest.param("Secretary Austin said the deal was done.", "en", [], id="title-and-surname"),
    pytest.param(
        "The court in The Hague ruled on Monday.",
        "en",
        [("The Hague", "geonames:2747373")],
        id="a-name-that-begins-with-its-article",
    ),
    pytest.param(
        "España y Estados Unidos renuevan el convenio. La base de Morón acogerá más marines.",
        "es",
        [("España", "country:ES"), ("Estados Unidos", "country:US"), ("Morón", "es-moron")],
        id="spanish-base-and-country",
    ),
    pytest.param(
        "Marines trained in Floridablanca, Pampanga, in the Philippines, near Basa Air Base.",
        "en",
        [
            ("Floridablanca", "geonames:1713601"),
            ("Pampanga", "admin2:ph-central-luzon-province-of-pampanga"),
            ("Philippines", "country:PH"),
            ("Basa Air Base", "ph-basa"),
        ],
        id="town-in-its-province",
    ),
    pytest.param(
        "US forces will rotate through northern Luzon in the Philippines.",
        "en",
        [("US", "country:US"), ("Luzon", "region:luzon"), ("Philippines", "country:PH")],
        id="island-not-a-village",
    ),
    pytest.param(
        "The US Navy uses Souda Bay on Crete, Greece.",
        "en",
        [
            ("US", "country:US"),
            ("Souda Bay", "gr-souda-bay"),
            ("Crete", "region:crete"),
            ("Greece", "country:GR"),
        ],
        id="crete-in-greece",
    ),
    pytest.param(
        "The new sites are in Cagayan and Isabela provinces in the Philippines.",
        "en",
        [
            ("Cagayan", "admin2:ph-cagayan-valley-province-of-cagayan"),
            ("Isabela", "admin2:ph-cagayan-valley-province-of-isabela"),
            ("Philippines", "country:PH"),
        ],
        id="provinces-after-a-name",
    ),
    pytest.param(
        "The US will use Camp Melchor dela Cruz in Gamu, Isabela, under the agreement.",
        "en",
        [
            ("US", "country:US"),
            ("Camp Melchor dela Cruz", "ph-camp-melchor-dela-cruz"),
            ("Gamu", "geonames:1713288"),
            # the province holding Gamu, not the town of Isabela in Negros Occidental
            ("Isabela", "admin2:ph-cagayan-valley-province-of-isabela"),
        ],
        id="the-county-holding-the-town-before-it",
    ),
    pytest.param(
        "US drones operate from Naval Base Camilo Osias in Santa Ana, Cagayan.",
        "en",
        [
            ("US", "country:US"),
            ("Naval Base Camilo Osias", "ph-camilo-osias"),
            ("Santa Ana", "geonames:1688393"),
            ("Cagayan", "admin2:ph-cagayan-valley-province-of-cagayan"),
        ],
        id="a-town-in-a-large-province-a-province-by-its-own-name",
    ),
    pytest.param(
        "Governors of Minnesota, Maryland, Oklahoma and Montana met.",
        "en",
        [
            ("Minnesota", "geonames:5037779"),
            ("Maryland", "geonames:4361885"),
            ("Oklahoma", "geonames:4544379"),
            ("Montana", "geonames:5667009"),
        ],
        id="states-beat-towns-named-after-them",
    ),
    pytest.param(
        "He moved to London, ON last year and later to Arlington, VA 22202.",
        "en",
        [("London", "geonames:6058560"), ("Arlington", "geonames:4744709")],
        id="postal-abbreviations",
    ),
    pytest.param(
        "Boston, Worcester, Springfield and other Massachusetts cities voted.",
        "en",
        [
            ("Boston", "geonames:4930956"),
            ("Worcester", "geonames:4956184"),
            ("Springfield", "geonames:4951788"),
            ("Massachusetts", "geonames:6254926"),
        ],
        id="list-mates-share-a-state",
    ),
    pytest.param(
        "Flights between Seattle, Washington and Tacoma resumed.",
        "en",
        [
            ("Seattle", "geonames:5809844"),
            ("Washington", "geonames:5815135"),
            ("Tacoma", "geonames:5812944"),
        ],
        id="the-state-after-its-town",
    ),
    pytest.param(
        "Yhdysvaltain joukot harjoittelivat Rovaniemen lentotukikohdassa.",
        "fi",
        [("Rovaniemen", "fi-rovaniemi")],
        id="finnish-inflected-air-base",
    ),
    pytest.param(
        "Amerykańska baza w Redzikowie jest gotowa. Żołnierze z Redzikowem związani.",
        "pl",
        [("Redzikowie", "pl-redzikowo"), ("Redzikowem", "pl-redzikowo")],
        id="polish-locative-and-instrumental",
    ),
    pytest.param(
        "Amerikaanse militairen zijn op vliegbasis Volkel in Noord-Brabant aangekomen.",
        "nl",
        [("Volkel", "nl-volkel-air-base"), ("Noord-Brabant", "geonames:2749990")],
        id="a-province-by-its-dutch-name-not-half-of-it",
    ),
]


@pytest.mark.parametrize(("text", "lang", "expected"), CASES)
def test_context_a_reader_uses(
    gaz: Gazetteer, text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(text, lang, gaz) == expected


FACILITIES = [
    ("US bombers deployed to Souda Bay in Greece.", "Souda Bay", "gr-souda-bay"),
    ("Polish F-16s flew from Miroslawiec Air Base.", "Miroslawiec Air Base", "pl-miroslawiec"),
    ("The marines trained on Balabac Island near the Spratlys.", "Balabac Island", "ph-balabac"),
    (
        "China is funding works at Sihanoukville's Ream Naval Base in Cambodia.",
        "Ream Naval Base",
        "kh-ream",
    ),
    (
        "The relocation of Marine Corps Air Station Futenma on Okinawa is delayed.",
        "Marine Corps Air Station Futenma",
        "jp-futenma",
    ),
    (
        "Finnish F-35s will be based at Lapland Air Command Air Base in Rovaniemi.",
        "Lapland Air Command Air Base",
        "fi-rovaniemi",
    ),
    (
        "US Marines rotate through Robertson Barracks in Darwin every year.",
        "Robertson Barracks",
        "au-robertson-barracks",
    ),
    ("The relocation of Futenma to Henoko is delayed.", "Futenma", "jp-futenma"),
    (
        "US jets left Elmendorf-Richardson on Monday.",
        "Elmendorf-Richardson",
        "us-elmendorf-air-force-base",
    ),
    ("US submarines will visit HMAS Stirling near Perth.", "HMAS Stirling", "au-hmas-stirling"),
    (
        "F-22s at Joint Base Elmendorf-Richardson in Alaska were scrambled.",
        "Joint Base Elmendorf-Richardson",
        "us-elmendorf-air-force-base",
    ),
]


@pytest.mark.parametrize(("text", "surface", "site"), FACILITIES)
def test_a_facility_is_named_whole(gaz: Gazetteer, text: str, surface: str, site: str) -> None:
    assert (surface, site) in _found(text, "en", gaz)


def test_a_facility_word_with_a_town_resolves_to_the_town_and_says_so(gaz: Gazetteer) -> None:
    (country, base) = parse_text("Russian jets flew from Pskov Air Base.", gazetteer=gaz)
    assert country.place is not None
    assert country.place.id == "country:RU"
    assert base.mention.surface == "Pskov Air Base"
    assert base.place is not None
    assert (base.place.kind, base.place.country) == ("city", "RU")
    assert base.point_precision == "town_named_by_facility"
    # a curated facility keeps its own precision class
    (_us, osias, _town) = parse_text(
        "US drones operate from Naval Base Camilo Osias in Santa Ana.", gazetteer=gaz
    )
    assert osias.place is not None
    assert osias.place.id == "ph-camilo-osias"
    assert osias.point_precision != "town_named_by_facility"


def test_a_place_where_the_language_is_spoken_keeps_its_own_name(gaz: Gazetteer) -> None:
    # Only the English or Norwegian column names these islands; in Italian and
    # Portuguese text the same words are still the islands, not foreign words.
    assert ("Sicilia", "region:sicily") in _found("Le truppe sono in Sicilia.", "it", gaz)
    found = _found("Os militares ficam na ilha Terceira, nos Açores.", "pt", gaz)
    assert found == [("Terceira", "region:terceira"), ("Açores", "region:azores")]
    # ...whereas a country's name in another language is no mention in English
    assert _found("The Indie scene in Portland is lively.", "en", gaz) == [
        ("Portland", "geonames:5746545")
    ]


# ------------------------------------------------------------------ unsupported scripts


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("美国和菲律宾的军队在吕宋岛北部举行联合演习。", "Han (Chinese or Japanese kanji)"),
        ("沖縄の普天間飛行場の移設は遅れている。", "Japanese"),
        ("주한미군은 평택 기지에 주둔하고 있다.", "Hangul (Korean)"),
        ("وصلت القوات الأمريكية إلى قاعدة العديد الجوية في قطر.", "Arabic"),
        ("Οι αμερικανικές δυνάμεις βρίσκονται στη Σούδα της Κρήτης.", "Greek"),
    ],
)
def test_unsupported_scripts_are_named(text: str, script: str) -> None:
    assert unsupported_script(text) == script


def test_supported_text_with_a_few_foreign_letters_is_read(gaz: Gazetteer) -> None:
    text = "US forces arrived at Kadena (嘉手納) on Okinawa, Japan, said the Pentagon."
    assert unsupported_script(text) is None
    assert unsupported_script("Russische Truppen in Хмеймим, Syrien.") is None
    places = {r.place.id for r in parse_text(text, gazetteer=gaz) if r.place is not None}
    assert "country:JP" in places


def test_an_unreadable_document_is_reported_not_guessed(gaz: Gazetteer) -> None:
    docs = [
        Document(id="zh", text="美国和菲律宾的军队在吕宋岛北部举行联合演习。" * 3),
        Document(id="en", text="US troops arrived in Norway."),
    ]
    problems: list[Exception] = []
    parsed = list(geoparse(docs, gazetteer=gaz, on_error=problems.append))
    assert [p.document.id for p in parsed] == ["zh", "en"]  # nothing dropped
    assert parsed[0].resolutions == ()
    assert len(problems) == 1
    assert isinstance(problems[0], DocumentWarning)
    assert "Han" in str(problems[0])
    assert "zh" in str(problems[0])
    assert {r.place.id for r in parsed[1].places} == {"country:US", "country:NO"}


# ------------------------------------------------------------------ six more languages

PARAGRAPHS = {
    "pl": (
        "Amerykańscy żołnierze stacjonują w Redzikowie, gdzie działa baza obrony "
        "przeciwrakietowej. Umowa o wzmocnionej współpracy obronnej z USA obejmuje także "
        "bazę lotniczą w Powidzu i poligon w Drawsku Pomorskim. Minister obrony odwiedził "
        "w środę Warszawę i Poznań.",
        [
            "pl-redzikowo",
            "country:US",
            "pl-powidz",
            "pl-drawsko-pomorskie",
            "geonames:756135",
            "pl-poznan",
        ],
    ),
    "it": (
        "Le truppe americane sono arrivate alla base aerea di Aviano, in Friuli, e alla base "
        "navale di Sigonella in Sicilia, ha detto il ministro della Difesa. L'accordo con gli "
        "Stati Uniti riguarda anche Vicenza e Napoli.",
        [
            "it-aviano",
            "it-sigonella",
            "region:sicily",
            "country:US",
            "it-camp-ederle",
            "geonames:3172394",
        ],
    ),
    "pt": (
        "Os Estados Unidos vão manter militares na Base Aérea das Lajes, na ilha Terceira, nos "
        "Açores, segundo o acordo assinado em Lisboa. O ministro da Defesa de Portugal disse "
        "que a base continua importante para a NATO.",
        [
            "country:US",
            "pt-lajes",
            "region:terceira",
            "region:azores",
            "geonames:2267057",
            "country:PT",
        ],
    ),
    "nl": (
        "Amerikaanse militairen zijn aangekomen op vliegbasis Volkel, zei de minister van "
        "Defensie in Den Haag. Ook de vliegbasis Leeuwarden en de haven van Rotterdam worden "
        "gebruikt voor de NAVO-oefening.",
        [
            "nl-volkel-air-base",
            "geonames:2747373",
            "nl-leeuwarden-air-base",
            "geonames:2747891",
        ],
    ),
    "ru": (
        "Российские военные прибыли на авиабазу Хмеймим в Сирии, сообщило министерство "
        "обороны России. Соглашение о пункте материально-технического обеспечения в "
        "Тартусе подписано в Москве. Корабли также заходили в Севастополь.",
        [
            "sy-hmeimim",
            "country:SY",
            "country:RU",
            "sy-tartus",
            "geonames:524901",
            "geonames:694423",
        ],
    ),
    "uk": (
        "Українські військові прибули до Львова, повідомило міністерство оборони України. "
        "Угода з Польщею передбачає навчання на полігоні поблизу Києва та в Одесі.",
        [
            "geonames:702550",
            "country:UA",
            "country:PL",
            "geonames:703448",
            "geonames:698740",
        ],
    ),
}


@pytest.mark.parametrize("lang", sorted(PARAGRAPHS))
def test_six_more_languages_are_detected_and_read(gaz: Gazetteer, lang: str) -> None:
    text, expected = PARAGRAPHS[lang]
    parsed = parse_document(Document(id=lang, text=text), gaz)
    assert parsed.lang == lang
    assert [r.place.id for r in parsed.resolutions if r.place is not None] == expected


# ------------------------------------------------------------------ --candidates


def test_extract_candidates_say_what_else_a_name_could_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli.main import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "US Marines trained in Floridablanca, Pampanga, and in Santa Ana.", encoding="utf-8"
    )
    out = tmp_path / "m.jsonl"
    assert main(["extract", str(docs), "-o", str(out), "--candidates", "-q"]) == 0
    records = {r["surface"]: r for r in map(json.loads, out.read_text().splitlines())}
    ranked = records["Santa Ana"]["candidates"]
    assert len(ranked) > 1
    assert ranked[0]["id"] == records["Santa Ana"]["id"]
    assert {c["country"] for c in ranked} >= {"US", "PH"}
    scores = [c["score"] for c in ranked]
    assert scores == sorted(scores, reverse=True)
    # without the flag the records keep their documented fields
    plain = tmp_path / "p.csv"
    assert main(["extract", str(docs), "-o", str(plain), "-q"]) == 0
    assert "candidates" not in plain.read_text().splitlines()[0]
    with_candidates = tmp_path / "c.csv"
    assert main(["extract", str(docs), "-o", str(with_candidates), "--candidates", "-q"]) == 0
    assert with_candidates.read_text().splitlines()[0].endswith(",candidates")
    capsys.readouterr()


def test_no_town_from_half_a_hyphenated_name(gaz: Gazetteer) -> None:
    # "Noord" alone is a town in Aruba; the compound, when the index does not know it, is
    # no reason to go there.
    found = _found("De oefening vond plaats in Noord-Zeeuwsland, zei Defensie.", "nl", gaz)
    assert all(surface != "Noord" for surface, _id in found)
