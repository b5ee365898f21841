"""Agreement layers: sites, places, mentions, countries and documents as GeoDataFrames.

:func:`build_layers` is the one call a notebook, the exporter and the map need: documents
(paths, :class:`~geo.models.Document` records or already parsed documents) in, the
geoparser and :func:`geo.link.rules.link_documents` run, and six tables out, checked by
:func:`geo.layers.validate.validate_layers` before they are returned::

    layers = geo.build_layers(["seeds/"], as_of="2022-06-01")
    layers.sites.query("named_in_corpus")

Every spatial layer is a GeoDataFrame in EPSG:4326 whose geometry is ``Point(lon, lat)``
(built by :func:`geo.layers.schema.point`, the one place that flips lat/lon to x/y), a
``MultiPoint`` for documents and a ``MultiPolygon`` for countries. Columns are documented in
``docs/data.md`` ("Layers and exports"). List-valued cells are JSON strings (``quotes``,
``doc_ids``, ``status_detail``) or comma-joined agreement ids, so every layer writes to
GeoPackage, GeoJSON, CSV and KML unchanged.

Sites the registry names but no source locates keep their row: ``geometry`` is empty
(``None``) and ``has_point`` is ``False``. They are never dropped: validation checks that
the flag and the geometry agree, and exports keep them as features without geometry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from geo.errors import ConfigurationError, DocumentError, GeoError
from geo.link.rules import Link, link_documents, mention_id
from geo.models import (
    Document,
    ParsedDocument,
    Place,
    Resolution,
    document_outlet,
)
from geo.registry.agreements import Agreement, Registry, load_registry
from geo.vocab import combine_status

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry import MultiPolygon

    from geo.gazetteer.query import Gazetteer
from geo.layers.schema import COLUMNS, CRS, MAX_QUOTES, Layers, parse_as_of, point
from geo.layers.validate import validate_layers

log = logging.getLogger("geo")

# Agreement statuses from least to most advanced for a site or country with several
# agreements: "ended" says more than "none" but less than any live stage.


def _parse_inputs(
    inputs: Any,
    gazetteer: Gazetteer | None,
    report: Callable[[DocumentError], None],
) -> list[ParsedDocument]:
    """Parsed documents from paths, Document records or ParsedDocuments."""
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    items = list(inputs)
    if not items:
        return []
    if all(isinstance(i, ParsedDocument) for i in items):
        return items
    from geo.parse.pipeline import geoparse

    if all(isinstance(i, Document) for i in items):
        documents: Iterable[Document] = items
    elif all(isinstance(i, str | Path) for i in items):
        from geo.io.documents import read_documents

        documents = read_documents(items, on_error=report)
    else:
        kinds = sorted({type(i).__name__ for i in items})
        msg = (
            "build_layers takes paths, Document records or ParsedDocuments, "
            f"not a mix of {', '.join(kinds)}"
        )
        raise ConfigurationError(msg)
    return list(geoparse(documents, gazetteer=gazetteer, on_error=report))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _quote(r: Resolution) -> dict[str, Any]:
    m = r.mention
    return {
        "doc": m.doc,
        "sentence": m.sentence,
        "start": m.start,
        "end": m.end,
        "surface": m.surface,
    }


def _best_quotes(
    resolutions: Sequence[Resolution], limit: int = MAX_QUOTES
) -> list[dict[str, Any]]:
    """Up to *limit* quotes: the first mention of each document first, one per sentence."""
    # The first mentions of *limit* documents are the answer whenever there are that
    # many: their sentences are in different documents, so none is skipped. Found
    # without reading the rest (a country named 10,000 times; issue 14).
    early: list[Resolution] = []
    docs: set[str] = set()
    for r in resolutions:
        if r.mention.doc not in docs:
            docs.add(r.mention.doc)
            early.append(r)
            if len(early) == limit:
                return [_quote(r) for r in early]
    firsts: list[Resolution] = []
    rest: list[Resolution] = []
    seen_docs: set[str] = set()
    for r in resolutions:
        (rest if r.mention.doc in seen_docs else firsts).append(r)
        seen_docs.add(r.mention.doc)
    out: list[dict[str, Any]] = []
    sentences: set[tuple[str, int]] = set()
    for r in [*firsts, *rest]:
        key = (r.mention.doc, r.mention.sentence_start)
        if key in sentences:
            continue
        sentences.add(key)
        out.append(_quote(r))
        if len(out) == limit:
            break
    return out


T = TypeVar("T")


def _unique(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))


def _advance(statuses: Iterable[str]) -> str:
    return combine_status(statuses)


def _event_date(events: Sequence[Any], kind: str) -> str | None:
    dates = sorted((e for e in events if e.type == kind), key=lambda e: e.effective_from)
    return dates[0].date if dates else None


def _instrument_for(agreement: Agreement, site_id: str) -> Any:
    """The instrument that brought *site_id* under *agreement* (itself or an amendment)."""
    if site_id in agreement.sites:
        return agreement.instrument
    for amendment in agreement.amendments:
        if site_id in amendment.sites:
            return amendment
    return agreement.instrument


def _min_date(values: Iterable[str | None]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=lambda v: (v + "-99-99")[:10]) if present else None


def _geo_frame_of_columns(columns: dict[str, list[Any]], layer: str) -> gpd.GeoDataFrame:
    """:func:`_geo_frame` of a layer given as columns (in :data:`COLUMNS` order)."""
    import geopandas as gpd

    if not columns["geometry"]:
        return _geo_frame([], layer)
    return gpd.GeoDataFrame(columns, columns=list(COLUMNS[layer]), geometry="geometry", crs=CRS)


def _geo_frame(rows: list[dict[str, Any]], layer: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    columns = COLUMNS[layer]
    frame = gpd.GeoDataFrame(rows or None, columns=list(columns), geometry="geometry", crs=CRS)
    if not rows:
        frame = gpd.GeoDataFrame(
            {c: [] for c in columns if c != "geometry"},
            geometry=gpd.GeoSeries([], crs=CRS),
            crs=CRS,
        )
    return frame


class Named(NamedTuple):
    """What the corpus says about one place: mentions, up to MAX_QUOTES quotes, documents.

    The sites and places layers are built from these, whether the mentions come from
    parsed documents (:func:`build_layers`) or from extracted mention records
    (:func:`geo.layers.aggregate.build_layers_from_mentions`).
    """

    mentions: int
    quotes: list[dict[str, Any]]
    doc_ids: list[str]
    #: The earliest and latest date of those documents (ISO, possibly partial), if dated.
    reported: tuple[str | None, str | None] = (None, None)
    #: How many documents name it, when *doc_ids* lists only some of them (a build from
    #: the mention records of a corpus larger than its documents layer); else their number.
    doc_count: int | None = None

    def documents(self) -> int:
        """How many documents name it (``doc_count``, else the length of ``doc_ids``)."""
        return len(self.doc_ids) if self.doc_count is None else self.doc_count


def reported(dates: Iterable[str | None]) -> tuple[str | None, str | None]:
    """The first and last of *dates* (ISO 8601, possibly partial), skipping unknown ones.

    ISO dates sort as text; a partial date sorts before the full dates it contains
    ("2022-02" < "2022-02-15"), which is what "first reported" should say of it.
    """
    known = [d for d in dates if d]
    return (min(known), max(known)) if known else (None, None)


def _site_rows(
    registry: Registry,
    as_of: dt.date,
    parsed: Sequence[ParsedDocument],
    links: Sequence[Link],
    user_sites: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    mentions: dict[str, list[Resolution]] = {}
    for doc in parsed:
        for r in doc.resolutions:
            if r.place is not None and not r.mention.demonym:
                mentions.setdefault(r.place.id, []).append(r)
    texts = {doc.document.id: doc.document.text for doc in parsed}
    dates = {doc.document.id: doc.document.date for doc in parsed}
    named = {}
    for site_id, found in mentions.items():
        doc_ids = _unique(r.mention.doc for r in found)
        reports = reported(dates.get(d) for d in doc_ids)
        named[site_id] = Named(len(found), _best_quotes(found), doc_ids, reports)
    return site_rows(registry, as_of, named, links, texts, user_sites)


def site_rows(
    registry: Registry,
    as_of: dt.date,
    named: Mapping[str, Named],
    links: Sequence[Link] = (),
    texts: Mapping[str, str] | None = None,
    user_sites: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """The rows of the sites layer: every registry site, with what the corpus says of it.

    *named* maps a site id to its (non-demonym) mentions; *links* and the document
    *texts* give the sites implied by count phrases (rule ``agreed_areas``).
    """
    from geo.gazetteer.sources import load_sites

    texts = texts or {}
    curated = {s.id: s for s in load_sites()}
    curated.update((s.id, s) for s in user_sites)
    implied: dict[str, list[Link]] = {}
    for link in links:
        if link.kind == "mention_site" and link.rule == "agreed_areas":
            implied.setdefault(link.target_id, []).append(link)

    site_order = _unique(s for a in registry for s in a.all_sites())
    rows: list[dict[str, Any]] = []
    for site_id in site_order:
        site = curated.get(site_id)
        agreements = registry.agreements_for_site(site_id)
        detail = []
        for agreement in agreements:
            instrument = _instrument_for(agreement, site_id)
            detail.append(
                {
                    "agreement": agreement.id,
                    "instrument": instrument.id,
                    "status": registry.site_status(site_id, agreement.id, as_of),
                    "signed": _event_date(instrument.events, "signed"),
                    "in_force": _event_date(instrument.events, "entered_into_force"),
                }
            )
        found = named.get(site_id) or Named(0, [], [])
        phrases = implied.get(site_id, [])
        implied_quotes = list(
            {
                (k.doc_id, k.start): {
                    "doc": k.doc_id,
                    "sentence": k.evidence_sentence,
                    "start": k.start,
                    "end": k.end,
                    "phrase": texts.get(k.doc_id, "")[k.start : k.end],
                }
                for k in phrases
            }.values()
        )
        lat = site.lat if site else None
        lon = site.lon if site else None
        rows.append(
            {
                "site_id": site_id,
                "name": site.name if site else site_id,
                "local_name": (site.local_name or None) if site else None,
                "kind": site.kind if site else "unknown",
                "country": site.country if site else None,
                "host": ",".join(_unique(a.host for a in agreements)),
                "partner": ",".join(_unique(a.partner for a in agreements)),
                "agreements": ",".join(a.id for a in agreements),
                "agreement_names": " | ".join(a.name for a in agreements),
                "status": _advance(d["status"] for d in detail),
                "status_detail": _json(detail),
                "signed": _min_date(d["signed"] for d in detail),
                "in_force": _min_date(d["in_force"] for d in detail),
                "added_by": ",".join(_unique(d["instrument"] for d in detail)),
                "mention_count": found.mentions,
                "named_in_corpus": bool(found.mentions),
                "implied_count": len({(k.doc_id, k.start) for k in phrases}),
                "in_corpus": bool(found.mentions or phrases),
                "quotes": _json(found.quotes),
                "implied_by": _json(implied_quotes[:MAX_QUOTES]),
                "doc_count": found.documents(),
                "doc_ids": _json(found.doc_ids),
                "first_reported": found.reported[0],
                "last_reported": found.reported[1],
                "coord_precision": (site.coord_precision or None) if site else None,
                "source_url": site.source_urls[0] if site and site.source_urls else None,
                "has_point": lat is not None and lon is not None,
                "lat": lat,
                "lon": lon,
                "geometry": point(lat, lon),
            }
        )
    return rows


def _place_rows(parsed: Sequence[ParsedDocument], site_ids: set[str]) -> list[dict[str, Any]]:
    dates = {doc.document.id: doc.document.date for doc in parsed}
    by_place: dict[str, list[Resolution]] = {}
    for doc in parsed:
        for r in doc.resolutions:
            if r.place is not None and r.place.id not in site_ids:
                by_place.setdefault(r.place.id, []).append(r)
    rows: list[dict[str, Any]] = []
    for found in by_place.values():
        p = found[0].place
        assert p is not None
        names = [r for r in found if not r.mention.demonym]
        doc_ids = _unique(r.mention.doc for r in found)
        reports = reported(map(dates.get, doc_ids))
        rows.append(
            place_row(
                p,
                Named(len(names), _best_quotes(names or found), [], reports),
                demonyms=len(found) - len(names),
                doc_ids=doc_ids,
            )
        )
    return sort_place_rows(rows)


def place_row(
    place: Place,
    named: Named,
    *,
    demonyms: int,
    doc_ids: list[str],
    doc_count: int | None = None,
) -> dict[str, Any]:
    """One row of the places layer: *named* counts the mentions by name (not demonyms).

    *named*'s quotes are those of the names, or of the demonyms when there is no name;
    *doc_ids* are the documents of both, and *named*'s ``reported`` their first and last
    dates. *doc_count* is how many documents that is, when *doc_ids* lists only some.
    """
    p = place
    return {
        "place_id": p.id,
        "name": p.name,
        "kind": p.kind,
        "country": p.country,
        "mention_count": named.mentions,
        "demonym_count": demonyms,
        "doc_count": len(doc_ids) if doc_count is None else doc_count,
        "doc_ids": _json(doc_ids),
        "first_reported": named.reported[0],
        "last_reported": named.reported[1],
        "quotes": _json(named.quotes),
        "source": p.source or None,
        "has_point": p.has_point,
        "lat": p.lat,
        "lon": p.lon,
        "geometry": point(p.lat, p.lon),
    }


def sort_place_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The places layer's order: most mentioned first, then by id."""
    rows.sort(
        key=lambda row: (-int(row["mention_count"]) - int(row["demonym_count"]), row["place_id"])
    )
    return rows


