"""Layers from extracted mention records, in bounded memory (``--from-mentions``).

Why: a corpus of millions of articles is geoparsed once (``geo extract``, on one machine
or a Dask cluster) and mapped many times; parsing every document again for each map or
export would cost hours. :func:`build_layers_from_mentions` reads the records of ``geo
extract`` (JSON Lines, a Parquet file or a folder of Parquet parts) one batch at a time
and folds them into :class:`MentionAggregator`, which keeps per place only what the
layers show:

* counts (mentions by name, demonyms, documents), first and last dates;
* at most :data:`~geo.layers.schema.MAX_QUOTES` quotes per place and per site, chosen as
  :func:`geo.layers.build.build_layers` chooses them (the first mention of each document
  first, one per sentence), from at most twice that many kept candidates;
* the first :data:`MAX_DOCUMENT_ROWS` documents as rows of the documents layer, plus
  those a shown quote cites and those that date a place for the map's time control;
  the places' ``doc_ids`` list these, ``doc_count`` counts every document;
* the first :data:`MAX_MENTION_ROWS` rows of the ``mentions`` and ``unresolved`` tables,
  from those first documents (a map of millions of mention points would not open
  anyway; the counts above are complete).

A :class:`~geo.errors.GeoWarning` says when documents or rows were left out. Memory is
therefore bounded by the number of distinct places and by the two caps, not by the
number of documents or mentions (issue 14: 243,000 documents took 1.7 GB before the
cap). For corpora within the caps, the sites and places layers are those
:func:`build_layers` gives for the same documents (the seeds' are compared in
``tests/test_scale.py``), with one difference: the ``agreed_areas`` rule ("four agreed
military areas in Norway") reads the document text, which mention records do not carry,
so ``implied_count``/``implied_by`` are 0/empty, and the documents layer has no
agreement links and only the documents with at least one mention. Their titles, dates,
languages, outlets and URLs come from the Parquet records
(:data:`geo.models.DOCUMENT_FIELDS`), so a map built from Parquet parts has the time
control and the quotes' citations; JSON Lines records do not carry them.

Records must come in document order (all mentions of a document together), as ``geo
extract`` writes them.
"""

from __future__ import annotations

import datetime as dt
import warnings
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from geo.errors import DocumentError, GeoWarning
from geo.layers.build import (
    Named,
    _country_rows,
    _geo_frame,
    _geo_frame_of_columns,
    error_collector,
    load_user_registry,
    multipoints,
    place_row,
    reported,
    site_rows,
    sort_place_rows,
    with_user_sites,
)
from geo.layers.schema import COLUMNS, MAX_QUOTES, Layers, parse_as_of, points
from geo.layers.validate import validate_layers
from geo.link.rules import mention_id
from geo.models import DEMONYM, DOCUMENT_FIELDS, Place

if TYPE_CHECKING:
    from geo.gazetteer.query import Gazetteer
    from geo.io.mentions import MentionSlice
    from geo.registry.agreements import Registry

__all__ = [
    "MAX_DOCUMENT_ROWS",
    "MAX_MENTION_ROWS",
    "MentionAggregator",
    "QuoteTop",
    "aggregate_mentions",
    "build_layers_from_mentions",
]

#: Rows of the ``mentions`` and ``unresolved`` tables kept from mention records.
MAX_MENTION_ROWS = 200_000

#: Documents kept as rows of the documents layer from mention records: the first ones,
#: besides those a quote cites or that date a place (:meth:`MentionAggregator.retained`).
MAX_DOCUMENT_ROWS = 100_000


def _next_collection(kept: int, slack: int) -> int:
    """How many documents may be held before the next :meth:`MentionAggregator._collect`.

    A quarter more than are kept, plus *slack*: forgetting costs a pass over the kept
    documents and the places, paid for by the quarter more documents read since the
    last one, so its cost per document stays constant while memory stays within a
    quarter of what must be kept.
    """
    return kept + kept // 4 + slack


