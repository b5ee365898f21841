"""Loaders for the curated CSV files of ``data/``, validated row by row.

Each loader reads one file with the csv module (UTF-8), checks its columns and every
row, and raises one :class:`~geo.errors.DataError` listing every problem with file and
line (``sites.csv:14: lat: 95.2 is out of range``), so a curator fixes them all in one
pass. Rows come back as frozen dataclasses; ``|`` separates list values in a cell.

Files: ``sites/*.csv`` (military sites: one table per country, plus the derived
``airfields.csv`` and ``mirta.csv``), ``countries.csv`` (GeoNames points and
news aliases), ``admin1.csv`` (first-order divisions), ``regions.csv`` (regions and
water bodies, multilingual) and ``demonyms.csv`` (adjectives and peoples' names).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geo.errors import DataError
from geo.io.resources import data_path
from geo.text.languages import codes
from geo.vocab import PRECISIONS, SITE_KIND_KEYS

#: Site kinds (:data:`geo.vocab.SITE_KINDS`).
SITE_KINDS = SITE_KIND_KEYS
REGION_KINDS = frozenset(
    {
        "region",
        "sea",
        "ocean",
        "strait",
        "gulf",
        "bay",
        "island",
        "archipelago",
        "peninsula",
        "continent_part",
        "mountain_range",
        "river",
        "lake",
        "desert",
        "union",
    }
)
#: The supported languages (one pack each in geo/text/languages).
LANGS: tuple[str, ...] = codes()


def split_list(cell: str | None) -> tuple[str, ...]:
    """Split a ``|``-separated cell into its stripped, non-empty parts."""
    if not cell:
        return ()
    return tuple(part.strip() for part in cell.split("|") if part.strip())


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One military site of ``data/sites/*.csv`` (or of a user's sites file).

    ``path`` and ``line`` say where it was read, so every message can name them.
    """

    id: str
    name: str
    local_name: str
    kind: str
    country: str
    admin_area: str
    operator: str
    lat: float | None
    lon: float | None
    coord_precision: str
    coord_source: str
    aliases: tuple[str, ...]
    former_names: tuple[str, ...]
    status: str
    confidence: str
    source_urls: tuple[str, ...]
    notes: str
    line: int
    path: str = ""


@dataclass(frozen=True, slots=True)
class CountryRow:
    """One country or territory with its GeoNames point (``data/countries.csv``)."""

    iso2: str
    iso3: str
    geonameid: int | None
    name: str
    lat: float | None
    lon: float | None
    population: int
    aliases: tuple[str, ...]
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Admin1Row:
    """One first-order administrative division (``data/admin1.csv``)."""

    geonameid: int | None
    country: str
    admin1_code: str
    name: str
    lat: float | None
    lon: float | None
    aliases: tuple[str, ...]
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One region or water body with names per language (``data/regions.csv``)."""

    id: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    country: str | None
    names: dict[str, tuple[str, ...]]
    aliases: tuple[str, ...]
    source: str
    line: int

    def all_names(self) -> Iterator[str]:
        """The display name, every language's forms and the aliases."""
        yield self.name
        for forms in self.names.values():
            yield from forms
        yield from self.aliases


@dataclass(frozen=True, slots=True)
class DemonymRow:
    """Adjectives and peoples' names of one place in one language (``data/demonyms.csv``)."""

    place_id: str
    lang: str
    forms: tuple[str, ...]
    source: str
    line: int


