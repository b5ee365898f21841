"""Stage 3, the gazetteer: sources, the index builder, its store and the queries.

``sources`` reads ``data/``; ``build`` turns every source into one index; ``store``
caches it on disk; ``query`` answers names. ``boundaries`` holds country polygons;
``geocoder`` and ``online`` adapt the index to geopy and add the optional Nominatim
fallback.
"""

from __future__ import annotations

from geo.gazetteer.build import (
    build_index,
)
from geo.gazetteer.index import (
    ANY_LANG,
    BUILD_VERSION,
    CAPITAL_BONUS,
    CASE,
    CURATED,
    LANG_BIT,
    MAX_NAME_LENGTH,
    PREFERRED,
    SITE_IMPORTANCE,
    VARIANT,
    decode,
    importance,
    is_abbreviation,
    match_quality,
)
from geo.gazetteer.query import (
    Entry,
    Gazetteer,
    PlaceTable,
    clean_query,
    iter_places,
)
from geo.gazetteer.store import (
    fingerprint,
    index_path,
    load_gazetteer,
)

__all__ = [
    "ANY_LANG",
    "BUILD_VERSION",
    "CAPITAL_BONUS",
    "CASE",
    "CURATED",
    "LANG_BIT",
    "MAX_NAME_LENGTH",
    "PREFERRED",
    "SITE_IMPORTANCE",
    "VARIANT",
    "Entry",
    "Gazetteer",
    "PlaceTable",
    "build_index",
    "clean_query",
    "decode",
    "fingerprint",
    "importance",
    "index_path",
    "is_abbreviation",
    "iter_places",
    "load_gazetteer",
    "match_quality",
]
