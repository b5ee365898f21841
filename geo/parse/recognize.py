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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from geo.gazetteer.index import (
    ANY_LANG,
    CASE,
    CURATED,
    DEMONYM_DISCOUNT,
    LANG_BIT,
    PREFERRED,
    VARIANT,
    division_outranks_alias,
)
from geo.gazetteer.query import Entry, Gazetteer
from geo.gazetteer.sources import SITE_KINDS
from geo.text.languages import language, languages, union
from geo.text.lexicon import CALENDAR, FUNCTION_WORDS, TITLES, first_names, last_names, zipf
from geo.text.normalize import name_key
from geo.text.sentences import ABBREVIATIONS

MAX_TOKENS = 7  # the longest name we look up, in words ("Harstad/Narvik Airport Evenes")

# Capital letters of the Latin and Cyrillic scripts: a name starts with one of them.
_UPPER = "".join(
    ch
    for ch in map(chr, [*range(0x41, 0x2B0), *range(0x400, 0x530), *range(0x1E00, 0x1F00)])
    if ch.isupper()
)
_UP = f"[{re.escape(_UPPER)}]"
# Words that join the parts of a name ("Gulf *of* Finland"), from every language pack.
_CONNECTORS = "|".join(
    re.escape(w) for w in sorted(union("connectors"), key=lambda w: (-len(w), w))
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
# Words after a name that make it a place, from every pack (names travel across languages).
_PLACE_WORDS = frozenset(name_key(w) for w in union("place_words"))
# A run of capitalised words that ends with one of these (or starts with a prefix below)
# names a place even when the gazetteer does not know it: "Crawford County", "Fooville
# Air Base", "Camp Murray". Such mentions are reported unresolved rather than dropped or
# forced onto a namesake town.
_PLACE_SUFFIXES = frozenset(name_key(w) for w in union("place_suffixes"))
_ORGANISATIONS = frozenset(name_key(w) for w in union("organisations"))
_PLACE_PREFIXES = frozenset(name_key(w) for w in union("place_prefixes"))
UNRESOLVED_SCORE = 0.6
#: An inflected-looking word this common (Zipf) names only countries, divisions, regions
#: and sites, never a town ("Basis" is no genitive of Basi).
INFLECTED_COMMON_ZIPF = 3.5
#: ... unless the town is this large: "Warszawę", "Москве" are common words because the
#: cities are much written about.
INFLECTED_COMMON_TOWN = 200_000
#: The recognition score of a known name with a facility word ("авиабаза Хмеймим").
DESIGNATED_SCORE = 0.8
#: How much more frequent a town's name is in its own language's news than in English.
NATIVE_ZIPF_BONUS = 0.8
#: Towns at least this large keep their native names in non-English documents.
NATIVE_TOWN_POPULATION = 20_000
#: A word this common in the document's language (Zipf) is not taken for a name that
#: only other languages give a place ("Indie" in English; see ``_foreign_word``).
FOREIGN_COMMON_ZIPF = 3.5

# How the reasons read: the strongest positive evidence, in words.
EVIDENCE = {
    "kind_country": "a country's name",
    "kind_continent": "a continent's name",
    "kind_admin1": "a state or province",
    "kind_admin2": "a county",
    "kind_region": "a region or sea",
    "kind_site": "an agreed military site",
    "kind_demonym": "a people's adjective",
    "city_logpop": "a sizeable town",
    "n_tokens": "a name of several words",
    "abbreviation": "an acronym written as indexed",
    "locative": "after a locative preposition",
    "dateline": "a dateline",
    "place_word_after": "followed by a place word",
    "title_after": "before a title",
    "compound_head": "heads a compound",
    "compound_head_noun_language": "heads a compound",
    "demonym_compound_head": "heads a compound",
    "demonym_heads_a_name": "modifies a name",
    "place_pattern": "named like a place",
}


@dataclass(slots=True)
class Span:
    """A candidate place mention with its gazetteer entries and recognition score."""

    start: int
    end: int
    surface: str
    key: str
    entries: list[Entry]  # places the name may denote
    demonyms: list[Entry]  # places whose people/adjective the word may be (Canadian)
    n_tokens: int
    features: dict[str, float] = field(default_factory=dict)
    info: Any = None  # the context-free analysis this span shares with its namesakes
    lang: str = "en"  # the language the document was read in
    designator: str | None = None  # the facility kind a designator word gives the name
    score: float = 0.0
    keep: bool = False
    why: str = ""

    @property
    def demonym(self) -> bool:
        """Whether the span is only a demonym (no place has this name)."""
        return not self.entries and bool(self.demonyms)

    @property
    def unknown(self) -> bool:
        """Whether the span looks like a place the gazetteer does not know."""
        return not self.entries and not self.demonyms


@dataclass(slots=True)
class _Part:
    start: int
    end: int  # end of the core (without a possessive or a sentence-final dot)
    text: str
    connector: bool
    dot_end: int  # end with a final dot kept ("Calif.", "Ky."), else == end


@dataclass(slots=True)
class _Static:
    """What a surface form tells on its own, computed once per form and language."""

    entries: list[Entry]
    demonyms: list[Entry]
    features: dict[str, float]  # the context-free features
    total: float  # sum of their weighted values
    common: float  # commonness (see span_features), weighted by position later
    all_caps: bool
    resolver_cache: Any = None  # the resolver's ranked candidates, computed once
    has_site: bool = False  # an agreed site is among the candidates


@dataclass(slots=True)
class _Hit:
    """A candidate span inside a run, relative to the run's start."""

    rel_start: int
    rel_end: int
    surface: str
    key: str
    n_tokens: int
    info: _Static
    run_ctx: dict[str, float]
    run_total: float
    first_in_run: bool
    said: list[str]  # the strongest evidence from the name and the run, in words
    designator: str | None = None  # "Air Base", "Fliegerhorst": the facility kind


@dataclass(slots=True)
class _RunInfo:
    hits: list[_Hit]
    people: tuple[str, ...]


_MISSING: Any = object()


@cache
def _weights() -> dict[str, float]:
    text = (resources.files("geo") / "recognizer_weights.json").read_text(encoding="utf-8")
    return {k: float(v) for k, v in json.loads(text)["weights"].items()}


def _core(word: str, start: int) -> tuple[int, int]:
    """End of a word without a possessive or a final dot, and the end keeping the dot."""
    e = start + len(word)
    if word.endswith(("'s", "’s")):
        return e - 2, e - 2
    if word.endswith(("'", "’")):
        return e - 1, e - 1
    if word.endswith(".") and word.count(".") == 1:
        return e - 1, e  # "Norway." at a sentence end; "U.S." keeps its dots
    return e, e


def _parts(text: str, start: int, end: int) -> list[_Part]:
    parts = []
    for m in _PART.finditer(text, start, end):
        s = m.start()
        word = m.group()
        core_end, dot_end = _core(word, s)
        if core_end <= s:
            continue
        parts.append(_Part(s, core_end, text[s:core_end], word.lower() in _CONNECTOR_SET, dot_end))
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


_DATELINE = re.compile(r"\s*(?:[:(—–]|-\s|,\s*[A-Z])")


def _is_dateline(text: str, end: int) -> bool:
    """A capitalised place at a paragraph start followed by ':' or a dash (KOPENHAGEN:)."""
    return _DATELINE.match(text, end, end + 6) is not None


_NOUN_CAPITALISING = frozenset(p.code for p in languages() if p.capitalises_nouns)
_COMPOUNDING = frozenset(p.code for p in languages() if p.compounds)


def _expected_zipf(place: Any, demonym: bool) -> float:
    """Typical Zipf frequency of a name of this kind and size in news text."""
    if demonym:
        return 5.0  # "Chinese", "Russian" are common words and still gold toponyms
    kind = place.kind
    if kind in ("country", "continent"):
        return 4.6
    if kind == "admin1":
        return 3.8
    if kind == "admin2":
        return 2.8
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
    if kind in ("country", "admin1", "admin2", "continent", "city", "airport"):
        return kind
    return "other"


def _best(entries: Sequence[Entry]) -> Entry | None:
    from geo.gazetteer.index import importance

    if not entries:
        return None
    best = max(entries, key=lambda e: (importance(e.place), e.place.population))
    if best.place.kind == "city" and not best.flags & (PREFERRED | CURATED):
        # A much larger division's own name ("Cagayan", the province) before a town that
        # has the name only as an alternate (Mapun, once "Cagayan de Tawi-Tawi").
        divisions = [
            e
            for e in entries
            if e.place.kind in ("admin1", "admin2")
            and division_outranks_alias(
                bool(e.flags & (PREFERRED | CURATED)), e.place.population, best.place.population
            )
        ]
        if divisions:
            return max(divisions, key=lambda e: (importance(e.place), e.place.population))
    return best


class Recognizer:
    """Finds and weighs candidate spans; one per gazetteer and language, with caches.

    Everything a surface form says on its own (its candidates, its kind, how common the
    word is) is computed once per form; only the context (the words around it) is
    computed per occurrence. That keeps recognition at several megabytes per second.
    """

    def __init__(self, gaz: Gazetteer, lang: str) -> None:
        self.gaz = gaz
        self.lang = lang
        self.names = gaz.names
        self.demonym_keys = gaz.demonyms
        self.weights = _weights()
        self._static: dict[str, _Static | None] = {}
        self._runs: dict[str, _RunInfo | None] = {}
        self._inflecting = lang in _INFLECTING
        self._inflection_cache: dict[str, tuple[_Static, str] | None] = {}
        # Prepositions before places: the document's language and English, which news
        # borrows; another language's prepositions are ordinary words here (Italian "a",
        # Polish "do" are an English article and verb).
        self.locatives = frozenset(language(lang).locatives) | frozenset(language("en").locatives)
        self._lang_bit = LANG_BIT.get(lang, ANY_LANG)
        self._facility_cache: dict[str, list[Entry]] = {}
        pack = language(lang)
        # Where the language is spoken, a town's GeoNames alternates are its native names
        # (English names are GeoNames' own; German capitalises every noun, so there the
        # word's commonness stays the signal).
        self._native_countries = pack.countries if lang != "en" else frozenset()
        self._capitalises_nouns = pack.capitalises_nouns
        self._bias = self.weights.get("bias", 0.0)
        self._threshold = self.weights.get("threshold", 0.5)
        self._first = _first_words(gaz)

    # -- context-free part
    def static(self, surface: str, key: str, n_tokens: int) -> _Static | None:
        """What a surface form says whatever its context (cached per surface and length)."""
        cache_key = surface if n_tokens == 1 else f"{surface}\x00{n_tokens}"
        found = self._static.get(cache_key, False)
        if found is not False:
            return found  # type: ignore[return-value]
        info = self._compute_static(surface, key, n_tokens)
        if len(self._static) > 200_000:
            self._static.clear()
        self._static[cache_key] = info
        return info

    def _compute_static(self, surface: str, key: str, n_tokens: int) -> _Static | None:
        from geo.gazetteer.index import importance

        gaz = self.gaz
        entries = gaz.entries(surface, key=key) if key in self.names else []
        if entries and surface.isupper() and any(e.flags & CASE for e in entries):
            # "UK" is the United Kingdom; a village written "Uk" is not meant.
            entries = [e for e in entries if e.flags & CASE or e.place.name == surface]
        dem = gaz.demonym_entries(key) if key in self.demonym_keys else []
        if not entries and not dem:
            return None
        if n_tokens == 1 and self._foreign_word(surface, (*entries, *dem)):
            return None
        best_place, best_dem = _best(entries), _best(dem)
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
        if entries and dem:
            f["also_demonym" if not as_demonym else "also_place"] = 1.0
        f["n_tokens"] = min(n_tokens, 4) - 1
        f["n_candidates"] = min(len(entries) + len(dem), 10) / 10
        if best.flags & CASE:
            f["abbreviation"] = 1.0
        native = (
            not as_demonym
            and p.country in self._native_countries
            and not self._capitalises_nouns
            and _native_name(p)
        )
        if not as_demonym and not best.flags & (PREFERRED | CURATED) and not native:
            # GeoNames keeps a town's names in other languages as alternates without
            # saying which language: in a Polish article "Warszawa" is the name, not an
            # alternate, so towns of some size keep their native names (see _native_name).
            f["alternate_only"] = 1.0
        if best.flags & VARIANT:
            f["variant"] = 1.0
        if (
            best.langs != ANY_LANG
            and not best.langs & LANG_BIT.get(self.lang, ANY_LANG)
            and not (p.country in self._native_countries and p.kind != "country")
        ):
            f["other_language"] = 1.0  # (a place where the language is spoken is exempt)
        if as_demonym and key.endswith("s") and key[:-1] in self.demonym_keys:
            f["demonym_plural"] = 1.0  # "Canadians" (people) rather than "Canadian"
        single = n_tokens == 1
        common = 0.0
        if single:
            # How much more frequent the word is than such a place would be: "Boden" is a
            # town of 18,000 but as common in German as "Land"; "Kopenhagen" is not.
            z = zipf(surface, self.lang)
            # Expect the frequency of the best-known namesake: a site named after its town
            # ("Aalborg", "Gotland") is as frequent a word as the town.
            expected = max(
                [_expected_zipf(p, as_demonym)]
                + [_expected_zipf(e.place, False) for e in entries[:20]]
                + [_expected_zipf(e.place, True) for e in dem[:5]]
            )
            if native:
                # A town is named far more often in its own language's news than in
                # English news, which the expectations above describe.
                expected += NATIVE_ZIPF_BONUS
            excess = z - expected
            common = max(0.0, excess) / 3
            if excess > 1.0 and kind in ("city", "admin1", "admin2", "airport", "other"):
                # A town or division much more common as a word: "Centre", "Union",
                # "Police", "Town" (countries and peoples are frequent words by nature).
                f["very_common"] = min(1.0, (excess - 1.0) / 2)
            if self.lang in _NOUN_CAPITALISING:
                f["common_noun_language"] = common
            if key in FUNCTION_WORDS:
                f["function_word"] = 1.0
            f["first_name"] = min(first_names().get(key, 0.0), 1.0)
            f["last_name"] = min(last_names().get(key, 0.0) * 10, 1.0)
        if key in CALENDAR:
            f["calendar"] = 1.0
        # Capitals that are not an indexed acronym: "KOPENHAGEN:" in a dateline, but
        # also "NATO", "NGO", "SOL" that only spell a village's name in capitals.
        all_caps = (
            surface.isupper()
            and sum(ch.isalpha() for ch in surface) >= 2
            and not any(e.flags & CASE for e in (*entries, *dem))
        )
        if all_caps:
            f["all_caps"] = 1.0
        w = self.weights
        total = sum(w.get(k, 0.0) * v for k, v in f.items())
        has_site = any(e.place.kind in SITE_KINDS for e in entries)
        return _Static(entries, dem, f, total, common, all_caps, has_site=has_site)

    def _foreign_word(self, surface: str, entries: Sequence[Entry]) -> bool:
        """A common word here that names places only in other languages ("Indie").

        Country names come in every supported language (CLDR): Polish "Indie" is India,
        but in English text it is a kind of music. A name none of whose entries belongs
        to this document's language, and that is a common word in it, is no mention.
        """
        bit = self._lang_bit
        if any(e.langs == ANY_LANG or e.langs & bit for e in entries):
            return False
        if any(
            e.place.country in self._native_countries and e.place.kind != "country" for e in entries
        ):
            # "Terceira", "Sicilia" in Portuguese and Italian text: a place where the
            # language is spoken is named in it, whatever column its name came from.
            # (Country names come in every language, so a country is never exempt.)
            return False
        return zipf(surface.rstrip("."), self.lang) >= FOREIGN_COMMON_ZIPF

    # -- inflection
    def _inflected(self, word: str) -> tuple[_Static, str] | None:
        """A known place under a case or genitive ending ("Washingtonissa", "Norges").

        Finnish inflects names (Suomen, Rovaniemeä, Lapissa) and German, Danish,
        Norwegian and Swedish add a genitive -s (Norwegens, Danmarks). The stems are
        tried only for those languages and accepted only when they name a country, a
        division, a region, an agreed site or a town of 20,000 or more: an ending
        stripped from an ordinary word must not invent a village.
        """
        if not self._inflecting or len(word) < 4 or not word[:1].isupper():
            return None
        cached = self._inflection_cache.get(word, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[no-any-return]
        from geo.gazetteer.index import importance

        found = None
        best = 0.0
        # A common word of the language ("Basis", German for basis) is only read as an
        # inflected name of something more than a small foreign town: Basi in India is
        # not meant (a town where the language is spoken is: "Rovaniemen").
        common = zipf(word, self.lang) >= INFLECTED_COMMON_ZIPF
        for stem in _stems(word, self.lang):
            key = name_key(stem)
            if key not in self.names:
                continue
            info = self.static(stem, key, 1)
            if info is None:
                continue
            # Of all readings (Suomen: Suom-en, Suome-n -> Suomi) keep the most notable.
            rank = max(
                (
                    importance(e.place)
                    for e in info.entries
                    if _notable(e.place)
                    and not (
                        common
                        and e.place.kind == "city"
                        and e.place.population < INFLECTED_COMMON_TOWN
                        and e.place.country not in self._native_countries
                    )
                ),
                default=0,
            )
            if rank > best:
                found, best = (info, stem), rank
        self._inflection_cache[word] = found
        return found

    # -- scanning
    def spans(self, text: str, *, with_features: bool = False) -> list[Span]:
        """Every candidate span of *text*, scored; ``Span.keep`` marks the mentions.

        Runs of capitalised words repeat across a corpus ("The", "U.S.", "Prime Minister
        Theresa May"), so each distinct run is analysed once: its candidate spans, their
        context-free features and the features the run itself gives. Per occurrence only
        what lies outside the run is looked at.
        """
        cache = self._runs
        found: list[tuple[int, _Hit]] = []
        people: set[str] = set()
        for m in _RUN.finditer(text):
            word = m.group()
            info = cache.get(word, _MISSING)
            if info is _MISSING:
                info = self._analyse_run(word)
                if len(cache) > 300_000:
                    cache.clear()
                cache[word] = info
            if info is None:
                continue
            a = m.start()
            if info.people:
                people.update(info.people)
            for hit in info.hits:
                found.append((a, hit))
        spans = []
        for a, hit in found:
            span = self._score(text, a, hit, people, with_features)
            if span is not None:
                spans.append(span)
        return spans

    def _analyse_run(self, run: str) -> _RunInfo | None:
        """The candidate spans of one run of capitalised words (offsets relative to it)."""
        if " " not in run and "-" not in run and "/" not in run and "\t" not in run:
            # One plain word, the common case: no neighbours, no people, no patterns.
            end = _core(run, 0)[0]
            if end <= 0:
                return None
            key = name_key(run[:end])
            known = key in self.names or key in self.demonym_keys
            if not known and self._inflected(run[:end]) is None:
                return None  # (cached: the general path below asks again for free)
        parts = _parts(run, 0, len(run))
        if not parts:
            return None
        if len(parts) > 1:
            # "…and Aalborg. Folketinget …": a final dot ends the sentence, and the run,
            # unless the word is an abbreviation ("St. Petersburg", "Gen. Patton").
            pieces = _split_at_sentence_ends(run, parts)
            if len(pieces) > 1:
                infos = [self._analyse_parts(run, piece) for piece in pieces]
                hits = [h for info in infos if info for h in info.hits]
                people = {k for info in infos if info for k in info.people}
                return _RunInfo(hits, tuple(people)) if hits or people else None
        return self._analyse_parts(run, parts)

    def _analyse_parts(self, run: str, parts: list[_Part]) -> _RunInfo | None:
        """The candidate spans of a run of capitalised words within one sentence."""
        people: set[str] = set()
        if len(parts) > 1:
            _add_people(parts, people)
        hits: list[_Hit] = []
        names, dems, first = self.names, self.demonym_keys, self._first
        n = len(parts)
        i = 0
        while i < n:
            p = parts[i]
            if p.connector and p.text[:1].isupper() and name_key(p.text) in first:
                # "The Hague", "La Paz", "Den Haag", "El Paso": a capitalised article
                # that the name itself begins with.
                pass
            elif p.connector or (name_key(p.text) not in first and not self._inflecting):
                i += 1
                continue
            hit = None
            for j in range(min(n, i + MAX_TOKENS) - 1, i - 1, -1):
                if p.connector and j == i:
                    break  # the article alone is no name
                if parts[j].connector:
                    continue
                surface = run[p.start : parts[j].end]
                key = name_key(surface)
                if key in names or key in dems:
                    info = self.static(surface, key, j - i + 1)
                    end = parts[j].end
                    if parts[j].dot_end > end:
                        dotted = run[p.start : parts[j].dot_end]
                        with_dot = self.static(dotted, key, j - i + 1)
                        # "Ky." is Kentucky, "Ky" is not: the dot counts only when it
                        # makes an exact abbreviation match.
                        if with_dot is not None and (
                            info is None
                            or (
                                any(e.flags & CASE for e in with_dot.entries)
                                and not any(e.flags & CASE for e in info.entries)
                            )
                        ):
                            info, surface, end = with_dot, dotted, parts[j].dot_end
                    if info is not None:
                        hit = (j, surface, key, end, info)
                        break
            if hit is not None and self._inflecting and hit[0] == i:
                # "Suomen", "Norges" are also some village's alternate name; the
                # inflected country wins when the direct match is nothing notable.
                direct = hit[4]
                if not any(_notable(e.place) for e in direct.entries):
                    inflected = self._inflected(p.text)
                    if inflected is not None:
                        hit = None
            if hit is None:
                inflected = self._inflected(p.text)
                if inflected is None:
                    i += 1
                    continue
                # "Washingtonissa", "Norwegens": the name with a case ending.
                hit = (i, p.text, name_key(inflected[1]), p.end, inflected[0])
            j, surface, key, end, info = hit
            if (
                "kind_city" in info.features
                and j + 1 < n
                and parts[j + 1].start == end + 1
                and run[end] == "-"
                and parts[j + 1].text[:1].isupper()
                and name_key(parts[j + 1].text) not in names
                and name_key(parts[j + 1].text) not in dems
            ):
                # "Noord-Brabant", "Sino-Japanese": a town's name heading a hyphenated
                # compound the index does not know is a piece of another name ("US-Denmark"
                # and "Israel-Hamas" keep their countries).
                i = j + 1
                continue
            ctx = self._run_context(run, parts, i, j, end)
            for kind in ("city", "demonym"):
                if f"kind_{kind}" in info.features:
                    # Towns inside longer names are people and firms more often than
                    # countries are ("Antony Blinken" vs "US State Department");
                    # adjectives head names and compounds ("Russian-backed").
                    for name in ("heads_a_name", "word_before", "rare_word_after", "compound_head"):
                        if name in ctx:
                            ctx[f"{kind}_{name}"] = ctx[name]
            w = self.weights
            total = sum(w.get(k, 0.0) * v for k, v in ctx.items())
            weighted = [(w.get(k, 0.0) * v, k) for k, v in (*info.features.items(), *ctx.items())]
            top = sorted((t for t in weighted if t[0] > 0 and t[1] in EVIDENCE), reverse=True)
            said = [EVIDENCE[k] for _wt, k in top[:2]]
            hits.append(_Hit(p.start, end, surface, key, j - i + 1, info, ctx, total, i == 0, said))
            i = j + 1
        if len(parts) > 1:
            # "United States Studies Centre": an organisation word closing a longer name
            # is part of the body's name, not the French region.
            hits = [
                h
                for h in hits
                if not (
                    h.n_tokens == 1
                    and h.rel_start > parts[0].start
                    and name_key(h.surface) in _ORGANISATIONS
                )
            ]
        for designated in self._designated_names(run, parts, hits):
            # "Miroslawiec Air Base", "Fliegerhorst Büchel": a known name with a facility
            # word that the index does not know together; it replaces its fragments.
            hits = [
                h
                for h in hits
                if h.rel_end <= designated.rel_start or h.rel_start >= designated.rel_end
            ]
            hits.append(designated)
        for unknown in _unknown_places(run, parts, hits):
            # The unknown name replaces the fragments found inside it ("Air", "Base").
            hits = [
                h for h in hits if h.rel_end <= unknown.rel_start or h.rel_start >= unknown.rel_end
            ]
            hits.append(unknown)
        hits.sort(key=lambda h: h.rel_start)
        if not hits and not people:
            return None
        return _RunInfo(hits, tuple(people))

    def _designated_names(self, run: str, parts: list[_Part], hits: list[_Hit]) -> list[_Hit]:
        """Known names inside a segment that a facility word completes.

        A segment (capitalised words without connectors) that is not a known name as a
        whole but is a designator of the language (or English) before or after a known
        name -- "Naval Base Camilo Osias", "Miroslawiec Air Base", "Vliegbasis Volkel" --
        becomes one span: the whole surface, the name's candidates, and the facility
        kind, which the resolver uses to pick the facility (or, failing that, the town
        named by it).
        """
        table = _designators(self.lang)
        out: list[_Hit] = []
        segments: list[list[_Part]] = [[]]
        for part in parts:
            if part.connector:
                segments.append([])
            else:
                segments[-1].append(part)
                if _possessive(run, part):
                    segments.append([])  # "Sihanoukville's Ream Naval Base": a new name
        for words in segments:
            if len(words) < 2:
                continue
            start, end = words[0].start, words[-1].end
            if any(h.rel_start <= start and h.rel_end >= end for h in hits):
                continue  # the whole segment is a known name ("Basa Air Base")
            keys = [name_key(w.text) for w in words]
            found = None
            for size in range(min(4, len(words) - 1), 0, -1):
                kind = table.after.get(tuple(keys[-size:]))
                if kind is not None:
                    found = (words[:-size], kind)
                    break
                kind = table.before.get(tuple(keys[:size]))
                if kind is not None:
                    found = (words[size:], kind)
                    break
            if found is None:
                continue
            name_words, kind = found
            name = run[name_words[0].start : name_words[-1].end]
            key = name_key(name)
            info = self.static(name, key, len(name_words)) if key in self.names else None
            if info is None and len(name_words) == 1:
                inflected = self._inflected(name)
                if inflected is not None:
                    info, key = inflected[0], name_key(inflected[1])
            if info is None or not info.entries:
                continue
            surface = run[start:end]
            out.append(
                _Hit(
                    start,
                    end,
                    surface,
                    key,
                    len(name_words),
                    info,
                    {"place_pattern": 1.0},
                    self.weights.get("place_pattern", 0.0),
                    start == parts[0].start,
                    [f"a {kind.replace('_', ' ')} named by its designator"],
                    designator=kind,
                )
            )
        return out

    def facility_entries(self, key: str, kind: str) -> list[Entry]:
        """Sites named *key* under any designator form of *kind*, in any language.

        "vliegbasis Volkel" finds "Volkel Air Base", "авиабаза Хмеймим" finds "Hmeimim
        Air Base": the gazetteer may know a facility only as "<name> Air Base" or "Camp
        <name>". Cached per (key, kind).
        """
        cache_key = f"{key}\x00{kind}"
        found = self._facility_cache.get(cache_key)
        if found is not None:
            return found
        out: list[Entry] = []
        seen: set[str] = set()
        for words, position in _facility_forms().get(kind, ()):
            phrase = " ".join(words)
            candidate = f"{key} {phrase}" if position == "after" else f"{phrase} {key}"
            if candidate not in self.names:
                continue
            for e in self.gaz.entries(candidate, key=candidate):
                if e.place.kind in SITE_KINDS and e.place.id not in seen:
                    seen.add(e.place.id)
                    out.append(e)
        if len(self._facility_cache) > 50_000:
            self._facility_cache.clear()
        self._facility_cache[cache_key] = out
        return out

    def _outside_designator(self, text: str, start: int, end: int) -> str | None:
        """The facility kind of a designator just before or after a span, if any.

        "авиабазу Хмеймим", "base aérea de Morón", "baza w Redzikowie" (before) and
        "Evenes flystasjon", "Rovaniemen lentotukikohdassa" (after), in the document's
        language or English.
        """
        table = _designators(self.lang)
        lo = max(0, start - 60)
        if _may_end_designator(table, text, lo, start):
            m = table.before_text.search(text, lo, start)
            if m is not None:
                return _phrase_kind(table, m.group(1))
        m = table.after_text.match(text[end : end + 60])
        if m is not None:
            return _phrase_kind(table, m.group(1))
        return None

    def _run_context(
        self, run: str, parts: list[_Part], i: int, j: int, end: int
    ) -> dict[str, float]:
        """Features the run itself gives a span of words i..j: its neighbours in the run."""
        ctx: dict[str, float] = {}
        if i > 0:
            # A word of the run precedes the span: the span cannot start a sentence.
            prev = parts[i - 1]
            prev_low = prev.text.lower()
            if prev_low in self.locatives:
                ctx["locative"] = 1.0
            elif name_key(prev.text) in TITLES:
                ctx["title_before"] = 1.0
        before = after = None
        compound = False
        if i > 0:
            q = parts[i - 1]
            joined = run[q.end : parts[i].start] in ("-", "'s-", "’s-")
            if not q.connector and not joined and q.text[:1].isupper():
                before = q.text
        if j + 1 < len(parts):
            q = parts[j + 1]
            if run[end : q.start] == "-":
                compound = True
            elif not q.connector and q.text[:1].isupper():
                after = q.text
        if compound:
            # English "US-led" differs from German "US-Soldaten": separate features.
            noun_language = self.lang in _COMPOUNDING
            ctx["compound_head_noun_language" if noun_language else "compound_head"] = 1.0
        if before is not None:
            ctx["word_before"] = 1.0
            if name_key(before) in first_names():
                ctx["first_name_before"] = 1.0
        if after is not None:
            key_after = name_key(after)
            if key_after in _PLACE_WORDS:
                ctx["place_word_after"] = 1.0
            elif key_after in TITLES:
                ctx["title_after"] = 1.0  # "Russian President", "US Secretary"
            else:
                ctx["word_after"] = 1.0
                if before is None:
                    ctx["heads_a_name"] = 1.0  # "Toronto Star", "US State Department"
                if zipf(after, self.lang) < 3.0:
                    # A rare word after a town is a surname more often than not:
                    # "Antony Blinken", "Paris Hilton"; after a country it is a modifier.
                    ctx["rare_word_after"] = 1.0
        return ctx

    def _dropped(
        self, hit: _Hit, start: int, end: int, ctx: dict[str, float], info: _Static
    ) -> Span:
        """A span rejected by rule, kept (with score 0) only for training."""
        return Span(
            start,
            end,
            hit.surface,
            hit.key,
            info.entries,
            info.demonyms,
            hit.n_tokens,
            features={**info.features, **hit.run_ctx, **ctx},
            info=info,
            why="capitals outside a dateline or headline",
        )

    # -- context outside the run
    def _score(
        self, text: str, run_start: int, hit: _Hit, people: set[str], with_features: bool
    ) -> Span | None:
        """The span of *hit* at this occurrence, or ``None`` when it is not a mention.

        Dropped spans are kept only with ``with_features``, for training.
        """
        w = self.weights
        info = hit.info
        start = run_start + hit.rel_start
        end = run_start + hit.rel_end
        ctx: dict[str, float] = {}
        if hit.first_in_run:
            if _sentence_initial(text, start):
                ctx["sentence_initial"] = 1.0
                if info.common:
                    ctx["common_initial"] = info.common
            elif info.common:
                ctx["common_inner"] = info.common
            prev = _previous_word(text, start)
            if prev in self.locatives:
                ctx["locative"] = 1.0
            elif prev and name_key(prev) in TITLES:
                ctx["title_before"] = 1.0
        elif info.common:
            ctx["common_inner"] = info.common
        if info.all_caps and _is_dateline(text, end):
            ctx["dateline"] = 1.0
        if hit.key in people:
            ctx["person_context"] = 1.0
        if info.all_caps and "dateline" not in ctx and not _caps_line(text, start):
            return None if not with_features else self._dropped(hit, start, end, ctx, info)
        if info is _NO_STATIC:
            return Span(
                start,
                end,
                hit.surface,
                hit.key,
                [],
                [],
                hit.n_tokens,
                features=dict(hit.run_ctx) if with_features else {},
                score=UNRESOLVED_SCORE,
                keep=True,
                why=EVIDENCE["place_pattern"],
            )
        total = self._bias + info.total + hit.run_total
        for k, v in ctx.items():
            total += w.get(k, 0.0) * v
        score = 1.0 / (1.0 + math.exp(-total))
        designator = hit.designator or (
            self._outside_designator(text, start, end) if info.entries else None
        )
        if designator is not None and info.entries:
            # A facility word makes it a place name, whatever the word's commonness.
            score = max(score, DESIGNATED_SCORE)
        keep = score >= self._threshold
        if not keep and not with_features:
            return None
        entries = info.entries
        if designator is not None and not info.has_site:
            facilities = self.facility_entries(hit.key, designator)
            if facilities:
                entries = [*facilities, *entries]
        span = Span(
            start,
            end,
            hit.surface,
            hit.key,
            entries,
            info.demonyms,
            hit.n_tokens,
            score=score,
            keep=keep,
            info=info,
            lang=self.lang,
            designator=designator,
        )
        if with_features:
            span.features = {**info.features, **hit.run_ctx, **ctx}
        said = hit.said
        if "dateline" in ctx or "locative" in ctx:
            first = [EVIDENCE[k] for k in ("dateline", "locative") if k in ctx]
            said = [*first, *said]
        span.why = ", ".join(said[:2]) or "its features together"
        return span


_NO_STATIC = _Static([], [], {}, 0.0, 0.0, False)


def _unknown_places(run: str, parts: list[_Part], hits: list[_Hit]) -> list[_Hit]:
    """Segments of the run that are named like a place the gazetteer does not know.

    A segment is a stretch of capitalised words without connectors; it qualifies when it
    ends with a place word ("Crawford County", "Fooville Air Base") or starts with a place
    prefix ("Camp Murray") and no known name covers it from its first to its last word.
    """
    out: list[_Hit] = []
    segment: list[_Part] = []
    for part in [*parts, None]:
        if part is not None and not part.connector:
            if segment and _possessive(run, segment[-1]):
                hit = _segment_place(run, segment, hits)
                if hit is not None:
                    out.append(hit)
                segment = []
            segment.append(part)
            continue
        hit = _segment_place(run, segment, hits)
        if hit is not None:
            out.append(hit)
        segment = []
    return out


def _segment_place(run: str, words: list[_Part], hits: list[_Hit]) -> _Hit | None:
    if len(words) < 2 or words[0].text.isupper():
        return None
    last, first = name_key(words[-1].text), name_key(words[0].text)
    if last not in _PLACE_SUFFIXES and first not in _PLACE_PREFIXES:
        return None
    start, end = words[0].start, words[-1].end
    if any(h.rel_start <= start and h.rel_end >= end for h in hits):
        return None
    if any(name_key(w.text) in TITLES for w in words):
        return None
    surface = run[start:end]
    return _Hit(
        start,
        end,
        surface,
        name_key(surface),
        len(words),
        _NO_STATIC,
        {"place_pattern": 1.0},
        0.0,
        True,
        [EVIDENCE["place_pattern"]],
    )


_INFLECTING = frozenset(p.code for p in languages() if p.inflects)
_VOWELS = set("aeiouyäö")


def _stems(word: str, lang: str) -> list[str]:
    """Candidate base forms of an inflected name, most likely first.

    The language pack gives the case endings to strip (``inflection.endings``, longest
    first), what may replace them (``inflection.replacements``: Polish *Redzikowie* ->
    *Redzikow* + *o*), endings after which nothing is stripped (``not_after``: German
    *-ss*) and named rules that are code: ``finnish`` adds the vowel changes of Finnish
    stems (Rovaniemeä -> Rovaniemi, Lapissa -> Lappi).
    """
    pack = language(lang)
    out: list[str] = []
    low = word.lower()
    finnish = "finnish" in pack.inflection_rules
    for ending in pack.inflection_endings:
        if not low.endswith(ending) or len(word) - len(ending) < pack.inflection_min_stem:
            continue
        stem = word[: len(word) - len(ending)]
        if any(stem.lower().endswith(x) for x in pack.inflection_not_after):
            continue
        out.append(stem)
        for replacement in pack.inflection_replacements:
            out.append(stem + replacement)
        if finnish:
            if stem.endswith("e"):
                out.append(stem[:-1] + "i")  # Rovaniemeä -> Rovaniemi, Suomen -> Suomi
            if len(stem) > 3 and stem[-1] in _VOWELS and stem[-2] not in _VOWELS:
                out.append(stem[:-1] + stem[-2] + stem[-1])  # Lapissa -> Lappi (gradation)
            if stem[-1] not in _VOWELS:
                out.append(stem + "i")  # Helsingissä -> Helsingi? rarely; Oslossa -> Oslo
    for ending, replacements in pack.inflection_pairs:
        if not low.endswith(ending) or len(word) - len(ending) < pack.inflection_min_stem:
            continue
        stem = word[: len(word) - len(ending)]
        out.extend(stem + r for r in replacements)
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class _Designators:
    """A language's facility words (and English's): in a run, and just outside it."""

    before: dict[tuple[str, ...], str]  # folded words -> kind ("camp" -> army_garrison)
    after: dict[tuple[str, ...], str]
    before_text: re.Pattern[str]  # "… авиабазу " / "… base aérea de " right before a name
    after_text: re.Pattern[str]  # " flystasjon" / " lentotukikohdassa" right after it
    kinds: dict[str, str]  # folded phrase -> kind, for the two patterns
    last_words: frozenset[str] | None  # lower-cased last words of "before" phrases and links
    last_marks: frozenset[str]  # other characters that may end them ("d'")


#: Short words that may stand between a designator and the name ("base aérea *de*
#: Morón", "baza *w* Redzikowie", "Naval Base *of* …").
_DESIGNATOR_LINKS = "w|we|na|di|de|del|della|da|das|do|dos|du|des|d|of|at|в|во|на|у"


@cache
def _designators(lang: str) -> _Designators:
    packs = [language(lang)] + ([language("en")] if lang != "en" else [])
    before: dict[tuple[str, ...], str] = {}
    after: dict[tuple[str, ...], str] = {}
    kinds: dict[str, str] = {}
    for pack in packs:
        for d in pack.designators:
            words = tuple(name_key(w) for w in d.words.split())
            table = before if d.position == "before" else after
            table.setdefault(words, d.kind)
            kinds.setdefault(" ".join(words), d.kind)
    before_words = sorted({d.words for p in packs for d in p.designators if d.position == "before"})
    after_words = sorted({d.words for p in packs for d in p.designators if d.position == "after"})

    def alternation(phrases: list[str]) -> str:
        pieces = sorted(phrases, key=len, reverse=True)
        return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in pieces)

    before_text = re.compile(
        rf"(?<![\w-])({alternation(before_words)})(?:\s+(?:{_DESIGNATOR_LINKS})\b|\s+d['’])?\s*$",
        re.IGNORECASE,
    )
    after_text = re.compile(rf"^\s+({alternation(after_words)})(?![\w-])", re.IGNORECASE)
    # What the last word before a name must be for before_text to match (see
    # _may_end_designator): the trailing letters and digits of each phrase's last word.
    last_words: set[str] = set()
    last_marks: set[str] = {"'", "’"}
    for phrase in [*before_words, *_DESIGNATOR_LINKS.split("|")]:
        word = phrase.split()[-1]
        tail = len(word)
        while tail > 0 and word[tail - 1].isalnum():
            tail -= 1
        if tail == len(word):
            last_marks.add(word[-1])
        else:
            last_words.add(word[tail:].lower())
    # Letters the regex folds onto ASCII ones ("ı" matches "i"): then no shortcut.
    folds = any(ch in "ıſKİ" for w in last_words for ch in w)
    return _Designators(
        before,
        after,
        before_text,
        after_text,
        kinds,
        None if folds else frozenset(last_words),
        frozenset(last_marks),
    )


@cache
def _facility_forms() -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """Kind -> (designator words, position) of every pack.

    The forms a facility's name takes in any language, to find "Volkel Air Base" from
    "vliegbasis Volkel".
    """
    forms: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for pack in languages():
        for d in pack.designators:
            words = tuple(name_key(w) for w in d.words.split())
            forms.setdefault(d.kind, set()).add((words, d.position))
            forms.setdefault("unknown", set()).add((words, d.position))
    return {kind: tuple(sorted(v)) for kind, v in forms.items()}


def _may_end_designator(table: _Designators, text: str, lo: int, start: int) -> bool:
    """Whether a designator (or its link word) can end right before *start*.

    A cheap necessary condition for ``table.before_text``, which is searched from every
    position of a 60-character window: the last word before the span must be the last
    word of a designator or a link word ("air *base*", "base aérea *de*"), or end with an
    apostrophe ("d'"). Most spans follow "in", "the" or a comma, and skip the search
    (issue 14). Words outside ASCII are always searched, as the regex's case-insensitive
    matching may fold them in ways ``str.lower`` does not.
    """
    if table.last_words is None:
        return True
    j = start - 1
    while j >= lo and text[j].isspace():
        j -= 1
    if j < lo:
        return False
    k = j
    while k >= lo and text[k].isalnum():
        k -= 1
    if k == j:  # not a letter or digit: only an apostrophe ("d'") or a designator's own
        return text[j] in table.last_marks
    word = text[k + 1 : j + 1]
    return not word.isascii() or word.lower() in table.last_words


def _phrase_kind(table: _Designators, phrase: str) -> str | None:
    return table.kinds.get(" ".join(name_key(w) for w in phrase.split()))


def _possessive(run: str, part: _Part) -> bool:
    """Whether *part* carries a possessive ("Sihanoukville's"): a name ends there."""
    return run[part.end : part.end + 2] in ("'s", "’s")


def _native_name(place: Any) -> bool:
    """Whether a place's alternate names are likely its names in the document's language.

    Countries, divisions, regions and towns of :data:`NATIVE_TOWN_POPULATION` or more:
    GeoNames lists their names in many languages, and news in those languages uses them.
    """
    if place.kind == "city":
        return bool(place.population >= NATIVE_TOWN_POPULATION)
    return place.kind in ("country", "admin1", "admin2", "continent") or place.id.startswith(
        "region:"
    )


def _notable(place: Any) -> bool:
    return (
        place.kind
        in (
            "country",
            "admin1",
            "continent",
            *SITE_KINDS,
        )
        or place.id.startswith("region:")
        or (place.kind == "city" and place.population >= 20_000)
    )


def _split_at_sentence_ends(run: str, parts: list[_Part]) -> list[list[_Part]]:
    """Split the words of a run where one ends a sentence with its final dot."""
    pieces: list[list[_Part]] = [[]]
    for part in parts:
        pieces[-1].append(part)
        if part.dot_end > part.end and run[part.start : part.dot_end] not in ABBREVIATIONS:
            pieces.append([])
    return [p for p in pieces if p]


def _caps_line(text: str, start: int) -> bool:
    """Whether the line around *start* is written in capitals (a headline)."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", start)
    line = text[a : b if b != -1 else len(text)]
    letters = list(filter(str.isalpha, line[:200]))  # (C-level loops: called per span)
    return len(letters) >= 8 and sum(map(str.isupper, letters)) / len(letters) > 0.8


_NAME_PARTICLES = frozenset(
    "de del della di da das do dos du des la le van von der den ter al el".split()
)


def _add_people(parts: list[_Part], people: set[str]) -> None:
    """Add the keys of words this run uses as people's names.

    What follows a title ("President", "Frau") or a common first name ("Mike de Kock",
    "Antony Blinken") is a person's name; the first name itself is too, unless a place
    word follows ("Victoria Falls"). Connectors other than name particles end a name:
    "Georgia and Tbilisi" is two places.
    """
    firsts = first_names()
    for k, a in enumerate(parts):
        if a.connector:
            continue
        ka = name_key(a.text)
        is_title = ka in TITLES
        if not is_title and (firsts.get(ka, 0.0) < 0.02 or a.text.isupper()):
            continue
        following: list[str] = []
        for b in parts[k + 1 : k + 5]:
            if b.connector:
                if b.text.lower() in _NAME_PARTICLES:
                    continue
                break
            following.append(name_key(b.text))
            if len(following) == 3:
                break
        if not following:
            continue
        if is_title:
            people.update(following)
        elif following[0] not in _PLACE_WORDS:
            people.add(ka)
            people.update(following)


class _FirstWords:
    """The first words of every indexed key: a span can only start on one of them.

    A word is one when it is a key itself or begins a key of several words. Only the
    latter (a sixth of the keys) are collected, which halves the cost of building the
    set at start-up, and they are cached on disk with the index they come from (see
    :mod:`geo.io.derived`), which removes it from later starts.
    """

    __slots__ = ("demonyms", "inner", "names")

    def __init__(self, gaz: Gazetteer) -> None:
        self.names = gaz.names
        self.demonyms = gaz.demonyms
        if gaz.source_key is None:
            self.inner = _inner_first_words(gaz)
        else:
            from geo.io.derived import derived

            self.inner = derived(
                "first-words",
                [gaz.source_key, "inner first words 1"],
                lambda: _inner_first_words(gaz),
            )

    def __contains__(self, word: str) -> bool:
        return word in self.names or word in self.demonyms or word in self.inner


def _inner_first_words(gaz: Gazetteer) -> frozenset[str]:
    """The first words of the indexed keys of several words."""
    words = {k[: k.find(" ")] for k in gaz.names if " " in k}
    words.update(k[: k.find(" ")] for k in gaz.demonyms if " " in k)
    return frozenset(words)


@cache
def _first_words(gaz: Gazetteer) -> _FirstWords:
    """The first words of :class:`_FirstWords` (once per gazetteer, shared by languages)."""
    return _FirstWords(gaz)


_RECOGNIZERS: dict[tuple[int, str], Recognizer] = {}


def recognizer(gaz: Gazetteer, lang: str) -> Recognizer:
    """The cached recognizer of this gazetteer and language."""
    key = (id(gaz), lang)
    rec = _RECOGNIZERS.get(key)
    if rec is None or rec.gaz is not gaz:
        rec = Recognizer(gaz, lang)
        _RECOGNIZERS[key] = rec
    return rec


def find_spans(
    text: str, gaz: Gazetteer, *, lang: str = "en", with_features: bool = False
) -> list[Span]:
    """Every candidate span of *text*, scored; ``Span.keep`` says whether it is a mention."""
    return recognizer(gaz, lang).spans(text, with_features=with_features)
