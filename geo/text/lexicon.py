"""Word lists the recognizer consults: titles, months, first names, word frequencies.

These answer "is this capitalised word a place here?": "Antony" before "Blinken" is a
first name, "Boden" in German text is the common noun for soil, "March" is a month.
Word frequencies come from ``wordfreq`` and names from the US census lists of the
``names`` package; both ship their data in the wheel, so nothing is downloaded. The
curated lists (titles, months, function words) are the project's own, one per language
in the language packs (:mod:`geo.text.languages`).
"""

from __future__ import annotations

from array import array
from functools import cache
from importlib import resources

from geo.io.derived import derived
from geo.text.flatkeys import LAYOUT, FlatKeys
from geo.text.languages import union
from geo.text.normalize import name_key

# Words that, right before a capitalised name, make it a person's name.
TITLES = frozenset(name_key(w) for w in union("titles"))

# Month and weekday names, never places in our output even where a village shares one.
CALENDAR = frozenset(name_key(w) for w in union("calendar"))

# Capitalised words that begin a sentence or a heading and are never places.
FUNCTION_WORDS = frozenset(name_key(w) for w in union("function_words"))


@cache
def word_frequencies(lang: str) -> FrequencyTable:
    """Word → frequency in *lang* (wordfreq's best list); empty for unknown languages.

    Frequencies are per word of running text; ``zipf`` converts them to the familiar
    log scale (Zipf 6 = once per thousand words, Zipf 3 = once per million).

    Importing wordfreq and unpacking its list cost a quarter of a second per start, and
    a dict of 300,000-600,000 words another 0.1-0.3 s to rebuild from any cache. The
    list is kept instead as a :class:`FrequencyTable` (three flat values, no object per
    word) in a marshal file named by wordfreq's version (issue 14): the recognizer only
    asks for a few thousand words per run.
    """
    code = {"no": "nb"}.get(lang, lang)

    def compute() -> tuple[bytes, bytes, bytes, bytes]:
        import wordfreq

        try:
            found = wordfreq.get_frequency_dict(code, wordlist="best")
        except (LookupError, ValueError):
            found = {}
        return FrequencyTable.pack(found)

    table = derived(f"wordfreq-{code}", [_version("wordfreq"), code, "best", LAYOUT], compute)
    return FrequencyTable(*table)


class FrequencyTable:
    """A read-only word → frequency mapping over flat arrays (:class:`FlatKeys`).

    Loading it allocates a handful of objects instead of a million; ``get`` hashes the
    word and compares one slice (about 1 µs; the bisection over sorted words it replaced
    took 12 µs, a tenth of a first pass's recognition in English).
    """

    __slots__ = ("_freqs", "_keys")

    def __init__(self, blob: bytes, starts: bytes, slots: bytes, freqs: bytes) -> None:
        self._keys = FlatKeys(blob, starts, slots)
        self._freqs = array("d")
        self._freqs.frombytes(freqs)
        if len(self._freqs) != len(self._keys):
            msg = "damaged frequency table: words and frequencies disagree"
            raise ValueError(msg)

    @staticmethod
    def pack(mapping: dict[str, float]) -> tuple[bytes, bytes, bytes, bytes]:
        """The four values of a table holding *mapping* (for marshal)."""
        freqs = array("d", (float(v) for v in mapping.values()))
        return (*FlatKeys.pack(mapping), freqs.tobytes())

    def __len__(self) -> int:
        return len(self._freqs)

    def get(self, word: str, default: float = 0.0) -> float:
        """The frequency of *word*, else *default* (the same as a dict's ``get``)."""
        found = self._keys.find(word)
        return self._freqs[found] if found >= 0 else default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._keys.find(word) >= 0


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
    """Common given names (US census 1990) → percent of people carrying them.

    A dict (5,000 names, parsed in milliseconds): the recognizer looks a name up for
    every word of a new run of capitalised words.
    """
    merged = _census("dist.male.first")
    for name, share in _census("dist.female.first").items():
        merged[name] = max(share, merged.get(name, 0.0))
    return merged


@cache
def last_names() -> FrequencyTable:
    """Common family names (US census 1990) → percent of people carrying them.

    Kept on disk as a :class:`FrequencyTable`: parsing the 88,799 names took 0.1 s of
    every start (issue 14), and only each new single-word name is looked up.
    """

    def compute() -> tuple[bytes, bytes, bytes, bytes]:
        return FrequencyTable.pack(_census("dist.all.last"))

    return FrequencyTable(*derived("census-last", [_version("names"), LAYOUT], compute))
