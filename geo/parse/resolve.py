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

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from geo.gazetteer.index import (
    ANY_LANG,
    DEMONYM_DISCOUNT,
    LANG_BIT,
    importance,
    match_quality,
)
from geo.gazetteer.query import Entry
from geo.gazetteer.sources import SITE_KINDS
from geo.models import Place
from geo.parse.recognize import Span
from geo.text.languages import languages

# Context multiplies the prior: score = prior * (1 + sum of the terms that apply). The
# values were chosen on the training split of the benchmark corpora
# (benchmarks/tune_resolver.py) and make sense on their own: a named container decides
# ("Paris, Texas"), a country in play helps a lot, a division in play a little.
COUNTRY_SUPPORT = 0.3  # the candidate's country is named in the document (scaled by share)
ADMIN1_SUPPORT = 0.2  # a town whose first-order division is named in the document
ADMIN1_SIBLINGS = 0.25  # a division when other divisions of its country are named
CONTAINER_SUPPORT = 0.8  # the candidate lies in the place named right after it
DEMONYM_COUNTRY = 0.1  # a country the document names more than once
DOMINANT = 1.25  # a name whose best candidate leads by this factor is a clue to its country


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
        scored = [
            (max(prior, 1.01 * divisions.get((e.place.country, e.place.admin1), 0.0)), e, d)
            if e.place.kind == "city"
            else (prior, e, d)
            for prior, e, d in scored
        ]
    options = sorted(scored, key=lambda t: (-t[0], -t[1].place.population, t[1].place.id))
    places = {e.place.id: e.place for _p, e, _d in options}
    country = division = None
    top = options[0][1].place if options else None
    dominant = len(options) > 1 and options[0][0] >= DOMINANT * options[1][0]
    if top is not None and (len(places) == 1 or dominant or top.kind in ("country", "admin1")):
        country = top.country
        if top.kind == "admin1" and top.country and top.admin1:
            division = (top.country, top.admin1)
    ranked = _Ranked(tuple(options), country, division)
    if info is not None:
        info.resolver_cache = ranked
    return ranked


def _context(spans: Sequence[Span]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Countries and divisions the document is about, from its confident spans."""
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
    return countries, divisions


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
        memo_key = (s.key, bool(s.entries))
        if container is None and memo_key in memo:
            decisions[i] = memo[memo_key]
            continue
        inside: set[str] = set()
        inside_div: set[tuple[str, str]] = set()
        if container is not None:
            for e, _d in _options(container):
                if e.place.kind == "country" and e.place.country:
                    inside.add(e.place.country)
                elif e.place.kind == "admin1" and e.place.country and e.place.admin1:
                    inside_div.add((e.place.country, e.place.admin1))
        # (score, entry, demonym?, which context applied: a bit set read by _context_words)
        scored: list[tuple[float, Entry, bool, int]] = []
        best_so_far = 0.0
        ranked = _ranked(s)
        own = ranked.country  # a name is no evidence for itself
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
                elif p.admin1 and (cc, p.admin1) in divisions:
                    ctx += ADMIN1_SUPPORT
                    used |= _DIVISION
            if container is not None and (
                (cc in inside and p.kind != "country") or (cc, p.admin1) in inside_div
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
        context = _context_words(best.place, used, countries, container)
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
        if container is None and not designated:
            memo[memo_key] = decision
    return decisions


_COUNTRY, _SIBLINGS, _DIVISION, _CONTAINER = 1, 2, 4, 8


def _context_words(p: Place, used: int, countries: Counter[str], container: Span | None) -> str:
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
