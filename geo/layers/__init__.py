"""Stage 7, the layers: GeoDataFrames of sites, places, mentions, countries, documents.

With the ``unresolved`` table, their schema (:mod:`geo.layers.schema`), their builder and
their validation.

The names below are imported on first use: the CLI builds its argument parser from
:mod:`geo.layers.schema` (``--as-of``) and the map's and exports' option lists, and
``geo resolve`` or ``geo extract`` must not pay for the builder's imports (linking, the
registry, pandas) on every start (issue 14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

_LAZY = {
    "build_layers": "geo.layers.build",
    "validate_layers": "geo.layers.validate",
    **dict.fromkeys(
        (
            "COLUMNS",
            "CRS",
            "GEOMETRY_TYPES",
            "ID_COLUMNS",
            "LAYER_NAMES",
            "MAX_QUOTES",
            "Layers",
            "parse_as_of",
            "point",
        ),
        "geo.layers.schema",
    ),
}
_SUBMODULES = frozenset({"analysis", "build", "schema", "validate"})

if TYPE_CHECKING:  # pragma: no cover
    from geo.layers.build import build_layers
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
    from geo.layers.validate import validate_layers


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _SUBMODULES:  # ``geo.layers.build`` after a bare ``import geo.layers``
        return import_module(f"geo.layers.{name}")
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'geo.layers' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
