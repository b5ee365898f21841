"""Tests of :mod:`geo.text.langid` on defense-news sentences written for this suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.io.documents import read_documents
from geo.text.langid import LANGUAGES, UNDETERMINED, detect_language

# Seven short news items per language, 1–3 sentences each, in the style of the corpus.
SAMPLES: dict[str, list[str]] = {
    "en": [
        "Denmark and the United States signed a defense cooperation agreement on Thursday.",
        "The deal gives American forces access to air bases at Karup, Skrydstrup and Aalborg.",
        "Finland's parliament approved the agreement, which covers fifteen military areas.",
        "Officials said the troops would not be stationed permanently in the country.",
        "Norway has allowed US Marines to store equipment in caves in Trøndelag since the 1980s. "
        "The new arrangement expands that access.",
        "Critics argue that the pact gives Washington too much authority over foreign soil.",
        "Sweden joined NATO in March, and its government is now negotiating a similar deal.",
    ],
    "de": [
        "Dänemark und die USA haben ein Abkommen über die Verteidigungszusammenarbeit "
        "unterzeichnet.",
        "Die Regierung in Helsinki will den amerikanischen Streitkräften Zugang zu fünfzehn "
        "Stützpunkten gewähren.",
        "Nach Angaben des Ministeriums sollen die Verhandlungen im Frühjahr abgeschlossen sein.",
        "Kritiker befürchten, dass das Parlament kaum Einfluss auf die Stationierung hat.",
        "Atomwaffen werde es auf norwegischem Boden nicht geben, sagte der Minister am Montag.",
        "Schweden ist seit März Mitglied der Nato und verhandelt nun ebenfalls mit Washington.",
        "Die Bundeswehr beteiligt sich an der Übung im hohen Norden. Rund 3000 Soldaten sind "
        "dabei.",
    ],
    "da": [
        "Danmark og USA har indgået en aftale om forsvarssamarbejde, som giver amerikanske "
        "styrker adgang til tre flyvestationer.",
        "Aftalen skal vedtages af Folketinget, før den kan træde i kraft.",
        "Ifølge forsvarsministeren bliver der ikke tale om permanente amerikanske baser i Danmark.",
        "Regeringen har meget travlt med at få aftalen på plads efter valget.",
        "Hvad betyder aftalen for Grønland? Det spørgsmål har Naalakkersuisut stillet flere gange.",
        "Kritikerne mener, at aftalen giver USA for meget magt over danske områder.",
        "Kun få dage efter underskrivelsen blev aftalen sendt til høring.",
    ],
    "no": [
        "Norge og USA har inngått en tilleggsavtale om forsvarssamarbeid som gir amerikanske "
        "styrker tilgang til fire områder.",
        "Avtalen ble godkjent av Stortinget etter en lang debatt.",
        "Ifølge regjeringen blir det ikke etablert permanente baser på norsk jord.",
        "Hva betyr avtalen for Evenes flystasjon? Det har lokalpolitikerne spurt om flere ganger.",
        "Motstanderne mener at avtalen gir USA for mye makt over norske borgere.",
        "Regjeringa seier at avtalen ikkje endrar basepolitikken, men kritikarane er ikkje einige.",
        "Det blei halde eit ope møte i Harstad, der mange ville vite kva avtalen inneber.",
    ],
    "sv": [
        "Sverige och USA har undertecknat ett avtal om försvarssamarbete som ger amerikanska "
        "styrkor tillgång till sjutton baser.",
        "Avtalet måste godkännas av riksdagen innan det kan träda i kraft.",
        "Enligt regeringen kommer det inte att finnas några permanenta amerikanska baser i "
        "Sverige.",
        "Kritikerna menar att avtalet ger Washington för stort inflytande över svensk mark.",
        "Vad betyder avtalet för Gotland? Den frågan har ställts många gånger i debatten.",
        "Försvarsministern sade att avtalet är ett viktigt steg för Sveriges säkerhet.",
        "Det är oklart hur många soldater som ska vara på plats efter sommaren.",
    ],
    "fi": [
        "Suomi ja Yhdysvallat allekirjoittivat puolustusyhteistyösopimuksen torstaina.",
        "Sopimus antaa Yhdysvaltain joukoille pääsyn viiteentoista alueeseen Suomessa.",
        "Eduskunta hyväksyi sopimuksen, mutta osa kansanedustajista äänesti vastaan.",
        "Puolustusministerin mukaan Suomeen ei ole tulossa pysyviä amerikkalaisia tukikohtia.",
        "Sopimuksen kriitikot ovat huolissaan siitä, että ydinaseita voitaisiin tuoda maahan.",
        "Harjoitukseen osallistuu noin tuhat sotilasta Lapista ja Pohjois-Norjasta.",
        "Hallitus kertoi, että neuvottelut jatkuvat vielä syksyllä.",
    ],
    "fr": [
        "Le Danemark et les États-Unis ont signé un accord de coopération en matière de défense.",
        "L'accord permet aux forces américaines d'accéder à trois bases aériennes danoises.",
        "Selon le ministre, il n'y aura pas de bases américaines permanentes dans le pays.",
        "Le Parlement finlandais a approuvé le texte, qui concerne quinze zones militaires.",
        "Les critiques estiment que cet accord donne trop de pouvoir à Washington.",
        "La Suède a rejoint l'OTAN en mars et négocie désormais un accord similaire.",
        "Des exercices ont eu lieu dans le Grand Nord avec plusieurs milliers de soldats.",
    ],
    "es": [
        "Dinamarca y Estados Unidos firmaron un acuerdo de cooperación en materia de defensa.",
        "El acuerdo permite a las fuerzas estadounidenses acceder a tres bases aéreas danesas.",
        "Según el ministro, no habrá bases estadounidenses permanentes en el país.",
        "El Parlamento finlandés aprobó el texto, que abarca quince zonas militares.",
        "Los críticos consideran que el pacto otorga demasiado poder a Washington.",
        "España y Estados Unidos renovaron el convenio sobre las bases de Rota y Morón.",
        "Suecia ingresó en la OTAN en marzo y ahora negocia un acuerdo similar.",
    ],
    "pl": [
        "Polska i Stany Zjednoczone podpisały umowę o wzmocnionej współpracy obronnej.",
        "Amerykańscy żołnierze będą stacjonować w bazie w Redzikowie na Pomorzu.",
        "Minister obrony narodowej powiedział, że nie będzie stałych baz amerykańskich.",
        "Umowa obejmuje także lotnisko w Łasku oraz poligon w Drawsku Pomorskim.",
        "Krytycy uważają, że porozumienie daje Waszyngtonowi zbyt dużą swobodę.",
    ],
    "it": [
        "L'Italia e gli Stati Uniti hanno rinnovato l'accordo sulle basi militari.",
        "Le truppe americane sono arrivate alla base aerea di Aviano, ha detto il ministro.",
        "Secondo il governo, non ci saranno nuove basi permanenti nel paese.",
        "Il Parlamento ha approvato il testo, che riguarda quindici aree militari.",
        "I critici ritengono che l'intesa dia troppo potere a Washington.",
    ],
    "pt": [
        "Portugal e os Estados Unidos assinaram um acordo de cooperação e defesa.",
        "O acordo permite que as forças americanas usem a Base Aérea das Lajes, nos Açores.",
        "Segundo o ministro, não haverá bases americanas permanentes no país.",
        "O Parlamento aprovou o texto, que abrange quinze zonas militares.",
        "Os críticos consideram que o pacto dá demasiado poder a Washington.",
    ],
    "nl": [
        "Nederland en de Verenigde Staten hebben een defensieakkoord ondertekend.",
        "Het akkoord geeft Amerikaanse troepen toegang tot de vliegbasis Volkel.",
        "Volgens de minister komen er geen permanente Amerikaanse bases in het land.",
        "Het parlement heeft de overeenkomst goedgekeurd, die vijftien militaire gebieden omvat.",
        "Critici vinden dat het verdrag Washington te veel macht geeft.",
    ],
    "ru": [
        "Россия и Сирия подписали соглашение о военно-морской базе в Тартусе.",
        "Российские самолеты будут базироваться на авиабазе Хмеймим еще 49 лет.",
        "По словам министра, новых постоянных баз в стране не будет.",
        "Парламент ратифицировал соглашение, которое охватывает несколько объектов.",
        "Критики считают, что договор дает Москве слишком много свободы.",
    ],
    "uk": [
        "Україна та Польща підписали угоду про оборонне співробітництво.",
        "Українські військові проходитимуть навчання на полігоні поблизу Львова.",
        "За словами міністра, нових постійних баз у країні не буде.",
        "Парламент ратифікував угоду, яка охоплює кілька військових об'єктів.",
        "Критики вважають, що договір дає Варшаві надто багато свободи.",
    ],
}


def test_every_language_has_samples() -> None:
    assert set(SAMPLES) == set(LANGUAGES)
    assert all(len(items) >= 5 for items in SAMPLES.values())


def test_accuracy_on_short_news_items() -> None:
    wrong = []
    total = 0
    for lang, items in SAMPLES.items():
        for text in items:
            total += 1
            got, _ = detect_language(text)
            if got != lang:
                wrong.append((lang, got, text))
    accuracy = 1 - len(wrong) / total
    assert accuracy >= 0.95, wrong


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_is_recognised_on_a_paragraph(lang: str) -> None:
    paragraph = " ".join(SAMPLES[lang])
    got, confidence = detect_language(paragraph)
    assert got == lang
    assert confidence > 0.3


def test_danish_and_norwegian_are_told_apart_by_spelling() -> None:
    assert detect_language("Hvad sker der nu efter aftalen af i går? Det ved kun mig.")[0] == "da"
    assert detect_language("Hva skjer nå etter avtalen av i går? Det vet bare meg.")[0] == "no"


def test_nynorsk_is_norwegian() -> None:
    text = "Eg veit ikkje kva dei meiner, men ho seier at avtalen er god for heile landet."
    assert detect_language(text)[0] == "no"


def test_seeds(seeds_dir: Path) -> None:
    docs = {doc.id: doc for doc in read_documents([seeds_dir])}
    assert detect_language(docs["000_640b02f3eca9c30c"].text)[0] == "en"
    assert detect_language(docs["004_f6e18cdd7bce2205"].text)[0] == "de"


@pytest.mark.parametrize("text", ["", "   \n", "12 345 67,8 %", "— … !!", "Kopenhagen"])
def test_undetermined(text: str) -> None:
    assert detect_language(text) == (UNDETERMINED, 0.0)


def test_confidence_is_a_probability_like_number() -> None:
    for items in SAMPLES.values():
        for text in items:
            _, confidence = detect_language(text)
            assert 0.0 <= confidence <= 1.0


@pytest.mark.timeout(20)  # a hang guard, not a speed measurement
def test_only_the_start_of_a_long_text_is_read() -> None:
    german = " ".join(SAMPLES["de"])
    english = " ".join(SAMPLES["en"])
    head = german * (30_000 // len(german) + 1)  # more than the 24,000 characters read
    assert detect_language(head + english * 200)[0] == "de"
    assert detect_language(english * 20_000)[0] == "en"  # ~10 MB
