"""The layer schema: the six layers, their columns, id columns and geometry types, in one place.

The builder (:mod:`geo.layers.build`), the validator (:mod:`geo.layers.validate`), the
exports and the tests all read :data:`COLUMNS`; ``docs/data.md`` documents them. Every
spatial layer is in :data:`CRS` (EPSG:4326) and its points are made by :func:`point`, the
one place that turns (lat, lon) into shapely's (x=lon, y=lat).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geo.errors import ConfigurationError, DocumentError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from geo.link.rules import Link
    from geo.registry.agreements import Registry


CRS = "EPSG:4326"

MAX_QUOTES = 5

LAYER_NAMES = ("sites", "places", "mentions", "countries", "documents", "unresolved")

#: The columns of every layer, in order (``geometry`` last in spatial layers).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": (
        "site_id",
        "name",
        "local_name",
        "kind",
        "country",
        "host",
        "partner",
        "agreements",
        "agreement_names",
        "status",
        "status_detail",
        "signed",
        "in_force",
        "added_by",
        "mention_count",
        "named_in_corpus",
        "implied_count",
        "in_corpus",
        "quotes",
        "implied_by",
        "doc_count",
        "doc_ids",
        "first_reported",
        "last_reported",
        "coord_precision",
        "source_url",
        "has_point",
        "lat",
        "lon",
        "geometry",
    ),
    "places": (
        "place_id",
        "name",
        "kind",
        "country",
        "mention_count",
        "demonym_count",
        "doc_count",
        "doc_ids",
        "first_reported",
        "last_reported",
        "quotes",
        "source",
        "has_point",
        "lat",
        "lon",
        "geometry",
    ),
    "mentions": (
        "mention_id",
        "doc",
        "start",
        "end",
        "surface",
        "place_id",
        "name",
        "kind",
        "country",
        "score",
        "reason",
        "sentence",
        "sentence_start",
        "demonym",
        "is_site",
        "has_point",
        "lat",
        "lon",
        "geometry",
    ),
    "countries": (
        "iso2",
        "name",
        "role",
        "territory_of",
        "agreements",
        "status",
        "status_detail",
        "has_polygon",
        "geometry",
    ),
    "documents": (
        "doc_id",
        "title",
        "date",
        "lang",
        "source",
        "outlet",
        "url",
        "n_mentions",
        "n_unresolved",
        "agreements",
        "link_reasons",
        "geometry",
    ),
    "unresolved": ("doc", "start", "end", "surface", "sentence", "reason"),
}

ID_COLUMNS = {
    "sites": "site_id",
    "places": "place_id",
    "mentions": "mention_id",
    "countries": "iso2",
    "documents": "doc_id",
}

GEOMETRY_TYPES = {
    "sites": "Point",
    "places": "Point",
    "mentions": "Point",
    "countries": "MultiPolygon",
    "documents": "MultiPoint",
}


def point(lat: float | None, lon: float | None) -> Point | None:
    """``Point(lon, lat)``: records say (lat, lon), shapely and GIS files (x=lon, y=lat).

    Every point geometry of the layers is made here, so the flip happens in one place.
    ``None`` when either coordinate is missing (a site no source locates).
    """
    if lat is None or lon is None:
        return None
    return _point(float(lon), float(lat))


def points(lats: Sequence[float | None], lons: Sequence[float | None]) -> list[Any]:
    """``point(lat, lon)`` of each pair, made in one vectorised call (None where unlocated).

    For columns of many rows (stage 2's kept mentions): one shapely call, not a
    constructor per row. Same geometries as :func:`point`.
    """
    import shapely

    out: list[Any] = [None] * len(lats)
    located = [
        (i, lon, lat)
        for i, (lat, lon) in enumerate(zip(lats, lons, strict=True))
        if lat is not None and lon is not None
    ]
    if located:
        index, x, y = zip(*located, strict=True)
        for i, geom in zip(index, shapely.points(x, y), strict=True):
            out[i] = geom
    return out


@functools.lru_cache(maxsize=65_536)
def _point(x: float, y: float) -> Point:
    """One shared, immutable shapely point per coordinate pair.

    A corpus names the same places again and again, and making a shapely ``Point`` costs
    about ten microseconds: a 20 MB corpus has 100,000 mentions of a few thousand places
    (issue 14). Shapely 2 geometries cannot be modified, so rows may share one.
    """
    from shapely.geometry import Point

    return Point(x, y)


def parse_as_of(value: str | dt.date | None) -> dt.date:
    """The status date: a ``date``, an ISO ``YYYY-MM-DD`` string, or today for ``None``.

    Raises :class:`~geo.errors.ConfigurationError` (a usage error) for anything else.
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"--as-of must be a date as YYYY-MM-DD, not {value!r}"
        raise ConfigurationError(msg) from None


@dataclass
class Layers:
    """The layers of one corpus at one date, with what they were built from.

    ``links`` are every link with its evidence (:class:`geo.link.rules.Link`), ``errors``
    the documents that could not be read or parsed (and reading warnings), ``as_of`` the
    date statuses refer to.
    """

    sites: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    mentions: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    documents: gpd.GeoDataFrame
    unresolved: pd.DataFrame
    links: list[Link] = field(default_factory=list)
    registry: Registry | None = None
    as_of: dt.date = field(default_factory=dt.date.today)
    errors: list[DocumentError] = field(default_factory=list)
    #: The user's own sites (``--sites``) the layers were built with (``SiteRow``s).
    user_sites: list[Any] = field(default_factory=list)
    #: How many names stayed unresolved, when ``unresolved`` holds only some of them (a
    #: build from mention records caps its tables); ``None``: ``unresolved`` holds all.
    unresolved_count: int | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        """The six layers by name, in :data:`LAYER_NAMES` order (what exports write)."""
        return {name: getattr(self, name) for name in LAYER_NAMES}

    def links_frame(self) -> pd.DataFrame:
        """The links as a plain table, one row per link (for notebooks)."""
        import pandas as pd

        columns = (
            "kind",
            "source_id",
            "target_id",
            "rule",
            "doc_id",
            "start",
            "end",
            "reason",
            "evidence_sentence",
        )
        rows = [{c: getattr(k, c) for c in columns} for k in self.links]
        return pd.DataFrame(rows, columns=list(columns))
