"""Stage 4, the geoparser: documents to mentions to resolved places.

``recognize`` finds the names, ``resolve`` picks their places, ``pipeline`` runs both;
``evaluate`` scores it on the benchmark corpora.
"""

from __future__ import annotations

from geo.parse.pipeline import (
    LANGID_CHARS,
    SUPPORTED_LANGS,
    document_language,
    geoparse,
    parse_document,
    parse_text,
)

__all__ = [
    "LANGID_CHARS",
    "SUPPORTED_LANGS",
    "document_language",
    "geoparse",
    "parse_document",
    "parse_text",
]
