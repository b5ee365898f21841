"""Questions asked of the layers: distances, coverage of the corpus, status over time, Arctic view.

The notebook ``notebooks/explore.ipynb`` calls these functions and nothing else computes
its figures, so every number it prints is produced (and tested) here. They are pure
functions over GeoDataFrames and the agreements registry; only :func:`arctic_plot` draws.

Distances are geodesic on the WGS84 ellipsoid (:func:`geopy.distance.geodesic`, Karney's
algorithm): a degree of longitude is 111 km at the equator but only 38 km at 70° N, so a
planar distance in lon/lat degrees is meaningless at the latitudes of these sites.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd
import shapely
from geopy.distance import geodesic
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.errors import ConfigurationError, GeoError, PlaceNotFoundError
from geo.models import RECORD_FIELDS
from geo.registry.agreements import Registry, load_registry, parse_partial_date
from geo.vocab import STATUS_KEYS, STATUSES

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from geo.gazetteer.query import Gazetteer
    from geo.models import Document, ParsedDocument

__all__ = [
    "STATUS_COLORS",
    "NotebookParameters",
    "agreement_site_tables",
    "arctic_plot",
    "border_lines",
    "corpus_plot",
    "corpus_summary",
    "distances_to_border",
    "distances_to_place",
    "distances_to_rivals",
    "document_day",
    "format_distances",
    "geopackage_summary",
    "latest_document_date",
    "layer_summary",
    "mentions_table",
    "named_outside_agreements",
    "named_vs_unnamed",
    "nearest_border_point",
    "notebook_parameters",
    "output_dir",
    "project_root",
    "site_reports",
    "status_at_document_dates",
]

# Colours of the agreement statuses: those of the interactive map's markers
# (:data:`geo.web.mapdata.STATUS_STYLE`), so the static and the interactive map agree.
STATUS_COLORS: dict[str, str] = {status.key: status.color for status in STATUSES}

# Longest edge, in degrees, of the border lines before they are projected: Natural Earth
# edges are straight in lon/lat, so they are densified to follow that convention once
# projected (and long artificial edges, e.g. along a parallel, stay close to the border).
_DENSIFY_DEG = 0.05
# A longitude this close to ±180° lies on the cut that keeps polygons within [-180, 180].
_CUT_EPS = 1e-9


# --------------------------------------------------------------------------- paths


def project_root(start: Path | str | None = None) -> Path:
    """The checkout's root folder (the one holding ``seeds/`` and ``pyproject.toml``).

    Walks up from *start* (default: the working directory), so the notebook finds its
    inputs whether Jupyter was started in ``notebooks/`` or at the root; falls back to the
    folder above the ``geo`` package. Raises :class:`ConfigurationError` when neither is
    a checkout.
    """
    here = Path(start).resolve() if start is not None else Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "seeds").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parents[2]
    if (package_parent / "seeds").is_dir():
        return package_parent
    msg = f"cannot find the geo checkout (a folder with pyproject.toml and seeds/) above {here}"
    raise ConfigurationError(msg)


def output_dir(root: Path | str | None = None) -> Path:
    """Where the notebook writes its exports: ``$GEO_NOTEBOOK_OUT`` or ``<root>/out``.

    The tests point ``GEO_NOTEBOOK_OUT`` at a temporary folder so that executing the
    notebook never writes into the checkout. The folder is created if needed.
    """
    env = os.environ.get("GEO_NOTEBOOK_OUT")
    folder = Path(env) if env else project_root(root) / "out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- documents


def mentions_table(parsed: Iterable[ParsedDocument]) -> pd.DataFrame:
    """Every mention of the geoparsed documents, one row each, with its sentence.

    Columns are those of ``geo extract`` (:meth:`geo.models.Resolution.to_record`): doc,
    start, end, surface, id, name, kind, country, lat, lon, score, reason, sentence.
    Use it to read what the geoparser found before the layers aggregate it.
    """
    rows = [r.to_record() for p in parsed for r in p.resolutions]
    columns = list(RECORD_FIELDS)
    return pd.DataFrame(rows, columns=columns)


def corpus_summary(parsed: Iterable[ParsedDocument]) -> pd.DataFrame:
    """One row per geoparsed document: id, date, language, size and what was found.

    Columns: doc, date, lang (declared or detected), characters, mentions (resolved
    place mentions, demonyms included), sites (distinct agreed sites named) and
    unresolved. The first table to look at: it shows at once an undated or empty
    document.
    """
    from geo.gazetteer.sources import SITE_KINDS as kinds

    rows = []
    for p in parsed:
        resolved = [r for r in p.resolutions if r.place is not None]
        rows.append(
            {
                "doc": p.document.id,
                "date": p.document.date,
                "lang": p.lang,
                "characters": len(p.document.text),
                "mentions": len(resolved),
                "sites": len({r.place.id for r in resolved if r.place and r.place.kind in kinds}),
                "unresolved": len(p.resolutions) - len(resolved),
            }
        )
    columns = ["doc", "date", "lang", "characters", "mentions", "sites", "unresolved"]
    return pd.DataFrame(rows, columns=columns)


def document_day(date_text: str) -> dt.date:
    """The day an article's (possibly partial) ISO date stands for: its first day.

    An article dated ``2022-02`` was written some day in February 2022; what it could
    know is what had happened by the first of the month, so statuses "at the date of the
    article" are read on that day (the registry reads partial *event* dates the other
    way round, from the day after their period, for the same reason: only what surely
    happened counts). Raises ``ValueError`` for a text that is not an ISO date.
    """
    return parse_partial_date(date_text.strip())[0]


def latest_document_date(documents: Iterable[Document | Mapping[str, Any]]) -> dt.date | None:
    """The latest :func:`document_day` of the dated documents, ``None`` if none has a date.

    Accepts :class:`~geo.models.Document` records or mappings with a ``date`` key (rows
    of the documents layer). Used as the ``as_of`` date of the layers, so that the map
    shows the agreements as the newest article saw them.
    """
    days = []
    for doc in documents:
        text = doc.get("date") if isinstance(doc, Mapping) else doc.date
        if isinstance(text, str) and text.strip():
            days.append(document_day(text))
    return max(days) if days else None


# --------------------------------------------------------------------------- layers


def layer_summary(layers: Any) -> pd.DataFrame:
    """One row per layer: rows, rows with a geometry, geometry types, CRS and columns.

    A first look at what :func:`geo.layers.build.build_layers` returned, before the heads of
    the layers themselves; for the DataFrame ``unresolved`` the geometry fields are empty.
    """
    frames = layers.frames() if hasattr(layers, "frames") else dict(layers)
    rows = []
    for name, frame in frames.items():
        geometry = getattr(frame, "geometry", None) if hasattr(frame, "crs") else None
        if geometry is not None:
            present = geometry[~(geometry.isna() | geometry.is_empty)]
            kinds = ", ".join(sorted(set(present.geom_type)))
            crs = str(frame.crs) if frame.crs is not None else None
            with_geometry: int | None = len(present)
        else:
            kinds, crs, with_geometry = "", None, None
        rows.append(
            {
                "layer": name,
                "rows": len(frame),
                "with_geometry": with_geometry,
                "geometry": kinds,
                "crs": crs,
                "columns": len(frame.columns),
            }
        )
    columns = ["layer", "rows", "with_geometry", "geometry", "crs", "columns"]
    frame = pd.DataFrame(rows, columns=columns).astype({"with_geometry": "Int64"})
    return frame.set_index("layer")


def geopackage_summary(path: Path | str) -> pd.DataFrame:
    """The layers of a GeoPackage as written on disk: name, geometry type and features.

    Read back with pyogrio after an export, to show what a GIS user will find in the
    file (the ``unresolved`` table has no geometry type).
    """
    import pyogrio

    rows = []
    for name, geometry_type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        rows.append(
            {
                "layer": str(name),
                "geometry": geometry_type or "",
                "features": int(info["features"]),
                "crs": info.get("crs"),
            }
        )
    return pd.DataFrame(rows, columns=["layer", "geometry", "features", "crs"]).set_index("layer")


# --------------------------------------------------------------------------- sites


def _column(frame: pd.DataFrame, *names: str) -> str | None:
    """The first of *names* that is a column of *frame*."""
    return next((n for n in names if n in frame.columns), None)


def _site_points(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per site that has a point: site, name, country, lat, lon (first row wins).

    A site linked to several agreements may appear on several rows of the sites layer;
    distances are a property of the place, so it is counted once.
    """
    id_col = _column(sites, "site_id", "site", "id")
    name_col = _column(sites, "name", "site_name")
    country_col = _column(sites, "country", "iso2")
    crs = getattr(sites, "crs", None)
    if crs is not None and not CRS.from_user_input(crs).equals(
        CRS.from_epsg(4326), ignore_axis_order=True
    ):
        msg = f"sites must be in EPSG:4326 (lon/lat), not {crs}"
        raise ConfigurationError(msg)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, geom in enumerate(sites.geometry):
        if geom is None or geom.is_empty:
            continue
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        record = sites.iloc[position]
        site = str(record[id_col]) if id_col else str(sites.index[position])
        if site in seen:
            continue
        seen.add(site)
        rows.append(
            {
                "site": site,
                "name": str(record[name_col]) if name_col else site,
                "country": record[country_col] if country_col else None,
                "lat": float(point.y),
                "lon": float(point.x),
            }
        )
    return pd.DataFrame(rows, columns=["site", "name", "country", "lat", "lon"])


