"""Layers from extracted mention records, in bounded memory (``--from-mentions``).

Why: a corpus of millions of articles is geoparsed once (``geo extract``, on one machine
or a Dask cluster) and mapped many times; parsing every document again for each map or
export would cost hours. :func:`build_layers_from_mentions` reads the records of ``geo
extract`` (JSON Lines, a Parquet file or a folder of Parquet parts) one batch at a time
and folds them into :class:`MentionAggregator`, which keeps per place only what the
layers show:

* counts (mentions by name, demonyms), the documents that name it;
* at most :data:`~geo.layers.schema.MAX_QUOTES` quotes per place and per site, chosen as
  :func:`geo.layers.build.build_layers` chooses them (the first mention of each document
  first, one per sentence), from at most twice that many kept candidates;
* the first :data:`MAX_MENTION_ROWS` rows of the ``mentions`` and ``unresolved`` tables
  (a map of millions of mention points would not open anyway; the counts above are
  complete) — a :class:`~geo.errors.GeoWarning` says when rows were left out.

Memory is therefore bounded by the number of distinct places and documents, not by the
number of mentions. The sites and places layers are those :func:`build_layers` gives
for the same documents (the seeds' are compared in ``tests/test_scale.py``), with one
difference: the ``agreed_areas`` rule ("four agreed military areas in Norway") reads the
document text, which mention records do not carry, so ``implied_count``/``implied_by``
are 0/empty, and the documents layer has no agreement links and only the documents with
at least one mention (their titles, dates and outlets are not in the records).

Records must come in document order (all mentions of a document together), as ``geo
extract`` writes them.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import DocumentError, GeoWarning
from geo.layers.build import (
    Named,
    _country_rows,
    _geo_frame,
    error_collector,
    load_user_registry,
    place_row,
    site_rows,
    sort_place_rows,
    with_user_sites,
)
from geo.layers.schema import COLUMNS, MAX_QUOTES, Layers, parse_as_of, point
from geo.layers.validate import validate_layers
from geo.link.rules import mention_id
from geo.models import DEMONYM, Place

if TYPE_CHECKING:
    from geo.gazetteer.query import Gazetteer
    from geo.registry.agreements import Registry

__all__ = ["MAX_MENTION_ROWS", "MentionAggregator", "QuoteTop", "build_layers_from_mentions"]

#: Rows of the ``mentions`` and ``unresolved`` tables kept from mention records.
MAX_MENTION_ROWS = 200_000


class QuoteTop:
    """The best *limit* quotes of one place, chosen while the mentions stream past.

    The rule of :func:`geo.layers.build._best_quotes` — first mentions of each document
    first, then the others, never two from one sentence — needs only the first *limit*
    first-mentions and the first *limit* other mentions whose sentence is new: at most
    ``2 * limit`` quotes are ever held, whatever the corpus size.
    """

    __slots__ = ("firsts", "keys", "last_doc", "limit", "rest")

    def __init__(self, limit: int = MAX_QUOTES) -> None:
        self.limit = limit
        self.firsts: list[dict[str, Any]] = []
        self.rest: list[dict[str, Any]] = []
        self.keys: set[tuple[str, int]] = set()
        self.last_doc: str | None = None

    def add(self, record: dict[str, Any]) -> None:
        """Consider the quote of one mention record (records in document order)."""
        doc = record["doc"]
        key = (doc, record["sentence_start"])
        first = doc != self.last_doc
        self.last_doc = doc
        if first:
            if len(self.firsts) < self.limit:
                self.firsts.append(_quote(record))
                self.keys.add(key)
        elif len(self.rest) < self.limit and key not in self.keys:
            self.rest.append(_quote(record))
            self.keys.add(key)

    def quotes(self) -> list[dict[str, Any]]:
        """The chosen quotes, best first."""
        return [*self.firsts, *self.rest][: self.limit]

    def __len__(self) -> int:
        return len(self.firsts) + len(self.rest)


def _quote(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc": record["doc"],
        "sentence": record["sentence"],
        "start": record["start"],
        "end": record["end"],
        "surface": record["surface"],
    }


@dataclass
class _PlaceSummary:
    """Everything kept about one place while records stream past."""

    record: dict[str, Any]  # the first record naming it (name, kind, country, point)
    names: int = 0
    demonyms: int = 0
    name_quotes: QuoteTop = field(default_factory=QuoteTop)
    all_quotes: QuoteTop = field(default_factory=QuoteTop)
    name_docs: list[str] = field(default_factory=list)
    all_docs: list[str] = field(default_factory=list)


@dataclass
class _DocSummary:
    mentions: int = 0
    unresolved: int = 0
    points: dict[tuple[float, float], None] = field(default_factory=dict)


class MentionAggregator:
    """Folds mention records into what the layers need, in memory bounded per place.

    Feed it with :meth:`add` in document order; :attr:`places`, :attr:`documents` and
    the capped :attr:`mention_rows`/:attr:`unresolved_rows` are then ready for
    :func:`build_layers_from_mentions`.
    """

    def __init__(self, site_ids: Iterable[str], max_rows: int = MAX_MENTION_ROWS) -> None:
        self.site_ids = frozenset(site_ids)
        self.max_rows = max_rows
        self.places: dict[str, _PlaceSummary] = {}
        self.documents: dict[str, _DocSummary] = {}
        self.mention_rows: list[dict[str, Any]] = []
        self.unresolved_rows: list[dict[str, Any]] = []
        self.dropped_rows = 0
        self.records = 0

    def add(self, record: dict[str, Any]) -> None:
        """Take one extract record (the fields of :data:`geo.models.RECORD_FIELDS`)."""
        self.records += 1
        doc_id = record["doc"]
        doc = self.documents.get(doc_id)
        if doc is None:
            doc = self.documents[doc_id] = _DocSummary()
        place_id = record["id"]
        if place_id is None:
            doc.unresolved += 1
            self._row(
                self.unresolved_rows,
                {k: record[k] for k in ("doc", "start", "end", "surface", "sentence", "reason")},
            )
            return
        doc.mentions += 1
        lat, lon = record["lat"], record["lon"]
        if lat is not None and lon is not None:
            doc.points[(lon, lat)] = None
        demonym = record["kind"] == DEMONYM
        summary = self.places.get(place_id)
        if summary is None:
            summary = self.places[place_id] = _PlaceSummary(record)
        summary.all_quotes.add(record)
        if not summary.all_docs or summary.all_docs[-1] != doc_id:
            summary.all_docs.append(doc_id)
        if demonym:
            summary.demonyms += 1
        else:
            summary.names += 1
            summary.name_quotes.add(record)
            if not summary.name_docs or summary.name_docs[-1] != doc_id:
                summary.name_docs.append(doc_id)
        self._row(
            self.mention_rows,
            {
                "mention_id": mention_id(doc_id, record["start"], record["end"]),
                "doc": doc_id,
                "start": record["start"],
                "end": record["end"],
                "surface": record["surface"],
                "place_id": place_id,
                "name": record["name"],
                "kind": record["kind"],
                "country": record["country"],
                "score": round(float(record["score"] or 0.0), 4),
                "reason": record["reason"],
                "sentence": record["sentence"],
                "sentence_start": record["sentence_start"],
                "demonym": demonym,
                "is_site": place_id in self.site_ids,
                "has_point": lat is not None and lon is not None,
                "lat": lat,
                "lon": lon,
                "geometry": point(lat, lon),
            },
        )

    def _row(self, rows: list[dict[str, Any]], row: dict[str, Any]) -> None:
        if len(rows) < self.max_rows:
            rows.append(row)
        else:
            self.dropped_rows += 1

    def named_sites(self) -> dict[str, Named]:
        """The sites' mentions by name (demonyms of a site do not count, as in build_layers)."""
        return {
            place_id: Named(s.names, s.name_quotes.quotes(), s.name_docs)
            for place_id, s in self.places.items()
            if place_id in self.site_ids and s.names
        }

    def place_rows(self, gazetteer: Gazetteer | None) -> list[dict[str, Any]]:
        """The rows of the places layer (every resolved place that is not a registry site)."""
        rows = []
        for place_id, s in self.places.items():
            if place_id in self.site_ids:
                continue
            quotes = (s.name_quotes if s.names else s.all_quotes).quotes()
            rows.append(
                place_row(
                    _place_of(place_id, s.record, gazetteer),
                    Named(s.names, quotes, []),
                    demonyms=s.demonyms,
                    doc_ids=s.all_docs,
                )
            )
        return sort_place_rows(rows)

    def document_rows(self) -> list[dict[str, Any]]:
        """The documents layer as far as records tell it: ids, counts and points."""
        from shapely.geometry import MultiPoint

        return [
            {
                "doc_id": doc_id,
                "title": None,
                "date": None,
                "lang": None,
                "source": None,
                "outlet": None,
                "url": None,
                "n_mentions": d.mentions,
                "n_unresolved": d.unresolved,
                "agreements": "",
                "link_reasons": "{}",
                "geometry": MultiPoint(list(d.points)) if d.points else None,
            }
            for doc_id, d in self.documents.items()
        ]


