"""geo: an offline geoparser and map of the sites named in defense cooperation agreements.

Documents in several languages go in; every place they name comes out resolved to
coordinates by a local gazetteer, linked to the agreements that cover it (parties,
dates, status, agreed sites) and drawn on a self-contained map that works without a
network. The CLI (``geo``), the notebook and the tests call the same pipeline.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geo-agreements")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0+unknown"

from typing import TYPE_CHECKING, Any

__all__ = [
    "Layers",
    "Link",
    "__version__",
    "build_layers",
    "export_layers",
    "geoparse",
    "link_documents",
    "load_gazetteer",
    "load_registry",
    "parse_text",
    "read_documents",
    "read_layers",
    "validate_layers",
]

# The public API, imported on first use so that ``import geo`` (and ``geo --help``)
# stays fast: geopandas and folium load only when a layer or a map is asked for.
_LAZY = {
    "Layers": "geo.layers",
    "build_layers": "geo.layers",
    "validate_layers": "geo.layers",
    "export_layers": "geo.export",
    "read_layers": "geo.export",
    "Link": "geo.link.rules",
    "link_documents": "geo.link.rules",
    "geoparse": "geo.parse.pipeline",
    "parse_text": "geo.parse.pipeline",
    "read_documents": "geo.io.documents",
    "load_gazetteer": "geo.gazetteer",
    "load_registry": "geo.registry.agreements",
}

if TYPE_CHECKING:  # pragma: no cover
    from geo.export.formats import export_layers, read_layers
    from geo.gazetteer.store import load_gazetteer
    from geo.io.documents import read_documents
    from geo.layers.build import build_layers
    from geo.layers.schema import Layers
    from geo.layers.validate import validate_layers
    from geo.link.rules import Link, link_documents
    from geo.parse.pipeline import geoparse, parse_text
    from geo.registry.agreements import load_registry


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'geo' has no attribute {name!r}"
        raise AttributeError(msg)
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
