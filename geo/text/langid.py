"""Offline language identification for the eight languages ``geo`` reads.

Why not a library: the pipeline must run without network and without model files, and
it only ever has to tell apart English, German, Danish, Norwegian, Swedish, Finnish,
French and Spanish news. Function words do that well: every sentence of news has
several, and they are what differs most between close neighbours (Danish *af, efter,
hvad, mig* against Norwegian *av, etter, hva, meg*; Swedish *och, inte, är, att*).

How it scores: the lower-cased text (only its first 2,000 words and at most 24,000
characters, so the cost per document is bounded) is split into letter runs. Each word in
the curated lists below adds 1 to each
language that lists it, divided by the number of languages sharing it (``de`` counts a
fifth for each of fr/es/da/no/sv). Word endings that are typical of one language
(Finnish case endings, German *-ung/-lich*, Spanish *-ción*) add a little for words not
in the lists, and letters only some alphabets use (``ß``, ``ñ``, ``ç``, ``æ ø``, ``å``,
``ä ö``) add a little per occurrence. The best score wins; a tie or no evidence is
``und``. Norwegian Bokmål and Nynorsk both come out as ``no``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from geo.text.languages import codes, languages

__all__ = [
    "LANGUAGES",
    "UNDETERMINED",
    "UNSUPPORTED_SCRIPTS",
    "detect_language",
    "unsupported_script",
]

#: The languages :func:`detect_language` can return (besides ``und``), from the packs.
LANGUAGES: tuple[str, ...] = codes()
UNDETERMINED = "und"

MAX_WORDS = 2_000
_MAX_CHARS = 24_000  # enough for 2,000 words of news; keeps the cost per document flat

# The most frequent function words (and a few ubiquitous news words) per language,
# chosen by hand (``langid.words`` of each pack). Words in several lists are shared
# evidence, weighted down accordingly.
_FUNCTION_WORDS: Mapping[str, str] = {p.code: " ".join(p.langid_words) for p in languages()}

# Endings typical of one language, scored only for words not in the lists above.
_ENDINGS: tuple[tuple[tuple[str, ...], str, float], ...] = tuple(
    (endings, p.code, weight) for p in languages() for weight, endings in p.langid_endings
)


def _letters() -> tuple[tuple[str, tuple[str, ...], float], ...]:
    owners: dict[str, list[str]] = {}
    weights: dict[str, float] = {}
    for p in languages():
        for letter, weight in p.langid_letters.items():
            owners.setdefault(letter, []).append(p.code)
            weights[letter] = max(weight, weights.get(letter, 0.0))
    return tuple((letter, tuple(owners[letter]), weights[letter]) for letter in owners)


# Letters that only some alphabets use: (letter, languages, weight per occurrence).
_LETTERS: tuple[tuple[str, tuple[str, ...], float], ...] = _letters()

_WORD = re.compile(r"[^\W\d_]+")


def _word_weights() -> dict[str, tuple[tuple[int, float], ...]]:
    """Word → ((language index, weight), …), weight 1/number of languages listing it."""
    owners: dict[str, list[int]] = {}
    for index, lang in enumerate(LANGUAGES):
        for word in set(_FUNCTION_WORDS[lang].split()):
            owners.setdefault(word, []).append(index)
    return {
        word: tuple((index, 1.0 / len(langs)) for index in langs) for word, langs in owners.items()
    }


def _ending_table() -> dict[str, tuple[int, ...]]:
    """Ending → indexes into :data:`_ENDINGS` of the rules that list it."""
    table: dict[str, list[int]] = {}
    for rule, (endings, _lang, _weight) in enumerate(_ENDINGS):
        for ending in endings:
            table.setdefault(ending, []).append(rule)
    return {ending: tuple(rules) for ending, rules in table.items()}


_WEIGHTS = _word_weights()
_ENDING_TABLE = _ending_table()
_ENDING_LENGTHS = tuple(sorted({len(ending) for ending in _ENDING_TABLE}))
_RULE_TARGETS = tuple((LANGUAGES.index(lang), weight) for _endings, lang, weight in _ENDINGS)
_LETTER_TARGETS = {
    letter: (tuple(LANGUAGES.index(lang) for lang in langs), weight)
    for letter, langs, weight in _LETTERS
}
_LETTER = re.compile("[" + "".join(_LETTER_TARGETS) + "]")


@lru_cache(maxsize=131_072)
def _contributions(word: str) -> tuple[tuple[int, float], ...]:
    """What one occurrence of *word* adds: ((language index, score), …).

    Cached because news vocabulary repeats across documents (Zipf): most words of a
    corpus are scored once, then looked up.
    """
    weights = _WEIGHTS.get(word)
    if weights is not None:
        return weights
    if len(word) <= 4:
        return ()
    matched: set[int] = set()
    for length in _ENDING_LENGTHS:
        rules = _ENDING_TABLE.get(word[-length:])
        if rules:
            matched.update(rules)
    return tuple(_RULE_TARGETS[rule] for rule in sorted(matched))


def _scores(text: str) -> tuple[list[float], int]:
    """Score of each language in :data:`LANGUAGES` and the number of words looked at."""
    sample = text[:_MAX_CHARS].lower()
    words = _WORD.findall(sample)[:MAX_WORDS]
    scores = [0.0] * len(LANGUAGES)
    for word, count in Counter(words).items():
        for index, weight in _contributions(word):
            scores[index] += weight * count
    for letter, occurrences in Counter(_LETTER.findall(sample)).items():
        indexes, weight = _LETTER_TARGETS[letter]
        share = weight * min(occurrences, 50) / len(indexes)
        for index in indexes:
            scores[index] += share
    return scores, len(words)


def detect_language(text: str) -> tuple[str, float]:
    """Return ``(code, confidence)`` for *text*: an ISO 639-1 code or ``"und"``.

    Called once per document when its language is not declared; cheap (only the first
    2,000 words are read). ``confidence`` is in ``[0, 1]``: the winner's margin over the
    runner-up relative to its score, damped when there is little evidence (a headline
    gives less than a paragraph). ``("und", 0.0)`` for empty text, text without letters,
    text without any cue, or a tie between the best two.
    """
    if not text:
        return UNDETERMINED, 0.0
    scores, _words = _scores(text)
    ranked = sorted(range(len(LANGUAGES)), key=scores.__getitem__, reverse=True)
    best, second = scores[ranked[0]], scores[ranked[1]]
    if best <= 0.0 or best - second < 1e-9:
        return UNDETERMINED, 0.0
    margin = (best - second) / best
    evidence = 1.0 - math.exp(-best / 3.0)
    return LANGUAGES[ranked[0]], round(margin * evidence, 3)


#: Scripts of languages ``geo`` does not read (no capital letters to find names by, and
#: no pack): ISO 15924 name -> Unicode ranges. Text mostly in one of them is reported,
#: not parsed as if it were English.
UNSUPPORTED_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Han (Chinese or Japanese kanji)": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF)),
    "Japanese kana": ((0x3040, 0x30FF),),
    "Hangul (Korean)": ((0xAC00, 0xD7AF), (0x1100, 0x11FF)),
    "Arabic": ((0x0600, 0x06FF), (0x0750, 0x077F)),
    "Hebrew": ((0x0590, 0x05FF),),
    "Greek": ((0x0370, 0x03FF),),
    "Thai": ((0x0E00, 0x0E7F),),
    "Devanagari": ((0x0900, 0x097F),),
}

_UNSUPPORTED_CHAR = re.compile(
    "["
    + "".join(
        f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for ranges in UNSUPPORTED_SCRIPTS.values()
        for a, b in ranges
    )
    + "]"
)


def unsupported_script(text: str, sample: int = 4_000) -> str | None:
    """The script *text* is mostly written in when ``geo`` cannot read it, else ``None``.

    Counts the letters of the first *sample* characters: when more than half belong to
    one of :data:`UNSUPPORTED_SCRIPTS`, that script's name is returned.
    """
    head = text[:sample]
    if not _UNSUPPORTED_CHAR.search(head):
        # No character of those scripts at all (the common case, and typographic quotes
        # and dashes do not count): one C-level scan instead of a loop over each character.
        return None
    counts: Counter[str] = Counter()
    letters = 0
    for ch in head:
        if not ch.isalpha():
            continue
        letters += 1
        code = ord(ch)
        if code < 0x0370:
            continue
        for script, ranges in UNSUPPORTED_SCRIPTS.items():
            if any(a <= code <= b for a, b in ranges):
                counts[script] += 1
                break
    if not letters or not counts:
        return None
    script, n = counts.most_common(1)[0]
    if script == "Japanese kana" or (script.startswith("Han") and counts["Japanese kana"]):
        script = "Japanese"
        n = counts["Japanese kana"] + counts["Han (Chinese or Japanese kanji)"]
    return script if n > letters / 2 else None
