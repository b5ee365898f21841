"""Stage 8, exports: the layers as GeoPackage, GeoJSON, CSV and KML, and back."""

from __future__ import annotations

from geo.export.formats import (
    FORMATS,
    export_layers,
    output_paths,
    read_layers,
)

__all__ = [
    "FORMATS",
    "export_layers",
    "output_paths",
    "read_layers",
]
