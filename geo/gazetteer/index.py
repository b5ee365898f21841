"""The index format shared by the builder and the queries: entry flags, language bits, priors."""

from __future__ import annotations

import logging
import math

from geo.gazetteer.sources import (
    LANGS,
    SITE_KINDS,
)
from geo.models import Place

log = logging.getLogger("geo")

BUILD_VERSION = 13  # bump when the index layout or the build rules change

# Flags stored with each (name, place) entry.
PREFERRED = 1  # the place's own name in some language (not an alternate or alias)

CASE = 2  # matches only with the exact case (abbreviations such as "US")

CURATED = 4  # from a curated file of this project

VARIANT = 8  # a transliteration (Daenemark for Dänemark)

_FLAG_BITS = 4

_LANG_BITS = 16  # room for 16 language packs (one bit each)

LANG_BIT = {lang: 1 << i for i, lang in enumerate(LANGS)}
assert len(LANG_BIT) <= _LANG_BITS, "more language packs than index bits"

ANY_LANG = (1 << _LANG_BITS) - 1

SITE_IMPORTANCE = 1.0

#: A demonym names its country a little less directly than the name does.
DEMONYM_DISCOUNT = 0.95
CAPITAL_BONUS = 0.08  # news names capitals for their governments ("Washington said")

MAX_NAME_LENGTH = 200


def _encode(idx: int, langs: int, flags: int) -> int:
    return (idx << (_LANG_BITS + _FLAG_BITS)) | (langs << _FLAG_BITS) | flags


def decode(entry: int) -> tuple[int, int, int]:
    """Split an index entry into (place index, language mask, flags)."""
    return (
        entry >> (_LANG_BITS + _FLAG_BITS),
        (entry >> _FLAG_BITS) & ANY_LANG,
        entry & ((1 << _FLAG_BITS) - 1),
    )


def is_abbreviation(name: str, *, curated: bool = False) -> bool:
    """Whether *name* must match exactly as written.

    Acronyms (US, U.S., UK, UAE) and, among curated aliases, dotted abbreviations
    (Calif., Ky., Que.): without the dot or the capitals they are ordinary words ("que",
    "man").
    """
    letters = [ch for ch in name if ch.isalpha()]
    if not 0 < len(letters) <= 6:
        return False
    if all(ch.isupper() for ch in letters):
        return True
    return curated and name.endswith(".") and name[:1].isupper()


_IMPORTANCE: dict[tuple[str, str, int, bool, bool], float] = {}

#: A division that has a name as its own outranks a town that has it only as an alternate
#: when it is this many times more populous: "Cagayan" is the province (1.2 million), not
#: Mapun (30,000, once "Cagayan de Tawi-Tawi"), but "Napoli" stays the city of Naples,
#: a third of its province.
DIVISION_OVER_ALIAS = 10


def division_outranks_alias(division_own_name: bool, division_pop: int, town_pop: int) -> bool:
    """Whether a division named *by its own name* beats a town named by an alternate."""
    return division_own_name and division_pop >= DIVISION_OVER_ALIAS * max(town_pop, 1)


def importance(place: Place) -> float:
    """Prior of a place without context: curated sites, then countries, regions, cities.

    Cities rank by population on a log scale, so New York City (8 million) outranks New
    York State and a village called Thule never outranks the air base. Cached.
    """
    # Keyed by everything the prior reads, not the id alone: two gazetteers in one process
    # (a test fixture, a user's overlay) may give one id different populations.
    key = (place.id, place.kind, place.population, place.curated, place.capital)
    found = _IMPORTANCE.get(key)
    if found is None:
        found = _importance(place)
        if len(_IMPORTANCE) > 500_000:
            _IMPORTANCE.clear()
        _IMPORTANCE[key] = found
    return found


def _importance(place: Place) -> float:
    kind = place.kind
    if kind in SITE_KINDS:
        return SITE_IMPORTANCE if place.curated else 0.6
    if kind == "country":
        return 0.97
    if kind == "continent":
        return 0.93
    if place.id.startswith("region:"):
        return 0.9
    pop = max(place.population, 0)
    if kind == "admin1":
        return 0.72 + 0.1 * min(1.0, math.log10(pop + 1) / 8)
    if kind == "admin2":
        return 0.5 + 0.15 * min(1.0, math.log10(pop + 1) / 7)
    if kind == "city":
        base = 0.35 + 0.6 * min(1.0, math.log10(pop + 1) / 7.5)
        return base + CAPITAL_BONUS if place.capital else base
    if kind == "airport":
        return 0.5
    return 0.4


_MATCH_QUALITY = ((PREFERRED, 1.0), (CURATED, 0.97))


def match_quality(flags: int) -> float:
    """How well a name identifies its place: own name, curated alias, alternate, variant."""
    if flags & VARIANT:
        return 0.85
    for flag, quality in _MATCH_QUALITY:
        if flags & flag:
            return quality
    return 0.9


_QUALITY = tuple(match_quality(flags) for flags in range(1 << _FLAG_BITS))

_FLAG_MASK = (1 << _FLAG_BITS) - 1


def _as_tuple(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else value
