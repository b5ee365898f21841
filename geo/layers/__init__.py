"""Stage 7, the layers: GeoDataFrames of sites, places, mentions, countries, documents.

With the ``unresolved`` table, their schema (:mod:`geo.layers.schema`), their builder and
their validation.
"""

from __future__ import annotations

from geo.layers.build import (
    build_layers,
)
from geo.layers.schema import (
    COLUMNS,
    CRS,
    GEOMETRY_TYPES,
    ID_COLUMNS,
    LAYER_NAMES,
    MAX_QUOTES,
    Layers,
    parse_as_of,
    point,
)
from geo.layers.validate import (
    validate_layers,
)

__all__ = [
    "COLUMNS",
    "CRS",
    "GEOMETRY_TYPES",
    "ID_COLUMNS",
    "LAYER_NAMES",
    "MAX_QUOTES",
    "Layers",
    "build_layers",
    "parse_as_of",
    "point",
    "validate_layers",
]
