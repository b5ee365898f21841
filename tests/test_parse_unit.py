"""Recognition and resolution rules on the small fixture gazetteer (unit tier).

The same pipeline as ``geo extract`` (:func:`geo.parse.pipeline.parse_document`), on a
gazetteer of about a thousand places built by the real rules, so each rule is checked in
milliseconds without the full index.
"""

from __future__ import annotations

from geo.models import Document, Resolution
from geo.parse.pipeline import parse_document
from geo.text.sentences import MAX_EXCERPT
from tests.fixtures.gazetteer import small_gazetteer


def parse(text: str, lang: str | None = "en") -> list[Resolution]:
    return list(
        parse_document(Document(id="d", text=text, lang=lang), small_gazetteer()).resolutions
    )


def places(text: str, lang: str | None = "en") -> dict[str, tuple[str | None, str | None]]:
    """Surface -> (place id, country) of the first mention of each surface."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for r in parse(text, lang):
        out.setdefault(
            r.mention.surface,
            (r.place.id if r.place else None, r.place.country if r.place else None),
        )
    return out


def test_offsets_point_at_the_surface() -> None:
    text = "U.S. Marines trained at Evenes Air Station near Narvik, Norway, in March."
    for r in parse(text):
        assert text[r.mention.start : r.mention.end] == r.mention.surface
        offset = r.mention.start - r.mention.sentence_start
        assert r.mention.sentence[offset : offset + len(r.mention.surface)] == r.mention.surface


def test_curated_site_in_a_defense_text() -> None:
    found = places("American troops will use Evenes under the defense agreement with Norway.")
    assert found["Evenes"] == ("no-evenes", "NO")
    assert found["Norway"] == ("country:NO", "NO")


def test_a_container_after_the_comma_picks_the_town() -> None:
    found = places("The festival moved from Paris, Texas to Austin last year.")
    assert found["Paris"][1] == "US"


def test_a_famous_town_wins_without_context() -> None:
    assert places("Protesters gathered in Paris on Sunday.")["Paris"][1] == "FR"


def test_person_names_are_not_places() -> None:
    found = places("Antony Blinken met officials in Copenhagen.")
    assert "Antony" not in found
    assert found["Copenhagen"][1] == "DK"


def test_demonyms_resolve_to_their_country() -> None:
    resolutions = parse("Norwegian soldiers trained with Danish units.")
    demonyms = {r.mention.surface: r.place.id for r in resolutions if r.mention.demonym and r.place}
    assert demonyms == {"Norwegian": "country:NO", "Danish": "country:DK"}


def test_one_sense_per_document() -> None:
    text = "Springfield, Illinois approved the plan. Later, Springfield said it would pay."
    resolutions = [r for r in parse(text) if r.mention.surface == "Springfield"]
    assert len(resolutions) == 2
    assert resolutions[0].place is not None
    assert resolutions[1].place is not None
    assert resolutions[0].place.id == resolutions[1].place.id


def test_long_sentences_are_quoted_as_excerpts() -> None:
    text = "Troops went to Evenes, " * 200
    resolutions = parse(text)
    assert len(resolutions) == 200
    assert max(len(r.mention.sentence) for r in resolutions) <= MAX_EXCERPT
    assert all(r.mention.full_sentence == (0, len(text.rstrip())) for r in resolutions)


def test_an_unknown_facility_name_is_kept_unresolved() -> None:
    resolutions = parse("Supplies reached Fooville Air Base on Monday.")
    unresolved = [r for r in resolutions if r.place is None]
    assert [r.mention.surface for r in unresolved] == ["Fooville Air Base"]
