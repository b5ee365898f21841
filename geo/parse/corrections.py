"""The analyst's corrections: name -> place id or point, applied on every run.

The geoparser is right most of the time; when it is not (a name it could not place, a
*Georgia* that is the country in one article and the state in another), the analyst
writes the answer down once in a YAML file and passes it with ``--corrections FILE``
(``geo extract``, ``geo build``, ``geo export``; ``build_layers(corrections=...)`` in
Python). Every run applies it, so a correction never has to be made twice::

    corrections:
      - name: Basa                  # the name as the documents write it
        place: ph-basa              # a place id: the gazetteer's or one of your --sites
      - name: Pag-asa
        lat: 11.0514                # or a point of your own
        lon: 114.2833
        label: Pag-asa Island       # optional display name (default: the name)
        kind: island                # optional (default: place)
      - name: Georgia
        doc: 2016-edca-courts       # only in this document (its id)
        place: country:GE
      - name: Nordic Light
        place: null                 # not a place at all: the mention is dropped

Names match the way the gazetteer matches them (case, diacritics, hyphens folded:
:func:`geo.text.normalize.name_key`). A correction with ``doc`` wins over one without.
Each corrected mention keeps its offsets and sentence; its ``score`` is 1.0 and its
``reason`` says ``corrected by FILE:LINE``, so every output shows which answers are the
analyst's. Every problem of the file (unknown fields, an id the gazetteer does not know,
a point out of range, both a place and a point) is reported at once with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from geo.errors import DataError
from geo.gazetteer.query import Gazetteer
from geo.models import ParsedDocument, Place, Resolution
from geo.text.normalize import name_key

__all__ = ["Correction", "apply_corrections", "load_corrections"]

_FIELDS = ("name", "place", "lat", "lon", "label", "kind", "doc", "note")

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Correction:
    """One line of a corrections file: *name* (in *doc*, or anywhere) is *place*.

    ``place`` is ``None`` for "not a place" (the mention is dropped).
    """

    name: str
    key: str
    place: Place | None
    doc: str | None
    path: str
    line: int

    @property
    def where(self) -> str:
        """``file:line`` of the correction, quoted in the mention's reason."""
        return f"{self.path}:{self.line}"


