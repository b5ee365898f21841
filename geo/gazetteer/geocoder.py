"""A geopy-compatible geocoder over the offline gazetteer.

``GazetteerGeocoder().geocode("Evenes")`` returns a :class:`geopy.location.Location`
whose ``raw`` is the gazetteer record (plus the score and the reason), so code written
for geopy works unchanged and offline, including
``geopandas.tools.geocode(["Evenes", "Thule"], provider=GazetteerGeocoder)``.

It copies geopy's *interface*, not its ``Geocoder`` base class: that class builds an
HTTP adapter, which an offline gazetteer has no use for.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from geopy.location import Location
from geopy.point import Point

from geo.errors import ConfigurationError
from geo.gazetteer.query import Gazetteer
from geo.gazetteer.store import load_gazetteer
from geo.models import Candidate


def location_of(candidate: Candidate) -> Location:
    """The geopy Location of a candidate; ``raw`` keeps the whole record and why."""
    place = candidate.place
    raw: dict[str, Any] = asdict(place)
    raw.update(score=candidate.score, reason=candidate.reason, matched=candidate.matched)
    address = place.name if not place.country else f"{place.name}, {place.country}"
    return Location(address, Point(place.lat, place.lon), raw)


class GazetteerGeocoder:
    """Offline forward (and nearest-place reverse) geocoding with geopy's call shapes.

    Parameters
    ----------
    gazetteer
        The gazetteer to use; the cached default when omitted.
    country
        Restrict answers to one country (ISO 3166-1 alpha-2), like geopy's
        ``country_codes``.
    **kwargs
        Accepted and ignored, so geopandas can pass its own options.
    """

    def __init__(
        self, gazetteer: Gazetteer | None = None, *, country: str | None = None, **kwargs: Any
    ) -> None:
        self.gazetteer = gazetteer or load_gazetteer()
        self.country = country

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        limit: int | None = None,
        country_codes: str | None = None,
        **kwargs: Any,
    ) -> Location | list[Location] | None:
        """Forward geocode *query*; ``None`` when the gazetteer has no such name.

        Only places with coordinates are returned (a curated site whose location no
        source gives cannot be geocoded).
        """
        country = country_codes or self.country
        try:
            found = self.gazetteer.candidates(str(query), country=country)
        except ConfigurationError:
            return None
        located = [c for c in found if c.place.has_point]
        if not located:
            return None
        if exactly_one:
            return location_of(located[0])
        return [location_of(c) for c in located[: limit or len(located)]]

    def reverse(
        self, query: Any, *, exactly_one: bool = True, kinds: tuple[str, ...] = ("city",)
    ) -> Location | list[Location] | None:
        """The nearest place(s) of the given kinds to a point (haversine over the index)."""
        import numpy as np

        point = Point(query)
        table = self.gazetteer.places
        lat, lon = table.coordinates()
        wanted = np.array([table.kind_at(i) in kinds for i in range(len(table))])
        with np.errstate(invalid="ignore"):
            p1, p2 = np.radians(point.latitude), np.radians(lat)
            dlat = p2 - p1
            dlon = np.radians(lon - point.longitude)
            h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
            dist = 2 * 6371.0 * np.arcsin(np.sqrt(h))
        dist[~wanted | np.isnan(dist)] = np.inf
        order = np.argsort(dist)[: 1 if exactly_one else 10]
        picks = [table[int(i)] for i in order if np.isfinite(dist[i])]
        if not picks:
            return None
        locs = [location_of(Candidate(p, 1.0, p.name, "nearest place")) for p in picks]
        return locs[0] if exactly_one else locs
