"""Toponym resolution in context: which of a name's candidates the document means.

Every recognized span brings its gazetteer candidates. The resolver scores each with the
context-free prior (importance and how the name matched, see
:func:`geo.gazetteer.index.importance`) plus what the document says:

* **countries in play**: the countries the document names or whose unambiguous places it
  names; a candidate in one of them gains ("Georgia" among "Atlanta" and "Florida" is the
  US state, among "Tbilisi" and "Russia" the country);
* **a containing place right after the name** ("Paris, Texas", "Sola, Norway");
* **the division in play**: a town in a first-order division the document names;
* **one sense per document**: the same name resolves the same way throughout.

Curated sites carry the highest prior, so in a defense article "Thule" is Pituffik Space
Base, not the village of Qaanaaq. Every resolution carries a one-line reason.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from geo.gazetteer.index import (
    ANY_LANG,
    CURATED,
    DEMONYM_DISCOUNT,
    LANG_BIT,
    PREFERRED,
    division_outranks_alias,
    importance,
    match_quality,
)
from geo.gazetteer.query import Entry
from geo.gazetteer.sources import SITE_KINDS
from geo.models import Place
from geo.parse.recognize import Span
from geo.text.languages import languages
from geo.text.normalize import name_key

# Context multiplies the prior: score = prior * (1 + sum of the terms that apply). The
# values were chosen on the training split of the benchmark corpora
# (benchmarks/tune_resolver.py) and make sense on their own: a named container decides
# ("Paris, Texas"), a country in play helps a lot, a division in play a little.
COUNTRY_SUPPORT = 0.3  # the candidate's country is named in the document (scaled by share)
ADMIN1_SUPPORT = 0.2  # a town whose first-order division is named in the document
ADMIN1_SIBLINGS = 0.25  # a division when other divisions of its country are named
CONTAINER_SUPPORT = 1.2  # the candidate lies in the place named right after it
DEMONYM_COUNTRY = 0.1  # a country the document names more than once
DOMINANT = 1.25  # a name whose best candidate leads by this factor is a clue to its country
METROPOLIS = 1_000_000  # a town this large is meant before the state of its name
DIVISION_CUE = 1.5  # "Cagayan and Isabela provinces": the text says these are divisions
TOWN_DIVISION_WEIGHT = 0.5  # a confident town's division counts half a named division


#: What a resolution's point stands for when a designator names a facility the gazetteer
#: does not have and the town named by it is chosen instead ("Fooville Air Base" in
#: Fooville).
TOWN_NAMED_BY_FACILITY = "town_named_by_facility"


@dataclass(frozen=True, slots=True)
class Decision:
    """The chosen place of a span, its score in [0, 1], why, and if it is a demonym.

    ``ranked`` holds the best candidates with their scores (the chosen one first), for
    an analyst who wants to see what else the name could have been. ``precision`` is
    :data:`TOWN_NAMED_BY_FACILITY` when a facility word named a facility the gazetteer
    lacks and the town it is named after was chosen; otherwise ``None``.
    """

    place: Place
    score: float
    reason: str
    ranked: tuple[tuple[Place, float], ...]
    demonym: bool = False
    precision: str | None = None


#: A name that only another language gives this place ("Norfolk" is Norfolk Island in
#: some locales' CLDR names, the county in English) counts for less.
OTHER_LANGUAGE_FACTOR = 0.5


def _prior(entry: Entry, demonym: bool = False, lang_bit: int = ANY_LANG) -> float:
    foreign = entry.langs != ANY_LANG and not entry.langs & lang_bit
    factor = OTHER_LANGUAGE_FACTOR if foreign else 1.0
    if demonym:
        return importance(entry.place) * DEMONYM_DISCOUNT * factor
    return importance(entry.place) * match_quality(entry.flags) * factor


def _options(s: Span) -> list[tuple[Entry, bool]]:
    """A span's candidates: the places of that name and the places of that people."""
    return [(e, False) for e in s.entries] + [(e, True) for e in s.demonyms]


@dataclass(frozen=True, slots=True)
class _Ranked:
    """A name's candidates ranked by prior, and what the name says about the document."""

    options: tuple[tuple[float, Entry, bool], ...]
    country: str | None  # the country it points to when it is a confident clue
    division: tuple[str, str] | None
    town_division: tuple[str, str] | None = None  # the division of a confident town


