"""Tests of :mod:`geo.text.sentences` on the seeds, on hard cases and on arbitrary text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io.documents import read_documents
from geo.text.sentences import sentence_at, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def test_seeds_split_into_the_expected_sentences(seeds_dir: Path) -> None:
    docs = {doc.id: doc for doc in read_documents([seeds_dir])}
    english = sentences(docs["000_640b02f3eca9c30c"].text)
    german = sentences(docs["004_f6e18cdd7bce2205"].text)
    assert len(english) == 17
    assert len(german) == 15
    assert english[3] == "The defense agreement was proposed by Denmark last year in February."
    assert english[4].startswith("The US welcomed the proposal")
    assert english[4].endswith('continued growth in transatlantic security."')
    # The dateline stays in the first sentence.
    assert german[0].startswith("KOPENHAGEN: Dänemark leitet Verhandlungen")
    assert german[0].endswith("auf dänischem Boden.")
    assert german[9].endswith("Sicherheit beitragen können».")
    assert german[-1] == (
        "Selbst ist das nördlichste deutsche Nachbarland in den vergangenen Jahren an der "
        "Seite der USA immer wieder an internationalen Einsätzen beteiligt gewesen, unter "
        "anderem im Irak."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. Army will rotate troops through Karup. Dr. Hansen confirmed it.",
            ["The U.S. Army will rotate troops through Karup.", "Dr. Hansen confirmed it."],
        ),
        (
            "Gen. Christopher Cavoli met Lt. Col. Smith and Mr. Poulsen in St. Petersburg, Fla.",
            ["Gen. Christopher Cavoli met Lt. Col. Smith and Mr. Poulsen in St. Petersburg, Fla."],
        ),
        (
            "J. F. Kennedy visited Berlin in 1963. It was a famous speech.",
            ["J. F. Kennedy visited Berlin in 1963.", "It was a famous speech."],
        ),
        (
            "Spending rose 2.5 percent to 1.3 billion. Next year it rises again.",
            ["Spending rose 2.5 percent to 1.3 billion.", "Next year it rises again."],
        ),
        (
            'He said: "We will ... see what happens." Then he left.',
            ['He said: "We will ... see what happens."', "Then he left."],
        ),
        (
            "«Wir werden … Dänemark unterstützen», sagte sie. Dann ging sie.",
            ["«Wir werden … Dänemark unterstützen», sagte sie.", "Dann ging sie."],
        ),
        (
            "Die Nato plant z.B. Übungen, u.a. in Norwegen bzw. Schweden. Ca. 300 Soldaten "
            "kommen. Das steht in Nr. 5 des Vertrags.",
            [
                "Die Nato plant z.B. Übungen, u.a. in Norwegen bzw. Schweden.",
                "Ca. 300 Soldaten kommen.",
                "Das steht in Nr. 5 des Vertrags.",
            ],
        ),
        (
            "Am 24. Februar 2022 begann der Krieg. Die Nato reagierte.",
            ["Am 24. Februar 2022 begann der Krieg.", "Die Nato reagierte."],
        ),
        (
            "Aftalen omfatter bl.a. Karup, Skrydstrup m.fl. Den koster evt. mere, osv. "
            "Regeringen er enig.",
            [
                "Aftalen omfatter bl.a. Karup, Skrydstrup m.fl. Den koster evt. mere, osv. "
                "Regeringen er enig."
            ],
        ),
        (
            "Sign the deal, e.g. in Oslo, i.e. soon. NATO vs. Russia is the subtext.",
            ["Sign the deal, e.g. in Oslo, i.e. soon.", "NATO vs. Russia is the subtext."],
        ),
        (
            "Will Denmark sign? Yes! The vote is on Jan. 15. Article 5 applies.",
            ["Will Denmark sign?", "Yes!", "The vote is on Jan. 15.", "Article 5 applies."],
        ),
        (
            "Invoke Article 5. The alliance agreed. See No. 7 of the list.",
            ["Invoke Article 5.", "The alliance agreed.", "See No. 7 of the list."],
        ),
        (
            "¿Qué pasará con Rota? Nadie lo sabe. «C'est fini.» Le ministre l'a dit.",
            ["¿Qué pasará con Rota?", "Nadie lo sabe.", "«C'est fini.»", "Le ministre l'a dit."],
        ),
        (
            'The deal was signed. "It is historic," he said. (Details follow.) 2024 saw more.',
            [
                "The deal was signed.",
                '"It is historic," he said.',
                "(Details follow.)",
                "2024 saw more.",
            ],
        ),
        (
            "the government said the accord was signed. the parliament must vote.",
            ["the government said the accord was signed. the parliament must vote."],
        ),
    ],
)
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_paragraphs_and_lines() -> None:
    text = (
        "Denmark signs defense deal\n"
        "COPENHAGEN: The agreement was signed today\n"
        "\n"
        "A second paragraph without a final stop\n\n"
        "  Hard-wrapped text that goes on with the\n"
        "agreement of the parties, and continues,\n"
        "Later on the next line.\n"
    )
    assert sentences(text) == [
        "Denmark signs defense deal",
        "COPENHAGEN: The agreement was signed today",
        "A second paragraph without a final stop",
        "Hard-wrapped text that goes on with the\nagreement of the parties, and continues,\n"
        "Later on the next line.",
    ]


def test_crlf_and_unicode_line_separators() -> None:
    assert sentences("One line\r\nTwo line\u2028Three.") == ["One line", "Two line", "Three."]


@pytest.mark.parametrize("text", ["", " ", "\n\n\t ", "\u00a0\u2003"])
def test_no_sentences_in_blank_text(text: str) -> None:
    assert sentence_spans(text) == []


def test_sentence_at() -> None:
    text = "  First one.  Second one.\n\nThird."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one.", "Third."]
    assert sentence_at(spans, text.index("First")) == spans[0]
    assert sentence_at(spans, text.index("one.")) == spans[0]
    assert sentence_at(spans, text.index("Second")) == spans[1]
    assert sentence_at(spans, text.index("Third") + 5) == spans[2]
    assert sentence_at(spans, text.index("\n")) == spans[1]  # in a gap: the one before
    assert sentence_at(spans, 0) == spans[0]  # before all: the first
    with pytest.raises(ValueError, match="no sentences"):
        sentence_at([], 3)


@pytest.mark.parametrize(
    "text",
    [
        "." * 1_000_000 + "x",
        " " * 1_000_000 + "x",
        "\n" * 1_000_000 + "x",
        ". " * 500_000 + "x",
        "a " * 500_000 + "x",
        "U.S. " * 200_000,
        "…" * 500_000,
    ],
    ids=["dots", "spaces", "newlines", "dot-space", "words", "abbreviations", "ellipses"],
)
@pytest.mark.timeout(20)  # a hang guard against quadratic paths, not a speed measurement
def test_pathological_inputs_stay_linear(text: str) -> None:
    spans = sentence_spans(text)
    assert all(text[s:e].strip() == text[s:e] for s, e in spans)


_TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(".!?…\"'«»“”()  \n\n\r\t\u2028\u00a0,;:-UuSsAa12 ")),
        st.characters(),
    ),
    max_size=300,
)


@settings(max_examples=500, deadline=None)
@given(text=_TEXTS)
def test_spans_are_sorted_disjoint_trimmed_and_cover_the_text(text: str) -> None:
    spans = sentence_spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace()
        assert not text[end - 1].isspace()
        previous_end = end
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    for start, end in spans:
        assert sentence_at(spans, start) == (start, end)
        assert sentence_at(spans, end - 1) == (start, end)
