"""The records that flow between the stages of ``geo``.

documents → :class:`Mention` (offsets and sentence) → :class:`Resolution` (a
:class:`Place`, its score and the reason) → agreement links → layers. Every record is a
frozen, slotted dataclass: cheap to create by the hundred thousand, safe to share, and
carrying its provenance (``Place.source``, ``Resolution.reason``) so a reader can always
ask *why*.

Coordinates are (lat, lon) in records and in geopy, (x=lon, y=lat) in shapely; the one
place that converts is :func:`geo.layers.schema.point`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The fields of one mention record, in order: ``geo extract``'s JSON Lines and CSV, the
# notebook's mention table.
RECORD_FIELDS = (
    "doc",
    "start",
    "end",
    "surface",
    "id",
    "name",
    "kind",
    "country",
    "lat",
    "lon",
    "score",
    "reason",
    "precision",
    "sentence",
    "sentence_start",
    "sentence_full_start",
    "sentence_full_end",
)

#: Columns of Parquet mention records that carry their document's metadata: the fields
#: of the documents layer, repeated on each of its mentions (Parquet stores a repeated
#: value once per page), so a map built ``--from-mentions`` has the articles' titles,
#: dates and outlets -- the time control and the quotes' citations.
DOCUMENT_FIELDS = ("doc_title", "doc_date", "doc_lang", "doc_source", "doc_outlet", "doc_url")

# Kinds a Place can have. Curated sites use the finer military kinds of data/sites.csv.
DEMONYM = "demonym"
# Mentions of these kinds are kept and reported but are not places on a map: a people
# ("Norwegian") or a union of states ("EU-Mitglied").
NON_PLACE_KINDS = frozenset({DEMONYM, "union"})


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer record.

    ``id`` is stable across index builds: curated rows keep their own id (``no-evenes``,
    ``region:arctic``), the rest are prefixed by their source (``country:DK``,
    ``geonames:2618425``, ``icao:ENEV``). ``country`` is ISO 3166-1 alpha-2 or ``None``
    for places that span countries. ``lat``/``lon`` are ``None`` only for curated sites
    whose location no source gives.
    """

    id: str
    name: str
    kind: str
    country: str | None
    lat: float | None
    lon: float | None
    population: int = 0
    source: str = ""
    admin1: str | None = None
    curated: bool = False
    precision: str | None = None
    capital: bool = False

    @property
    def has_point(self) -> bool:
        """Whether the place can be drawn."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place a name may refer to, with how well it fits and why."""

    place: Place
    score: float
    matched: str
    reason: str


@dataclass(frozen=True, slots=True)
class Document:
    """One input text with its metadata.

    ``source`` says where it came from (a path, ``corpus.jsonl:12`` or ``<stdin>``) so
    every report can name it. ``date`` is ISO 8601, possibly partial (``2022-02``).
    """

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    lang: str | None = None
    url: str | None = None
    source: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of a document that names a place (or, with ``demonym``, a people).

    Offsets are 0-based code points into ``Document.text``, end exclusive, so
    ``text[start:end] == surface`` always holds. ``sentence`` is the sentence around the
    span, ``sentence_start`` its offset, so the span can be found inside it. A sentence
    longer than :data:`geo.text.sentences.MAX_EXCERPT` is cut to a window around the span
    (:func:`geo.text.sentences.excerpt`); ``sentence_span`` always holds the whole sentence's
    ``(start, end)``, so a reader can find it in the document.
    """

    doc: str
    start: int
    end: int
    surface: str
    sentence: str
    sentence_start: int
    demonym: bool = False
    cue: str | None = None
    sentence_span: tuple[int, int] | None = None

    @property
    def full_sentence(self) -> tuple[int, int]:
        """The whole sentence's offsets (the excerpt's when no span was recorded)."""
        if self.sentence_span is not None:
            return self.sentence_span
        return self.sentence_start, self.sentence_start + len(self.sentence)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A mention and the place it was resolved to, or ``place=None`` if unresolved."""

    mention: Mention
    place: Place | None
    score: float
    reason: str
    candidates: tuple[Candidate, ...] = ()
    precision: str | None = None

    @property
    def point_precision(self) -> str | None:
        """What the point stands for: the town named by a facility, or the site's class."""
        if self.precision is not None:
            return self.precision
        return self.place.precision if self.place is not None else None

    @property
    def resolved(self) -> bool:
        """Whether a place was chosen."""
        return self.place is not None

    @property
    def kind(self) -> str | None:
        """``"demonym"`` for demonyms, else the place's kind (``None`` if unresolved)."""
        if self.mention.demonym:
            return DEMONYM
        return self.place.kind if self.place else None

    def candidate_records(self) -> list[dict[str, Any]]:
        """The top alternatives (the chosen place first) with their scores, as records."""
        return [
            {
                "id": c.place.id,
                "name": c.place.name,
                "kind": c.place.kind,
                "country": c.place.country,
                "lat": c.place.lat,
                "lon": c.place.lon,
                "score": round(c.score, 4),
            }
            for c in self.candidates
        ]

    def to_record(self) -> dict[str, Any]:
        """The JSON Lines record of ``geo extract``: exactly the documented fields."""
        m, p = self.mention, self.place
        record = {
            "doc": m.doc,
            "start": m.start,
            "end": m.end,
            "surface": m.surface,
            "id": p.id if p else None,
            "name": p.name if p else None,
            "kind": self.kind,
            "country": p.country if p else None,
            "lat": p.lat if p else None,
            "lon": p.lon if p else None,
            "score": round(self.score, 4) if p else None,
            "reason": self.reason,
            "precision": self.point_precision,
            "sentence": m.sentence,
            "sentence_start": m.sentence_start,
            "sentence_full_start": m.full_sentence[0],
            "sentence_full_end": m.full_sentence[1],
        }
        assert tuple(record) == RECORD_FIELDS
        return record


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document, its detected language and every mention found in it, in text order."""

    document: Document
    lang: str
    resolutions: tuple[Resolution, ...]

    @property
    def places(self) -> tuple[Resolution, ...]:
        """The mentions resolved to a place (demonyms and unions of states excluded)."""
        return tuple(
            r for r in self.resolutions if r.place is not None and r.kind not in NON_PLACE_KINDS
        )


#: Metadata keys that name a document's outlet (front matter or JSON Lines fields).
OUTLET_KEYS = ("outlet", "source", "publisher", "site_name", "sitename", "newspaper")


def document_outlet(doc: Document) -> str | None:
    """Who published *doc*: ``outlet``/``source``/``publisher`` metadata, else the URL's host.

    Front matter (``outlet: BusinessWorld``) and JSON Lines records (``"source":
    "Reuters"``) both carry it; a document with only a ``url`` gets the URL's host name.
    """
    for key in OUTLET_KEYS:
        value = doc.meta.get(key) if doc.meta else None
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:200]
    if doc.url:
        from urllib.parse import urlsplit

        try:
            host = urlsplit(doc.url).hostname
        except ValueError:
            host = None
        if host:
            return host.removeprefix("www.")
    return None


def document_fields(parsed: ParsedDocument) -> dict[str, str | None]:
    """The :data:`DOCUMENT_FIELDS` of a parsed document, as its mention records carry them."""
    d = parsed.document
    values = (d.title, d.date, parsed.lang, d.source, document_outlet(d), d.url)
    return dict(zip(DOCUMENT_FIELDS, values, strict=True))
