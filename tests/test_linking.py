"""Linking documents, sites and agreements: the seeds and the rules on fresh texts.

Everything runs on real parts: the seeds, the real gazetteer and geoparser, the curated
registry. The seeds are parsed once per session (``seed_parsed``), which the layer and
export tests reuse.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from geo.gazetteer.query import Gazetteer
from geo.gazetteer.store import load_gazetteer
from geo.io.documents import read_documents
from geo.link.rules import Link, NameIndex, link_documents, mention_id
from geo.models import Document, ParsedDocument
from geo.parse.pipeline import geoparse, parse_document
from geo.registry.agreements import Registry, load_registry

from .conftest import SEEDS

INITIAL_SDCA_SITES = {"no-rygge", "no-sola", "no-evenes", "no-ramsund"}


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def seed_parsed(gazetteer: Gazetteer) -> list[ParsedDocument]:
    """The two seeds, read and geoparsed once per session."""
    errors: list[Exception] = []
    parsed = list(geoparse(read_documents([SEEDS], on_error=errors.append), gazetteer=gazetteer))
    assert not errors, errors
    assert len(parsed) == 2
    return parsed


@pytest.fixture(scope="session")
def seed_links(seed_parsed: list[ParsedDocument], registry: Registry) -> list[Link]:
    return link_documents(seed_parsed, registry)


def _seed(parsed: Sequence[ParsedDocument], lang: str) -> ParsedDocument:
    (doc,) = [p for p in parsed if p.lang == lang]
    return doc


def _doc_agreements(links: Sequence[Link], doc_id: str) -> set[str]:
    return {k.target_id for k in links if k.kind == "document_agreement" and k.doc_id == doc_id}


def _link_text(
    gazetteer: Gazetteer,
    registry: Registry,
    text: str,
    *,
    lang: str = "en",
    date: str | None = None,
) -> list[Link]:
    doc = Document(id="t", text=text, lang=lang, date=date)
    return link_documents([parse_document(doc, gazetteer)], registry)


def _agreements(links: Sequence[Link]) -> set[str]:
    return {k.target_id for k in links if k.kind == "document_agreement"}


# --------------------------------------------------------------------------- the seeds


def test_english_seed_links_the_three_agreements_and_no_other(
    seed_parsed: list[ParsedDocument], seed_links: list[Link]
) -> None:
    english = _seed(seed_parsed, "en").document.id
    linked = _doc_agreements(seed_links, english)
    assert {"us-no-sdca", "us-dk-dca", "us-dk-greenland-1951"} <= linked
    assert not linked & {"us-se-dca", "us-fi-dca", "us-is-1951"}


def test_german_seed_links_the_danish_and_norwegian_agreements_with_their_sentences(
    seed_parsed: list[ParsedDocument], seed_links: list[Link]
) -> None:
    german = _seed(seed_parsed, "de").document.id
    assert _doc_agreements(seed_links, german) == {"us-dk-dca", "us-no-sdca"}
    danish = [
        k
        for k in seed_links
        if k.doc_id == german and k.kind == "document_agreement" and k.target_id == "us-dk-dca"
    ]
    assert any(
        "Verhandlungen mit den USA über eine neue Verteidigungszusammenarbeit"
        in k.evidence_sentence
        for k in danish
    )
    assert all(k.reason for k in danish)
    norwegian = [k for k in seed_links if k.doc_id == german and k.target_id == "us-no-sdca"]
    assert any(
        "wie es Norwegen 2021 mit den USA eingegangen sei" in k.evidence_sentence
        and k.rule == "parties"
        for k in norwegian
    )


def test_four_agreed_areas_link_every_initial_sdca_site(
    seed_parsed: list[ParsedDocument], seed_links: list[Link]
) -> None:
    english = _seed(seed_parsed, "en").document
    counted = [
        k
        for k in seed_links
        if k.kind == "mention_site" and k.rule == "agreed_areas" and k.doc_id == english.id
    ]
    assert {k.target_id for k in counted} == INITIAL_SDCA_SITES
    phrase = english.text[counted[0].start : counted[0].end]
    assert phrase.startswith("four")
    assert "areas" in phrase
    assert "Norway" in phrase
    assert all(k.source_id == mention_id(english.id, k.start, k.end) for k in counted)
    site_links = {
        (k.source_id, k.target_id)
        for k in seed_links
        if k.kind == "site_agreement" and k.rule == "agreed_areas"
    }
    assert {(s, "us-no-sdca") for s in INITIAL_SDCA_SITES} <= site_links


def test_site_mentions_link_sites_and_their_agreements(
    seed_parsed: list[ParsedDocument], seed_links: list[Link]
) -> None:
    english = _seed(seed_parsed, "en").document.id
    named = {k.target_id for k in seed_links if k.kind == "mention_site" and k.rule == "site"}
    assert {"no-evenes", "no-ramsund", "gl-pituffik"} <= named
    pituffik = {
        k.target_id
        for k in seed_links
        if k.kind == "site_agreement" and k.source_id == "gl-pituffik"
    }
    assert pituffik == {"us-dk-greenland-1951", "us-dk-gl-igaliku-2004"}
    thule = [
        k
        for k in seed_links
        if k.kind == "document_agreement"
        and k.rule == "site"
        and k.doc_id == english
        and k.target_id == "us-dk-greenland-1951"
    ]
    assert thule
    assert "Thule" in thule[0].reason
    assert "Thule" in thule[0].evidence_sentence


def test_every_link_carries_evidence_that_sits_in_its_document(
    seed_parsed: list[ParsedDocument], seed_links: list[Link]
) -> None:
    texts = {p.document.id: p.document.text for p in seed_parsed}
    kinds = set()
    for link in seed_links:
        kinds.add(link.kind)
        text = texts[link.doc_id]
        assert link.reason
        assert link.rule
        assert 0 <= link.start < link.end <= len(text)
        assert link.evidence_sentence in text
        assert text[link.start : link.end] in link.evidence_sentence
    assert kinds == {"mention_site", "site_agreement", "document_agreement"}


# --------------------------------------------------------------------------- the rules


def test_name_index_tells_generic_names_from_distinctive_ones(registry: Registry) -> None:
    index = NameIndex(registry)
    found = {
        text[s:e]: record
        for text in (
            "the SDCA and the DCA",
            "the Igaliku Agreement",
            "a defense cooperation agreement",
            "forsvarsaftalen",
            "das Verteidigungsabkommen",
        )
        for s, e, record in index.find(text)
    }
    assert not found["SDCA"].generic
    assert found["SDCA"].agreements == ("us-no-sdca",)
    assert not found["Igaliku Agreement"].generic
    assert found["DCA"].generic
    assert len(found["DCA"].agreements) >= 3
    assert found["defense cooperation agreement"].generic
    assert found["forsvarsaftalen"].generic  # a single carrier, but only generic words
    assert found["Verteidigungsabkommen"].generic


def test_acronyms_are_case_sensitive(gazetteer: Gazetteer, registry: Registry) -> None:
    upper = _link_text(gazetteer, registry, "Under the SDCA, American forces may build there.")
    lower = _link_text(gazetteer, registry, "Under the sdca, American forces may build there.")
    assert _agreements(upper) == {"us-no-sdca"}
    assert _agreements(lower) == set()


def test_generic_name_needs_a_party(gazetteer: Gazetteer, registry: Registry) -> None:
    alone = _link_text(
        gazetteer, registry, "The defense cooperation agreement was discussed by the committee."
    )
    assert _agreements(alone) == set()
    swedish = _link_text(
        gazetteer,
        registry,
        "Sweden and the United States signed a defence cooperation agreement in Washington.",
    )
    assert _agreements(swedish) == {"us-se-dca"}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("da", "Danmark og USA har underskrevet en ny forsvarsaftale.", "us-dk-dca"),
        (
            "fi",
            "Suomi ja Yhdysvallat allekirjoittivat puolustusyhteistyösopimuksen Washingtonissa.",
            "us-fi-dca",
        ),
    ],
)
def test_parties_in_other_languages(
    gazetteer: Gazetteer, registry: Registry, lang: str, text: str, expected: str
) -> None:
    links = _link_text(gazetteer, registry, text, lang=lang)
    assert _agreements(links) == {expected}
    assert any(k.rule == "parties" and k.evidence_sentence == text for k in links)


def test_a_document_older_than_an_agreement_does_not_link_it(
    gazetteer: Gazetteer, registry: Registry
) -> None:
    text = "Denmark and the US are negotiating a new defense cooperation agreement."
    assert _agreements(_link_text(gazetteer, registry, text, date="2022-03")) == {"us-dk-dca"}
    assert _agreements(_link_text(gazetteer, registry, text, date="2015-03")) == set()
    thule = "American aircraft landed at Thule Air Base in Greenland."
    old = _agreements(_link_text(gazetteer, registry, thule, date="1990-05-01"))
    assert old == {"us-dk-greenland-1951"}  # the 2004 Igaliku Agreement did not exist yet
    assert _agreements(_link_text(gazetteer, registry, thule)) == {
        "us-dk-greenland-1951",
        "us-dk-gl-igaliku-2004",
    }


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("no", "Avtalen gir amerikanske styrker tilgang til fire omforente områder i Norge."),
        (
            "de",
            "Das Abkommen gibt US-Streitkräften Zugang zu vier vereinbarten Gebieten in Norwegen.",
        ),
    ],
)
def test_agreed_areas_in_other_languages(
    gazetteer: Gazetteer, registry: Registry, lang: str, text: str
) -> None:
    links = _link_text(gazetteer, registry, text, lang=lang)
    counted = {k.target_id for k in links if k.rule == "agreed_areas" and k.kind == "mention_site"}
    assert counted == INITIAL_SDCA_SITES


def test_agreed_areas_count_an_amendment(gazetteer: Gazetteer, registry: Registry) -> None:
    links = _link_text(
        gazetteer, registry, "The amendment opens eight new agreed areas in Norway to US troops."
    )
    counted = {k.target_id for k in links if k.rule == "agreed_areas" and k.kind == "mention_site"}
    amendment = registry["us-no-sdca"].amendments[0]
    assert counted == set(amendment.sites)
    assert len(counted) == 8


def test_no_rule_fires_on_unrelated_text(gazetteer: Gazetteer, registry: Registry) -> None:
    links = _link_text(
        gazetteer, registry, "Norway and the United States played four friendly matches in Oslo."
    )
    assert links == []


def test_long_documents_are_read_to_the_end(gazetteer: Gazetteer, registry: Registry) -> None:
    filler = "The weather was mild and the harbour was quiet that week. " * 8
    text = (
        f"{filler}Norway and the United States signed the new agreement in Oslo. "
        "It concerns military bases."
    )
    assert len(filler) > 300  # past what name_key reads of one string
    links = _link_text(gazetteer, registry, text)
    assert _agreements(links) == {"us-no-sdca"}
    assert any(k.rule == "parties" and k.start > 300 for k in links)
