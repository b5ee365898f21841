"""The offline base map: Natural Earth countries from the world-atlas package in the cache.

Tiles need a tile server, which an air-gapped machine does not have, so maps draw a small
vector layer of countries instead (:func:`basemap_geojson`, embedded in the page). The same
data answers geometric questions: :func:`country_polygon` gives one country's outline in
plain longitude/latitude, e.g. for the geodesic distance from a site to Russia's border.

The 1:50m countries (241) are part of the data (``data/boundaries/countries-50m.geojson.gz``,
Natural Earth, public domain, converted by ``scripts/make_boundaries.py``), so layers and
distances work on a fresh clone without the web assets; the 1:110m TopoJSON
(``world-atlas@2.0.2``, 177 countries) comes from the asset cache
(:func:`geo.io.assets.fetch_assets`). Nothing here touches the network.

Two fixes make the data safe to draw and to compute with:

* ~1 % of the polygons are invalid (GEOS "TopologyException" on union): each part goes
  through ``make_valid``.
* Polygons that cross the antimeridian (Russia's Chukotka and Wrangel Island, Fiji) are
  stored as spherical rings jumping from 180 to -180, which a flat map draws as a band
  around the world. :func:`countries` unwraps such parts (adds 360 to their negative
  longitudes, so Chukotka reaches ~190° E and is drawn east of Siberia);
  :func:`country_polygon` instead cuts them at ±180°, keeping every longitude in
  [-180, 180]. Antarctica's ring encircles the pole (it jumps once, not twice) and is
  already correct as a flat polygon spanning -180..180; it is left whole.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from geo.errors import ConfigurationError, GeoError
from geo.io import assets

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = [
    "Resolution",
    "basemap_geojson",
    "countries",
    "country_polygon",
    "plain_tile_layer",
]

Resolution = Literal["50m", "110m"]
_RESOLUTIONS: tuple[str, ...] = ("50m", "110m")
_PACKAGE = "world-atlas"

# Features of world-atlas (Natural Earth) without an ISO 3166 numeric id. ISO 3166 codes
# cover the de jure territory: Northern Cyprus is part of CY and Somaliland of SO; XK is
# the user-assigned code in general use for Kosovo. Siachen Glacier is disputed between
# India and Pakistan and gets no code. "Indian Ocean Ter." is split by part (see below).
_CODES_BY_NAME: dict[str, str | None] = {
    "Kosovo": "XK",
    "N. Cyprus": "CY",
    "Somaliland": "SO",
    "Siachen Glacier": None,
}
_EXTRA_ISO3 = {"XK": "XKX"}
# Australia's "Indian Ocean Territories": Cocos (Keeling) Islands lie west of 100° E,
# Christmas Island east of it.
_INDIAN_OCEAN_TER = "Indian Ocean Ter."


#: The 1:50m countries kept as data (``data/boundaries/``, written by
#: ``scripts/make_boundaries.py`` from Natural Earth, public domain), so the countries
#: layer and border distances need no web assets.
DATA_FILE = "boundaries/countries-50m.geojson.gz"  # gzip: a third of the size


def data_boundaries() -> Path | None:
    """The committed Natural Earth 1:50m countries, or ``None`` if the data lacks them."""
    from geo.io.resources import data_path

    try:
        path = data_path(DATA_FILE)
    except ConfigurationError:
        return None
    return path if path.is_file() else None


def _source(resolution: str, assets_dir: Path | str | None) -> Path:
    """The countries file: the data copy for 1:50m (unless an asset folder is named)."""
    if resolution not in _RESOLUTIONS:
        msg = f"resolution must be one of {', '.join(_RESOLUTIONS)}, not {resolution!r}"
        raise ConfigurationError(msg)
    if resolution == "50m" and assets_dir is None:
        found = data_boundaries()
        if found is not None:
            return found
    return assets.asset_file(_PACKAGE, f"countries-{resolution}.json", assets_dir)


def _iso3(iso2: str | None) -> str | None:
    if iso2 is None:
        return None
    if iso2 in _EXTRA_ISO3:
        return _EXTRA_ISO3[iso2]
    import pycountry

    country = pycountry.countries.get(alpha_2=iso2)
    return country.alpha_3 if country else None


def _iso2(numeric: Any, name: str, part: BaseGeometry) -> str | None:
    """ISO 3166 alpha-2 code of one part: by numeric id, else by name (see module)."""
    import pycountry

    if isinstance(numeric, str) and numeric.strip():
        country = pycountry.countries.get(numeric=numeric.strip())
        if country is not None:
            return str(country.alpha_2)
    if name == _INDIAN_OCEAN_TER:
        return "CC" if part.centroid.x < 100 else "CX"
    return _CODES_BY_NAME.get(name)


def _antimeridian_jumps(ring: Any) -> int:
    xs = np.asarray(ring.coords)[:, 0]
    return int(np.count_nonzero(np.abs(np.diff(xs)) > 180))


def _crosses_antimeridian(part: Polygon) -> bool:
    """A part stored as a spherical ring across ±180° (two jumps; the pole ring has one)."""
    minx, _, maxx, _ = part.bounds
    if maxx - minx <= 180:
        return False
    jumps = _antimeridian_jumps(part.exterior)
    return jumps >= 2 and jumps % 2 == 0


def _unwrap(part: Polygon) -> Polygon:
    """Add 360° to the negative longitudes of a part that crosses the antimeridian."""
    return shapely.transform(
        part,
        lambda xy: np.column_stack([np.where(xy[:, 0] < 0, xy[:, 0] + 360, xy[:, 0]), xy[:, 1]]),
    )


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """The polygonal pieces of a geometry (``make_valid`` may add lines or points)."""
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _valid_parts(geom: BaseGeometry) -> list[Polygon]:
    """Valid single polygons of a feature, antimeridian-crossing parts unwrapped."""
    out: list[Polygon] = []
    for part in _polygons(geom):
        if _crosses_antimeridian(part):
            part = _unwrap(part)
        if not part.is_valid:
            out.extend(p for p in _polygons(shapely.make_valid(part)) if p.area > 0)
        else:
            out.append(part)
    return out


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        if path.endswith(".geojson.gz"):  # the data copy, read through GDAL's gzip reader
            raw = pyogrio.read_dataframe(f"/vsigzip/{path}")
        else:
            layer = None if path.endswith(".geojson") else "countries"
            raw = pyogrio.read_dataframe(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError) as exc:
        msg = f"cannot read the countries of {path}: {exc}; run {assets.FIX_COMMAND} again"
        raise GeoError(msg) from exc
    rows: list[dict[str, Any]] = []
    for numeric, name, geom in zip(raw["id"], raw["name"], raw.geometry, strict=True):
        numeric = numeric if isinstance(numeric, str) else None
        name = str(name)
        for part in _valid_parts(geom):
            iso2 = _iso2(numeric, name, part)
            rows.append(
                {
                    "iso2": iso2,
                    "iso3": _iso3(iso2),
                    "name": name,
                    "id": numeric,
                    "geometry": part,
                }
            )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for column in ("iso2", "iso3", "name", "id"):
        frame[column] = frame[column].astype("string")
    return frame


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def countries(
    resolution: Resolution = "50m", assets_dir: Path | str | None = None
) -> gpd.GeoDataFrame:
    """Natural Earth countries, one valid polygon per row, ready to draw on a flat map.

    Columns: ``iso2`` and ``iso3`` (ISO 3166; ``<NA>`` only for Siachen Glacier), ``name``
    (world-atlas's short name, e.g. "Dem. Rep. Congo"), ``id`` (ISO numeric, ``<NA>``
    where Natural Earth has none) and ``geometry`` in EPSG:4326. Multi-part countries are
    exploded (one row per island); parts crossing the antimeridian are unwrapped to
    longitudes beyond 180°, so no part spans more than 180° except Antarctica's (a flat
    polygon around the pole). Use :func:`country_polygon` for computations that need
    longitudes within [-180, 180]. The file is read once per process; each call returns a
    copy. Raises :class:`GeoError` if the assets were never fetched.
    """
    path = _source(resolution, assets_dir)
    return _load(str(path), _mtime(path)).copy()


def _split_at_antimeridian(part: Polygon) -> list[Polygon]:
    """Cut an unwrapped part at 180° and shift its eastern piece back by -360°."""
    minx, _, maxx, _ = part.bounds
    if minx >= -180 and maxx <= 180:
        return [part]
    west = part.intersection(box(-540, -90, 180, 90))
    east = affinity.translate(part.intersection(box(180, -90, 540, 90)), xoff=-360)
    return _polygons(west) + _polygons(east)


@functools.lru_cache(maxsize=32)
def _dissolved(iso2: str, path: str, mtime_ns: int) -> Polygon | MultiPolygon | None:
    frame = _load(path, mtime_ns)
    parts = frame.loc[frame["iso2"] == iso2, "geometry"]
    if parts.empty:
        return None
    pieces = [p for part in parts for p in _split_at_antimeridian(part)]
    merged = shapely.make_valid(shapely.union_all(pieces))
    polys = _polygons(merged)
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def country_polygon(
    iso2: str, resolution: Resolution = "50m", assets_dir: Path | str | None = None
) -> Polygon | MultiPolygon:
    """One country's dissolved, valid outline in plain lon/lat (all within [-180, 180]).

    For distances and containment, e.g. ``shapely.ops.nearest_points`` against
    ``country_polygon("RU")`` before a geodesic distance. Parts that cross the
    antimeridian are cut there, so Chukotka appears at both ends of the longitude range
    and the result is valid in planar terms. Features without a numeric id are included
    under their ISO code (Northern Cyprus in ``CY``, Somaliland in ``SO``, ``XK`` for
    Kosovo). Raises :class:`GeoError` for an unknown code or missing assets.
    """
    code = iso2.strip().upper()
    path = _source(resolution, assets_dir)
    geom = _dissolved(code, str(path), _mtime(path))
    if geom is None:
        msg = f"no country with ISO code {iso2!r} in world-atlas countries-{resolution}"
        raise GeoError(msg)
    return geom


def country_outlines(
    iso2s: Iterable[str], resolution: Resolution = "50m", assets_dir: Path | str | None = None
) -> dict[str, Polygon | MultiPolygon | None]:
    """:func:`country_polygon` of each of *iso2s* the countries file has (``None`` if not).

    Kept on disk between runs by :mod:`geo.io.derived` (as WKB, exact to the bit) under a
    hash of the countries file, this module and the codes asked for: reading the file and
    dissolving the registry's countries cost a quarter of a second of every ``geo build``
    (issue 14). Raises :class:`GeoError` if the assets were never fetched.
    """
    from geo.io.derived import derived

    wanted = sorted(set(iso2s))

    def compute() -> dict[str, bytes | None]:
        available = set(countries(resolution, assets_dir)["iso2"].dropna().astype(str))
        return {
            iso2: (
                shapely.to_wkb(country_polygon(iso2, resolution, assets_dir))
                if iso2 in available
                else None
            )
            for iso2 in wanted
        }

    path = _source(resolution, assets_dir)
    try:
        data = path.read_bytes()
    except OSError:
        stored = compute()  # raises the GeoError that says how to fetch the assets
    else:
        sources: list[bytes | str] = [
            resolution,
            ",".join(wanted),
            data,
            Path(__file__).read_bytes(),
        ]
        stored = derived(f"outlines-{resolution}", sources, compute)
    return {iso2: None if wkb is None else shapely.from_wkb(wkb) for iso2, wkb in stored.items()}


def _rounded(coords: Any, digits: int) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y, *_ in coords:
        point = [round(float(x), digits), round(float(y), digits)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _polygon_coords(poly: Polygon, digits: int) -> list[list[list[float]]] | None:
    rings = []
    for ring in (poly.exterior, *poly.interiors):
        coords = _rounded(ring.coords, digits)
        if len(coords) >= 4:
            rings.append(coords)
        elif ring is poly.exterior:
            return None  # an islet smaller than the rounding step
    return rings


def basemap_geojson(
    resolution: Resolution = "110m",
    *,
    digits: int | None = None,
    assets_dir: Path | str | None = None,
) -> dict[str, Any]:
    """A small GeoJSON FeatureCollection of countries for the map's embedded base layer.

    One MultiPolygon feature per world-atlas country with ``name``, ``iso2`` and ``iso3``
    properties, antimeridian parts unwrapped as in :func:`countries`. Coordinates are
    rounded to ``digits`` decimals (default 2 for 110m, ~1 km; 3 for 50m) to keep the
    page small: about 0.3 MB for 110m. For display only: rounding may make rings slightly
    invalid, which Leaflet does not mind; compute with :func:`countries` instead.
    """
    import pandas as pd

    if digits is None:
        digits = 2 if resolution == "110m" else 3
    frame = countries(resolution, assets_dir)
    features: list[dict[str, Any]] = []
    for (name, iso2), group in frame.groupby(["name", "iso2"], dropna=False, sort=True):
        polygons = [c for p in group.geometry if (c := _polygon_coords(p, digits))]
        if not polygons:
            continue
        code = None if pd.isna(iso2) else str(iso2)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": str(name), "iso2": code, "iso3": _iso3(code)},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _png_1x1(color: str) -> bytes:
    """A one-pixel PNG of ``#rrggbb``; Leaflet stretches it over each 256-pixel tile."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        rgb = bytes.fromhex(value)
    except ValueError:
        rgb = b""
    if len(rgb) != 3:
        msg = f"color must be '#rrggbb' or '#rgb', not {color!r}"
        raise ConfigurationError(msg)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" + rgb))
        + chunk(b"IEND", b"")
    )


def plain_tile_layer(
    color: str = "#d4e6f4", *, name: str = "Plain background", **kwargs: Any
) -> folium.TileLayer:
    """A tile layer of one colour, as a ``data:`` URI: for places that insist on tiles.

    ``folium.plugins.MiniMap`` always wraps a tile layer, and its default is
    OpenStreetMap, which :func:`geo.web.inline.inline_html` rejects. Pass
    ``MiniMap(tile_layer=plain_tile_layer())`` to get an offline minimap (a plain
    rectangle showing the view's extent). ``kwargs`` go to ``folium.TileLayer``.
    """
    import base64

    from geo.io.jinja_cache import import_folium

    import_folium()
    import folium

    uri = "data:image/png;base64," + base64.b64encode(_png_1x1(color)).decode("ascii")
    kwargs.setdefault("attr", "&nbsp;")
    return folium.TileLayer(tiles=uri, name=name, **kwargs)