# --------------------------------------------------------------------------- border distance


def _rings(geom: BaseGeometry) -> Iterable[np.ndarray]:
    """The coordinate arrays of every ring of a (multi)polygon."""
    polygons = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    for poly in polygons:
        if isinstance(poly, Polygon) and not poly.is_empty:
            yield np.asarray(poly.exterior.coords)[:, :2]
            for interior in poly.interiors:
                yield np.asarray(interior.coords)[:, :2]


def _split_at_cut(ring: np.ndarray) -> list[np.ndarray]:
    """Pieces of a ring without its edges along the ±180° cut (not a real border)."""
    x = ring[:, 0]
    on_cut = (np.abs(x[:-1]) >= 180 - _CUT_EPS) & (np.abs(x[1:] - x[:-1]) <= _CUT_EPS)
    pieces: list[np.ndarray] = []
    start = 0
    for i in np.flatnonzero(on_cut):
        if i + 1 - start >= 2:
            pieces.append(ring[start : i + 1])
        start = int(i) + 1
    if len(ring) - start >= 2:
        pieces.append(ring[start:])
    return pieces


def border_lines(geom: BaseGeometry) -> BaseGeometry:
    """The border of a lon/lat (multi)polygon as (multi)lines, densified, without the ±180° cut.

    :func:`geo.gazetteer.boundaries.country_polygon` cuts parts that cross the antimeridian
    (Russia's Chukotka) along ±180°; those meridian edges are an artefact of the flat coordinates,
    not a border, so they are left out. Edges are split to at most 0.05° so that, once
    projected, the lines still follow the straight lon/lat edges Natural Earth means.
    """
    pieces = [piece for ring in _rings(geom) for piece in _split_at_cut(ring)]
    if not pieces:
        msg = "the polygon has no border"
        raise GeoError(msg)
    lines = MultiLineString([LineString(p) for p in pieces])
    return shapely.segmentize(lines, _DENSIFY_DEG)