def _ranked(s: Span) -> _Ranked:
    """Computed once per distinct name (cached on the recognizer's shared analysis)."""
    info = s.info if s.designator is None else None  # facility words change the options
    if info is not None and info.resolver_cache is not None:
        cached: _Ranked = info.resolver_cache
        return cached
    bit = LANG_BIT.get(s.lang, ANY_LANG)
    scored = [(_prior(e, d, bit), e, d) for e, d in _options(s)]
    # A town and the division of the same name around it ("Uppsala", "Oslo", "New York"):
    # news means the town unless the context says otherwise.
    divisions = {
        (e.place.country, e.place.admin1): prior
        for prior, e, d in scored
        if not d and e.place.kind == "admin1"
    }
    if divisions:
        # Only a town that bears the division's own name ("Oslo", "Uppsala") or a
        # metropolis ("New York") is meant before its state: "Oklahoma" is the state,
        # not Oklahoma City, unless the text says "City".
        key = s.key
        scored = [
            (max(prior, 1.01 * divisions.get((e.place.country, e.place.admin1), 0.0)), e, d)
            if e.place.kind == "city"
            and (name_key(e.place.name) == key or e.place.population >= METROPOLIS)
            else (prior, e, d)
            for prior, e, d in scored
        ]
    own_divisions = [
        (prior, e.place.population)
        for prior, e, d in scored
        if not d and e.place.kind in ("admin1", "admin2") and e.flags & (PREFERRED | CURATED)
    ]
    if own_divisions:
        # "Cagayan" is the province (its own name) before Mapun, a far smaller town that
        # has the name only as an alternate (it was once "Cagayan de Tawi-Tawi").
        def capped(prior: float, e: Entry) -> float:
            larger = [
                dp
                for dp, pop in own_divisions
                if division_outranks_alias(True, pop, e.place.population)
            ]
            return min(prior, 0.99 * max(larger)) if larger else prior

        scored = [
            (capped(prior, e), e, d)
            if not d and e.place.kind == "city" and not e.flags & (PREFERRED | CURATED)
            else (prior, e, d)
            for prior, e, d in scored
        ]
    options = sorted(scored, key=lambda t: (-t[0], -t[1].place.population, t[1].place.id))
    places = {e.place.id: e.place for _p, e, _d in options}
    country = division = None
    top = options[0][1].place if options else None
    dominant = len(options) > 1 and options[0][0] >= DOMINANT * options[1][0]
    town_division = None
    if top is not None and (len(places) == 1 or dominant or top.kind in ("country", "admin1")):
        country = top.country
        if top.kind == "admin1" and top.country and top.admin1:
            division = (top.country, top.admin1)
        elif top.kind == "city" and top.country and top.admin1:
            town_division = (top.country, top.admin1)
    ranked = _Ranked(tuple(options), country, division, town_division)
    if info is not None:
        info.resolver_cache = ranked
    return ranked


