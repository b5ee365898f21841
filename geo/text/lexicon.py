"""Word lists the recognizer consults: titles, months, first names, word frequencies.

These answer "is this capitalised word a place here?": "Antony" before "Blinken" is a
first name, "Boden" in German text is the common noun for soil, "March" is a month.
Word frequencies come from ``wordfreq`` and names from the US census lists of the
``names`` package; both ship their data in the wheel, so nothing is downloaded. The
curated lists (titles, months, function words) are the project's own, one per language
in the language packs (:mod:`geo.text.languages`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from geo.io.derived import derived
from geo.text.languages import union
from geo.text.normalize import name_key

# Words that, right before a capitalised name, make it a person's name.
TITLES = frozenset(name_key(w) for w in union("titles"))

# Month and weekday names, never places in our output even where a village shares one.
CALENDAR = frozenset(name_key(w) for w in union("calendar"))

# Capitalised words that begin a sentence or a heading and are never places.
FUNCTION_WORDS = frozenset(name_key(w) for w in union("function_words"))


@cache
def word_frequencies(lang: str) -> dict[str, float]:
    """Word → frequency in *lang* (wordfreq's best list); empty for unknown languages.

    Frequencies are per word of running text; ``zipf`` converts them to the familiar
    log scale (Zipf 6 = once per thousand words, Zipf 3 = once per million).
    """
    code = {"no": "nb"}.get(lang, lang)

    def compute() -> dict[str, float]:
        import wordfreq

        try:
            return dict(wordfreq.get_frequency_dict(code, wordlist="best"))
        except (LookupError, ValueError):
            return {}

    # Importing wordfreq and unpacking its list cost a quarter of a second per start;
    # the list is kept as a marshal file named by wordfreq's version (issue 14).
    return derived(f"wordfreq-{code}", [_version("wordfreq"), code, "best"], compute)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of *word* (lower-cased) in *lang*; 0.0 when unseen."""
    import math

    freq = word_frequencies(lang).get(word.lower(), 0.0)
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


def _census(filename: str) -> dict[str, float]:
    out: dict[str, float] = {}
    text = (resources.files("names") / filename).read_text(encoding="ascii")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            word = parts[0]
            # The census lists plain ASCII letters ("SMITH"), whose key is the word in
            # lower case: skip name_key's general path (and its cache) for 90,000 names.
            key = word.lower() if word.isascii() and word.isalpha() else name_key(word)
            out[key] = float(parts[1])
    return out


@cache
def first_names() -> dict[str, float]:
    """Common given names (US census 1990) → percent of people carrying them."""
    merged = _census("dist.male.first")
    for name, share in _census("dist.female.first").items():
        merged[name] = max(share, merged.get(name, 0.0))
    return merged


@cache
def last_names() -> dict[str, float]:
    """Common family names (US census 1990) → percent of people carrying them."""
    return _census("dist.all.last")
