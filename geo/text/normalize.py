"""The one normalizer every name match in ``geo`` goes through.

``name_key`` turns a place name, as a gazetteer stores it or as a document writes it,
into the key the index is built on: case-folded, without diacritics, with the Nordic and
German letters that Unicode decomposition leaves alone spelled out (``ø`` → ``o``,
``æ`` → ``ae``, ``ß`` → ``ss``), with hyphens, slashes and dots folded, and without a
trailing possessive (``Norway's`` → ``norway``). Because the index and the queries use
the same function, "København", "Kobenhavn" and "KØBENHAVN" meet on one key.

German and Scandinavian texts also transliterate umlauts as two letters ("Daenemark",
"Koebenhavn"). ``variant_keys`` yields those spellings for a name so the index can
store them too; a query is never expanded, which keeps lookups one dictionary probe.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# Letters NFKD does not decompose, spelled out the way English-language news does.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ẞ": "ss",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "ŉ": "n",
    }
)

# Two-letter transliterations used in German and Nordic texts.
_VARIANTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae"})

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ʻ": "'"})
_POSSESSIVE = re.compile(r"'s?$")  # Norway's -> Norway, Texas' -> Texas
_DROP = re.compile(r"[.'\u00ad]")  # dots (U.S.), apostrophes (Côte d'Ivoire), soft hyphen
_SPACE = re.compile(r"[\s\-‐‑‒–—/_,;:()\[\]{}\"«»„“”!?&+*#|\\<>=~^]+")
_MAX_KEY_INPUT = 300


_NON_WORD = re.compile(r"[^\w ]|_")


@lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """Return the matching key of *name*; ``""`` when nothing letter-like remains.

    Used for every gazetteer name at index time and for every query and text span at
    lookup time. Inputs longer than 300 characters are cut first: no place name is that
    long, and the cut keeps pathological input cheap. ASCII input (most names) takes a
    fast path that gives the same result as the full Unicode path.
    """
    if not name:
        return ""
    text = name[:_MAX_KEY_INPUT]
    if text.isascii():
        text = text.replace("`", "'").strip().lower()
    else:
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).strip().casefold()
        text = text.translate(_SPECIAL)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _POSSESSIVE.sub("", text)
    text = _DROP.sub("", text)
    text = _SPACE.sub(" ", text)
    text = _NON_WORD.sub("", text)
    return " ".join(text.split())


def variant_keys(name: str) -> Iterator[str]:
    """Yield the keys of *name* under two-letter umlaut transliteration, if any differ.

    "Dänemark" yields ``daenemark``; "København" yields ``koebenhavn``. The plain key
    (``danemark``, ``kobenhavn``) comes from :func:`name_key` itself.
    """
    lowered = unicodedata.normalize("NFC", name).casefold()
    spelled = lowered.translate(_VARIANTS)
    if spelled != lowered:
        key = name_key(spelled)
        if key and key != name_key(name):
            yield key


def is_latin(name: str) -> bool:
    """Whether *name* is written in Latin script (digits and punctuation allowed)."""
    return all(
        not (ch.isalpha() and ord(ch) > 0x024F and not ("\u1e00" <= ch <= "\u1eff")) for ch in name
    )


def _cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


def is_indexed_script(name: str) -> bool:
    """Whether the index keeps *name*: Latin or Cyrillic script, not a mix of both.

    The supported languages write in those two scripts (Russian and Ukrainian in
    Cyrillic); other scripts (Greek, Arabic, CJK) are left out, which keeps the index
    small, and a name mixing scripts is a data error more often than a name.
    """
    latin = cyrillic = False
    for ch in name:
        if not ch.isalpha():
            continue
        if _cyrillic(ch):
            cyrillic = True
        elif ord(ch) <= 0x024F or "\u1e00" <= ch <= "\u1eff":
            latin = True
        else:
            return False
    return not (latin and cyrillic)