def _mention_columns(
    parsed: Sequence[ParsedDocument], site_ids: set[str]
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """The mentions layer as columns (in :data:`COLUMNS` order) and the unresolved rows.

    Built column by column: a dict per row, and pandas reading 113,000 of them back
    column by column, were a second of ``geo build`` on 20 MB (issue 14). What comes from
    the place (id, name, country, flag, point) is read once per place object. The values
    are those a row would hold, so the frame is the same.
    """
    own: list[tuple[Any, ...]] = []
    places: list[Place] = []
    unresolved: list[dict[str, Any]] = []
    for doc in parsed:
        for r in doc.resolutions:
            m, p = r.mention, r.place
            if p is None:
                unresolved.append(
                    {
                        "doc": m.doc,
                        "start": m.start,
                        "end": m.end,
                        "surface": m.surface,
                        "sentence": m.sentence,
                        "reason": r.reason,
                    }
                )
                continue
            own.append(
                (
                    m.doc,
                    m.start,
                    m.end,
                    m.surface,
                    r.kind,
                    r.score,
                    r.reason,
                    m.sentence,
                    m.sentence_start,
                    m.demonym,
                )
            )
            places.append(p)
    of_place: dict[int, tuple[Any, ...]] = {}
    for p in places:
        if id(p) not in of_place:
            of_place[id(p)] = (
                p.id,
                p.name,
                p.country,
                p.id in site_ids,
                p.has_point,
                p.lat,
                p.lon,
                point(p.lat, p.lon),
            )
    n = len(own)
    mine = [list(c) for c in zip(*own, strict=True)] if n else [[] for _ in range(10)]
    theirs = (
        [list(c) for c in zip(*(of_place[id(p)] for p in places), strict=True)]
        if n
        else [[] for _ in range(8)]
    )
    docs, starts, ends, surfaces, kinds, scores, reasons, sentences, offsets, demonyms = mine
    place_ids, names, countries, is_site, has_point, lats, lons, geometry = theirs
    columns = {
        "mention_id": list(map(mention_id, docs, starts, ends)),
        "doc": docs,
        "start": starts,
        "end": ends,
        "surface": surfaces,
        "place_id": place_ids,
        "name": names,
        "kind": kinds,
        "country": countries,
        "score": [round(float(score), 4) for score in scores],
        "reason": reasons,
        "sentence": sentences,
        "sentence_start": offsets,
        "demonym": demonyms,
        "is_site": is_site,
        "has_point": has_point,
        "lat": lats,
        "lon": lons,
        "geometry": geometry,
    }
    assert tuple(columns) == COLUMNS["mentions"]
    return columns, unresolved


def _country_name(iso2: str, gazetteer: Gazetteer | None) -> str:
    if gazetteer is not None:
        place = gazetteer.get_place(f"country:{iso2}")
        if place is not None:
            return place.name
    import pycountry

    country = pycountry.countries.get(alpha_2=iso2)
    if country is None:
        return iso2
    return str(getattr(country, "common_name", None) or country.name)


def _country_rows(
    registry: Registry, as_of: dt.date, gazetteer: Gazetteer | None
) -> list[dict[str, Any]]:
    from shapely.geometry import MultiPolygon, Polygon

    from geo.gazetteer import boundaries as basemap

    roles: dict[str, set[str]] = {}
    by_country: dict[str, list[Agreement]] = {}
    territory_of: dict[str, str] = {}
    for agreement in registry:
        parties = [("host", agreement.host), ("partner", agreement.partner)]
        if agreement.territory:
            parties.append(("host", agreement.territory))
            territory_of[agreement.territory] = agreement.host
        for role, iso2 in parties:
            roles.setdefault(iso2, set()).add(role)
            by_country.setdefault(iso2, [])
            if agreement not in by_country[iso2]:
                by_country[iso2].append(agreement)
    rows = []
    outlines = basemap.country_outlines(roles)
    for iso2 in sorted(roles):
        role = "both" if len(roles[iso2]) == 2 else next(iter(roles[iso2]))
        geom: MultiPolygon | None = None
        shape = outlines[iso2]
        if shape is not None:
            geom = MultiPolygon([shape]) if isinstance(shape, Polygon) else shape
        detail = {a.id: registry.status(a.id, as_of) for a in by_country[iso2]}
        rows.append(
            {
                "iso2": iso2,
                "name": _country_name(iso2, gazetteer),
                "role": role,
                "territory_of": territory_of.get(iso2),
                "agreements": ",".join(a.id for a in by_country[iso2]),
                "status": _advance(detail.values()),
                "status_detail": _json(detail),
                "has_polygon": geom is not None,
                "geometry": geom,
            }
        )
    return rows


def _document_rows(parsed: Sequence[ParsedDocument], links: Sequence[Link]) -> list[dict[str, Any]]:
    reasons: dict[str, dict[str, list[str]]] = {}
    for link in links:
        if link.kind == "document_agreement":
            per = reasons.setdefault(link.doc_id, {}).setdefault(link.target_id, [])
            if link.reason not in per:
                per.append(link.reason)
    # Each document's distinct (lon, lat), in order of first mention; all of them become
    # MultiPoints in one vectorised call after the loop (issue 14: one constructor per
    # document was most of this function). Same geometries as MultiPoint(coords).
    coords: list[tuple[float | None, float | None]] = []  # never None: has_point
    counts: list[int] = []
    rows = []
    for doc in parsed:
        d = doc.document
        here = _unique(
            (r.place.lon, r.place.lat)
            for r in doc.resolutions
            if r.place is not None and r.place.has_point
        )
        coords.extend(here)
        counts.append(len(here))
        resolved = sum(1 for r in doc.resolutions if r.place is not None)
        linked = reasons.get(d.id, {})
        rows.append(
            {
                "doc_id": d.id,
                "title": d.title,
                "date": d.date,
                "lang": doc.lang,
                "source": d.source,
                "outlet": document_outlet(d),
                "url": d.url,
                "n_mentions": resolved,
                "n_unresolved": len(doc.resolutions) - resolved,
                "agreements": ",".join(linked),
                "link_reasons": _json(linked),
                "geometry": None,
            }
        )
    for row, geom in zip(rows, multipoints(coords, counts), strict=True):
        row["geometry"] = geom
    return rows


def multipoints(coords: Sequence[Any], counts: Sequence[int]) -> list[Any]:
    """One MultiPoint per *counts* entry (``None`` for 0) over *coords* ``(lon, lat)`` in order.

    *coords* holds ``(lon, lat)`` pairs, or the same numbers flat (an ``array("d")``).

    Why: made in one vectorised call, not one constructor per document, which was most of
    the documents layer's time (issue 14). Same geometries as ``MultiPoint(coords)``.
    """
    import numpy as np
    import shapely

    out: list[Any] = [None] * len(counts)
    located = [i for i, n in enumerate(counts) if n]
    if located:
        points = np.asarray(coords, dtype=float).reshape(-1, 2)
        owner = np.repeat(np.arange(len(located)), [counts[i] for i in located])
        for i, geom in zip(located, shapely.multipoints(points, indices=owner), strict=True):
            out[i] = geom
    return out


def error_collector(
    on_error: Callable[[DocumentError], None] | None,
) -> tuple[list[DocumentError], Callable[[DocumentError], None]]:
    """A build's failed documents (for ``Layers.errors``) and the reporter that keeps them.

    Every failure also goes to *on_error*, or to the ``geo`` log when none is given, so a
    bad document is never dropped silently while the rest of the corpus goes on.
    """
    errors: list[DocumentError] = []

    def report(error: DocumentError) -> None:
        errors.append(error)
        if on_error is not None:
            on_error(error)
        else:
            log.warning("%s", error)

    return errors, report


def with_user_sites(gazetteer: Gazetteer, user_sites: Sequence[Any]) -> Gazetteer:
    """*gazetteer* with the user's sites laid over it (no index rebuild), or itself."""
    if not user_sites:
        return gazetteer
    from geo.gazetteer.usersites import overlay

    return overlay(gazetteer, user_sites)


def load_user_registry(
    sites: Sequence[Path | str],
    agreements: Sequence[Path | str],
    registry: Registry | None = None,
) -> tuple[list[Any], Registry]:
    """The user's sites and the registry with their agreements, checked together.

    Problems of the sites files and of the agreements files come back in one
    :class:`~geo.errors.DataError` (each ``file:line: field: problem``), so one run
    shows everything to fix. Agreements may name the user's sites.
    """
    from geo.errors import DataError

    problems: list[str] = []
    user_sites: list[Any] = []
    declared: set[str] = set()
    if sites:
        from geo.gazetteer.usersites import declared_ids, load_user_sites

        try:
            user_sites = load_user_sites([Path(p) for p in sites])
            declared = {row.id for row in user_sites}
        except DataError as err:
            problems.extend(err.problems or [str(err)])
            declared = declared_ids(sites)
    if registry is None:
        known: frozenset[str] | None = None
        if declared:
            from geo.registry.agreements import _default_site_ids

            known = _default_site_ids() | declared
        try:
            registry = load_registry([Path(p) for p in agreements], site_ids=known)
        except DataError as err:
            problems.extend(err.problems or [str(err)])
    if problems:
        count = len(problems)
        msg = f"{count} problem{'s' if count != 1 else ''} in your sites and agreements:\n  "
        raise DataError(msg + "\n  ".join(problems), problems=problems)
    assert registry is not None
    return user_sites, registry


def build_layers(
    inputs: Sequence[str | Path] | Iterable[Document] | Sequence[ParsedDocument] | str | Path,
    *,
    as_of: str | dt.date | None = None,
    agreements: Sequence[Path | str] = (),
    gazetteer: Gazetteer | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
    registry: Registry | None = None,
    sites: Sequence[Path | str] = (),
    corrections: Sequence[Path | str] = (),
    online: Any = None,
) -> Layers:
    """Geoparse *inputs*, link them to the registry and return the validated layers.

    *inputs* are paths (files, folders, ``"-"``), :class:`~geo.models.Document` records
    or parsed documents (then nothing is parsed again). *as_of* (default today) is the
    date statuses refer to; *agreements* are user registry files merged after the curated
    one (or pass a loaded *registry*); *sites* are the user's sites files (CSV, YAML or
    GeoJSON, :mod:`geo.gazetteer.usersites`), laid over the gazetteer without rebuilding
    it and usable by those agreements; *corrections* are corrections files
    (:mod:`geo.parse.corrections`) applied to every mention; *online* is an online
    geocoder (:class:`geo.gazetteer.online.OnlineGeocoder`) asked for the names still
    unresolved. Sites, registry and corrections are loaded first, so a malformed one
    raises :class:`~geo.errors.DataError` before any document is read. A document that
    fails is passed to *on_error* and kept in ``Layers.errors``; the rest goes on.
    Raises :class:`~geo.errors.LayerValidationError` if a layer is inconsistent (a bug)
    and :class:`~geo.errors.GeoError` if the Natural Earth assets were never fetched.
    """
    import pandas as pd

    date = parse_as_of(as_of)
    user_sites, registry = load_user_registry(sites, agreements, registry)
    errors, report = error_collector(on_error)
    needs_parsing = not (
        isinstance(inputs, Sequence)
        and not isinstance(inputs, str)
        and inputs
        and all(isinstance(i, ParsedDocument) for i in inputs)
    )
    if gazetteer is None and (needs_parsing or corrections):
        from geo.gazetteer.store import load_gazetteer

        gazetteer = load_gazetteer()
    if gazetteer is not None:
        gazetteer = with_user_sites(gazetteer, user_sites)
    fixes = []
    if corrections and gazetteer is not None:
        from geo.parse.corrections import load_corrections

        fixes = load_corrections(corrections, gazetteer)
    parsed = _parse_inputs(inputs, gazetteer, report)
    if online is not None:
        from geo.parse.corrections import resolve_online

        parsed = resolve_online(parsed, online)
    if fixes:
        from geo.parse.corrections import apply_corrections

        parsed = apply_corrections(parsed, fixes)
    ids = [p.document.id for p in parsed]
    if len(set(ids)) != len(ids):
        msg = "documents must have unique ids (read_documents renames duplicates)"
        raise ConfigurationError(msg)
    links = link_documents(parsed, registry)

    site_ids = set(registry.site_ids())
    mention_columns, unresolved_rows = _mention_columns(parsed, site_ids)
    try:
        country_rows = _country_rows(registry, date, gazetteer)
    except GeoError as err:
        msg = f"cannot build the countries layer: {err}"
        raise GeoError(msg) from err
    layers = Layers(
        sites=_geo_frame(_site_rows(registry, date, parsed, links, user_sites), "sites"),
        places=_geo_frame(_place_rows(parsed, site_ids), "places"),
        mentions=_geo_frame_of_columns(mention_columns, "mentions"),
        countries=_geo_frame(country_rows, "countries"),
        documents=_geo_frame(_document_rows(parsed, links), "documents"),
        unresolved=pd.DataFrame(unresolved_rows, columns=list(COLUMNS["unresolved"])),
        links=links,
        registry=registry,
        as_of=date,
        errors=errors,
        user_sites=list(user_sites),
    )
    validate_layers(layers)
    return layers