class _Rows:
    """Collects parse problems while converting the cells of one CSV file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.line = 0

    def problem(self, column: str, message: str) -> None:
        self.problems.append(f"{self.path}:{self.line}: {column}: {message}")

    def text(self, row: dict[str, str], column: str, *, required: bool = True) -> str:
        value = (row.get(column) or "").strip()
        if required and not value:
            self.problem(column, "is empty")
        return value

    def number(self, row: dict[str, str], column: str, low: float, high: float) -> float | None:
        raw = (row.get(column) or "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.problem(column, f"{raw!r} is not a number")
            return None
        if not low <= value <= high or value != value:
            self.problem(column, f"{raw} is out of range [{low}, {high}]")
            return None
        return value

    def integer(self, row: dict[str, str], column: str) -> int | None:
        raw = (row.get(column) or "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            self.problem(column, f"{raw!r} is not an integer")
            return None

    def iso2(self, row: dict[str, str], column: str, *, required: bool = True) -> str:
        value = self.text(row, column, required=required).upper()
        if value and (len(value) != 2 or not value.isalpha() or not value.isascii()):
            self.problem(column, f"{value!r} is not an ISO 3166-1 alpha-2 code")
        return value

    def point(self, row: dict[str, str]) -> tuple[float | None, float | None]:
        lat = self.number(row, "lat", -90.0, 90.0)
        lon = self.number(row, "lon", -180.0, 180.0)
        if (lat is None) != (lon is None):
            self.problem("lat/lon", "give both coordinates or neither")
            return None, None
        return lat, lon


def _read(
    path: Path,
    columns: Sequence[str],
    convert: Callable[[_Rows, dict[str, str]], Any],
    *,
    optional: frozenset[str] = frozenset(),
) -> list[Any]:
    """Read *path*, check the header has *columns*, convert each row; raise on problems."""
    if not path.is_file():
        msg = f"{path}: curated data file is missing"
        raise DataError(msg, problems=[msg])
    rows = _Rows(path)
    out: list[Any] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header and c not in optional]
            if missing:
                msg = f"{path}:1: missing columns {', '.join(missing)}"
                raise DataError(msg, problems=[msg])
            for record in reader:
                rows.line = reader.line_num
                if None in record:
                    rows.problem("row", "has more cells than the header")
                out.append(convert(rows, record))
    except UnicodeDecodeError as err:
        msg = f"{path}: not UTF-8 ({err.reason} at byte {err.start})"
        raise DataError(msg, problems=[msg]) from err
    except csv.Error as err:
        msg = f"{path}:{rows.line}: malformed CSV ({err})"
        raise DataError(msg, problems=[msg]) from err
    if rows.problems:
        msg = f"{path}: {len(rows.problems)} problem(s):\n" + "\n".join(rows.problems)
        raise DataError(msg, problems=rows.problems)
    return out


def _unique(path: Path, rows: Sequence[Any], key: Callable[[Any], object]) -> None:
    seen: dict[object, int] = {}
    problems = []
    for row in rows:
        k = key(row)
        if k in seen:
            problems.append(f"{path}:{row.line}: duplicate key {k!r} (first on line {seen[k]})")
        else:
            seen[k] = row.line
    if problems:
        msg = f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems)
        raise DataError(msg, problems=problems)


SITE_COLUMNS = (
    "id,name,local_name,kind,country,admin_area,operator,lat,lon,coord_precision,coord_source,"
    "aliases,former_names,status,confidence,source_urls,notes"
).split(",")
#: Columns a site file may leave out (files written before the column existed).
_OPTIONAL_SITE_COLUMNS = frozenset({"operator"})
#: Files of ``data/sites/`` that are not site tables.
SITE_SIDE_FILES = frozenset({"colocated.csv"})
_STATUSES = frozenset({"current", "former"})
_CONFIDENCES = frozenset({"high", "medium", "low"})
_PRECISIONS = frozenset(p.key for p in PRECISIONS)


def site_files(folder: Path | None = None) -> list[Path]:
    """The site tables of ``data/sites/`` (or *folder*), in name order."""
    folder = folder or data_path("sites")
    return sorted(p for p in folder.glob("*.csv") if p.name not in SITE_SIDE_FILES and p.is_file())


def load_sites(path: Path | None = None) -> list[SiteRow]:
    """Load and validate the site tables: ``data/sites/*.csv``, or one file or folder.

    Every row needs an id, a name, a kind of :data:`geo.vocab.SITE_KINDS`, a country and
    at least one http(s) source; a point needs its precision class and its source, and
    no point means no precision. Ids are unique across all files. Every problem of
    every file is reported at once in one :class:`~geo.errors.DataError` (``file:line:
    column: problem``).
    """
    path = path or data_path("sites")
    files = site_files(path) if path.is_dir() else [path]
    rows: list[SiteRow] = []
    problems: list[str] = []
    for file in files:
        try:
            rows.extend(_read(file, SITE_COLUMNS, _site_row, optional=_OPTIONAL_SITE_COLUMNS))
        except DataError as err:
            problems.extend(err.problems or [str(err)])
    seen: dict[str, SiteRow] = {}
    for row in rows:
        first = seen.get(row.id)
        if first is not None:
            problems.append(
                f"{row.path}:{row.line}: id: duplicate {row.id!r} "
                f"(first in {first.path}:{first.line})"
            )
        else:
            seen[row.id] = row
    if problems:
        msg = f"{len(problems)} problem(s) in the site tables:\n" + "\n".join(problems)
        raise DataError(msg, problems=problems)
    return rows


def _site_row(r: _Rows, row: dict[str, str]) -> SiteRow:
    kind = r.text(row, "kind")
    if kind and kind not in SITE_KINDS:
        r.problem("kind", f"{kind!r} is not one of {', '.join(sorted(SITE_KINDS))}")
    urls = split_list(row.get("source_urls"))
    if not any(u.startswith(("http://", "https://")) for u in urls):
        r.problem("source_urls", "needs at least one http(s) URL")
    lat, lon = r.point(row)
    precision = r.text(row, "coord_precision", required=False)
    if lat is not None and precision not in _PRECISIONS:
        r.problem(
            "coord_precision",
            f"{precision!r} is not one of {', '.join(sorted(_PRECISIONS))} (a point needs one)",
        )
    elif lat is None and precision:
        r.problem("coord_precision", "must be empty for a site without a point")
    status = r.text(row, "status", required=False) or "current"
    if status not in _STATUSES:
        r.problem("status", f"{status!r} is not current or former")
    confidence = r.text(row, "confidence", required=False)
    if confidence and confidence not in _CONFIDENCES:
        r.problem("confidence", f"{confidence!r} is not high, medium or low")
    return SiteRow(
        id=r.text(row, "id"),
        name=r.text(row, "name"),
        local_name=r.text(row, "local_name", required=False),
        kind=kind,
        country=r.iso2(row, "country"),
        admin_area=r.text(row, "admin_area", required=False),
        operator=r.text(row, "operator", required=False),
        lat=lat,
        lon=lon,
        coord_precision=precision,
        coord_source=r.text(row, "coord_source", required=lat is not None),
        aliases=split_list(row.get("aliases")),
        former_names=split_list(row.get("former_names")),
        status=status,
        confidence=confidence,
        source_urls=urls,
        notes=r.text(row, "notes", required=False),
        line=r.line,
        path=str(r.path),
    )


COUNTRY_COLUMNS = "iso2,iso3,geonameid,name,lat,lon,population,aliases,source".split(",")


def load_countries(path: Path | None = None) -> list[CountryRow]:
    """Load and validate ``countries.csv`` (GeoNames points of countries, news aliases)."""
    path = path or data_path("countries.csv")

    def convert(r: _Rows, row: dict[str, str]) -> CountryRow:
        lat, lon = r.point(row)
        return CountryRow(
            iso2=r.iso2(row, "iso2"),
            iso3=r.text(row, "iso3", required=False).upper(),
            geonameid=r.integer(row, "geonameid"),
            name=r.text(row, "name"),
            lat=lat,
            lon=lon,
            population=r.integer(row, "population") or 0,
            aliases=split_list(row.get("aliases")),
            source=r.text(row, "source"),
            line=r.line,
        )

    rows = _read(path, COUNTRY_COLUMNS, convert)
    _unique(path, rows, lambda c: c.iso2)
    return rows


ADMIN1_COLUMNS = "geonameid,country,admin1_code,name,lat,lon,aliases,source".split(",")


def load_admin1(path: Path | None = None) -> list[Admin1Row]:
    """Load and validate ``admin1.csv`` (states, provinces, regions of countries)."""
    path = path or data_path("admin1.csv")

    def convert(r: _Rows, row: dict[str, str]) -> Admin1Row:
        lat, lon = r.point(row)
        return Admin1Row(
            geonameid=r.integer(row, "geonameid"),
            country=r.iso2(row, "country"),
            admin1_code=r.text(row, "admin1_code"),
            name=r.text(row, "name"),
            lat=lat,
            lon=lon,
            aliases=split_list(row.get("aliases")),
            source=r.text(row, "source"),
            line=r.line,
        )

    rows = _read(path, ADMIN1_COLUMNS, convert)
    _unique(path, rows, lambda a: (a.country, a.admin1_code))
    return rows


REGION_COLUMNS = [
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "country",
    *(f"names_{lang}" for lang in LANGS),
    "aliases",
    "source",
]


def load_regions(path: Path | None = None) -> list[RegionRow]:
    """Load and validate ``regions.csv`` (regions and water bodies in eight languages)."""
    path = path or data_path("regions.csv")

    def convert(r: _Rows, row: dict[str, str]) -> RegionRow:
        kind = r.text(row, "kind")
        if kind and kind not in REGION_KINDS:
            r.problem("kind", f"{kind!r} is not one of {', '.join(sorted(REGION_KINDS))}")
        rid = r.text(row, "id")
        if rid and not rid.startswith("region:"):
            r.problem("id", f"{rid!r} must start with 'region:'")
        lat, lon = r.point(row)  # may be empty: recognised, named, but not drawn
        return RegionRow(
            id=rid,
            name=r.text(row, "name"),
            kind=kind,
            lat=lat,
            lon=lon,
            country=r.iso2(row, "country", required=False) or None,
            names={lang: split_list(row.get(f"names_{lang}")) for lang in LANGS},
            aliases=split_list(row.get("aliases")),
            source=r.text(row, "source"),
            line=r.line,
        )

    # A names column per language: a pack added after the file was curated has none yet.
    optional = frozenset(f"names_{lang}" for lang in LANGS)
    rows = _read(path, REGION_COLUMNS, convert, optional=optional)
    _unique(path, rows, lambda g: g.id)
    return rows


DEMONYM_COLUMNS = "place_id,lang,forms,source".split(",")


def load_demonyms(path: Path | None = None) -> list[DemonymRow]:
    """Load and validate ``demonyms.csv`` (adjectives such as Norwegian, dänischem)."""
    path = path or data_path("demonyms.csv")

    def convert(r: _Rows, row: dict[str, str]) -> DemonymRow:
        lang = r.text(row, "lang")
        if lang and lang not in LANGS:
            r.problem("lang", f"{lang!r} is not one of {', '.join(LANGS)}")
        forms = split_list(row.get("forms"))
        if not forms:
            r.problem("forms", "is empty")
        return DemonymRow(
            place_id=r.text(row, "place_id"),
            lang=lang,
            forms=forms,
            source=r.text(row, "source"),
            line=r.line,
        )

    return _read(path, DEMONYM_COLUMNS, convert)


@cache
def site_ids() -> frozenset[str]:
    """The ids of the site tables (cached): what agreements may reference."""
    return frozenset(s.id for s in load_sites())
