"""Stage 8, the map: its data, the page around it, offline inlining, notebook display.

``mapdata`` builds what the page draws, ``render`` the folium page (its script and style
are files in ``static/``), ``inline`` makes it self-contained, ``notebook`` shows it.
"""

from __future__ import annotations

from geo.web.mapdata import (
    DATA_VERSION,
    KIND_STYLE,
    STATUS_STYLE,
    LayersLike,
    default_title,
    legend_html,
    map_data,
    script_json,
    write_text_atomic,
)
from geo.web.render import (
    TILES,
    Basemap,
    TileChoice,
    basemap_json,
    map_html,
    render_map,
    save_map,
    tiles_json,
)

__all__ = [
    "DATA_VERSION",
    "KIND_STYLE",
    "STATUS_STYLE",
    "TILES",
    "Basemap",
    "LayersLike",
    "TileChoice",
    "basemap_json",
    "default_title",
    "legend_html",
    "map_data",
    "map_html",
    "render_map",
    "save_map",
    "script_json",
    "tiles_json",
    "write_text_atomic",
]
