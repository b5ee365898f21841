"""The page around the map data: folium, the fixed script and style, offline inlining.

:func:`render_map` builds a :class:`folium.Map` with one element (``GeoApp``) that
carries the data blob of :func:`geo.web.mapdata.map_data`, the legend and the page's own
script and style, which are real files shipped with the package
(``geo/web/static/app.js``, ``app.css``) inserted through a fixed template
(``geo/web/templates/geo_app.html.j2``). :func:`map_html` renders the page and inlines
every asset (:func:`geo.web.inline.make_self_contained`); :func:`save_map` writes it
atomically.

branca compiles an element's rendered macros again as Jinja2 templates; ``GeoApp``
hands its output on as literal text instead, so text from documents or registries is
never evaluated (issue 9).
"""

from __future__ import annotations

import functools
import html as html_lib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    import folium

from geo.io.jinja_cache import import_folium
from geo.web.mapdata import LayersLike, legend_html, map_data, script_json, write_text_atomic

#: Tile layers offered with ``tiles="osm"|"carto"``; the asked one is switched on.
TILES: dict[str, dict[str, Any]] = {
    "osm": {
        "name": "OpenStreetMap (online)",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> contributors",
        "maxZoom": 19,
    },
    "carto": {
        "name": "CARTO light (online)",
        "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
        'OpenStreetMap</a> contributors &copy; <a href="https://carto.com/attributions">'
        "CARTO</a>",
        "subdomains": "abcd",
        "maxZoom": 19,
    },
}

TileChoice = Literal["none", "osm", "carto"]

Basemap = Literal["110m", "50m"]