@functools.lru_cache(maxsize=8)
def _country_border(iso2: str, resolution: str) -> tuple[BaseGeometry, BaseGeometry]:
    from geo.gazetteer.boundaries import country_polygon

    polygon = country_polygon(iso2, resolution)  # type: ignore[arg-type]
    return polygon, border_lines(polygon)


def _aeqd(lat: float, lon: float) -> Transformer:
    """Lon/lat → azimuthal equidistant metres centred on (*lat*, *lon*) (WGS84)."""
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    return Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)


def nearest_border_point(lat: float, lon: float, border: BaseGeometry) -> tuple[float, float]:
    """The (lat, lon) of the point of *border* (lines in lon/lat) nearest to (*lat*, *lon*).

    The search runs in an azimuthal equidistant projection centred on the site: there,
    the straight-line distance from the centre to any point *is* the geodesic distance
    (PROJ's ellipsoidal ``aeqd`` is exact along rays from its centre), so shapely's
    planar ``nearest_points`` finds the geodesically nearest point. Searching in lon/lat
    degrees instead would weigh a degree of longitude like one of latitude, while at
    70° N it is about 2.9 times shorter, and would pick a wrong point. The projection is
    singular only at the site's antipode, which no border near these sites approaches.
    Edges longer than 0.05° are split first, so that once projected they still follow
    the straight lon/lat edges the data means.
    """
    forward = _aeqd(lat, lon)
    projected = shapely.transform(
        shapely.segmentize(border, _DENSIFY_DEG),
        lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])),
    )
    if not np.isfinite(shapely.get_coordinates(projected)).all():
        msg = f"the border passes through the antipode of ({lat}, {lon}); cannot project it"
        raise GeoError(msg)
    nearest = nearest_points(Point(0.0, 0.0), projected)[1]
    near_lon, near_lat = forward.transform(nearest.x, nearest.y, direction="INVERSE")
    return float(near_lat), float(near_lon)


