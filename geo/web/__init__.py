"""Stage 8, the map: the data the page draws (``mapdata``), the folium page around it
(``render``, with the script and style in ``static/``), offline inlining (``inline``)
and notebook display.
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
