"""The user's own sites: ``--sites FILE`` (CSV, YAML or GeoJSON) over the loaded gazetteer.

An analyst following an agreement the curated data does not cover (the Philippines'
EDCA sites, say) writes the sites in a file of their own with the schema of
``data/sites/*.csv`` (``docs/data.md``) and passes it with ``--sites FILE`` next to
``--agreements FILE``. Three forms are read, so the file can come from wherever the
analyst keeps it:

* **CSV** with the columns of ``data/sites/*.csv``; only ``id``, ``name``, ``kind``,
  ``country`` and ``source_urls`` are required, the rest may be left out.
* **YAML**: a list of mappings with the same keys (or ``{sites: [...]}``); list values
  may be YAML lists or ``|``-joined text.
* **GeoJSON**: a FeatureCollection of Point features whose ``properties`` carry the
  same keys; the point gives ``lat``/``lon`` (a feature with ``geometry: null`` is a site
  without a point).

Every file is validated in full with the curated rules (:func:`geo.gazetteer.sources.load_sites`)
and every problem of every file comes back in one :class:`~geo.errors.DataError`, each as
``file:line: field: problem``; an id the curated tables already use is refused with both
places named.

No index rebuild: :func:`overlay` returns a new :class:`~geo.gazetteer.query.Gazetteer`
sharing the loaded index's tables and adding the user's places and names on top (a few
hundred sites cost milliseconds; the curated index stays cached on disk as it was).
User sites rank like curated sites.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geo.errors import DataError
from geo.gazetteer.index import (
    _FLAG_BITS,
    _LANG_BITS,
    CURATED,
    PREFERRED,
    _as_tuple,
    _importance,
)
from geo.gazetteer.nametable import NameTable
from geo.gazetteer.query import Gazetteer, PlaceTable
from geo.gazetteer.sources import SITE_COLUMNS, SiteRow, _Rows, _site_row
from geo.models import Place

__all__ = ["USER_SITE_REQUIRED", "load_user_sites", "overlay", "site_row_dict"]

#: The columns a user's sites file must have; the others of ``SITE_COLUMNS`` are optional.
USER_SITE_REQUIRED = ("id", "name", "kind", "country", "source_urls")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

MAX_USER_FILE_BYTES = 16_000_000


def _cell(value: Any) -> str:
    """A YAML/JSON value as the text a CSV cell would hold (lists ``|``-joined)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "|".join(str(v).strip() for v in value if v is not None and str(v).strip())
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _check_record(
    rows: _Rows, record: dict[str, Any], where: str, *, given: Iterable[str]
) -> SiteRow | None:
    """One site record (cells as text) through the curated rules; ``None`` if unusable."""
    unknown = sorted(set(given) - set(SITE_COLUMNS))
    for key in unknown:
        rows.problem(f"{where}{key}", f"unknown field (known: {', '.join(SITE_COLUMNS)})")
    cells = {column: _cell(record.get(column)) for column in SITE_COLUMNS}
    before = len(rows.problems)
    row = _site_row(rows, cells)
    if row.id and not _ID_RE.match(row.id):
        rows.problem(f"{where}id", f"{row.id!r}: use lowercase letters, digits and '-'")
    if where:  # YAML/GeoJSON: say which record the field belongs to
        rows.problems[before:] = [
            p.replace(f":{rows.line}: ", f":{rows.line}: {where}", 1)
            if f":{rows.line}: {where}" not in p
            else p
            for p in rows.problems[before:]
        ]
    return row if row.id else None


def _read_csv(path: Path, rows: _Rows) -> list[SiteRow]:
    import csv

    out: list[SiteRow] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows.line = 1
        missing = [c for c in USER_SITE_REQUIRED if c not in header]
        for column in missing:
            rows.problem(column, "missing column (required: " + ", ".join(USER_SITE_REQUIRED) + ")")
        if missing:
            return out
        for record in reader:
            rows.line = reader.line_num
            if None in record:
                rows.problem("row", "has more cells than the header")
                record.pop(None, None)
            given = [k for k in record if k]
            clean = {k.strip(): v for k, v in record.items() if k}
            row = _check_record(rows, clean, "", given=[g.strip() for g in given])
            if row is not None:
                out.append(row)
    return out


def _read_yaml(path: Path, rows: _Rows) -> list[SiteRow]:
    from geo.io.safeyaml import load_with_lines

    data = load_with_lines(path.read_text(encoding="utf-8-sig"), str(path))
    if isinstance(data, dict) and "sites" in data:
        data = data["sites"]
    if not isinstance(data, list):
        rows.line = 1
        rows.problem("sites", "the file must be a list of sites (or have a 'sites:' list)")
        return []
    out: list[SiteRow] = []
    for i, item in enumerate(data):
        rows.line = getattr(item, "line", 1)
        if not isinstance(item, dict):
            rows.problem(f"sites[{i}]", "must be a mapping of the site's fields")
            continue
        row = _check_record(rows, item, f"sites[{i}].", given=[str(k) for k in item])
        if row is not None:
            out.append(row)
    return out