class QuoteTop:
    """The best *limit* quotes of one place, chosen while the mentions stream past.

    The rule of :func:`geo.layers.build._best_quotes` -- first mentions of each document
    first, then the others, never two from one sentence -- applied to a stream in
    bounded memory, and **mergeable**: two summaries of consecutive stretches of the
    stream (:meth:`merge`, as the Dask engine does with the partitions it aggregates)
    give exactly the quotes of one summary of the whole stream.

    What is kept: the first *limit* first-mentions and a count of all of them; the
    other mentions whose sentence is new in their document, in order, each with the
    index (among first-mentions) of its document's first mention when they share its
    sentence -- such a quote is dropped if, and only if, that first mention is chosen,
    which depends on how many first-mentions came before the stretch. Collection of the
    others stops once *limit* of them can never be dropped, so at most ``3 * limit``
    quotes are held, whatever the corpus size. A document's mentions must not be split
    between two merged stretches (``geo extract`` never splits them).
    """

    __slots__ = (
        "first_doc",
        "first_key",
        "firsts",
        "last_doc",
        "limit",
        "n_firsts",
        "n_sure",
        "rest",
        "seen",
    )

    def __init__(self, limit: int = MAX_QUOTES) -> None:
        self.limit = limit
        self.firsts: list[dict[str, Any]] = []
        self.n_firsts = 0  # first-mentions seen, kept or not
        # (quote, index of its document's first mention if in the same sentence, else -1)
        self.rest: list[tuple[dict[str, Any], int]] = []
        self.n_sure = 0  # entries of rest that no first mention can displace
        self.first_doc: str | None = None
        self.last_doc: str | None = None
        self.first_key = 0  # sentence of the current document's first mention
        self.seen: set[int] = set()  # sentences of the current document's other quotes

    def add(self, record: dict[str, Any]) -> None:
        """Consider the quote of one mention record (records in document order)."""
        doc = record["doc"]
        key = record["sentence_start"]
        if doc != self.last_doc:
            if self.first_doc is None:
                self.first_doc = doc
            self.last_doc = doc
            self.first_key = key
            self.seen = set()
            if len(self.firsts) < self.limit:
                self.firsts.append(_quote(record))
            self.n_firsts += 1
            return
        if self.n_sure >= self.limit or key in self.seen:
            return
        self.seen.add(key)
        shares = self.n_firsts - 1 if key == self.first_key else -1
        self._keep(_quote(record), shares)

    def _keep(self, quote: dict[str, Any], shares: int) -> None:
        self.rest.append((quote, shares))
        if shares < 0 or shares >= self.limit:
            self.n_sure += 1

    def merge(self, later: QuoteTop) -> None:
        """Append the summary of the stretch of records that came right after this one."""
        if later.first_doc is None:
            return
        if later.first_doc == self.last_doc:
            msg = (
                f"the mentions of document {later.first_doc!r} are split between two "
                "inputs; keep each document's records together"
            )
            raise ValueError(msg)
        if self.first_doc is None:
            self.first_doc = later.first_doc
        offset = self.n_firsts
        self.firsts.extend(later.firsts[: max(0, self.limit - len(self.firsts))])
        self.n_firsts += later.n_firsts
        for quote, shares in later.rest:
            if self.n_sure >= self.limit:
                break
            self._keep(quote, shares + offset if shares >= 0 else -1)
        self.last_doc, self.first_key, self.seen = later.last_doc, later.first_key, later.seen

    def quotes(self) -> list[dict[str, Any]]:
        """The chosen quotes, best first."""
        others = [q for q, shares in self.rest if not 0 <= shares < self.limit]
        return [*self.firsts, *others[: self.limit]][: self.limit]

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


@dataclass(slots=True)
class _PlaceSummary:
    """Everything kept about one place while records stream past."""

    record: dict[str, Any]  # the first record naming it (name, kind, country, point)
    names: int = 0
    demonyms: int = 0
    name_quotes: QuoteTop = field(default_factory=QuoteTop)
    all_quotes: QuoteTop = field(default_factory=QuoteTop)
    # how many documents name it (by name; by name or demonym), all of them counted
    name_docs: int = 0
    all_docs: int = 0
    # first and last dates of the documents naming it (by name; by name or demonym)
    name_dates: tuple[str | None, str | None] = (None, None)
    all_dates: tuple[str | None, str | None] = (None, None)
    # The documents the map's time control shows it by, always kept as rows: the first
    # of the earliest-dated ones (date, id) and the first undated one -- of the documents
    # that name a site, of those that name or denote another place.
    earliest: tuple[str, str] | None = None
    undated: str | None = None

    def merge(self, later: _PlaceSummary) -> None:
        """Fold in the summary of the same place over the records that came after."""
        self.names += later.names
        self.demonyms += later.demonyms
        self.name_quotes.merge(later.name_quotes)
        self.all_quotes.merge(later.all_quotes)
        self.name_docs += later.name_docs
        self.all_docs += later.all_docs
        self.name_dates = reported([*self.name_dates, *later.name_dates])
        self.all_dates = reported([*self.all_dates, *later.all_dates])
        if later.earliest is not None:
            self.dated(*later.earliest)
        if later.undated is not None:
            self.dated(None, later.undated)

    def dated(self, date: str | None, doc_id: str) -> None:
        """Note that document *doc_id*, of *date*, counts for the time control."""
        if date:
            if self.earliest is None or date < self.earliest[0]:
                self.earliest = (date, doc_id)
        elif self.undated is None:
            self.undated = doc_id


