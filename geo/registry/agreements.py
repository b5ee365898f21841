"""The defense-agreement registry: load, validate, merge and query ``data/agreements/*.yaml``.

The registry says which agreement covers which site and since when. It is read from the
curated ``data/agreements/*.yaml`` and, merged after it, from any user files (the CLI's
``--agreements FILE``). Every file is validated in full before anything is returned, and
all problems of all files come back in one :class:`~geo.errors.DataError`, each naming
its file, line and field (``agreements/us-dk-dca.yaml:42: agreements[0].events[1].date: not an ISO
date ('2021-13-40')``), so a curator fixes them in one pass. The schema is documented in
``docs/data.md``.

Status over time
----------------
:meth:`Registry.status` folds an agreement's dated events into one of :data:`STATUSES`.
Dates may be partial (``'2025-06'``, ``'2022'``) when only the month or year is
established. A partial date counts only once its whole period has passed: an approval
dated ``'2025-06'`` is not in effect on 2025-06-15 but is on 2025-07-01. We never claim
that an event happened before it surely had; the price is that a status can lag the real
one by up to a period, which is the honest reading of a partial source.

The module is pure: it imports no map, gazetteer or geoparser code, so every stage may
use it and it can be tested on its own.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
import yaml

from geo.errors import DataError
from geo.io.resources import data_path
from geo.io.safeyaml import BudgetLoader, check_size
from geo.vocab import AGREEMENT_TYPES, EVENT_STATUS, EVENT_TYPES, LIFECYCLE, STATUS_KEYS

__all__ = [
    "AGREEMENT_TYPES",
    "EVENT_TYPES",
    "STATUSES",
    "Agreement",
    "Event",
    "Instrument",
    "Registry",
    "load_registry",
    "parse_partial_date",
]

SCHEMA_VERSION = 1
#: Statuses an instrument can have (:data:`geo.vocab.STATUSES`, in legend order).
STATUSES = STATUS_KEYS
_RANK = {status: rank for rank, status in enumerate(LIFECYCLE)}

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_URL_RE = re.compile(r"^https?://\S+$")
_LANG_RE = re.compile(r"^[a-z]{2}$")

_TOP_FIELDS = {"schema_version", "agreements"}
_AGREEMENT_REQUIRED = ("id", "name", "type", "host", "partner", "events", "sites", "sources")
_AGREEMENT_OPTIONAL = (
    "official_name",
    "names",
    "territory",
    "amends",
    "amendments",
    "removes_sites",
    "notes",
)
_AMENDMENT_REQUIRED = ("id", "name", "events", "adds_sites")
_AMENDMENT_OPTIONAL = ("official_name", "sources", "notes")
_EVENT_REQUIRED = ("type", "date", "source")
_EVENT_OPTIONAL = ("note",)


# --------------------------------------------------------------------------- records


def parse_partial_date(text: str) -> tuple[dt.date, dt.date, str]:
    """Return ``(first_day, last_day, precision)`` of an ISO date, full or partial.

    ``'2021-04-16'`` is one day, ``'2025-06'`` the whole of June 2025, ``'2022'`` the whole
    year; precision is ``"day"``, ``"month"`` or ``"year"``. Raises ``ValueError`` for
    anything else, including impossible dates such as ``'2021-13-40'``.

    Answers are cached per string: every status of every site on every day of the map's
    time slider asks for the dates of the same few hundred events again (100,000 times
    for the seeds map, issue 14). Errors are not cached.
    """
    if isinstance(text, str):
        return _parse_partial_date_cached(text)
    return _parse_partial_date(text)  # type: ignore[unreachable]  # untyped callers (YAML)


@functools.lru_cache(maxsize=8192)
def _parse_partial_date_cached(text: str) -> tuple[dt.date, dt.date, str]:
    return _parse_partial_date(text)


def _parse_partial_date(text: str) -> tuple[dt.date, dt.date, str]:
    match = _DATE_RE.match(text)
    if not match:
        msg = f"not an ISO date ({text!r})"
        raise ValueError(msg)
    year_s, month_s, day_s = match.groups()
    year = int(year_s)
    try:
        if day_s is not None:
            day = dt.date(year, int(month_s), int(day_s))
            return day, day, "day"
        if month_s is not None:
            month = int(month_s)
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return dt.date(year, month, 1), dt.date(year, month, last), "month"
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    except ValueError:
        msg = f"not an ISO date ({text!r})"
        raise ValueError(msg) from None


@dataclass(frozen=True, slots=True)
class Event:
    """One dated step in the life of an agreement or amendment, with the URL that states it.

    ``date`` keeps the precision the source gives (``'2021-04-16'``, ``'2025-06'``,
    ``'2022'``); :attr:`effective_from` is the first day on which the event surely had
    happened, which is what status queries use.
    """

    type: str
    date: str
    source: str
    note: str | None = None
    line: int = 0

    @property
    def start(self) -> dt.date:
        """The first day of the event's period (the day itself for a full date)."""
        return parse_partial_date(self.date)[0]

    @property
    def end(self) -> dt.date:
        """The last day of the event's period (the day itself for a full date)."""
        return parse_partial_date(self.date)[1]

    @property
    def precision(self) -> str:
        """``"day"``, ``"month"`` or ``"year"``."""
        return parse_partial_date(self.date)[2]

    @property
    def effective_from(self) -> dt.date:
        """The first day on which the event has surely happened.

        A full date is in effect on that day; a partial date only on the day after its
        period ends, because the source does not say when within the period it happened.
        """
        first, last, precision = parse_partial_date(self.date)
        return first if precision == "day" else last + dt.timedelta(days=1)

    def in_effect(self, as_of: dt.date) -> bool:
        """Whether the event has surely happened on *as_of*."""
        return self.effective_from <= as_of


