"""Toponym recognition: which spans of a text name places (or peoples).

The recognizer needs no language model. It finds runs of capitalised words (with the
connectors names contain: "Gulf *of* Finland", "Bosnia *and* Herzegovina"), splits
hyphenated compounds ("US-Soldaten", "Ukraine-Konflikt") and slashes, and looks up every
sub-span, longest first, in the gazetteer's name and demonym keys. Datelines in capitals
("KOPENHAGEN:") and abbreviations written exactly as indexed ("US", "U.S.", "UK") count.

Each found span is then weighed by a small linear model over features a reader would use:
is it a country or a village, is the word common in this language ("Boden" in German is
soil), does a title or a first name precede it ("Antony Blinken"), is it a fragment of a
longer proper name, does a locative preposition precede it ("in Norway"), is it at the
start of a sentence. The weights were fitted on the training split of the benchmark
corpora (``benchmarks/train_recognizer.py``) and are stored in ``recognizer_weights.json``;
German capitalises every noun, which no English corpus teaches, so that rule is set by hand.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .curated import SITE_KINDS
from .gazetteer import ANY_LANG, CASE, CURATED, LANG_BIT, PREFERRED, VARIANT, Entry, Gazetteer
from .lexicon import CALENDAR, FUNCTION_WORDS, TITLES, first_names, last_names, zipf
from .normalize import name_key

MAX_TOKENS = 7  # the longest name we look up, in words ("Harstad/Narvik Airport Evenes")

_UPPER = "".join(
    ch for ch in map(chr, [*range(0x41, 0x2B0), *range(0x1E00, 0x1F00)]) if ch.isupper()
)
_UP = f"[{re.escape(_UPPER)}]"
_CONNECTORS = (
    "of|the|de|del|della|di|da|das|do|dos|du|des|la|le|les|el|al|am|an|der|den|dem|im|"
    "upon|on|sur|en|es|y|i|og|och|and|und|et|&"
)
# A capitalised word: letters/digits with inner apostrophes, dots, hyphens ("U.S.",
# "O'Hare", "Saint-Denis", "US-Soldaten"), optionally a final dot ("St.", "U.S.").
_TOKEN = rf"{_UP}\w*(?:['’.\-]\w+)*(?:\.(?=\s|$|[,;:)]))?"
_RUN = re.compile(
    rf"(?<![\w'’.\-]){_TOKEN}(?:(?:[ \t]+|[ \t]*/[ \t]*)(?:(?:{_CONNECTORS})[ \t]+)*{_TOKEN})*"
)
_PART = re.compile(r"[^\s/\-]+")
_CONNECTOR_SET = frozenset(_CONNECTORS.split("|"))
_SENTENCE_END = frozenset('.!?:;"“”»\n')
_LOCATIVE = frozenset(
    """in into inside at near from to across throughout within around outside toward towards
    via through over off nach aus bei von vom zum zur im ins i fra til på från till ved hos
    à au aux dans vers en desde hacia cerca""".split()
)
_PLACE_WORDS = frozenset(
    name_key(w)
    for w in """air station base naval airport airfield city county province state region
    district island islands sea ocean gulf bay strait river lake mountains peninsula valley
    coast harbour harbor port fjord municipality kommune kommun flystasjon flyplass falls
    orlogsstasjon garnison lufthavn""".split()
)


@dataclass(slots=True)
class Span:
    """A candidate place mention with its gazetteer entries and recognition features."""

    start: int
    end: int
    surface: str
    key: str
    entries: list[Entry]  # places the name may denote
    demonyms: list[Entry]  # places whose people/adjective the word may be (Canadian)
    n_tokens: int
    run: int = 0  # index of its run of capitalised words
    first_part: int = 0  # index of its first and last word in that run
    last_part: int = 0
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    keep: bool = False
    why: str = ""

    @property
    def demonym(self) -> bool:
        """Whether the span is only a demonym (no place has this name)."""
        return not self.entries


@dataclass(slots=True)
class _Part:
    start: int
    end: int  # end of the core (without a possessive or a sentence-final dot)
    text: str
    connector: bool
    dot_end: int  # end with a final dot kept ("Calif.", "Ky."), else == end


@cache
def _weights() -> dict[str, float]:
    text = (resources.files("geo") / "recognizer_weights.json").read_text(encoding="utf-8")
    return {k: float(v) for k, v in json.loads(text)["weights"].items()}


@cache
def _first_words(gaz: Gazetteer) -> frozenset[str]:
    """The first words of every indexed key: a span can only start on one of them."""
    words = {key.split(" ", 1)[0] for key in gaz.names}
    words.update(key.split(" ", 1)[0] for key in gaz.demonyms)
    return frozenset(words)


def _parts(text: str, start: int, end: int) -> list[_Part]:
    parts = []
    for m in _PART.finditer(text, start, end):
        s, e = m.start(), m.end()
        word = m.group()
        core_end = dot_end = e
        if word.endswith(("'s", "’s")):
            core_end = dot_end = e - 2
        elif word.endswith(("'", "’")):
            core_end = dot_end = e - 1
        elif word.endswith(".") and word.count(".") == 1:
            core_end = e - 1  # "Norway." at a sentence end; "U.S." keeps its dots
        if core_end <= s:
            continue
        low = word.lower()
        parts.append(_Part(s, core_end, text[s:core_end], low in _CONNECTOR_SET, dot_end))
    return parts


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘«(":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _previous_word(text: str, start: int) -> str:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    j = i
    while j >= 0 and (text[j].isalpha() or text[j] in "'’"):
        j -= 1
    return text[j + 1 : i + 1].lower()


def _is_dateline(text: str, end: int) -> bool:
    """A capitalised place at a paragraph start followed by ':' or a dash (KOPENHAGEN:)."""
    rest = text[end : end + 4]
    return bool(re.match(r"\s*(?:[:(—–]|-\s|,\s*[A-Z])", rest))


def find_spans(
    text: str, gaz: Gazetteer, *, lang: str = "en", max_chars: int | None = None
) -> list[Span]:
    """Every candidate span of *text*, scored; ``Span.keep`` says whether it is a mention."""
    first = _first_words(gaz)
    names, demonyms = gaz.names, gaz.demonyms
    spans: list[Span] = []
    runs: list[list[_Part]] = []
    limit = len(text) if max_chars is None else min(len(text), max_chars)
    for m in _RUN.finditer(text, 0, limit):
        parts = _parts(text, m.start(), m.end())
        if not parts:
            continue
        runs.append(parts)
        n = len(parts)
        i = 0
        while i < n:
            p = parts[i]
            if p.connector:
                i += 1
                continue
            if name_key(p.text) not in first:
                i += 1
                continue
            found = None
            for j in range(min(n, i + MAX_TOKENS) - 1, i - 1, -1):
                if parts[j].connector:
                    continue
                surface = text[p.start : parts[j].end]
                key = name_key(surface)
                if key in names or key in demonyms:
                    found = (j, surface, key)
                    break
            if found is None:
                i += 1
                continue
            j, surface, key = found
            end = parts[j].end
            entries = gaz.entries(surface, key=key) if key in names else []
            if parts[j].dot_end > end and key in names:
                dotted = text[p.start : parts[j].dot_end]
                with_dot = gaz.entries(dotted, key=key)
                if len(with_dot) > len(entries):  # "Ky." is Kentucky, "Ky" is not
                    surface, end, entries = dotted, parts[j].dot_end, with_dot
            if entries and surface.isupper() and any(e.flags & CASE for e in entries):
                # "UK" is the United Kingdom; a village written "Uk" is not meant.
                entries = [e for e in entries if e.flags & CASE or e.place.name == surface]
            dem = gaz.demonym_entries(key) if key in demonyms else []
            if entries or dem:
                spans.append(
                    Span(
                        start=p.start,
                        end=end,
                        surface=surface,
                        key=key,
                        entries=entries,
                        demonyms=dem,
                        n_tokens=j - i + 1,
                        run=len(runs) - 1,
                        first_part=i,
                        last_part=j,
                    )
                )
                i = j + 1
            else:
                i += 1
    if spans:
        _score(text, spans, runs, lang, demonyms)
    return spans


def _person_tokens(runs: Sequence[list[_Part]]) -> set[str]:
    """Keys of words used as people's names in this document.

    In a run of capitalised words, what follows a title ("President", "Frau") or a
    common first name ("Mike de Kock", "Antony Blinken") is a person's name; the first
    name itself is too, unless a place word follows ("Victoria Falls").
    """
    firsts = first_names()
    people: set[str] = set()
    for parts in runs:
        words = [p for p in parts if not p.connector]
        for k, a in enumerate(words[:-1]):
            ka = name_key(a.text)
            rest = words[k + 1 : k + 4]
            if ka in TITLES:
                people.update(name_key(b.text) for b in rest)
            elif firsts.get(ka, 0.0) >= 0.02 and not a.text.isupper():
                following = [name_key(b.text) for b in rest]
                if following and following[0] not in _PLACE_WORDS:
                    people.add(ka)
                    people.update(following)
    return people


def _best(entries: Sequence[Entry]) -> Entry | None:
    from .gazetteer import importance

    if not entries:
        return None
    return max(entries, key=lambda e: (importance(e.place), e.place.population))


DEMONYM_DISCOUNT = 0.95  # a demonym names its country a little less directly than the name


def span_features(
    text: str,
    s: Span,
    parts: list[_Part],
    lang: str,
    people: set[str],
    demonym_keys: Collection[str] = (),
) -> dict[str, float]:
    """The recognition features of one span (see the module docstring)."""
    from .gazetteer import importance

    firsts = first_names()
    best_place, best_dem = _best(s.entries), _best(s.demonyms)
    as_demonym = best_place is None or (
        best_dem is not None
        and importance(best_dem.place) * DEMONYM_DISCOUNT > importance(best_place.place)
    )
    best = best_dem if as_demonym else best_place
    assert best is not None
    p = best.place
    f: dict[str, float] = {}
    kind = "demonym" if as_demonym else _kind_group(p.kind, p.id)
    f[f"kind_{kind}"] = 1.0
    if kind == "city":
        f["city_logpop"] = min(1.0, math.log10(p.population + 1) / 7)
    if s.entries and s.demonyms:
        f["also_demonym" if not as_demonym else "also_place"] = 1.0
    f["n_tokens"] = min(s.n_tokens, 4) - 1
    f["n_candidates"] = min(len(s.entries) + len(s.demonyms), 10) / 10
    if best.flags & CASE:
        f["abbreviation"] = 1.0
    if not as_demonym and not best.flags & (PREFERRED | CURATED):
        f["alternate_only"] = 1.0
    if best.flags & VARIANT:
        f["variant"] = 1.0
    if best.langs != ANY_LANG and not best.langs & LANG_BIT.get(lang, ANY_LANG):
        f["other_language"] = 1.0
    if as_demonym and s.key.endswith("s") and s.key[:-1] in demonym_keys:
        f["demonym_plural"] = 1.0  # "Canadians" (people) rather than "Canadian" (adjective)
    single = s.n_tokens == 1
    z = zipf(s.surface, lang) if single else 0.0
    # How much more frequent the word is than such a place would be: "Boden" is a town
    # of 18,000 but as common in German as "Land"; "Kopenhagen" is not.
    common = max(0.0, z - _expected_zipf(p, as_demonym)) / 3 if single else 0.0
    if _sentence_initial(text, s.start):
        f["sentence_initial"] = 1.0
        f["common_initial"] = common
    else:
        f["common_inner"] = common
    if lang in _NOUN_CAPITALISING:
        f["common_noun_language"] = common
    if single and s.key in FUNCTION_WORDS:
        f["function_word"] = 1.0
    if s.key in CALENDAR:
        f["calendar"] = 1.0
    if s.surface.isupper() and not best.flags & CASE and len(s.surface) > 3:
        f["all_caps"] = 1.0
        if _is_dateline(text, s.end):
            f["dateline"] = 1.0
    if single:
        f["first_name"] = min(firsts.get(s.key, 0.0), 1.0)
        f["last_name"] = min(last_names().get(s.key, 0.0) * 10, 1.0)
    if s.key in people:
        f["person_context"] = 1.0
    prev = _previous_word(text, s.start)
    if prev in _LOCATIVE:
        f["locative"] = 1.0
    if name_key(prev) in TITLES:
        f["title_before"] = 1.0
    before, after, compound = _neighbours(text, parts, s)
    if compound:
        # English "US-led" differs from German "US-Soldaten": separate features.
        f["compound_head_noun_language" if lang in _COMPOUNDING else "compound_head"] = 1.0
    if before is not None:
        f["word_before"] = 1.0
        if name_key(before) in firsts:
            f["first_name_before"] = 1.0
    if after is not None:
        key_after = name_key(after)
        if key_after in _PLACE_WORDS:
            f["place_word_after"] = 1.0
        elif key_after in TITLES:
            f["title_after"] = 1.0  # "Russian President", "US Secretary"
        else:
            f["word_after"] = 1.0
            if before is None:
                f["heads_a_name"] = 1.0  # "Toronto Star", "US State Department"
    return f


def _score(
    text: str,
    spans: list[Span],
    runs: Sequence[list[_Part]],
    lang: str,
    demonym_keys: Collection[str],
) -> None:
    weights = _weights()
    people = _person_tokens(runs)
    for s in spans:
        f = span_features(text, s, runs[s.run], lang, people, demonym_keys)
        s.features = f
        total = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * v for k, v in f.items())
        s.score = 1.0 / (1.0 + math.exp(-total))
        s.keep = s.score >= weights.get("threshold", 0.5)
        top = sorted(((weights.get(k, 0.0) * v, k) for k, v in f.items()), reverse=True)
        s.why = ", ".join(k for w, k in top[:2] if w > 0) or "weak evidence"


_NOUN_CAPITALISING = frozenset({"de"})
_COMPOUNDING = frozenset({"de", "da", "no", "sv", "fi"})


def _expected_zipf(place: Any, demonym: bool) -> float:
    """Typical Zipf frequency of a name of this kind and size in news text."""
    if demonym:
        return 4.0
    kind = place.kind
    if kind in ("country", "continent"):
        return 4.6
    if kind == "admin1":
        return 3.8
    if kind == "city":
        return 1.0 + 0.5 * math.log10(max(place.population, 1))
    if place.id.startswith("region:"):
        return 3.5
    return 1.5


def _kind_group(kind: str, place_id: str) -> str:
    if kind in SITE_KINDS:
        return "site"
    if place_id.startswith("region:"):
        return "region"
    if kind in ("country", "admin1", "continent", "city", "airport"):
        return kind
    return "other"


def _neighbours(text: str, parts: list[_Part], s: Span) -> tuple[str | None, str | None, bool]:
    """The capitalised words right before/after *s* in its run (space-separated), and
    whether *s* heads a hyphenated compound ("US-Soldaten", "Ukraine-Konflikt", "US-led").

    Neighbours count even when they are names themselves: "Central Bank" is one name,
    not two places.
    """
    before = after = None
    compound = False
    if s.first_part > 0:
        q = parts[s.first_part - 1]
        joined = text[q.end : s.start] in ("-", "'s-", "’s-")
        if not q.connector and not joined and q.text[:1].isupper():
            before = q.text
    if s.last_part + 1 < len(parts):
        q = parts[s.last_part + 1]
        if text[s.end : q.start] == "-":
            compound = True
        elif not q.connector and q.text[:1].isupper():
            after = q.text
    return before, after, compound