def _widen(span: tuple[str | None, str | None], date: str) -> tuple[str | None, str | None]:
    """*span* (first, last) widened to include *date* (as :func:`reported` orders dates)."""
    first, last = span
    if first is None or last is None:
        return date, date
    if date < first:
        return date, last
    return (first, date) if date > last else span


@dataclass(slots=True)
class _DocSummary:
    """What the documents layer keeps of one document: a few hundred bytes (issue 14).

    Only the documents that become rows are kept (:meth:`MentionAggregator.retained`),
    so this is small: the document's own id string, its number in the stream
    (``ordinal``), counts, its metadata as a tuple in :data:`DOCUMENT_FIELDS` order, its
    places (id -> named by name, not only by a demonym) in order of first mention, which
    give the places' ``doc_ids``, and its located points -- the place's id when the
    record's point is the place's summary point (nearly always), else the ``(lon, lat)``
    itself. The MultiPoint is made from these with the layer's columns
    (:meth:`MentionAggregator.document_columns`).
    """

    id: str
    ordinal: int
    mentions: int = 0
    unresolved: int = 0
    points: list[str | tuple[float, float]] = field(default_factory=list)
    places: dict[str, bool] = field(default_factory=dict)
    meta: tuple[Any, ...] | None = None  # DOCUMENT_FIELDS, when the records carry them

    def merge(self, later: _DocSummary) -> None:
        self.mentions += later.mentions
        self.unresolved += later.unresolved
        self.points.extend(p for p in later.points if p not in self.points)
        for place_id, by_name in later.places.items():
            self.places[place_id] = self.places.get(place_id, False) or by_name