@dataclass(frozen=True, slots=True)
class Instrument:
    """A signed text with its own life cycle: an agreement itself or one of its amendments.

    ``sites`` are the site ids the instrument brings under the agreement: the sites agreed
    at signature for the agreement, the ``adds_sites`` for an amendment.
    """

    id: str
    name: str
    events: tuple[Event, ...]
    sites: tuple[str, ...]
    official_name: str | None = None
    sources: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Agreement:
    """One registry entry, with the file and line it was read from.

    ``names`` maps a language code to the names and acronyms news in that language uses;
    ``amendments`` are later instruments that add sites, each with its own events.
    ``removes_sites`` (only with ``amends``) lists sites of the amended agreement that this
    agreement takes out once it is in force.
    """

    id: str
    name: str
    type: str
    host: str
    partner: str
    events: tuple[Event, ...]
    sites: tuple[str, ...]
    sources: tuple[str, ...]
    official_name: str | None = None
    names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    territory: str | None = None
    amends: str | None = None
    amendments: tuple[Instrument, ...] = ()
    removes_sites: tuple[str, ...] = ()
    notes: str | None = None
    path: Path | None = None
    line: int = 0

    @property
    def instrument(self) -> Instrument:
        """The agreement itself as an :class:`Instrument` (its events and initial sites)."""
        return Instrument(
            self.id, self.name, self.events, self.sites, self.official_name, self.sources, self.line
        )

    @property
    def name_map(self) -> dict[str, tuple[str, ...]]:
        """``names`` as a dict, language code to names."""
        return dict(self.names)

    def all_names(self) -> Iterator[str]:
        """The display name, the official name and every language's names, in file order."""
        yield self.name
        if self.official_name:
            yield self.official_name
        for _lang, forms in self.names:
            yield from forms

    def all_sites(self) -> tuple[str, ...]:
        """Sites agreed at signature followed by those added by amendments, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.sites)
        for amendment in self.amendments:
            seen.update(dict.fromkeys(amendment.sites))
        return tuple(seen)

    @property
    def source_location(self) -> str:
        """``path:line`` of the entry, for messages."""
        return f"{self.path}:{self.line}"


# --------------------------------------------------------------------------- the registry


def _fold_status(events: Sequence[Event], as_of: dt.date) -> str:
    """Fold the events in effect on *as_of* into a status, in date order.

    The highest stage reached wins (a late-reported negotiation does not undo a
    signature); ``ended`` closes the instrument, and only a stage reached after the end
    (a new signature, say) reopens it.
    """
    status = "none"
    held = "none"  # the stage a suspended instrument returns to when resumed
    in_effect = sorted(
        (e for e in events if e.in_effect(as_of)), key=lambda e: (e.effective_from, e.line)
    )
    for event in in_effect:
        stage = EVENT_STATUS.get(event.type)
        if stage is None:
            continue
        if stage == "suspended":
            if status not in ("none", "ended", "suspended"):
                held, status = status, "suspended"
        elif stage == "resumed":
            if status == "suspended":
                status = held
        elif stage == "ended" or status == "ended":
            status = stage
        elif status == "suspended":
            if _RANK[stage] > _RANK[held]:
                status = stage
        elif _RANK[stage] > _RANK[status]:
            status = stage
    return status


class Registry:
    """The merged, validated agreements, queried by id, site and date.

    Built by :func:`load_registry`; immutable afterwards. Lookups by id raise ``KeyError``
    naming the unknown id, because asking for an agreement the registry lacks is a bug
    in the caller, not a normal outcome; :meth:`get` returns ``None`` instead.
    """

    def __init__(self, agreements: Sequence[Agreement]) -> None:
        self._agreements: tuple[Agreement, ...] = tuple(agreements)
        self._by_id: dict[str, Agreement] = {a.id: a for a in self._agreements}
        self._site_ids: frozenset[str] | None = None
        # (id of an instrument's events, date) -> (those events, status): the map's time
        # slider asks for every site at every date, 25,000 folds for a few hundred
        # distinct ones (issue 14). The events are kept with the status and compared by
        # identity, so an id reused by another object (a copied registry) never hits.
        self._folded: dict[tuple[int, dt.date], tuple[tuple[Event, ...], str]] = {}
        # amended agreement id -> agreements that remove sites from it
        self._removers: dict[str, list[Agreement]] = {}
        for agreement in self._agreements:
            if agreement.amends and agreement.removes_sites:
                self._removers.setdefault(agreement.amends, []).append(agreement)

    def __iter__(self) -> Iterator[Agreement]:
        return iter(self._agreements)

    def __len__(self) -> int:
        return len(self._agreements)

    def __contains__(self, agreement_id: object) -> bool:
        return agreement_id in self._by_id

    def __getitem__(self, agreement_id: str) -> Agreement:
        try:
            return self._by_id[agreement_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id))
            msg = f"no agreement {agreement_id!r} in the registry (known: {known})"
            raise KeyError(msg) from None

    def get(self, agreement_id: str) -> Agreement | None:
        """The agreement with *agreement_id*, or ``None``."""
        return self._by_id.get(agreement_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Agreement ids in registry order (curated file first, then user files)."""
        return tuple(a.id for a in self._agreements)

    def site_ids(self) -> frozenset[str]:
        """Every site id any agreement or amendment names.

        Computed once: the registry's agreements are fixed at construction and frozen,
        and linking asks for this set several times per document (issue 14).
        """
        if self._site_ids is None:
            self._site_ids = frozenset(s for a in self._agreements for s in a.all_sites())
        return self._site_ids

    def status(self, agreement_id: str, as_of: dt.date) -> str:
        """The status of the agreement itself on *as_of*, one of :data:`STATUSES`.

        Only the agreement's own events count; amendments have their own status (see
        :meth:`site_status`).
        """
        return self._fold(self[agreement_id].events, as_of)

    def instrument_status(self, agreement_id: str, instrument_id: str, as_of: dt.date) -> str:
        """The status of the agreement or of one of its amendments on *as_of*."""
        agreement = self[agreement_id]
        if instrument_id == agreement.id:
            return self._fold(agreement.events, as_of)
        for amendment in agreement.amendments:
            if amendment.id == instrument_id:
                return self._fold(amendment.events, as_of)
        msg = f"agreement {agreement_id!r} has no instrument {instrument_id!r}"
        raise KeyError(msg)

    def _fold(self, events: tuple[Event, ...], as_of: dt.date) -> str:
        """:func:`_fold_status` of one instrument's events, computed once per date."""
        key = (id(events), as_of)
        hit = self._folded.get(key)
        if hit is not None and hit[0] is events:
            return hit[1]
        status = _fold_status(events, as_of)
        self._folded[key] = (events, status)
        return status

    def site_status(self, site_id: str, agreement_id: str, as_of: dt.date) -> str:
        """The status of *site_id* under *agreement_id* on *as_of*.

        A site agreed at signature follows the agreement's events; a site added by an
        amendment follows the amendment's events (``none`` until the amendment's first
        event), and an ended parent ends it. A site removed by a later agreement that
        ``amends`` this one (``removes_sites``) is ``ended`` once that agreement is in
        force. Raises ``KeyError`` if the agreement does not name the site at all.
        """
        agreement = self[agreement_id]
        parent = self._fold(agreement.events, as_of)
        if site_id in agreement.sites:
            status = parent
        else:
            added = [m for m in agreement.amendments if site_id in m.sites]
            if not added:
                msg = f"agreement {agreement_id!r} does not name site {site_id!r}"
                raise KeyError(msg)
            # If several amendments add the same site, the most advanced one counts.
            status = max((self._fold(m.events, as_of) for m in added), key=_RANK.__getitem__)
            if parent == "ended":
                status = "ended"
        for remover in self._removers.get(agreement_id, ()):
            if site_id in remover.removes_sites and self._fold(remover.events, as_of) in (
                "in_force",
                "ended",
            ):
                return "ended"
        return status

    def timeline(self, agreement_id: str | None = None) -> list[tuple[dt.date, str, str, Event]]:
        """All events as ``(date, agreement_id, instrument_id, event)``, oldest first.

        ``date`` is the last day of the event's period (the day itself for a full date):
        the day by which it surely had happened. That keeps the order causal: an entry
        into force known only as ``'1951'`` sorts after a signature of 1951-04-27, not
        before it, matching how :meth:`status` reads partial dates. The event keeps its
        original precision for display. Ties keep the order of the files. With
        *agreement_id*, only that agreement and its amendments.
        """
        agreements = [self[agreement_id]] if agreement_id is not None else list(self._agreements)
        rows: list[tuple[dt.date, int, int, str, str, Event]] = []
        for a_index, agreement in enumerate(agreements):
            instruments = [agreement.instrument, *agreement.amendments]
            for instrument in instruments:
                for e_index, event in enumerate(instrument.events):
                    rows.append((event.end, a_index, e_index, agreement.id, instrument.id, event))
        rows.sort(key=lambda r: (r[0], r[1], r[5].line, r[2]))
        return [(d, a, i, e) for d, _ai, _ei, a, i, e in rows]

    def timeline_records(self, agreement_id: str | None = None) -> list[dict[str, Any]]:
        """The full timeline as plain records, oldest first, with each step's status.

        One record per event: ``date`` (as the source gives it), ``agreement``,
        ``instrument`` (the agreement or an amendment), ``event``, ``status`` (of that
        instrument once the event is in effect), ``note`` and ``source``. For tables,
        the CLI's ``geo timeline`` and the notebook.
        """
        records = []
        for _date, agreement_id_, instrument_id, event in self.timeline(agreement_id):
            status = self.instrument_status(agreement_id_, instrument_id, event.effective_from)
            records.append(
                {
                    "date": event.date,
                    "agreement": agreement_id_,
                    "instrument": instrument_id,
                    "event": event.type,
                    "status": status,
                    "note": event.note,
                    "source": event.source,
                }
            )
        return records

    def agreements_for_site(self, site_id: str) -> list[Agreement]:
        """Agreements naming *site_id* at signature or through an amendment, registry order.

        Registry order is chronological for the curated agreements (by their first
        event), then the user's files in the order given.
        """
        return [a for a in self._agreements if site_id in a.all_sites()]