def distances_to_border(
    sites_gdf: gpd.GeoDataFrame, iso2: str = "RU", *, resolution: str = "50m"
) -> pd.DataFrame:
    """Geodesic distance from each site with a point to the nearest point of a country's border.

    The border is the boundary of the Natural Earth polygon of *iso2*
    (:func:`geo.gazetteer.boundaries.country_polygon`, needs the fetched assets): land borders and
    coastline alike. For Russia it includes Kaliningrad (the nearest part for sites
    around the southern Baltic) and Chukotka, cut at the antimeridian (the cut is not
    treated as a border, see :func:`border_lines`). The nearest point is found per site
    in an azimuthal equidistant projection centred on it (:func:`nearest_border_point`)
    and the distance measured with :func:`geopy.distance.geodesic` on WGS84.

    Returns one row per site, nearest first: site, name, country, lat, lon, border_lat,
    border_lon, inside (the site lies in the country) and distance_km. Sites without a
    point are left out.
    """
    code = iso2.strip().upper()
    polygon, lines = _country_border(code, resolution)
    points = _site_points(sites_gdf)
    rows = []
    for row in points.itertuples(index=False):
        site: Any = row  # a namedtuple of the points table: lat, lon, name, ...
        b_lat, b_lon = nearest_border_point(site.lat, site.lon, lines)
        rows.append(
            {
                **site._asdict(),
                "border_lat": b_lat,
                "border_lon": b_lon,
                "inside": bool(polygon.covers(Point(site.lon, site.lat))),
                "distance_km": geodesic((site.lat, site.lon), (b_lat, b_lon)).km,
            }
        )
    columns = [*points.columns, "border_lat", "border_lon", "inside", "distance_km"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["target"] = f"border of {code} (Natural Earth {resolution})"
    return frame.sort_values(["distance_km", "site"], kind="stable").reset_index(drop=True)


def _target_point(
    name_or_latlon: str | tuple[float, float], gazetteer: Gazetteer | None
) -> tuple[str, float, float]:
    """(label, lat, lon) of a place name (from the gazetteer) or of a (lat, lon) pair."""
    if isinstance(name_or_latlon, str):
        from geo.gazetteer.store import load_gazetteer

        gaz = gazetteer or load_gazetteer()
        place = gaz.get_place(name_or_latlon) or gaz.get(name_or_latlon)  # a site id or a name
        if place is None or place.lat is None or place.lon is None:
            msg = f"no place with a point named {name_or_latlon!r} in the gazetteer"
            raise PlaceNotFoundError(msg)
        return place.name, float(place.lat), float(place.lon)
    lat, lon = (float(v) for v in name_or_latlon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"not a (lat, lon) pair: {name_or_latlon!r}"
        raise ConfigurationError(msg)
    return f"({lat:.4f}, {lon:.4f})", lat, lon


def distances_to_place(
    sites_gdf: gpd.GeoDataFrame,
    name_or_latlon: str | tuple[float, float] = "Severomorsk",
    *,
    gazetteer: Gazetteer | None = None,
) -> pd.DataFrame:
    """Geodesic distance (WGS84) from each site with a point to one place, nearest first.

    *name_or_latlon* is a name looked up in the offline gazetteer (``"Severomorsk"``,
    home of Russia's Northern Fleet, GeoNames 496278) or an explicit ``(lat, lon)``.
    Returns site, name, country, lat, lon, place, place_lat, place_lon, distance_km.
    """
    label, p_lat, p_lon = _target_point(name_or_latlon, gazetteer)
    points = _site_points(sites_gdf)
    frame = points.assign(
        place=label,
        place_lat=p_lat,
        place_lon=p_lon,
        distance_km=[
            geodesic((lat, lon), (p_lat, p_lon)).km
            for lat, lon in zip(points["lat"], points["lon"], strict=True)
        ],
    )
    frame.attrs["target"] = label
    return frame.sort_values(["distance_km", "site"], kind="stable").reset_index(drop=True)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def format_distances(frame: pd.DataFrame, *, title: str | None = None, name_width: int = 40) -> str:
    """A distances frame as plain text, one site per line, kilometres to 0.1 km.

    The notebook prints this; the test suite reads the printed lines back
    (``site  name  123.4 km``), so the format is part of the contract. Names longer
    than *name_width* are shortened with "…"; the title defaults to "Distance to" and
    the frame's target (``frame.attrs["target"]``).
    """
    header = title or f"Distance to {frame.attrs.get('target', 'target')}"
    if frame.empty:
        return f"{header}\n(no site with a point)"
    names = [_shorten(str(n), name_width) for n in frame["name"]]
    width_site = max(len(str(s)) for s in frame["site"])
    width_name = max(len(n) for n in names)
    lines = [header]
    for site, name, km in zip(frame["site"], names, frame["distance_km"], strict=True):
        lines.append(f"{site!s:<{width_site}}  {name:<{width_name}}  {km:8.1f} km")
    return "\n".join(lines)


# --------------------------------------------------------------------------- corpus coverage


def _registry_of(layers: Any, registry: Registry | None) -> Registry:
    """The registry passed, else the one the layers were built with, else the curated one."""
    if registry is not None:
        return registry
    found = getattr(layers, "registry", None)
    return found if isinstance(found, Registry) else load_registry()


def _mentions_frame(layers: Any) -> pd.DataFrame:
    """The mentions layer as a frame with ``doc``, ``place_id`` and ``surface`` columns."""
    mentions = getattr(layers, "mentions", None)
    if mentions is None:
        return pd.DataFrame(columns=["doc", "place_id", "surface"])
    frame = pd.DataFrame(mentions)
    wanted = {
        "doc": _column(frame, "doc", "doc_id", "document"),
        "place_id": _column(frame, "place_id", "site_id", "id"),
        "surface": _column(frame, "surface", "text"),
    }
    return pd.DataFrame(
        {
            name: (
                frame[column].astype("string")
                if column
                else pd.Series(pd.NA, index=frame.index, dtype="string")
            )
            for name, column in wanted.items()
        }
    )


def _site_names(layers: Any) -> dict[str, str]:
    """Site id → display name, from the sites layer, completed from ``data/sites.csv``."""
    from geo.gazetteer.sources import load_sites

    names = {row.id: row.name for row in load_sites()}
    sites = getattr(layers, "sites", None)
    if sites is not None and len(sites):
        id_col = _column(sites, "site_id", "site", "id")
        name_col = _column(sites, "name", "site_name")
        if id_col and name_col:
            names.update(zip(sites[id_col].astype(str), sites[name_col].astype(str), strict=True))
    return names


def named_vs_unnamed(layers: Any, *, registry: Registry | None = None) -> pd.DataFrame:
    """Which agreed sites the corpus names, and which it never mentions.

    One row per site any agreement (or amendment) of the registry lists: site, name,
    agreements (ids, comma-separated), named (bool), mentions (count), surfaces (the words
    the articles used, e.g. "Thule" for Pituffik), documents and implied (how many count
    phrases such as "four agreed military areas in Norway" imply the site, from the
    sites layer's ``implied_count``; 0 when the layer lacks it). Named sites come first.
    A site counts as named only when a mention resolved to its id: an article speaking
    of "four agreed areas" implies Rygge and Sola but does not name them.
    """
    reg = _registry_of(layers, registry)
    mentions = _mentions_frame(layers)
    names = _site_names(layers)
    implied: dict[str, int] = {}
    sites = getattr(layers, "sites", None)
    if sites is not None and {"site_id", "implied_count"} <= set(sites.columns):
        implied = {
            str(k): int(v) for k, v in zip(sites["site_id"], sites["implied_count"], strict=True)
        }
    rows = []
    for site in sorted(reg.site_ids()):
        hits = mentions[mentions["place_id"].eq(site).fillna(False).astype(bool)]
        rows.append(
            {
                "site": site,
                "name": names.get(site, site),
                "agreements": ", ".join(a.id for a in reg.agreements_for_site(site)),
                "named": bool(len(hits)),
                "mentions": len(hits),
                "surfaces": ", ".join(dict.fromkeys(str(s) for s in hits["surface"].dropna())),
                "documents": ", ".join(dict.fromkeys(str(d) for d in hits["doc"].dropna())),
                "implied": implied.get(site, 0),
            }
        )
    columns = ["site", "name", "agreements", "named", "mentions", "surfaces", "documents"]
    frame = pd.DataFrame(rows, columns=[*columns, "implied"])
    return frame.sort_values(["named", "site"], ascending=[False, True]).reset_index(drop=True)


# --------------------------------------------------------------------------- status over time


def _documents_of(layers: Any) -> list[dict[str, Any]]:
    """Rows of the documents layer (or documents) as dicts with ``doc``, ``title``, ``date``."""
    docs = getattr(layers, "documents", layers)
    out: list[dict[str, Any]] = []
    if isinstance(docs, pd.DataFrame):
        id_col = _column(docs, "doc", "doc_id", "id")
        for position in range(len(docs)):
            row = docs.iloc[position]
            out.append(
                {
                    "doc": str(row[id_col]) if id_col else str(docs.index[position]),
                    "title": row.get("title"),
                    "date": row.get("date"),
                }
            )
        return out
    for doc in docs:
        out.append({"doc": doc.id, "title": doc.title, "date": doc.date})
    return out


def status_at_document_dates(
    layers: Any, *, registry: Registry | None = None, today: dt.date | None = None
) -> pd.DataFrame:
    """The status of every agreement on the date of each article (rows) — what it could know.

    Rows are the documents of the layers (or an iterable of
    :class:`~geo.models.Document`), indexed by document id, with ``date`` (as written),
    ``as_of`` (the day used: :func:`document_day` of the date) and ``date_note``; then
    one column per agreement of the registry holding :meth:`Registry.status` on that day
    (one of :data:`geo.registry.agreements.STATUSES`). A document without a date is read at
    *today* (default: the current date) and its ``date_note`` says so, instead of being
    dropped: the reader still sees it and knows the row is not historical (likewise a
    date that is not ISO 8601).
    """
    reg = _registry_of(layers, registry)
    now = today or dt.date.today()
    rows = []
    for doc in _documents_of(layers):
        text = doc["date"] if isinstance(doc["date"], str) and doc["date"].strip() else None
        day, note = now, f"no date: status as of today ({now.isoformat()})"
        if text is not None:
            try:
                day, note = document_day(text), "article date"
            except ValueError:
                note = f"unreadable date {text!r}: status as of today ({now.isoformat()})"
        row: dict[str, Any] = {
            "doc": doc["doc"],
            "date": text,
            "as_of": day,
            "date_note": note,
        }
        row.update({agreement_id: reg.status(agreement_id, day) for agreement_id in reg.ids})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["doc", "date", "as_of", "date_note", *reg.ids])
    return frame.set_index("doc")


# --------------------------------------------------------------------------- Arctic view


def _status_column(sites: pd.DataFrame) -> str | None:
    return _column(sites, "status", "site_status")


def _named_sites(sites: pd.DataFrame) -> set[str] | None:
    """Ids of the sites the corpus names (``named_in_corpus``), ``None`` if unknown."""
    id_col = _column(sites, "site_id", "site", "id")
    if id_col is None or "named_in_corpus" not in sites.columns:
        return None
    flags = sites["named_in_corpus"].fillna(False).astype(bool)
    return set(sites.loc[flags, id_col].astype(str))


def arctic_plot(
    layers: Any,
    crs: str = "EPSG:3575",
    ax: Axes | None = None,
    *,
    min_lat: float = 50.0,
    labels: Literal["named", "all", "none"] = "named",
    mark: Sequence[str | tuple[float, float]] = (),
    resolution: str = "110m",
    gazetteer: Gazetteer | None = None,
) -> Axes:
    """A static map of the Arctic: countries north of *min_lat*, sites coloured by status.

    For reports and for readers without a browser: the polar projection (default
    EPSG:3575, North Pole Lambert azimuthal equal-area centred on 10° E) shows the
    Nordic sites, Greenland and the Kola peninsula without the stretching of Web
    Mercator. Country outlines come from the offline Natural Earth base map, clipped in
    lon/lat at *min_lat* and densified so parallels stay curved once projected; the sea
    is the disc north of *min_lat*. Sites take :data:`STATUS_COLORS` from their
    ``status`` column (grey when absent); sites the corpus names (``named_in_corpus``)
    are drawn larger. *labels*: ``"named"`` labels only those (all sites when the layer
    does not say), ``"all"`` every site, ``"none"`` none — forty labels in Scandinavia
    are unreadable at this scale. *mark* adds reference places (gazetteer names or
    (lat, lon)) as black crosses, e.g. ``["Severomorsk"]``. The view spans the pole and
    every site drawn. Returns the Axes (a new figure's unless *ax* is given).
    """
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from geo.gazetteer.boundaries import countries

    if not -90 < min_lat < 90:
        msg = f"min_lat must be a latitude, not {min_lat!r}"
        raise ConfigurationError(msg)
    if labels not in ("named", "all", "none"):
        msg = f"labels must be 'named', 'all' or 'none', not {labels!r}"
        raise ConfigurationError(msg)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 9))
    to_crs = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)

    # Sea: the disc north of min_lat, drawn as a dense parallel.
    lons = np.linspace(-180.0, 180.0, 721)
    sea_x, sea_y = to_crs.transform(lons, np.full_like(lons, min_lat))
    ax.fill(sea_x, sea_y, color="#dbe9f6", zorder=0)

    world = countries(resolution)  # type: ignore[arg-type]
    clip = shapely.box(-180.0, min_lat, 360.0, 90.0)  # countries() may reach beyond 180° E
    world["geometry"] = shapely.segmentize(world.geometry.intersection(clip).values, 1.0)
    world = world[~world.geometry.is_empty]
    world.to_crs(crs).plot(ax=ax, color="#f2efe9", edgecolor="#9e9e9e", linewidth=0.5, zorder=1)

    sites = getattr(layers, "sites", layers)
    points = _site_points(sites)
    statuses: dict[str, str] = {}
    status_col = _status_column(sites)
    id_col = _column(sites, "site_id", "site", "id")
    if status_col is not None and id_col is not None:
        for site, status in zip(sites[id_col].astype(str), sites[status_col], strict=True):
            statuses.setdefault(site, str(status))
    named = _named_sites(sites)
    points = points.assign(
        status=[statuses.get(s, "none") for s in points["site"]],
        named=[named is None or s in named for s in points["site"]],
    )
    points = points[points["lat"] >= min_lat]
    frame = gpd.GeoDataFrame(
        points, geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs="EPSG:4326"
    ).to_crs(crs)
    if len(frame):
        colors = [STATUS_COLORS.get(s, STATUS_COLORS["none"]) for s in frame["status"]]
        sizes = [70 if n and named is not None else 30 for n in frame["named"]]
        frame.plot(
            ax=ax, color=colors, markersize=sizes, edgecolor="black", linewidth=0.6, zorder=3
        )
    xs, ys = [0.0, *frame.geometry.x], [0.0, *frame.geometry.y]  # the pole and the sites
    if labels != "none":
        # Sites a few km apart (Evenes and Ramsund) would print their labels on top of each
        # other: a label near one already placed goes to the other side of its point.
        near = 0.03 * max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
        placed: list[tuple[float, float]] = []
        for site, is_named, geom in zip(frame["site"], frame["named"], frame.geometry, strict=True):
            if labels == "named" and not is_named:
                continue
            crowded = any(np.hypot(geom.x - x, geom.y - y) < near for x, y in placed)
            placed.append((geom.x, geom.y))
            ax.annotate(
                site,
                (geom.x, geom.y),
                xytext=(-6, -12) if crowded else (6, 4),
                ha="right" if crowded else "left",
                textcoords="offset points",
                fontsize=8,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            )
    for target in mark:
        label, m_lat, m_lon = _target_point(target, gazetteer)
        x, y = to_crs.transform(m_lon, m_lat)
        ax.plot(x, y, marker="X", color="black", markersize=8, linestyle="", zorder=4)
        ax.annotate(label, (x, y), xytext=(5, -10), textcoords="offset points", fontsize=8)
        xs.append(x)
        ys.append(y)
    pad = 0.12 * max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)

    present = [s for s in STATUS_KEYS if s in set(frame["status"])]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=STATUS_COLORS[s], markeredgecolor="black")
        for s in present
    ]
    if handles:
        ax.legend(handles, [s.replace("_", " ") for s in present], title="status", loc="lower left")
    as_of = getattr(layers, "as_of", None)
    when = f" on {as_of.isoformat()}" if isinstance(as_of, dt.date) else ""
    ax.set_title(f"Agreed sites north of {min_lat:g}° N by status{when} ({crs})")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