class MentionAggregator:
    """Folds mention records into what the layers need, in bounded memory.

    Feed it with :meth:`add` in document order; :attr:`places`, the documents of
    :meth:`retained` and the capped :attr:`mention_rows`/:attr:`unresolved_rows` are
    then ready for :func:`build_layers_from_mentions`.

    Memory: per place, counts and at most ``6 * MAX_QUOTES`` quote candidates; the
    first *max_documents* documents (and the rows of their mentions, at most
    *max_rows*); beyond them, only the documents a kept quote cites or the time control
    needs (:meth:`_referenced`). Documents nothing refers to are forgotten as the stream
    goes on, whenever the kept ones have grown by a quarter.
    """

    def __init__(
        self,
        site_ids: Iterable[str],
        max_rows: int = MAX_MENTION_ROWS,
        *,
        keep_rows: tuple[int, int] | None = None,
        max_documents: int = MAX_DOCUMENT_ROWS,
        collect_slack: int = 10_000,
    ) -> None:
        self.site_ids = frozenset(site_ids)
        self.max_rows = max_rows
        self.max_documents = max_documents
        # How many mention and unresolved rows this aggregate stores (at most max_rows): a
        # Dask worker whose part comes after the tables are full sends none back.
        self.keep_mentions, self.keep_unresolved = keep_rows or (max_rows, max_rows)
        self.places: dict[str, _PlaceSummary] = {}
        # The documents seen and not yet forgotten, in stream order (see _collect).
        self.documents: dict[str, _DocSummary] = {}
        self.seen_documents = 0  # every document, kept or not (the next ordinal)
        # Rows as tuples in COLUMNS order (mentions without the geometry, made at the end
        # in one vectorised call): a tuple is a fifth of a dict's memory, 200,000 of them.
        self.mention_rows: list[tuple[Any, ...]] = []
        self.unresolved_rows: list[tuple[Any, ...]] = []
        self.dropped_rows = 0
        self.records = 0
        self.unresolved_records = 0  # all of them, in the table or not
        self._shared: dict[str, str] = {}
        self.collect_slack = collect_slack  # documents read between two collections, at least
        self._collect_at = _next_collection(max_documents, collect_slack)

    def add(self, record: dict[str, Any]) -> None:
        """Take one extract record (the fields of :data:`geo.models.RECORD_FIELDS`)."""
        self.records += 1
        doc = self.documents.get(record["doc"])
        if doc is None:
            if len(self.documents) >= self._collect_at:
                self._collect()  # before the new document: the others are complete
            doc = self.documents[record["doc"]] = _DocSummary(record["doc"], self.seen_documents)
            self.seen_documents += 1
            if DOCUMENT_FIELDS[0] in record:
                doc.meta = self._meta(record)
        doc_id = doc.id  # one string object per document, however many places share it
        rows = doc.ordinal < self.max_documents  # rows only of documents that are rows
        place_id = record["id"]
        if place_id is None:
            doc.unresolved += 1
            self.unresolved_records += 1
            if self._room(self.unresolved_rows, self.keep_unresolved, rows):
                self.unresolved_rows.append(tuple(record[k] for k in COLUMNS["unresolved"]))
            return
        doc.mentions += 1
        demonym = record["kind"] == DEMONYM
        summary = self.places.get(place_id)
        if summary is None:
            summary = self.places[place_id] = _PlaceSummary(record)
        lat, lon = record["lat"], record["lon"]
        if lat is not None and lon is not None:
            first = summary.record
            where: str | tuple[float, float] = (
                summary.record["id"] if first["lat"] == lat and first["lon"] == lon else (lon, lat)
            )
            if where not in doc.points:
                doc.points.append(where)
        summary.all_quotes.add(record)
        named_before = doc.places.get(place_id)
        date = record.get("doc_date")
        if named_before is None:  # the place's first record in this document
            doc.places[place_id] = not demonym
            summary.all_docs += 1
            if date:
                summary.all_dates = _widen(summary.all_dates, date)
            if place_id not in self.site_ids:
                summary.dated(date, doc_id)
        if demonym:
            summary.demonyms += 1
        else:
            summary.names += 1
            summary.name_quotes.add(record)
            if not named_before:  # the first record naming it here by name
                doc.places[place_id] = True
                summary.name_docs += 1
                if date:
                    summary.name_dates = _widen(summary.name_dates, date)
                if place_id in self.site_ids:
                    summary.dated(date, doc_id)
        if not self._room(self.mention_rows, self.keep_mentions, rows):
            return
        self.mention_rows.append(
            (  # _MENTION_FIELDS
                mention_id(doc_id, record["start"], record["end"]),
                doc_id,
                record["start"],
                record["end"],
                record["surface"],
                place_id,
                record["name"],
                record["kind"],
                record["country"],
                round(float(record["score"] or 0.0), 4),
                record["reason"],
                record["sentence"],
                record["sentence_start"],
                demonym,
                place_id in self.site_ids,
                lat is not None and lon is not None,
                lat,
                lon,
            )
        )

    def merge(self, later: MentionAggregator) -> None:
        """Fold in the aggregate of the records that came right after these.

        The result is what :meth:`add` would have made of both streams one after the
        other -- the same counts, quotes, rows, documents and orders -- so partitions can
        be aggregated apart (on Dask workers) and merged in order on the driver.
        Document ids must be unique across the two (``geo extract`` makes them so).
        """
        self.records += later.records
        self.unresolved_records += later.unresolved_records
        self._anchor_points(later)
        offset = self.seen_documents
        for doc in later.documents.values():
            doc.ordinal += offset
        self.seen_documents += later.seen_documents
        _merge_by_key(self.documents, later.documents)
        _merge_by_key(self.places, later.places)
        for rows, more, at in (
            (self.mention_rows, later.mention_rows, 1),
            (self.unresolved_rows, later.unresolved_rows, 0),
        ):
            # Rows of documents past the first max_documents (here, not in the part) go.
            keep = [r for r in more if self.documents[r[at]].ordinal < self.max_documents]
            room = max(0, self.max_rows - len(rows))
            rows.extend(keep[:room])
            self.dropped_rows += len(more) - min(room, len(keep))
        self.dropped_rows += later.dropped_rows
        if len(self.documents) >= self._collect_at:
            self._collect()

    def _anchor_points(self, later: MentionAggregator) -> None:
        """Spell out *later*'s document points that mean another point once merged.

        A document point stored as a place id means "that place's summary point", which
        after the merge is the point of the place's first record here. Where *later*
        saw the place at another point (records extracted with other corrections), its
        documents keep the coordinates themselves.
        """
        moved = {}
        for place_id, theirs in later.places.items():
            own = self.places.get(place_id)
            if own is not None:
                a, b = own.record, theirs.record
                if (a["lon"], a["lat"]) != (b["lon"], b["lat"]):
                    moved[place_id] = (b["lon"], b["lat"])
        if moved:
            for doc in later.documents.values():
                doc.points = [moved.get(p, p) if isinstance(p, str) else p for p in doc.points]

    def _room(self, rows: list[tuple[Any, ...]], cap: int, wanted: bool = True) -> bool:
        """Whether *rows* takes one more row (if *wanted*); counts it as dropped when not."""
        if wanted and len(rows) < cap:
            return True
        self.dropped_rows += 1
        return False

    def _referenced(self, *, final: bool) -> set[str]:
        """The documents past the first *max_documents* that must stay rows.

        Those a quote cites (*final*: the quotes the layers show; else every candidate
        that may still be chosen) and those that date a place for the map's time control
        (:attr:`_PlaceSummary.earliest`, :attr:`_PlaceSummary.undated`), so that a
        place's ``doc_ids`` always hold the document that shows it first.
        """
        out: set[str] = set()
        for place_id, s in self.places.items():
            if final:
                site = place_id in self.site_ids
                top = s.name_quotes if site or s.names else s.all_quotes
                out.update(q["doc"] for q in top.quotes())
            else:
                for top in (s.name_quotes, s.all_quotes):
                    out.update(q["doc"] for q in top.firsts)
                    out.update(q["doc"] for q, _ in top.rest)
            if s.earliest is not None:
                out.add(s.earliest[1])
            if s.undated is not None:
                out.add(s.undated)
        return out

    def _collect(self) -> None:
        """Forget the documents that can no longer become rows (bounds the memory)."""
        cited = self._referenced(final=False)
        cap = self.max_documents
        self.documents = {k: d for k, d in self.documents.items() if d.ordinal < cap or k in cited}
        self._collect_at = _next_collection(len(self.documents), self.collect_slack)

    def retained(self) -> list[_DocSummary]:
        """The documents that are rows of the documents layer, in stream order.

        The first *max_documents*, then those a shown quote cites or that date a place
        (:meth:`_referenced`). Each place's ``doc_ids`` lists the retained documents
        that name it; its ``doc_count`` counts them all.
        """
        cited = self._referenced(final=True)
        cap = self.max_documents
        return [d for k, d in self.documents.items() if d.ordinal < cap or k in cited]

    def _doc_lists(
        self, documents: Sequence[_DocSummary]
    ) -> dict[str, tuple[list[str], list[str]]]:
        """Each place's retained documents: (naming it by name, naming or denoting it)."""
        lists: dict[str, tuple[list[str], list[str]]] = {}
        for doc in documents:
            for place_id, by_name in doc.places.items():
                by, every = lists.setdefault(place_id, ([], []))
                every.append(doc.id)
                if by_name:
                    by.append(doc.id)
        return lists

    def named_sites(self, documents: Sequence[_DocSummary] | None = None) -> dict[str, Named]:
        """The sites' mentions by name (demonyms of a site do not count, as in build_layers).

        *documents* are :meth:`retained` (computed when not given).
        """
        lists = self._doc_lists(self.retained() if documents is None else documents)
        return {
            place_id: Named(
                s.names,
                s.name_quotes.quotes(),
                lists[place_id][0] if place_id in lists else [],
                s.name_dates,
                s.name_docs,
            )
            for place_id, s in self.places.items()
            if place_id in self.site_ids and s.names
        }

    def place_rows(
        self, gazetteer: Gazetteer | None, documents: Sequence[_DocSummary] | None = None
    ) -> list[dict[str, Any]]:
        """The rows of the places layer (every resolved place that is not a registry site).

        *documents* are :meth:`retained` (computed when not given).
        """
        lists = self._doc_lists(self.retained() if documents is None else documents)
        rows = []
        for place_id, s in self.places.items():
            if place_id in self.site_ids:
                continue
            quotes = (s.name_quotes if s.names else s.all_quotes).quotes()
            rows.append(
                place_row(
                    _place_of(place_id, s.record, gazetteer),
                    Named(s.names, quotes, [], s.all_dates),
                    demonyms=s.demonyms,
                    doc_ids=lists[place_id][1] if place_id in lists else [],
                    doc_count=s.all_docs,
                )
            )
        return sort_place_rows(rows)

    def document_columns(
        self, documents: Sequence[_DocSummary] | None = None
    ) -> dict[str, list[Any]]:
        """The documents layer as far as records tell it, column by column (COLUMNS order).

        One row per document of *documents* (:meth:`retained`, computed when not given):
        ids, counts, the MultiPoint of each document's places, and the titles, dates,
        languages, sources, outlets and URLs of the Parquet records'
        :data:`~geo.models.DOCUMENT_FIELDS` (JSON Lines records have none). Built as
        columns, not one dict per document.
        """
        docs = self.retained() if documents is None else documents
        coords = array("d")  # lon, lat, lon, lat, ... of every document in turn
        counts: list[int] = []
        for d in docs:
            here = self._points(d)
            for lon, lat in here:
                coords.extend((lon, lat))
            counts.append(len(here))
        blank = (None,) * len(DOCUMENT_FIELDS)
        meta = [d.meta or blank for d in docs]
        n = len(docs)
        columns: dict[str, list[Any]] = {"doc_id": [d.id for d in docs]}
        for i, field_name in enumerate(DOCUMENT_FIELDS):
            columns[field_name.removeprefix("doc_")] = [m[i] for m in meta]
        columns["n_mentions"] = [d.mentions for d in docs]
        columns["n_unresolved"] = [d.unresolved for d in docs]
        columns["agreements"] = [""] * n
        columns["link_reasons"] = ["{}"] * n
        columns["geometry"] = multipoints(coords, counts)
        return {c: columns[c] for c in COLUMNS["documents"]}

    def mention_columns(self) -> dict[str, list[Any]]:
        """The kept rows of the mentions layer, column by column (COLUMNS order).

        The points are made here, in one vectorised call: the rows hold coordinates only.
        """
        n = len(self.mention_rows)
        columns = (
            dict(zip(_MENTION_FIELDS, map(list, zip(*self.mention_rows, strict=True)), strict=True))
            if n
            else {c: [] for c in _MENTION_FIELDS}
        )
        columns["geometry"] = points(columns["lat"], columns["lon"])
        return columns

    def _points(self, doc: _DocSummary) -> list[tuple[float, float]]:
        """*doc*'s distinct ``(lon, lat)`` in order of first mention."""
        out: dict[tuple[float, float], None] = {}
        for where in doc.points:
            if isinstance(where, str):
                record = self.places[where].record
                out[(record["lon"], record["lat"])] = None
            else:
                out[where] = None
        return list(out)

    def _meta(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """The record's document fields; the few distinct languages, dates and outlets shared."""
        shared = self._shared
        return tuple(
            shared.setdefault(v, v) if f in _SHARED_FIELDS and isinstance(v, str) else v
            for f in DOCUMENT_FIELDS
            for v in (record.get(f),)
        )


#: The fields of a kept mention row: the mentions layer's columns but its geometry.
_MENTION_FIELDS = tuple(c for c in COLUMNS["mentions"] if c != "geometry")


#: Document fields with few distinct values, stored once per value (not per document).
_SHARED_FIELDS = frozenset({"doc_date", "doc_lang", "doc_outlet"})


_Summary = TypeVar("_Summary", "_DocSummary", "_PlaceSummary")


def _merge_by_key(mine: dict[str, _Summary], later: dict[str, _Summary]) -> None:
    """Fold *later*'s summaries into *mine*: new keys appended in order, others merged."""
    for key, summary in later.items():
        own = mine.get(key)
        if own is None:
            mine[key] = summary
        else:
            own.merge(summary)


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


def aggregate_mentions(
    sources: Sequence[Path | str | MentionSlice] | Path | str,
    site_ids: Iterable[str],
    *,
    max_rows: int = MAX_MENTION_ROWS,
    on_error: Callable[[DocumentError], None] | None = None,
    keep_rows: tuple[int, int] | None = None,
    max_documents: int = MAX_DOCUMENT_ROWS,
) -> MentionAggregator:
    """Fold the records of *sources* (mentions files or folders of parts) in this process.

    *keep_rows* caps the mention and unresolved rows stored, *max_documents* the
    documents kept as rows (see :class:`MentionAggregator`).
    """
    from geo.io.mentions import read_mention_records

    aggregator = MentionAggregator(
        site_ids, max_rows=max_rows, keep_rows=keep_rows, max_documents=max_documents
    )
    for record in read_mention_records(sources, on_error=on_error, documents=True):
        aggregator.add(record)
    return aggregator


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
    max_documents: int = MAX_DOCUMENT_ROWS,
    aggregate: Callable[..., MentionAggregator] | None = None,
) -> Layers:
    """The layers of :func:`geo.layers.build.build_layers`, from ``geo extract`` records.

    *sources* are JSON Lines files, Parquet files or folders of Parquet parts, read one
    batch at a time (:func:`geo.io.mentions.read_mention_records`). *as_of*,
    *agreements* and *sites* mean what they mean for ``build_layers`` (corrections were
    applied when the records were extracted). The gazetteer (loaded when not given)
    supplies each place's kind and source. See the module docstring for what differs
    from a build from documents, and for the memory bound.

    *aggregate* folds the records: :func:`aggregate_mentions` (this process) by default;
    ``functools.partial(geo.scale.engine.aggregate_dask, scheduler=..., workers=...)``
    aggregates them on a Dask cluster with the same result (``--engine dask``; passed
    in, because the layers stage does not import the engine above it). It is called as
    ``aggregate(sources, site_ids, max_rows=..., max_documents=..., on_error=...)``.

    *max_rows* caps the mentions and unresolved tables, *max_documents* the documents
    layer (a :class:`~geo.errors.GeoWarning` says what was left out); counts, quotes,
    dates and the sites and places layers are complete whatever the corpus size.
    """
    import pandas as pd

    date = parse_as_of(as_of)
    user_sites, registry = load_user_registry(sites, agreements, registry)
    errors, report = error_collector(on_error)
    if gazetteer is None:
        from geo.gazetteer.store import load_gazetteer

        gazetteer = load_gazetteer()
    gazetteer = with_user_sites(gazetteer, user_sites)
    site_ids = set(registry.site_ids())
    fold = aggregate or aggregate_mentions
    aggregator = fold(
        sources, site_ids, max_rows=max_rows, max_documents=max_documents, on_error=report
    )
    documents = aggregator.retained()
    dropped = aggregator.seen_documents - len(documents)
    if dropped > 0:
        warnings.warn(
            f"{dropped:,} documents beyond the first {max_documents:,} were left out of the "
            "documents layer and the places' doc_ids (except those quoted or dating a "
            "place; doc_count, mention counts, quotes and dates are complete)",
            GeoWarning,
            stacklevel=2,
        )
    if aggregator.dropped_rows:
        only = (
            f" and only those of the first {max_documents:,} documents"
            if aggregator.seen_documents > max_documents
            else ""
        )
        warnings.warn(
            f"{aggregator.dropped_rows:,} rows were left out of the mentions and unresolved "
            f"tables, which keep at most {max_rows:,} rows each{only} (counts and quotes "
            "are complete)",
            GeoWarning,
            stacklevel=2,
        )
    layers = Layers(
        sites=_geo_frame(
            site_rows(registry, date, aggregator.named_sites(documents), user_sites=user_sites),
            "sites",
        ),
        places=_geo_frame(aggregator.place_rows(gazetteer, documents), "places"),
        mentions=_geo_frame_of_columns(aggregator.mention_columns(), "mentions"),
        countries=_geo_frame(_country_rows(registry, date, gazetteer), "countries"),
        documents=_geo_frame_of_columns(aggregator.document_columns(documents), "documents"),
        unresolved=pd.DataFrame(aggregator.unresolved_rows, columns=list(COLUMNS["unresolved"])),
        links=[],
        registry=registry,
        as_of=date,
        errors=errors,
        user_sites=list(user_sites),
        unresolved_count=aggregator.unresolved_records,
    )
    validate_layers(layers)
    return layers