def _context(spans: Sequence[Span]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Countries and divisions the document is about, from its confident spans.

    A division counts when it is named, and (half as much) when an unambiguous town of
    it is: "Boston, Worcester, Springfield" put Springfield in Massachusetts.
    """
    countries: Counter[str] = Counter()
    divisions: Counter[tuple[str, str]] = Counter()
    for s in spans:
        if not s.keep or s.unknown:
            continue
        ranked = _ranked(s)
        if ranked.country:
            countries[ranked.country] += 1
        if ranked.division:
            divisions[ranked.division] += 1
        elif ranked.town_division:
            divisions[ranked.town_division] += TOWN_DIVISION_WEIGHT  # type: ignore[assignment]
    return countries, divisions


#: Postal abbreviations of first-order divisions, as news writes them after a town
#: ("Arlington, VA", "London, ON"): country and GeoNames admin1 code. US codes are the
#: postal codes themselves; Canadian and Australian ones are GeoNames' numbers.
_POSTAL: dict[str, tuple[str, str]] = {
    **{
        code: ("US", code)
        for code in """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI
        MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI
        WY""".split()
    },
    **{
        code: ("CA", number)
        for code, number in (
            ("AB", "01"),
            ("BC", "02"),
            ("MB", "03"),
            ("NB", "04"),
            ("NL", "05"),
            ("NS", "07"),
            ("ON", "08"),
            ("PE", "09"),
            ("QC", "10"),
            ("SK", "11"),
            ("YT", "12"),
            ("NT", "13"),
            ("NU", "14"),
        )
    },
    **{
        code: ("AU", number)
        for code, number in (
            ("ACT", "01"),
            ("NSW", "02"),
            ("QLD", "04"),
            ("Qld", "04"),
            ("TAS", "06"),
            ("VIC", "07"),
            ("Vic", "07"),
        )
    },
}
_POSTAL_AFTER = re.compile(r",[ \t]*([A-Z][A-Za-z]{1,2})\b\.?(?:[ \t]+\d{5}(?:-\d{4})?)?")


_NO_DIVISIONS: Counter[tuple[str, str]] = Counter()
#: How many of a name's best candidates take part in the co-mentioned divisions.
CO_CANDIDATES = 3


def _town_divisions(s: Span) -> set[tuple[str, str]]:
    return {
        (e.place.country, e.place.admin1)
        for _p, e, _d in _ranked(s).options[:CO_CANDIDATES]
        if e.place.kind == "city" and e.place.country and e.place.admin1
    }


_LIST_GAP = re.compile(r"^\s*(?:,|;|,?\s*(?:and|or|und|oder|et|ou|y|o|og|eller|och|ja|e|i))\s*$")


def _co_divisions(text: str, spans: Sequence[Span]) -> dict[int, Counter[tuple[str, str]]]:
    """For each name in a list, the divisions its list-mates' towns lie in.

    A list is a run of names joined by commas or "and" ("Boston, Worcester, Springfield
    and Lowell"); a division that two or more of the others could be in pulls an
    ambiguous member towards it: Springfield is then the one in Massachusetts. In a
    longer list the division must hold half the others.
    """
    out: dict[int, Counter[tuple[str, str]]] = {}
    chain: list[int] = []

    def close() -> None:
        if len(chain) >= 3:
            sets = {i: _town_divisions(spans[i]) for i in chain}
            total: Counter[tuple[str, str]] = Counter()
            for divisions in sets.values():
                total.update(divisions)
            # Half the others at least: in a list of world capitals, Athens, Rome, Cairo
            # and Dublin all have namesakes in Georgia, which is no reason to go there.
            need = max(2, (len(chain) - 1) / 2)
            for i in chain:
                others = total.copy()
                others.subtract(sets[i])
                out[i] = Counter({k: n for k, n in others.items() if n >= need})
        chain.clear()

    for i, s in enumerate(spans):
        if not s.keep or s.unknown or not s.entries:
            close()
            continue
        if chain and not _LIST_GAP.match(text[spans[chain[-1]].end : s.start]):
            close()
        chain.append(i)
    close()
    return out


def _postal_division(text: str, s: Span) -> tuple[str, str] | None:
    """The division a postal abbreviation after the span names ("Arlington, VA")."""
    m = _POSTAL_AFTER.match(text, s.end)
    if m is None:
        return None
    return _POSTAL.get(m.group(1))


_DIVISION_WORDS = re.compile(
    r"(?:[ \t]+(?:and|or|&)[ \t]+[A-Z][\w'’-]*)?[ \t]+"
    r"(?:provinces?|states?|count(?:y|ies)|regions?|prefectures?|governorates?)\b"
)


#: A town this close to a named second-order division's centre lies in it, for the
#: container rule ("Floridablanca, Pampanga"): divisions have no outline here.
COUNTY_RADIUS_KM = 100.0


def _near_any(p: Place, divisions: Sequence[Place]) -> bool:
    if p.lat is None or p.lon is None:
        return False
    for d in divisions:
        if d.country != p.country or d.lat is None or d.lon is None:
            continue
        dlat = math.radians(d.lat - p.lat)
        dlon = math.radians(d.lon - p.lon) * math.cos(math.radians((d.lat + p.lat) / 2))
        if 6371.0 * math.hypot(dlat, dlon) <= COUNTY_RADIUS_KM:
            return True
    return False


def _division_cue(text: str, s: Span) -> bool:
    """Whether the text calls the name a division: "Cagayan and Isabela provinces"."""
    return _DIVISION_WORDS.match(text, s.end, s.end + 60) is not None


def _contained(text: str, spans: Sequence[Span], i: int) -> Span | None:
    """The span right before ``, <span>`` that this one may contain ("Seattle, Washington")."""
    if i == 0:
        return None
    prev = spans[i - 1]
    gap = text[prev.end : spans[i].start]
    if gap.strip() == "," and len(gap) <= 3 and prev.keep and not prev.unknown:
        return prev
    return None


def _container(text: str, spans: Sequence[Span], i: int) -> Span | None:
    """The span right after ``<span>, `` that may contain it ("Paris, Texas")."""
    s = spans[i]
    if i + 1 >= len(spans):
        return None
    nxt = spans[i + 1]
    gap = text[s.end : nxt.start]
    if gap.strip() in (",", "(") and len(gap) <= 3 and nxt.keep:
        return nxt
    return None


def military_context(text: str) -> bool:
    """Whether a document is about defense: then a curated site outranks its namesakes.

    "Aalborg" in an article on the defense agreement is Aalborg Air Base; in a report on
    the city's football club it is the city. Two defense words in the first 20,000
    characters, in any supported language, decide.
    """
    return len(_DEFENSE_WORDS.findall(text, 0, 20_000)) >= 2


_DEFENSE_WORDS = re.compile(
    r"\b(?:" + "|".join(p.military for p in languages() if p.military) + r")\b", re.IGNORECASE
)
CIVIL_SITE_FACTOR = 0.6  # a curated site's prior outside a defense article
FACILITY_KIND_BONUS = 1.5  # a site of the kind its designator says ("Air Base" -> air base)


def resolve_spans(
    text: str, spans: Sequence[Span], *, military: bool | None = None
) -> dict[int, Decision]:
    """Choose a place for every kept span (keyed by its index in *spans*).

    *military* says whether the document is about defense (see :func:`military_context`;
    computed from *text* when ``None``).
    """
    if military is None:
        # Only a document with a curated site among its candidates needs the answer.
        military = any(
            s.keep and s.info is not None and s.info.has_site for s in spans
        ) and military_context(text)
    countries, divisions = _context(spans)
    co_divisions = _co_divisions(text, spans)
    total = sum(countries.values()) or 1
    divisions_of: Counter[str] = Counter(c for c, _a in divisions)
    max_context = (
        1 + COUNTRY_SUPPORT + ADMIN1_SUPPORT + ADMIN1_SIBLINGS + CONTAINER_SUPPORT + DEMONYM_COUNTRY
    )
    decisions: dict[int, Decision] = {}
    memo: dict[tuple[str, bool], Decision] = {}
    for i, s in enumerate(spans):
        if not s.keep or s.unknown:
            continue
        container = _container(text, spans, i)
        postal = _postal_division(text, s) if container is None else None
        contained = _contained(text, spans, i)
        list_divisions = co_divisions.get(i, _NO_DIVISIONS)
        cue = _division_cue(text, s)
        memo_key = (s.key, bool(s.entries))
        plain = (
            container is None
            and postal is None
            and contained is None
            and i not in co_divisions
            and not cue
        )
        if plain and memo_key in memo:
            decisions[i] = memo[memo_key]
            continue
        inside: set[str] = set()
        inside_div: set[tuple[str, str]] = set()
        near: list[Place] = []  # second-order divisions named as the container
        if container is not None:
            for e, _d in _options(container):
                if e.place.kind == "country" and e.place.country:
                    inside.add(e.place.country)
                elif e.place.kind == "admin1" and e.place.country and e.place.admin1:
                    inside_div.add((e.place.country, e.place.admin1))
                elif e.place.kind == "admin2" and e.place.has_point:
                    near.append(e.place)
        if postal is not None:
            inside_div.add(postal)
        # The divisions holding the town named just before: "Seattle, Washington" is the
        # state of Washington, whose town Seattle is.
        holds: set[tuple[str, str]] = set()
        held: list[Place] = []  # ... and the towns, for a county: "Gamu, Isabela"
        if contained is not None:
            for _p, e, _d in _ranked(contained).options[:3]:
                if e.place.kind == "city" and e.place.country and e.place.admin1:
                    holds.add((e.place.country, e.place.admin1))
                if e.place.kind == "city" and e.place.has_point:
                    held.append(e.place)
        # (score, entry, demonym?, which context applied: a bit set read by _context_words)
        scored: list[tuple[float, Entry, bool, int]] = []
        best_so_far = 0.0
        ranked = _ranked(s)
        own = ranked.country  # a name is no evidence for itself
        own_division: dict[tuple[str, str], float] = {}
        if s.keep and not s.unknown:
            if ranked.division:
                own_division[ranked.division] = 1.0
            elif ranked.town_division:
                own_division[ranked.town_division] = TOWN_DIVISION_WEIGHT
        designated = s.designator is not None
        facility = designated and any(e.place.kind in SITE_KINDS for _p, e, _d in ranked.options)
        for prior, e, is_demonym in ranked.options:
            if prior * max_context < best_so_far:
                break  # no context can lift this or any later candidate to the top
            p = e.place
            if facility:
                # "vliegbasis Volkel": the facility word names a facility, and the
                # gazetteer has one of that name: towns are out.
                if p.kind not in SITE_KINDS:
                    continue
                if p.kind == s.designator:
                    prior *= FACILITY_KIND_BONUS
            elif not military and not designated and p.kind in SITE_KINDS:
                prior *= CIVIL_SITE_FACTOR
            if cue and p.kind in ("admin1", "admin2"):
                prior *= DIVISION_CUE
            cc = p.country
            ctx = 0.0
            used = 0
            if cc:
                named = countries[cc]
                share = (named - (cc == own)) / total
                if share:
                    ctx += COUNTRY_SUPPORT * min(1.0, 2 * share)
                    used |= _COUNTRY
                if p.kind == "country" and named > 1:
                    ctx += DEMONYM_COUNTRY
                if p.kind == "admin1":
                    siblings = divisions_of[cc] - ((cc, p.admin1) in divisions)
                    if siblings:
                        ctx += ADMIN1_SIBLINGS * min(1.0, siblings / 2)
                        used |= _SIBLINGS
                elif p.admin1 and divisions[(cc, p.admin1)] > own_division.get((cc, p.admin1), 0):
                    ctx += ADMIN1_SUPPORT  # (its own division, given by the name, excepted)
                    used |= _DIVISION
                elif p.admin1 and list_divisions[(cc, p.admin1)] >= 2:
                    ctx += ADMIN1_SUPPORT  # "Boston, Worcester, Springfield": in their state
                    used |= _DIVISION
            if (
                (container is not None or postal is not None)
                and (
                    (cc in inside and p.kind != "country")
                    or (cc, p.admin1) in inside_div
                    or (p.kind == "city" and _near_any(p, near))
                )
            ) or (
                (p.kind == "admin1" and (cc, p.admin1) in holds)
                or (p.kind == "admin2" and p.has_point and any(_near_any(t, [p]) for t in held))
            ):
                ctx += CONTAINER_SUPPORT
                used |= _CONTAINER
            score = prior * (1.0 + ctx)
            if score > best_so_far:
                best_so_far = score
            scored.append((score, e, is_demonym, used))
        scored.sort(key=lambda t: (-t[0], -t[1].place.population, t[1].place.id))
        best_score, best, best_is_demonym, used = scored[0]
        runner = scored[1][0] if len(scored) > 1 else 0.0
        margin = best_score - runner
        confidence = min(1.0, s.score * (0.6 + 0.4 * min(1.0, best_score)) + min(0.2, margin))
        context = _context_words(best.place, used, countries, container, contained)
        reason = _describe(best, s, context, len(ranked.options), best_is_demonym)
        precision = None
        if designated and best.place.kind not in SITE_KINDS:
            precision = TOWN_NAMED_BY_FACILITY
            what = (s.designator or "unknown").replace("_", " ")
            reason = (
                f"the {what} is not in the gazetteer: the town named by it; " + reason
                if s.designator != "unknown"
                else "the facility is not in the gazetteer: the place named by it; " + reason
            )
        decision = Decision(
            place=best.place,
            score=round(confidence, 4),
            reason=reason,
            ranked=tuple((e.place, round(sc, 4)) for sc, e, _d, _u in scored[:5]),
            demonym=best_is_demonym,
            precision=precision,
        )
        decisions[i] = decision
        if plain and not designated:
            memo[memo_key] = decision
    return decisions


_COUNTRY, _SIBLINGS, _DIVISION, _CONTAINER = 1, 2, 4, 8


def _context_words(
    p: Place,
    used: int,
    countries: Counter[str],
    container: Span | None,
    contained: Span | None = None,
) -> str:
    """The context that lifted the chosen place, in words (only built for the winner)."""
    why = []
    if used & _COUNTRY:
        if p.kind != "country":
            why.append(f"{p.country} is named in the document")
        elif countries[p.country or ""] > 1:
            why.append("named again in the document")
    if used & _SIBLINGS:
        why.append(f"other divisions of {p.country} are named")
    if used & _DIVISION:
        why.append("its division is named in the document")
    if used & _CONTAINER and container is not None:
        why.append(f"followed by {container.surface!r}")
    elif used & _CONTAINER and contained is not None:
        why.append(f"holds {contained.surface!r}, named before it")
    return "; ".join(why)


def _describe(best: Entry, span: Span, context: str, n: int, demonym: bool) -> str:
    from geo.gazetteer.query import _reason

    what = _reason(best.place, best.flags, best.langs)
    if demonym:
        what = f"demonym of {best.place.name}"
    parts = [what]
    if n > 1:
        parts.append(f"best of {n} candidates")
    if context:
        parts.append(context)
    parts.append(f"recognized by {span.why}")
    return "; ".join(parts)