# --------------------------------------------------------------------------- YAML with lines


class _LineDict(dict[Any, Any]):
    """A mapping from YAML that remembers where it and each of its keys start (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: str) -> int:
        """The line of *key* if present, else the line of the mapping."""
        return self.key_lines.get(key, self.line)


class _LineLoader(BudgetLoader):
    """A safe loader whose mappings are :class:`_LineDict` and which notes duplicate keys.

    Only the standard safe constructors are used, so loading is as safe as
    ``yaml.safe_load``, within the size, depth and alias budgets of
    :mod:`geo.io.safeyaml`; the subclass just keeps positions for error messages.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_LineDict]:
    data = _LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, _value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = key_node.value
            if key in data.key_lines:
                loader.duplicate_keys.append((key_node.start_mark.line + 1, key))
            data.key_lines[key] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects problems for one file; every message is ``path:line: where: what``."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems

    def add(self, line: int, where: str, what: str) -> None:
        self.problems.append(f"{self.path}:{line}: {where}: {what}")

    def fields(
        self, mapping: _LineDict, where: str, required: Sequence[str], optional: Sequence[str]
    ) -> bool:
        """Report missing and unknown fields; return whether all required ones are present."""
        complete = True
        for name in required:
            if name not in mapping:
                self.add(mapping.line, where, f"missing required field {name!r}")
                complete = False
        allowed = set(required) | set(optional)
        for key in mapping:
            if key not in allowed:
                self.add(
                    mapping.line_of(str(key)),
                    f"{where}.{key}",
                    f"unknown field (allowed: {', '.join(sorted(allowed))})",
                )
        return complete

    def text(
        self, mapping: _LineDict, key: str, where: str, *, optional: bool = False
    ) -> str | None:
        value = mapping.get(key)
        if value is None:
            if not optional and key in mapping:
                self.add(mapping.line_of(key), f"{where}.{key}", "must not be empty")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(mapping.line_of(key), f"{where}.{key}", f"expected text, got {value!r}")
            return None
        return value.strip()

    def url(self, value: Any, line: int, where: str) -> str | None:
        if not isinstance(value, str) or not _URL_RE.match(value.strip()):
            self.add(line, where, f"expected an http(s) URL, got {value!r}")
            return None
        return value.strip()

    def string_list(self, mapping: _LineDict, key: str, where: str) -> list[str] | None:
        value = mapping.get(key)
        if value is None:
            return [] if key not in mapping else None
        if not isinstance(value, list):
            self.add(mapping.line_of(key), f"{where}.{key}", f"expected a list, got {value!r}")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.add(
                    mapping.line_of(key), f"{where}.{key}[{i}]", f"expected text, got {item!r}"
                )
            else:
                out.append(item.strip())
        return out

    def country(
        self, mapping: _LineDict, key: str, where: str, *, optional: bool = False
    ) -> str | None:
        value = mapping.get(key)
        if value is None and optional:
            return None
        if (
            isinstance(value, str)
            and len(value) == 2
            and value.isupper()
            and pycountry.countries.get(alpha_2=value) is not None
        ):
            return value
        self.add(
            mapping.line_of(key),
            f"{where}.{key}",
            f"not an ISO 3166-1 alpha-2 code ({value!r}; quote 'NO' in YAML)",
        )
        return None

    def sites(
        self, mapping: _LineDict, key: str, where: str, site_ids: Collection[str]
    ) -> tuple[str, ...]:
        values = self.string_list(mapping, key, where)
        if values is None:
            return ()
        seen: set[str] = set()
        for i, site in enumerate(values):
            if site in seen:
                self.add(mapping.line_of(key), f"{where}.{key}[{i}]", f"site {site!r} listed twice")
            seen.add(site)
            if site not in site_ids:
                self.add(
                    mapping.line_of(key),
                    f"{where}.{key}[{i}]",
                    f"unknown site id {site!r} (not in the gazetteer's sites)",
                )
        return tuple(values)

    def mappings(self, parent: _LineDict, key: str, where: str) -> list[tuple[str, _LineDict]]:
        """The mappings listed under *key*, each with its path for messages.

        A value that is not a list, or an item that is not a mapping, is reported and
        left out, so one malformed entry never hides the others.
        """
        value = parent.get(key)
        path = f"{where}.{key}" if where else key
        if not isinstance(value, list):
            if key in parent:
                self.add(parent.line_of(key), path, f"expected a list, got {value!r}")
            return []
        found: list[tuple[str, _LineDict]] = []
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            if isinstance(item, _LineDict):
                found.append((here, item))
            else:
                self.add(parent.line_of(key), here, f"expected a mapping, got {item!r}")
        return found

    def events(self, mapping: _LineDict, where: str) -> tuple[Event, ...]:
        events: list[Event] = []
        for here, item in self.mappings(mapping, "events", where):
            complete = self.fields(item, here, _EVENT_REQUIRED, _EVENT_OPTIONAL)
            kind = item.get("type")
            if "type" in item and kind not in EVENT_TYPES:
                self.add(
                    item.line_of("type"),
                    f"{here}.type",
                    f"unknown event type {kind!r} (allowed: {', '.join(EVENT_TYPES)})",
                )
                complete = False
            date_text = _date_text(item.get("date"))
            if "date" in item:
                if date_text is None:
                    self.add(
                        item.line_of("date"),
                        f"{here}.date",
                        f"not an ISO date ({item.get('date')!r})",
                    )
                    complete = False
                else:
                    try:
                        parse_partial_date(date_text)
                    except ValueError as err:
                        self.add(item.line_of("date"), f"{here}.date", str(err))
                        complete = False
            source = (
                self.url(item.get("source"), item.line_of("source"), f"{here}.source")
                if "source" in item
                else None
            )
            note = self.text(item, "note", here, optional=True)
            if complete and source is not None and date_text is not None:
                events.append(Event(str(kind), date_text, source, note, item.line))
        return tuple(events)