def _number(value: object, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def load_corrections(paths: Sequence[Path | str], gazetteer: Gazetteer) -> list[Correction]:
    """Read and check corrections files against *gazetteer* (with the user's sites).

    Raises :class:`~geo.errors.DataError` listing every problem as ``file:line: field:
    problem``.
    """
    from geo.io.safeyaml import load_with_lines

    problems: list[str] = []
    out: list[Correction] = []
    for raw_path in paths:
        path = Path(raw_path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{path}: cannot read the corrections file ({err})")
            continue
        try:
            data = load_with_lines(text, str(path))
        except DataError as err:
            problems.extend(err.problems or [str(err)])
            continue
        items = data.get("corrections") if isinstance(data, dict) else data
        if not isinstance(items, list):
            problems.append(f"{path}:1: corrections: expected a list of corrections")
            continue
        for i, item in enumerate(items):
            line = getattr(item, "line", 1)
            where = f"{path}:{line}: corrections[{i}]"
            if not isinstance(item, dict):
                problems.append(f"{where}: must be a mapping with name and place (or lat/lon)")
                continue
            for key in item:
                if key not in _FIELDS:
                    problems.append(f"{where}.{key}: unknown field (known: {', '.join(_FIELDS)})")
            name = item.get("name")
            if not isinstance(name, str) or not name_key(name):
                problems.append(f"{where}.name: the name as the documents write it is required")
                continue
            doc = item.get("doc")
            if doc is not None and not isinstance(doc, str | int):
                problems.append(f"{where}.doc: a document id (text)")
                continue
            has_point = "lat" in item or "lon" in item
            place: Place | None = None
            if "place" in item and has_point:
                problems.append(f"{where}: give a place id or lat/lon, not both")
                continue
            if has_point:
                lat = _number(item.get("lat"), -90, 90)
                lon = _number(item.get("lon"), -180, 180)
                if lat is None or lon is None:
                    problems.append(f"{where}.lat/lon: both needed, within ±90 and ±180")
                    continue
                label = item.get("label")
                kind = item.get("kind")
                slug = _SLUG.sub("-", name_key(name)).strip("-") or "place"
                place = Place(
                    id=f"correction:{slug}",
                    name=str(label) if label else name,
                    kind=str(kind) if kind else "place",
                    country=None,
                    lat=lat,
                    lon=lon,
                    source=f"{path}:{line}",
                    curated=True,
                    precision="locality",
                )
            elif "place" not in item:
                problems.append(f"{where}.place: a place id, null (not a place) or lat/lon")
                continue
            elif item["place"] is not None:
                found = gazetteer.get_place(str(item["place"]))
                if found is None:
                    problems.append(
                        f"{where}.place: no place has the id {item['place']!r} "
                        "(geo resolve NAME --json shows ids; your --sites ids count too)"
                    )
                    continue
                place = found
            out.append(
                Correction(
                    name=name,
                    key=name_key(name),
                    place=place,
                    doc=str(doc) if doc is not None else None,
                    path=str(path),
                    line=line,
                )
            )
    if problems:
        count = len(problems)
        msg = f"{count} problem{'s' if count != 1 else ''} in the corrections:\n  " + (
            "\n  ".join(problems)
        )
        raise DataError(msg, problems=problems)
    return out


def _correct(r: Resolution, c: Correction) -> Resolution | None:
    if c.place is None:
        return None
    before = r.place.id if r.place is not None else "unresolved"
    reason = f"corrected by {c.where} ({c.name} → {c.place.id}; was {before})"
    return replace(r, place=c.place, score=1.0, reason=reason)


def apply_corrections(
    parsed: Iterable[ParsedDocument], corrections: Sequence[Correction]
) -> list[ParsedDocument]:
    """Every document with its mentions corrected (dropped where the place is ``None``)."""
    docs = list(parsed)
    if not corrections:
        return docs
    anywhere: dict[str, Correction] = {}
    per_doc: dict[tuple[str, str], Correction] = {}
    for item in corrections:
        if item.doc is None:
            anywhere.setdefault(item.key, item)
        else:
            per_doc.setdefault((item.doc, item.key), item)
    out: list[ParsedDocument] = []
    for doc in docs:
        changed = False
        kept: list[Resolution] = []
        for r in doc.resolutions:
            key = name_key(r.mention.surface)
            c: Correction | None = per_doc.get((doc.document.id, key)) or anywhere.get(key)
            if c is None:
                kept.append(r)
                continue
            changed = True
            fixed = _correct(r, c)
            if fixed is not None:
                kept.append(fixed)
        out.append(replace(doc, resolutions=tuple(kept)) if changed else doc)
    return out


def place_from_location(location: object, query: str) -> Place | None:
    """A :class:`~geo.models.Place` from a geopy ``Location`` of the online geocoder."""
    lat = getattr(location, "latitude", None)
    lon = getattr(location, "longitude", None)
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    raw = getattr(location, "raw", None)
    raw = raw if isinstance(raw, dict) else {}
    ident = f"nominatim:{raw.get('osm_type', 'x')}/{raw.get('osm_id', raw.get('place_id'))}"
    address = getattr(location, "address", None)
    name = str(address).split(",")[0].strip() if address else query
    return Place(
        id=ident,
        name=name or query,
        kind=str(raw.get("type") or raw.get("class") or "place"),
        country=None,
        lat=float(lat),
        lon=float(lon),
        source=f"Nominatim (online, cached): {address or query}",
    )


def resolve_online(
    parsed: Iterable[ParsedDocument], geocoder: object, *, limit: int = 200
) -> list[ParsedDocument]:
    """Ask the online geocoder (``--online``) for the names the gazetteer left unresolved.

    Each distinct name is asked once (the geocoder caches answers on disk and waits a
    second between requests), at most *limit* names per run so a large corpus never
    turns into bulk geocoding. A found name becomes a place with the reason ``online:
    Nominatim (cached)``; names it does not know stay unresolved. Errors of the service
    propagate (:class:`geo.gazetteer.online.OnlineGeocoderError`): the CLI reports them.
    """
    docs = list(parsed)
    names: dict[str, Place | None] = {}
    for doc in docs:
        for r in doc.resolutions:
            if r.place is None and r.mention.surface not in names and len(names) < limit:
                names[r.mention.surface] = None
    for name in list(names):
        found = geocoder.geocode(name)  # type: ignore[attr-defined]
        names[name] = place_from_location(found, name) if found is not None else None
    out: list[ParsedDocument] = []
    for doc in docs:
        resolutions = tuple(
            replace(
                r,
                place=names[r.mention.surface],
                score=0.5,
                reason="online: Nominatim (cached) answered for a name the gazetteer lacks",
            )
            if r.place is None and names.get(r.mention.surface) is not None
            else r
            for r in doc.resolutions
        )
        out.append(replace(doc, resolutions=resolutions))
    return out