def _place_of(place_id: str, record: dict[str, Any], gazetteer: Gazetteer | None) -> Place:
    """The gazetteer's place for *place_id* (kind and source included), else the record's."""
    if gazetteer is not None:
        place = gazetteer.get_place(place_id)
        if place is not None:
            return place
    kind = record["kind"]
    return Place(
        id=place_id,
        name=record["name"] or place_id,
        kind="unknown" if kind in (None, DEMONYM) else kind,
        country=record["country"],
        lat=record["lat"],
        lon=record["lon"],
    )


def build_layers_from_mentions(
    sources: Sequence[Path | str] | Path | str,
    *,
    as_of: str | dt.date | None = None,
    agreements: Sequence[Path | str] = (),
    sites: Sequence[Path | str] = (),
    gazetteer: Gazetteer | None = None,
    registry: Registry | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
    max_rows: int = MAX_MENTION_ROWS,
) -> Layers:
    """The layers of :func:`geo.layers.build.build_layers`, from ``geo extract`` records.

    *sources* are JSON Lines files, Parquet files or folders of Parquet parts, read one
    batch at a time (:func:`geo.io.mentions.read_mention_records`). *as_of*,
    *agreements* and *sites* mean what they mean for ``build_layers`` (corrections were
    applied when the records were extracted). The gazetteer (loaded when not given)
    supplies each place's kind and source. See the module docstring for what differs
    from a build from documents, and for the memory bound.
    """
    import pandas as pd

    from geo.io.mentions import read_mention_records

    date = parse_as_of(as_of)
    user_sites, registry = load_user_registry(sites, agreements, registry)
    errors, report = error_collector(on_error)
    if gazetteer is None:
        from geo.gazetteer.store import load_gazetteer

        gazetteer = load_gazetteer()
    gazetteer = with_user_sites(gazetteer, user_sites)
    site_ids = set(registry.site_ids())
    aggregator = MentionAggregator(site_ids, max_rows=max_rows)
    for record in read_mention_records(sources, on_error=report):
        aggregator.add(record)
    if aggregator.dropped_rows:
        warnings.warn(
            f"{aggregator.dropped_rows:,} mention rows beyond the first {max_rows:,} were left "
            "out of the mentions and unresolved tables (counts, quotes and documents are "
            "complete)",
            GeoWarning,
            stacklevel=2,
        )
    layers = Layers(
        sites=_geo_frame(
            site_rows(registry, date, aggregator.named_sites(), user_sites=user_sites), "sites"
        ),
        places=_geo_frame(aggregator.place_rows(gazetteer), "places"),
        mentions=_geo_frame(aggregator.mention_rows, "mentions"),
        countries=_geo_frame(_country_rows(registry, date, gazetteer), "countries"),
        documents=_geo_frame(aggregator.document_rows(), "documents"),
        unresolved=pd.DataFrame(aggregator.unresolved_rows, columns=list(COLUMNS["unresolved"])),
        links=[],
        registry=registry,
        as_of=date,
        errors=errors,
        user_sites=list(user_sites),
    )
    validate_layers(layers)
    return layers