def _date_text(value: Any) -> str | None:
    """The ISO text of a YAML date value: quoted text, an unquoted date, or a bare year."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    return None


@dataclass
class _Parsed:
    """A checked entry with what the cross-entry checks need: its path and field lines."""

    agreement: Agreement
    where: str
    line_of: dict[str, int]


def _read_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """The document of *text* (mappings as :class:`_LineDict`) and its repeated keys."""
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()


def _load_document(path: Path, text: str) -> tuple[Any, list[tuple[int, str]]]:
    """:func:`_read_yaml`, kept on disk between runs (:mod:`geo.io.derived`).

    The pure-Python YAML loader took about a third of a second for the 68 registry files
    on every ``geo build`` (issue 14). A parsed document is stored, with its mappings'
    line numbers, under a hash of the text and of the loader's code; a text that fails
    to parse is never stored, so its errors are raised here as before.
    """
    import hashlib

    from geo.io import safeyaml
    from geo.io.derived import derived

    def compute() -> Any:
        document, duplicates = _read_yaml(text)
        try:
            return _encode(document), duplicates
        except TypeError:  # a value the cache cannot hold: parsed each time
            return None

    sources: list[bytes | str] = [
        text,
        Path(__file__).read_bytes(),
        Path(safeyaml.__file__).read_bytes(),
    ]
    name = "registry-" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    stored = derived(name, [yaml.__version__, *sources], compute)
    if stored is None:
        return _read_yaml(text)
    encoded, duplicates = stored
    return _decode(encoded), [(int(line), str(key)) for line, key in duplicates]


def _encode(value: Any) -> Any:
    """A parsed YAML value as plain data for marshal; tuples tag what is not plain."""
    if isinstance(value, _LineDict):
        items = [(_encode(k), _encode(v)) for k, v in value.items()]
        return ("m", value.line, items, list(value.key_lines.items()))
    if isinstance(value, list):
        return ("l", [_encode(v) for v in value])
    if isinstance(value, dt.datetime):
        return ("t", value.isoformat())
    if isinstance(value, dt.date):
        return ("d", value.isoformat())
    if isinstance(value, set):
        return ("s", [_encode(v) for v in value])
    if value is None or isinstance(value, str | int | float | bytes):
        return value
    msg = f"cannot store a {type(value).__name__}"
    raise TypeError(msg)


def _decode(value: Any) -> Any:
    """The inverse of :func:`_encode`."""
    if not isinstance(value, tuple):
        return value
    tag = value[0]
    if tag == "m":
        data = _LineDict((_decode(k), _decode(v)) for k, v in value[2])
        data.line = value[1]
        data.key_lines = dict(value[3])
        return data
    if tag == "l":
        return [_decode(v) for v in value[1]]
    if tag == "t":
        return dt.datetime.fromisoformat(value[1])
    if tag == "d":
        return dt.date.fromisoformat(value[1])
    return {_decode(v) for v in value[1]}


def _parse_file(path: Path, site_ids: Collection[str], problems: list[str]) -> list[_Parsed]:
    """Read and check one registry file; problems go to *problems*, good entries come back."""
    check = _Checker(path, problems)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        problems.append(f"{path}: cannot read the agreements registry: {err.strerror or err}")
        return []
    except UnicodeDecodeError as err:
        problems.append(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})")
        return []
    try:
        check_size(text, "the file")
        document, duplicate_keys = _load_document(path, text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{mark.line + 1}:" if mark is not None else ""
        problems.append(f"{path}:{where} invalid YAML: {err.problem or err}")
        return []
    except yaml.YAMLError as err:
        problems.append(f"{path}: invalid YAML: {err}")
        return []
    except RecursionError:
        problems.append(f"{path}: invalid YAML: nested too deeply")
        return []
    for line, key in duplicate_keys:
        check.add(line, str(key), "key repeated in the same mapping (the last one would win)")

    if not isinstance(document, _LineDict):
        check.add(1, "<top>", "expected a mapping with 'schema_version' and 'agreements'")
        return []
    check.fields(document, "<top>", tuple(_TOP_FIELDS), ())
    version = document.get("schema_version")
    if "schema_version" in document and version != SCHEMA_VERSION:
        check.add(
            document.line_of("schema_version"),
            "schema_version",
            f"unsupported version {version!r} (this geo reads {SCHEMA_VERSION})",
        )
    parsed: list[_Parsed] = []
    for where, entry in check.mappings(document, "agreements", ""):
        result = _parse_agreement(check, entry, where, path, site_ids)
        if result is not None:
            parsed.append(result)
    return parsed


def _parse_agreement(
    check: _Checker, entry: _LineDict, where: str, path: Path, site_ids: Collection[str]
) -> _Parsed | None:
    before = len(check.problems)
    check.fields(entry, where, _AGREEMENT_REQUIRED, _AGREEMENT_OPTIONAL)
    agreement_id = check.text(entry, "id", where)
    if agreement_id is not None and not _ID_RE.match(agreement_id):
        check.add(
            entry.line_of("id"),
            f"{where}.id",
            f"ids are lowercase a-z, 0-9 and '-' ({agreement_id!r})",
        )
    name = check.text(entry, "name", where)
    official_name = check.text(entry, "official_name", where, optional=True)
    kind = entry.get("type")
    if "type" in entry and kind not in AGREEMENT_TYPES:
        check.add(
            entry.line_of("type"),
            f"{where}.type",
            f"unknown agreement type {kind!r} (allowed: {', '.join(sorted(AGREEMENT_TYPES))})",
        )
    host = check.country(entry, "host", where) if "host" in entry else None
    partner = check.country(entry, "partner", where) if "partner" in entry else None
    territory = check.country(entry, "territory", where, optional=True)
    amends = entry.get("amends")
    if amends is not None and not isinstance(amends, str):
        check.add(
            entry.line_of("amends"), f"{where}.amends", f"expected an agreement id, got {amends!r}"
        )
        amends = None
    names = _parse_names(check, entry, where)
    events = check.events(entry, where) if "events" in entry else ()
    sites = check.sites(entry, "sites", where, site_ids)
    removes = check.sites(entry, "removes_sites", where, site_ids)
    if removes and not amends:
        check.add(
            entry.line_of("removes_sites"),
            f"{where}.removes_sites",
            "needs 'amends' (which agreement loses the sites?)",
        )
    sources = _parse_sources(check, entry, "sources", where)
    if "sources" in entry and not sources:
        check.add(
            entry.line_of("sources"), f"{where}.sources", "at least one source URL is required"
        )
    amendments = _parse_amendments(check, entry, where, site_ids)
    notes = check.text(entry, "notes", where, optional=True)

    if len(check.problems) > before or agreement_id is None or name is None:
        # Keep the id and line so duplicates and 'amends' targets are still checked.
        if agreement_id is not None:
            stub = Agreement(
                agreement_id,
                name or "",
                str(kind),
                host or "",
                partner or "",
                (),
                (),
                (),
                path=path,
                line=entry.line,
            )
            return _Parsed(
                stub, where, {"id": entry.line_of("id"), "amends": entry.line_of("amends")}
            )
        return None
    agreement = Agreement(
        id=agreement_id,
        name=name,
        type=str(kind),
        host=str(host),
        partner=str(partner),
        events=events,
        sites=sites,
        sources=tuple(sources),
        official_name=official_name,
        names=names,
        territory=territory,
        amends=amends,
        amendments=amendments,
        removes_sites=removes,
        notes=notes,
        path=path,
        line=entry.line,
    )
    return _Parsed(
        agreement,
        where,
        {
            "id": entry.line_of("id"),
            "amends": entry.line_of("amends"),
            "removes_sites": entry.line_of("removes_sites"),
        },
    )


def _parse_names(
    check: _Checker, entry: _LineDict, where: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = entry.get("names")
    if value is None:
        return ()
    if not isinstance(value, _LineDict):
        check.add(
            entry.line_of("names"),
            f"{where}.names",
            f"expected a mapping of language to names, got {value!r}",
        )
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for lang in value:
        here = f"{where}.names.{lang}"
        if (
            not isinstance(lang, str)
            or not _LANG_RE.match(lang)
            or pycountry.languages.get(alpha_2=lang) is None
        ):
            check.add(
                value.line_of(str(lang)),
                here,
                f"not an ISO 639-1 language code ({lang!r}; quote 'no' in YAML)",
            )
            continue
        forms = check.string_list(value, lang, f"{where}.names")
        if forms:
            out.append((lang, tuple(forms)))
    return tuple(out)


def _parse_sources(check: _Checker, mapping: _LineDict, key: str, where: str) -> list[str]:
    values = mapping.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        check.add(
            mapping.line_of(key), f"{where}.{key}", f"expected a list of URLs, got {values!r}"
        )
        return []
    out = []
    for i, value in enumerate(values):
        url = check.url(value, mapping.line_of(key), f"{where}.{key}[{i}]")
        if url is not None:
            out.append(url)
    return out


def _parse_amendments(
    check: _Checker, entry: _LineDict, where: str, site_ids: Collection[str]
) -> tuple[Instrument, ...]:
    if entry.get("amendments") is None:
        return ()
    out: list[Instrument] = []
    for here, item in check.mappings(entry, "amendments", where):
        before = len(check.problems)
        check.fields(item, here, _AMENDMENT_REQUIRED, _AMENDMENT_OPTIONAL)
        instrument_id = check.text(item, "id", here)
        if instrument_id is not None and not _ID_RE.match(instrument_id):
            check.add(
                item.line_of("id"),
                f"{here}.id",
                f"ids are lowercase a-z, 0-9 and '-' ({instrument_id!r})",
            )
        name = check.text(item, "name", here)
        official_name = check.text(item, "official_name", here, optional=True)
        events = check.events(item, here) if "events" in item else ()
        adds = check.sites(item, "adds_sites", here, site_ids)
        sources = _parse_sources(check, item, "sources", here)
        check.text(item, "notes", here, optional=True)
        if len(check.problems) == before and instrument_id is not None and name is not None:
            out.append(
                Instrument(
                    instrument_id, name, events, adds, official_name, tuple(sources), item.line
                )
            )
    return tuple(out)


def _default_site_ids() -> frozenset[str]:
    """The ids of the site tables (``data/sites/*.csv``), read with the csv module."""
    ids: set[str] = set()
    for path in sorted(data_path("sites").glob("*.csv")):
        if path.name == "colocated.csv":
            continue
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                if reader.fieldnames is None or "id" not in reader.fieldnames:
                    msg = f"{path}:1: id: the sites file has no 'id' column"
                    raise DataError(msg, problems=[msg])
                ids.update(row["id"].strip() for row in reader if row.get("id"))
        except OSError as err:
            msg = f"{path}: cannot read the sites file: {err.strerror or err}"
            raise DataError(msg, problems=[msg]) from err
    return frozenset(ids)


def registry_files() -> list[Path]:
    """The curated registry: ``data/agreements/*.yaml``, one agreement per file."""
    return sorted(data_path("agreements").glob("*.yaml"))


def load_registry(
    paths: Sequence[Path] | None = None, *, site_ids: Collection[str] | None = None
) -> Registry:
    """Load ``data/agreements/*.yaml`` and, merged after it, the user registry files *paths*.

    *site_ids* are the site ids the registry may reference (the caller passes the
    gazetteer's); by default the ids of ``data/sites/*.csv``. Every file is checked in full
    and every problem of every file is reported at once in a single
    :class:`~geo.errors.DataError` whose ``problems`` each name file, line and field. An
    agreement id defined twice, in one file or across files, is a conflict: user files
    add agreements, they never silently replace curated ones.
    """
    known_sites = frozenset(site_ids) if site_ids is not None else _default_site_ids()
    files = [*registry_files(), *(Path(p) for p in (paths or ()))]
    problems: list[str] = []
    parsed: list[_Parsed] = []
    for path in files:
        parsed.extend(_parse_file(path, known_sites, problems))

    # Cross-entry checks: duplicate ids (agreements and amendments share one namespace),
    # 'amends' targets and the sites a 'removes_sites' entry may take away.
    first_seen: dict[str, tuple[Path | None, int]] = {}
    for item in parsed:
        a = item.agreement
        idents = [(a.id, item.line_of["id"], f"{item.where}.id")]
        idents += [
            (m.id, m.line, f"{item.where}.amendments[{i}].id") for i, m in enumerate(a.amendments)
        ]
        for ident, line, where in idents:
            if ident in first_seen:
                other_path, other_line = first_seen[ident]
                problems.append(
                    f"{a.path}:{line}: {where}: duplicate id {ident!r} "
                    f"(conflicts with {other_path}:{other_line})"
                )
            else:
                first_seen[ident] = (a.path, line)
    by_id = {item.agreement.id: item.agreement for item in parsed}
    for item in parsed:
        a = item.agreement
        if a.amends is None:
            continue
        target = by_id.get(a.amends)
        line = item.line_of.get("amends", a.line)
        if target is None:
            problems.append(
                f"{a.path}:{line}: {item.where}.amends: unknown agreement id {a.amends!r}"
            )
        elif target.id == a.id:
            problems.append(
                f"{a.path}:{line}: {item.where}.amends: an agreement cannot amend itself"
            )
        else:
            for site in a.removes_sites:
                if site not in target.all_sites():
                    problems.append(
                        f"{a.path}:{item.line_of.get('removes_sites', a.line)}: "
                        f"{item.where}.removes_sites: "
                        f"{site!r} is not a site of {target.id!r}"
                    )
    if problems:
        count = len(problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in the agreements registry"
        raise DataError(summary + ":\n  " + "\n  ".join(problems), problems=problems)
    curated = {str(path) for path in files[: len(files) - len(paths or ())]}
    ordered = sorted(
        (item.agreement for item in parsed if str(item.agreement.path) in curated),
        key=_chronological,
    )
    ordered += [item.agreement for item in parsed if str(item.agreement.path) not in curated]
    return Registry(ordered)


def _chronological(agreement: Agreement) -> tuple[dt.date, str]:
    """Curated agreements in the order they began (their first event), then by id."""
    starts = [e.effective_from for e in agreement.events]
    return (min(starts) if starts else dt.date.max, agreement.id)