def _feature_lines(text: str, count: int) -> list[int]:
    """The line on which each feature of a GeoJSON text starts (best effort)."""
    starts = [m.start() for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
    out = [text.count("\n", 0, s) + 1 for s in starts]
    return (out + [1] * count)[:count]


def _read_geojson(path: Path, rows: _Rows) -> list[SiteRow]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except ValueError as err:
        rows.line = getattr(err, "lineno", 1)
        rows.problem("json", f"not valid JSON ({err})")
        return []
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        rows.line = 1
        rows.problem("features", "a GeoJSON FeatureCollection with a 'features' list is needed")
        return []
    lines = _feature_lines(text, len(features))
    out: list[SiteRow] = []
    for i, feature in enumerate(features):
        rows.line = lines[i]
        where = f"features[{i}]."
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            rows.problem(f"{where}properties", "every feature needs a properties mapping")
            continue
        record = dict(feature["properties"])
        geometry = feature.get("geometry")
        if geometry is not None:
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                rows.problem(f"{where}geometry", "must be a Point [lon, lat] or null")
                continue
            record["lon"], record["lat"] = coords[0], coords[1]
        row = _check_record(rows, record, f"{where}properties.", given=list(feature["properties"]))
        if row is not None:
            out.append(row)
    return out


def _read_one(path: Path, problems: list[str]) -> list[SiteRow]:
    rows = _Rows(path)
    suffix = path.suffix.lower()
    try:
        if not path.is_file():
            problems.append(f"{path}: no such sites file")
            return []
        if path.stat().st_size > MAX_USER_FILE_BYTES:
            problems.append(f"{path}: larger than {MAX_USER_FILE_BYTES:,} bytes")
            return []
        if suffix == ".csv":
            found = _read_csv(path, rows)
        elif suffix in (".yaml", ".yml"):
            found = _read_yaml(path, rows)
        elif suffix in (".geojson", ".json"):
            found = _read_geojson(path, rows)
        else:
            problems.append(f"{path}: a sites file is .csv, .yaml/.yml or .geojson")
            return []
    except UnicodeDecodeError as err:
        problems.append(f"{path}: not UTF-8 ({err.reason} at byte {err.start})")
        return []
    except DataError as err:  # malformed YAML: already file:line
        problems.extend(err.problems or [str(err)])
        return []
    except OSError as err:
        problems.append(f"{path}: cannot read ({err.strerror or err})")
        return []
    problems.extend(rows.problems)
    return found


def load_user_sites(
    paths: Sequence[Path | str], *, curated: Sequence[SiteRow] | None = None
) -> list[SiteRow]:
    """Read and validate the user's sites files; every problem reported at once.

    *curated* are the packaged sites (default :func:`geo.gazetteer.sources.load_sites`):
    an id one of them already has is a conflict, as is an id given twice by the user.
    Raises :class:`~geo.errors.DataError` whose ``problems`` name file, line and field.
    """
    if not paths:
        return []
    if curated is None:
        from geo.gazetteer.sources import load_sites

        curated = load_sites()
    problems: list[str] = []
    found: list[SiteRow] = []
    for path in paths:
        found.extend(_read_one(Path(path), problems))
    seen: dict[str, SiteRow] = {row.id: row for row in curated}
    for row in found:
        first = seen.get(row.id)
        if first is not None:
            problems.append(
                f"{row.path}:{row.line}: id: {row.id!r} is already a site "
                f"(defined in {first.path}:{first.line}); choose another id"
            )
        else:
            seen[row.id] = row
    if problems:
        count = len(problems)
        msg = f"{count} problem{'s' if count != 1 else ''} in the sites files:\n  " + "\n  ".join(
            problems
        )
        raise DataError(msg, problems=problems)
    return found


def site_place(row: SiteRow) -> Place:
    """The gazetteer place of one site row (as the index builder makes curated ones)."""
    return Place(
        id=row.id,
        name=row.name,
        kind=row.kind,
        country=row.country,
        lat=row.lat,
        lon=row.lon,
        source="; ".join(row.source_urls[:1]) or str(row.path),
        curated=True,
        precision=row.coord_precision or None,
    )


def overlay(base: Gazetteer, sites: Sequence[SiteRow]) -> Gazetteer:
    """A gazetteer answering everything *base* does, plus the user's *sites*.

    The base index is not rebuilt or modified: its columns are extended in a copy and
    the names of the new places are added to a copy of its name table, with the flags
    curated sites get (own names preferred, aliases and former names curated). Cost is
    one copy of the name table (about 0.1 s for the full index) whatever the number of
    sites.
    """
    if not sites:
        return base
    from geo.gazetteer.build import _Builder

    table = base.places
    offset = len(table)
    builder = _Builder()
    places = [site_place(row) for row in sites]
    for row, place in zip(sites, places, strict=True):
        idx = builder.add_place(place)
        builder.add_name(idx, row.name, flags=PREFERRED | CURATED)
        if row.local_name:
            builder.add_name(idx, row.local_name, flags=PREFERRED | CURATED)
        for alias in (*row.aliases, *row.former_names):
            builder.add_name(idx, alias, flags=CURATED)
    shift = _LANG_BITS + _FLAG_BITS
    laid: dict[str, int | tuple[int, ...]] = {}
    for key, per in builder.names.items():
        added = tuple(((offset + i) << shift) | packed for i, packed in per.items())
        old = base.names.get(key)
        merged = (*_as_tuple(old), *added) if old is not None else added
        laid[key] = merged[0] if len(merged) == 1 else merged
    # The base index's table is shared, not copied: the user's names are laid over it.
    names: Mapping[str, int | tuple[int, ...]] = (
        base.names.updated(laid) if isinstance(base.names, NameTable) else {**base.names, **laid}
    )
    exact = dict(base.exact)
    for key, forms in builder.exact.items():
        exact[key] = frozenset(exact.get(key, frozenset()) | forms)
    kinds = list(table._kinds)
    for place in places:
        if place.kind not in kinds:
            kinds.append(place.kind)
    nan = float("nan")
    tables: dict[str, Any] = {
        "ids": [*table._ids, *(p.id for p in places)],
        "pnames": [*table._names, *(p.name for p in places)],
        "kinds": kinds,
        "kind_codes": table._kind_codes + bytes(kinds.index(p.kind) for p in places),
        "countries": [*table._countries, *(p.country for p in places)],
        "lat": table._lat.tobytes()
        + array("d", [nan if p.lat is None else p.lat for p in places]).tobytes(),
        "lon": table._lon.tobytes()
        + array("d", [nan if p.lon is None else p.lon for p in places]).tobytes(),
        "pop": table._pop.tobytes() + array("q", [0] * len(places)).tobytes(),
        "admin1": [*table._admin1, *(None for _ in places)],
        "curated": table._curated + bytes(1 for _ in places),
        "capital": table._capital + bytes(len(places)),
        "importance": table._importance.tobytes()
        + array("d", [_importance(p) for p in places]).tobytes(),
        "sources": {**table._sources, **{offset + i: p.source for i, p in enumerate(places)}},
        "precision": {
            **table._precision,
            **{offset + i: p.precision for i, p in enumerate(places) if p.precision},
        },
    }
    gaz = Gazetteer(PlaceTable(tables), names, exact, base.demonyms)
    return gaz


def site_row_dict(row: SiteRow) -> dict[str, str]:
    """A site row as the cells of ``data/sites/*.csv`` (lists ``|``-joined)."""
    out: dict[str, str] = {}
    for column in SITE_COLUMNS:
        value = getattr(row, column)
        if isinstance(value, tuple):
            out[column] = "|".join(value)
        elif value is None:
            out[column] = ""
        else:
            out[column] = str(value)
    return out


def declared_ids(paths: Sequence[Path | str]) -> set[str]:
    """The ids the user's sites files declare, read leniently (no validation).

    When a sites file has problems, the agreements are still checked against the ids it
    declares, so one run reports the problems of both kinds of file at once instead of
    adding "unknown site id" for every site of a row with a typo elsewhere.
    """
    import csv

    ids: set[str] = set()
    for raw in paths:
        path = Path(raw)
        try:
            suffix = path.suffix.lower()
            text = path.read_text(encoding="utf-8-sig")
            if suffix == ".csv":
                ids.update((r.get("id") or "").strip() for r in csv.DictReader(text.splitlines()))
            elif suffix in (".yaml", ".yml"):
                from geo.io.safeyaml import load_with_lines

                data = load_with_lines(text, str(path))
                items = data.get("sites") if isinstance(data, dict) else data
                if isinstance(items, list):
                    ids.update(
                        str(i.get("id")) for i in items if isinstance(i, dict) and i.get("id")
                    )
            elif suffix in (".geojson", ".json"):
                data = json.loads(text)
                for feature in data.get("features", []) if isinstance(data, dict) else []:
                    props = feature.get("properties") if isinstance(feature, dict) else None
                    if isinstance(props, dict) and props.get("id"):
                        ids.add(str(props["id"]))
        except (OSError, UnicodeDecodeError, ValueError, DataError):
            continue
    ids.discard("")
    return ids