# --------------------------------------------------------------------------- any corpus


@dataclass(frozen=True)
class NotebookParameters:
    """What the notebook analyses: a corpus, the analyst's files, rivals and a border.

    Read by :func:`notebook_parameters` from ``GEO_NOTEBOOK_*`` variables (the tests run
    the notebook on two corpora that way), else the Arctic example of ``seeds/``.
    """

    corpus: tuple[Path, ...]
    sites: tuple[Path, ...] = ()
    agreements: tuple[Path, ...] = ()
    corrections: tuple[Path, ...] = ()
    rivals: tuple[str, ...] = ()
    border: str | None = None
    polar: bool = False
    title: str = "the corpus"


def _paths(value: str | None, root: Path) -> tuple[Path, ...]:
    if not value:
        return ()
    return tuple(
        (p if p.is_absolute() else root / p)
        for p in (Path(part) for part in value.split(os.pathsep) if part.strip())
    )


def notebook_parameters(root: Path | str | None = None) -> NotebookParameters:
    """The notebook's parameters: ``GEO_NOTEBOOK_*`` variables, else the Arctic example.

    ``GEO_NOTEBOOK_CORPUS`` (files or folders, separated by ``os.pathsep``),
    ``GEO_NOTEBOOK_SITES``, ``GEO_NOTEBOOK_AGREEMENTS``, ``GEO_NOTEBOOK_CORRECTIONS``
    (the analyst's files, same separator; relative paths are from the checkout),
    ``GEO_NOTEBOOK_RIVALS`` (comma-separated site ids or place names to measure distances
    to), ``GEO_NOTEBOOK_BORDER`` (an ISO code, or empty for none) and
    ``GEO_NOTEBOOK_POLAR`` (``1`` for the Arctic polar view). Without
    ``GEO_NOTEBOOK_CORPUS``: ``seeds/``, rivals Severomorsk, Russia's border, polar.
    """
    base = project_root(root)
    env = os.environ
    corpus = _paths(env.get("GEO_NOTEBOOK_CORPUS"), base)
    if not corpus:
        return NotebookParameters(
            corpus=(base / "seeds",),
            rivals=("Severomorsk",),
            border="RU",
            polar=True,
            title="the Arctic example (seeds/)",
        )
    rivals = tuple(r.strip() for r in env.get("GEO_NOTEBOOK_RIVALS", "").split(",") if r.strip())
    border = (env.get("GEO_NOTEBOOK_BORDER") or "").strip().upper() or None
    return NotebookParameters(
        corpus=corpus,
        sites=_paths(env.get("GEO_NOTEBOOK_SITES"), base),
        agreements=_paths(env.get("GEO_NOTEBOOK_AGREEMENTS"), base),
        corrections=_paths(env.get("GEO_NOTEBOOK_CORRECTIONS"), base),
        rivals=rivals,
        border=border,
        polar=env.get("GEO_NOTEBOOK_POLAR", "") in ("1", "true", "yes"),
        title=", ".join(p.name for p in corpus),
    )