@functools.cache
def _static(name: str) -> str:
    """A file shipped with the package (``geo/web/static``, ``geo/web/templates``).

    The page's script and style are real files, linted as JavaScript and CSS; they are
    inserted into the page as they are, never assembled from data.
    """
    from importlib import resources

    return (resources.files("geo.web") / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def _basemap_cached(resolution: str, root: str | None, mtime_ns: int) -> str:
    """The base layer's script JSON, also kept on disk between runs (issue 14).

    Rounding every coordinate of the 1:50m countries cost about a quarter of a second of
    each ``geo build``; the result is stored by :mod:`geo.io.derived` under a hash of the
    countries file and of the code that makes it.
    """
    from geo.gazetteer import boundaries
    from geo.io.derived import derived
    from geo.web import mapdata

    def compute() -> str:
        return script_json(boundaries.basemap_geojson(resolution, digits=2, assets_dir=root))  # type: ignore[arg-type]

    source = boundaries._source(resolution, root)
    sources: list[bytes | str] = [
        resolution,
        str(root is None),
        source.read_bytes(),
        Path(boundaries.__file__).read_bytes(),
        Path(mapdata.__file__).read_bytes(),
    ]
    return derived(f"basemap-{resolution}", sources, compute)


def basemap_json(resolution: Basemap) -> str | None:
    """The embedded Natural Earth base layer as script JSON (cached per process).

    Coordinates are rounded to 0.01° (about 1 km, finer than the 1:50m source): 1.5 MB
    for ``"50m"``, 0.2 MB for ``"110m"``. ``None``, with a
    :class:`~geo.errors.GeoWarning`, when the asset cache lacks world-atlas: the map is
    then drawn without country outlines rather than not at all.
    """
    from geo.errors import GeoError, GeoWarning
    from geo.gazetteer.boundaries import data_boundaries
    from geo.io.assets import asset_file

    committed = data_boundaries() if resolution == "50m" else None
    if committed is not None:  # the 1:50m countries are part of the data
        return _basemap_cached(resolution, None, committed.stat().st_mtime_ns)
    try:
        path = asset_file("world-atlas", f"countries-{resolution}.json")
    except GeoError as exc:
        warnings.warn(f"the map has no base layer: {exc}", GeoWarning, stacklevel=3)
        return None
    return _basemap_cached(resolution, str(path.parent.parent), path.stat().st_mtime_ns)


@functools.cache
def _geo_app_class() -> type:
    """The folium element of the page, defined lazily so importing this module stays cheap."""
    import_folium()
    import folium
    from branca.element import CssLink, JavascriptLink
    from folium.elements import JSCSSMixin
    from folium.plugins import MiniMap, Search
    from folium.template import Template

    class GeoApp(JSCSSMixin, folium.MacroElement):
        """The data blob, the legend and the script that draws them onto the map.

        Declares the Search and MiniMap plugins' files, which :mod:`geo.io.assets` inlines
        like folium's own.
        """

        default_js = [*Search.default_js, *MiniMap.default_js]  # noqa: RUF012 - folium's API
        default_css = [*Search.default_css, *MiniMap.default_css]  # noqa: RUF012
        _template = Template(_static("templates/geo_app.html.j2"))

        def __init__(
            self, data: dict[str, Any], tiles: TileChoice, basemap: Basemap | None
        ) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self._name = "GeoApp"
            self.data_id = f"geo-data-{self.get_name()}"
            self.payload = script_json(data)
            self.basemap_payload = basemap_json(basemap) if basemap else None
            self.tiles_payload = tiles_json(tiles) if tiles != "none" else ""
            self.legend = legend_html(data, f"{self.data_id}-legend")
            self.title_html = html_lib.escape(str(data["title"]))
            self.css = _static("static/app.css")
            self.app_js = _static("static/app.js")

        def render(self, **kwargs: Any) -> str:
            """Render the three macros once and hand their output on as literal text.

            branca's ``MacroElement.render`` wraps each macro's output in
            ``Element(output)``, which compiles that output *again* as a Jinja2
            template: any ``{{ ... }}`` in a document sentence, a file name or a
            registry name would then be evaluated on the analyst's machine (issue 9).
            Here the output goes into :class:`_Literal` elements, whose template is
            fixed, so data is never compiled.
            """
            figure: Any = self.get_root()  # a branca Figure: header, html, script
            for name, url in self.default_js:
                figure.header.add_child(JavascriptLink(url), name=name)
            for name, url in self.default_css:
                figure.header.add_child(CssLink(url), name=name)
            macros = self._template.module.__dict__
            for part, target in (
                ("header", figure.header),
                ("html", figure.html),
                ("script", figure.script),
            ):
                target.add_child(
                    _literal_class()(str(macros[part](self, kwargs))), name=self.get_name()
                )
            for element in self._children.values():
                element.render(**kwargs)
            return ""

    return GeoApp


@functools.cache
def _literal_class() -> type:
    """An element whose fixed template prints one attribute verbatim (never compiled)."""
    from branca.element import Element
    from folium.template import Template

    class _Literal(Element):
        _template = Template("{{ this.text }}")

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "Literal"
            self.text = text

    return _Literal


def tiles_json(tiles: TileChoice) -> str:
    """The tile layers offered for ``tiles`` (the asked one shown), as script JSON."""
    if tiles not in TILES:
        msg = f"tiles must be one of none, {', '.join(TILES)}; not {tiles!r}"
        from geo.errors import ConfigurationError

        raise ConfigurationError(msg)
    layers = [{**spec, "show": key == tiles} for key, spec in TILES.items()]
    layers.sort(key=lambda t: not t["show"])
    return script_json(layers)


def _check_tiles(tiles: str) -> TileChoice:
    if tiles not in ("none", *TILES):
        from geo.errors import ConfigurationError

        msg = f"tiles must be one of none, {', '.join(TILES)}; not {tiles!r}"
        raise ConfigurationError(msg)
    return tiles  # type: ignore[return-value]


def render_map(
    layers: LayersLike,
    *,
    tiles: str = "none",
    title: str | None = None,
    basemap: Basemap | None = "50m",
) -> folium.Map:
    """The interactive map of *layers* as a :class:`folium.Map` (not yet inlined).

    Use :func:`map_html`/:func:`save_map` for the offline page; this object is for
    callers that want to add their own folium elements first. Controls: layer control
    (base map, countries, one layer per agreement, other places), search, fullscreen,
    scale, measure, minimap, legend and (when the registry has events) the time slider.
    ``tiles`` is ``"none"``, ``"osm"`` or ``"carto"`` (see :data:`TILES`); ``basemap``
    is the Natural Earth resolution embedded (``"50m"``: 1.5 MB, coasts good to a few
    km; ``"110m"``: 0.2 MB; ``None``: no base layer).
    """
    import_folium()
    import folium
    from folium import plugins

    choice = _check_tiles(tiles)
    data = map_data(layers, title=title)
    geo_app = _geo_app_class()
    center = [60.0, 15.0]
    if data["bounds"]:
        (s, w), (n, e) = data["bounds"]
        center = [(s + n) / 2, (w + e) / 2]
    m = folium.Map(
        location=center,
        zoom_start=4,
        tiles=None,
        control_scale=True,
        maxZoom=18 if choice != "none" else 13,
        minZoom=2,
        worldCopyJump=False,
    )
    plugins.Fullscreen(position="topleft").add_to(m)  # type: ignore[no-untyped-call]
    plugins.MeasureControl(  # type: ignore[no-untyped-call]
        position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles"
    ).add_to(m)
    geo_app(data, choice, basemap).add_to(m)
    return m


def generator_tag() -> str:
    """The ``<meta name="generator">`` of every page ``geo`` writes.

    :func:`geo.io.documents.read_documents` skips (and reports) HTML files that carry
    it, so a map written into a corpus folder is never read back as an article.
    """
    from geo import __version__
    from geo.io.documents import GENERATOR

    return f'<meta name="generator" content="{GENERATOR} {html_lib.escape(__version__)}">'


def mark_generated(page: str) -> str:
    """*page* with :func:`generator_tag` right after ``<head>`` (or at the start)."""
    tag = generator_tag()
    lower = page[:4096].lower()
    index = lower.find("<head>")
    if index < 0:
        return tag + "\n" + page
    index += len("<head>")
    return page[:index] + "\n    " + tag + page[index:]


def _insert_before_body_end(page: str, fragment: str) -> str:
    index = page.rfind("</body>")
    if index < 0:
        return page + fragment
    return page[:index] + fragment + page[index:]


def map_html(
    layers: LayersLike,
    *,
    tiles: str = "none",
    self_contained: bool = True,
    title: str | None = None,
    basemap: Basemap | None = "50m",
) -> str:
    """The map as one HTML page; inlined (works offline) when ``self_contained``.

    Inlining is :func:`geo.web.inline.make_self_contained`: with the asset cache missing
    it returns the CDN page with a :class:`~geo.errors.GeoWarning`. Tile layers, when
    asked for, are added to the page after inlining: they are the one thing that needs a
    network, by the user's choice, and the offline guard must not reject them.
    """
    from geo.web.inline import make_self_contained

    choice = _check_tiles(tiles)
    if not self_contained:
        page = render_map(layers, tiles=choice, title=title, basemap=basemap).get_root().render()
        return mark_generated(page)
    m = render_map(layers, tiles="none", title=title, basemap=basemap)
    page = mark_generated(make_self_contained(m.get_root().render()))
    if choice != "none":
        app = next(c for c in m._children.values() if isinstance(c, _geo_app_class()))
        data_id = cast(Any, app).data_id
        fragment = (
            f'<script type="application/json" id="{data_id}-tiles">{tiles_json(choice)}</script>\n'
        )
        page = _insert_before_body_end(page, fragment)
    return page


def save_map(layers: LayersLike, path: Path | str, **kwargs: Any) -> Path:
    """Write :func:`map_html` of *layers* to *path* atomically; return the path.

    ``kwargs`` go to :func:`map_html` (``tiles``, ``self_contained``, ``title``,
    ``basemap``).
    """
    return write_text_atomic(path, map_html(layers, **kwargs))