def _doc_dates(layers: Any) -> dict[str, str | None]:
    documents = getattr(layers, "documents", None)
    if documents is None or not len(documents):
        return {}
    return {
        str(d): (str(v) if isinstance(v, str) and v else None)
        for d, v in zip(documents["doc_id"], documents["date"], strict=True)
    }


def _date_key(date: str | None) -> tuple[int, str]:
    """Sort dated reports by their first day, undated ones last."""
    if not date:
        return (1, "")
    try:
        return (0, parse_partial_date(date[:10])[0].isoformat())
    except ValueError:
        return (1, date)


def site_reports(layers: Any) -> pd.DataFrame:
    """First and last report of every site and place the corpus names, by article date.

    One row per place id: id, name, kind, agreed (a site of a registry agreement),
    mentions, documents, first_report and first_doc, last_report and last_doc (dates as
    the articles give them; undated articles count after dated ones). Agreed sites
    first, then by first report.
    """
    mentions = getattr(layers, "mentions", None)
    columns = [
        "id", "name", "kind", "agreed", "mentions", "documents",
        "first_report", "first_doc", "last_report", "last_doc",
    ]  # fmt: skip
    if mentions is None or not len(mentions):
        return pd.DataFrame(columns=columns)
    dates = _doc_dates(layers)
    registry = getattr(layers, "registry", None)
    agreed = set(registry.site_ids()) if isinstance(registry, Registry) else set()
    frame = pd.DataFrame(mentions)
    frame = frame[~frame["demonym"].astype(bool)] if "demonym" in frame else frame
    rows = []
    for place_id, group in frame.groupby("place_id", sort=False):
        docs = sorted(
            dict.fromkeys(str(d) for d in group["doc"]), key=lambda d: _date_key(dates.get(d))
        )
        first, last = docs[0], docs[-1]
        rows.append(
            {
                "id": str(place_id),
                "name": str(group["name"].iloc[0]),
                "kind": str(group["kind"].iloc[0]),
                "agreed": str(place_id) in agreed,
                "mentions": len(group),
                "documents": len(docs),
                "first_report": dates.get(first) or "undated",
                "first_doc": first,
                "last_report": dates.get(last) or "undated",
                "last_doc": last,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    order = [
        (not a, _date_key(None if d == "undated" else d))
        for a, d in zip(out["agreed"], out["first_report"], strict=True)
    ]
    out = out.iloc[sorted(range(len(out)), key=lambda i: order[i])]
    return out.reset_index(drop=True)


def agreement_site_tables(layers: Any) -> dict[str, pd.DataFrame]:
    """Per agreement the corpus touches: its sites with status, mentions and reports.

    Agreements that have a site named or implied in the corpus, or that an article is
    linked to, in registry order. Each table: site, name, status (on ``as_of``), named,
    implied, mentions, first_report, last_report.
    """
    registry = getattr(layers, "registry", None)
    sites = getattr(layers, "sites", None)
    if not isinstance(registry, Registry) or sites is None:
        return {}
    reports = site_reports(layers).set_index("id")
    by_site = pd.DataFrame(sites).set_index("site_id")
    linked: set[str] = set()
    documents = getattr(layers, "documents", None)
    if documents is not None and len(documents):
        for cell in documents["agreements"]:
            linked.update(a for a in str(cell or "").split(",") if a)
    as_of = getattr(layers, "as_of", None) or dt.date.today()
    out: dict[str, pd.DataFrame] = {}
    for agreement in registry:
        ids = [s for s in agreement.all_sites() if s in by_site.index]
        in_corpus = [s for s in ids if bool(by_site.loc[s, "in_corpus"])]
        if not in_corpus and agreement.id not in linked:
            continue
        rows = []
        for site in ids:
            row = by_site.loc[site]
            report = reports.loc[site] if site in reports.index else None
            rows.append(
                {
                    "site": site,
                    "name": row["name"],
                    "status": registry.site_status(site, agreement.id, as_of),
                    "named": bool(row["named_in_corpus"]),
                    "implied": int(cast("Any", row["implied_count"])),
                    "mentions": int(cast("Any", row["mention_count"])),
                    "first_report": report["first_report"] if report is not None else None,
                    "last_report": report["last_report"] if report is not None else None,
                }
            )
        table = pd.DataFrame(rows)
        table.attrs["agreement"] = f"{agreement.id}: {agreement.name}"
        out[agreement.id] = table
    return out


def named_outside_agreements(layers: Any) -> pd.DataFrame:
    """Military sites the corpus names that no registry agreement lists.

    Curated sites of ``data/sites/`` (airfields, bases of other countries), the user's
    ``--sites`` rows outside their agreements and airfields of the gazetteer: what an
    analyst may want to add to an agreement of their own. Columns of
    :func:`site_reports`.
    """
    from geo.vocab import SITE_KIND_KEYS

    reports = site_reports(layers)
    kinds = set(SITE_KIND_KEYS) | {"airport"}
    chosen = reports[~reports["agreed"] & reports["kind"].isin(kinds)]
    return chosen.reset_index(drop=True)


def _rival_point(target: str, gazetteer: Gazetteer | None, layers: Any) -> tuple[str, float, float]:
    """(label, lat, lon) of a rival: a site id (curated or the user's), else a place name."""
    from geo.gazetteer.store import load_gazetteer

    gaz = gazetteer or load_gazetteer()
    place = gaz.get_place(target)
    if place is None:
        for row in getattr(layers, "user_sites", None) or ():
            if row.id == target and row.lat is not None and row.lon is not None:
                return row.name, float(row.lat), float(row.lon)
    if place is not None and place.lat is not None and place.lon is not None:
        return place.name, float(place.lat), float(place.lon)
    return _target_point(target, gaz)


def distances_to_rivals(
    layers: Any,
    rivals: Sequence[str],
    *,
    only_corpus: bool = True,
    gazetteer: Gazetteer | None = None,
) -> pd.DataFrame:
    """Geodesic distance (km, WGS84) from each agreed site to each rival the analyst names.

    *rivals* are site ids (``cn-mischief-reef``, one of your ``--sites``) or place names
    (``Severomorsk``). Rows: the agreed sites with a point, those the corpus names or
    implies when *only_corpus*; columns site, name, one ``km to <rival>`` per rival,
    nearest (the rival's name) and nearest_km; nearest first.
    """
    sites = getattr(layers, "sites", layers)
    if only_corpus and "in_corpus" in sites:
        sites = sites[sites["in_corpus"].astype(bool)]
    points = _site_points(sites)
    targets = [_rival_point(r, gazetteer, layers) for r in rivals]
    frame = points[["site", "name"]].copy()
    for label, lat, lon in targets:
        frame[f"km to {label}"] = [
            round(geodesic((a, b), (lat, lon)).km, 1)
            for a, b in zip(points["lat"], points["lon"], strict=True)
        ]
    if targets:
        km = frame[[f"km to {label}" for label, _a, _b in targets]]
        frame["nearest"] = [targets[i][0] for i in km.to_numpy().argmin(axis=1)]
        frame["nearest_km"] = km.min(axis=1)
        frame = frame.sort_values(["nearest_km", "site"], kind="stable")
    return frame.reset_index(drop=True)


def corpus_plot(
    layers: Any,
    ax: Axes | None = None,
    *,
    mark: Sequence[str] = (),
    pad_deg: float = 2.0,
    gazetteer: Gazetteer | None = None,
) -> Axes:
    """A static map of the corpus's region, for any region (the Arctic has :func:`arctic_plot`).

    An azimuthal equidistant projection centred on the sites the corpus names (so
    distances from the centre are true), Natural Earth 1:50m countries from the data,
    the registry's sites in view coloured by status (named ones larger and labelled) and
    the *mark* rivals (site ids or place names) as black crosses.
    """
    import geopandas as gpd
    import matplotlib.pyplot as plt

    from geo.gazetteer.boundaries import countries

    sites = getattr(layers, "sites", layers)
    named = sites[sites["in_corpus"].astype(bool)] if "in_corpus" in sites else sites
    core = _site_points(named)
    if not len(core):
        core = _site_points(sites)
    if not len(core):
        msg = "no located site to centre the map on"
        raise GeoError(msg)
    marks = [_rival_point(m, gazetteer, layers) for m in mark]
    lats = [*core["lat"], *(m[1] for m in marks)]
    lons = [*core["lon"], *(m[2] for m in marks)]
    south, north = min(lats) - pad_deg, max(lats) + pad_deg
    west, east = min(lons) - pad_deg, max(lons) + pad_deg
    lat0, lon0 = (south + north) / 2, (west + east) / 2
    crs = f"+proj=aeqd +lat_0={lat0:.4f} +lon_0={lon0:.4f} +datum=WGS84 +units=m"
    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 9))
    ax.set_facecolor("#dbe9f6")
    world = countries("50m")
    clip = shapely.box(west, south, east, north)
    world["geometry"] = world.geometry.intersection(clip)
    world = world[~world.geometry.is_empty]
    world.to_crs(crs).plot(ax=ax, color="#f2efe9", edgecolor="#9e9e9e", linewidth=0.5, zorder=1)
    allpoints = _site_points(sites)
    view = allpoints[allpoints["lat"].between(south, north) & allpoints["lon"].between(west, east)]
    statuses = dict(zip(sites["site_id"].astype(str), sites["status"].astype(str), strict=False))
    is_named = set(core["site"])
    frame = gpd.GeoDataFrame(
        view, geometry=gpd.points_from_xy(view["lon"], view["lat"]), crs="EPSG:4326"
    ).to_crs(crs)
    if len(frame):
        frame.plot(
            ax=ax,
            color=[STATUS_COLORS.get(statuses.get(s, "none"), "#9e9e9e") for s in frame["site"]],
            markersize=[70 if s in is_named else 20 for s in frame["site"]],
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
        )
        for site, geom in zip(frame["site"], frame.geometry, strict=True):
            if site in is_named:
                ax.annotate(site, (geom.x, geom.y), xytext=(5, 3), textcoords="offset points",
                            fontsize=8, zorder=4)  # fmt: skip
    to_crs = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)
    for label, m_lat, m_lon in marks:
        x, y = to_crs.transform(m_lon, m_lat)
        ax.plot(x, y, marker="X", color="black", markersize=8, linestyle="", zorder=4)
        ax.annotate(label, (x, y), xytext=(5, -10), textcoords="offset points", fontsize=8)
    xs, ys = to_crs.transform([west, east, west, east], [south, south, north, north])
    ax.set_xlim(min(xs), max(xs))
    ax.set_ylim(min(ys), max(ys))
    as_of = getattr(layers, "as_of", None)
    when = f" on {as_of.isoformat()}" if isinstance(as_of, dt.date) else ""
    ax.set_title(f"Sites of the corpus by status{when} (azimuthal equidistant)")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax
