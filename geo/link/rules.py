"""Linking: which agreements a document speaks of, and which agreed sites it names.

Pure functions over :class:`~geo.models.ParsedDocument` records and a
:class:`~geo.registry.agreements.Registry`; nothing here reads files. Every :class:`Link` keeps the
sentence it rests on and a reason a reader can check, so a map or a table can always say
*why* a document, a site and an agreement belong together.

Links
-----
``mention_site``
    A resolved mention (``source_id`` = mention id ``doc:start-end``) names an agreed site,
    or a count phrase ("four agreed military areas in Norway", rule ``agreed_areas``)
    implies it: every site the phrase counts is linked, named or not.
``site_agreement``
    A site the document names (or implies) is a site of an agreement in the registry.
``document_agreement``
    The document speaks of an agreement. The rules, each its own ``rule`` value:

    ``name``
        A *distinctive* name or acronym of the agreement occurs: one that only this
        agreement carries and that says more than generic vocabulary ("SDCA", "Igaliku
        Agreement", "den norske forsvarsaftale"). Acronyms match case-sensitively, other
        names through :func:`geo.text.normalize.name_key` on word boundaries.
    ``generic_name``
        A *generic* name ("defense cooperation agreement", "DCA", "Verteidigungsabkommen",
        "1951 defense agreement": carried by several agreements, or made only of
        defense/cooperation/agreement words) counts only with a party: it links to each
        agreement carrying it whose host or territory is named in the same sentence; if
        none is, to the single carrying agreement whose host and partner the document
        names at all.
    ``parties``
        One sentence names both parties (host or territory, and partner; countries,
        their demonyms or their agreed sites) and speaks of an agreement (an agreement
        word of :data:`AGREEMENT_TERMS` or a registry name), in a document about defense
        (:data:`DEFENSE_TERMS` somewhere in it). Host + partner selects the agreements
        without a territory (Denmark + US → the 2023 DCA), territory + partner those of
        the territory (Greenland + US → the 1951 agreement); amendments are reached by
        their own names and sites, not by parties.
    ``site``
        The document names an agreed site of the agreement (Evenes → SDCA, Thule →
        the 1951 and Igaliku agreements).
    ``agreed_areas``
        "N agreed <areas> in <country>" where N is the number of sites an instrument of
        an agreement hosted by that country brought in: the sites agreed at signature,
        all sites, or the sites one amendment added.

A document dated before an agreement's first event cannot speak of it, so no rule links
them (undated documents are not filtered). All thresholds are data: the registry's names,
sites and parties, and the per-language vocabularies below; nothing is specific to a
corpus.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

from geo.models import ParsedDocument, Resolution
from geo.registry.agreements import Agreement, Registry, parse_partial_date
from geo.text.languages import languages, union
from geo.text.normalize import _MAX_KEY_INPUT, name_key
from geo.text.sentences import excerpt, sentence_at, sentence_spans

__all__ = [
    "AGREEMENT_TERMS",
    "DEFENSE_TERMS",
    "Link",
    "LinkKind",
    "NameIndex",
    "link_documents",
    "mention_id",
]

LinkKind = Literal["mention_site", "site_agreement", "document_agreement"]

# --------------------------------------------------------------------------- vocabulary
#
# Regular expressions over name_key()'d text (lower case, no diacritics: "militär" is
# "militar", "Stützpunkt" "stutzpunkt", "områder" "omrader"). For German and the Nordic
# languages, which write compounds ("Verteidigungszusammenarbeit", "forsvarsaftalen"),
# a stem may occur anywhere in a word; for the others it must start one. English terms
# always apply too: news in every language borrows them.

#: Words that make a sentence speak of an agreement (the ``parties`` rule), per language
#: (``linking.agreement`` of the language packs).
AGREEMENT_TERMS: Mapping[str, str] = {p.code: p.agreement for p in languages()}

#: Words that make a document speak of defense (the ``parties`` rule's context).
DEFENSE_TERMS: Mapping[str, str] = {p.code: p.defense for p in languages()}

# Key words that carry no identity in an agreement's name: a name made only of these
# (and years) is generic. Compounds of the stems count too ("forsvarssamarbejdsaftalen").
_GENERIC_WORDS = frozenset(
    """
    a an the of on for in about with between and new bilateral supplementary additional
    defense defence cooperation agreement agreements military security
    us usa u s united states america american
    uber zur zum von der die das den dem des mit ein eine einer einem neue neuen
    om med mellem mellom fra fran af av och og et en ny nye nya
    de la le les du l en el los sobre entre y et
    """.split()
)
_GENERIC_STEM = (
    r"(?:verteidigung|zusammenarbeit|kooperation|abkommen|vereinbarung|forsvar|samarbejd|"
    r"samarbeid|samarbet|aftal|avtal|puolustus|yhteistyo|sopimu|defen[cs]e|cooperation|"
    r"agreement)"
)
_GENERIC_COMPOUND = re.compile(rf"^(?:{_GENERIC_STEM}(?:s|e)?)+(?:en|et|ne|ene|n|t|ksen|kseen)?$")

# "N agreed areas": number words per language, 1 to 20 in order, alternatives joined by
# "/" (digits always count). Then the word for "agreed" and the words for the places
# counted. Keys as above.
_NUMBER_WORDS: Mapping[str, str] = {p.code: p.numbers for p in languages() if p.numbers}
_AGREED = re.compile("^(?:" + "|".join(sorted(union("agreed"))) + ")$")
# The same words as a set, when they are all literal (they are: plain words), so that a
# document without any of them skips the search for count phrases, which need one.
_AGREED_WORDS: frozenset[str] | None = (
    union("agreed") if all(re.escape(w) == w for w in union("agreed")) else None
)
_AREAS = re.compile("^(?:" + "|".join(sorted(union("areas"))) + ")$")
_AREA_WINDOW = 5  # tokens after the number within which "agreed" and the area word occur

_TOKEN = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*")
_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_WORD_CHAR = re.compile(r"\w")
#: :data:`_TOKEN` for a text without non-ASCII word characters: there both patterns take
#: the same words, and the ASCII one reads a character without a Unicode lookup.
_ASCII_TOKEN = re.compile(_TOKEN.pattern, re.ASCII)


class _Words:
    """The words of a text: their ``name_key`` forms, and their offsets when asked.

    Word by word because ``name_key`` cuts its input at 300 characters (it is made for
    names); a whole document goes through here. Linking folds each document once
    (:attr:`_Doc.words`) and every rule reads the result. The keys come from one
    ``findall`` and a comprehension; the offsets, which only a found name or count phrase
    needs, from a second scan on first use (issue 14: a third of linking was building
    one tuple per word).
    """

    __slots__ = ("_spans", "keys", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        limit = _MAX_KEY_INPUT
        # The search reads only the non-ASCII characters (ASCII runs removed first in
        # one pass): four times faster on news text, the same answer (issue 14).
        if text.isascii() or not _NON_ASCII_WORD_CHAR.search(_ASCII_RUNS.sub("", text)):
            # Every word character is ASCII (curly quotes and dashes are not word
            # characters, and no non-word character lower-cases to one), and ASCII
            # lower-cases letter for letter, so the words of the lower-cased text are the
            # lower-cased words; a plain word's key is itself (name_key's own fast path
            # gives the same), the others go through name_key.
            # The same words come from an ASCII-only pattern, a fifth faster (issue 14).
            self.keys = [
                w if w.isalnum() and len(w) <= limit else name_key(w)
                for w in _ASCII_TOKEN.findall(text.lower())
            ]
        else:
            self.keys = [
                w.lower() if w.isascii() and w.isalnum() and len(w) <= limit else name_key(w)
                for w in _TOKEN.findall(text)
            ]
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """``(start, end)`` of every word, in the order of :attr:`keys`."""
        if self._spans is None:
            self._spans = [m.span() for m in _TOKEN.finditer(self.text)]
        return self._spans

    def folded(self) -> str:
        """The text as space-separated keys, for the vocabulary searches."""
        return " ".join(self.keys)


def _fold(text: str) -> str:
    """*text* as space-separated ``name_key`` words, for the vocabulary searches."""
    return _Words(text).folded()


def _lang_regex(table: Mapping[str, str], lang: str) -> re.Pattern[str]:
    parts = {table["en"], table.get(lang, table["en"])}
    return re.compile("|".join(sorted(parts)))


@cache
def _agreement_terms(lang: str) -> re.Pattern[str]:
    return _lang_regex(AGREEMENT_TERMS, lang)


@cache
def _defense_terms(lang: str) -> re.Pattern[str]:
    return _lang_regex(DEFENSE_TERMS, lang)


@cache
def _numbers(lang: str) -> dict[str, int]:
    """Number word key → value for *lang* (English for languages without a list)."""
    out: dict[str, int] = {}
    for value, alternatives in enumerate(_NUMBER_WORDS.get(lang, _NUMBER_WORDS["en"]).split(), 1):
        for word in alternatives.split("/"):
            if name_key(word):
                out[name_key(word)] = value
    return out


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Link:
    """One link with its evidence: the sentence, its span in the document and the reason.

    ``source_id``/``target_id`` by kind: ``mention_site`` mention id → site id,
    ``site_agreement`` site id → agreement id, ``document_agreement`` document id →
    agreement id. ``start``/``end`` are the offsets in the document of what the link
    rests on (the name, the mention, the count phrase; the sentence for ``parties``).
    ``rule`` names the rule that made it (see the module docstring).
    """

    kind: LinkKind
    source_id: str
    target_id: str
    evidence_sentence: str
    doc_id: str
    start: int
    end: int
    reason: str
    rule: str = ""


def mention_id(doc: str, start: int, end: int) -> str:
    """The id of a mention or phrase: ``doc:start-end`` (unique within a corpus)."""
    return f"{doc}:{start}-{end}"


@dataclass(frozen=True, slots=True)
class _Name:
    """One registry name form with the agreements that carry it."""

    form: str
    agreements: tuple[str, ...]
    generic: bool
    acronym: bool


def _is_acronym(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return 2 <= len(letters) <= 6 and all(ch.isupper() for ch in letters) and " " not in name


def _is_generic_key(key: str) -> bool:
    words = key.split()
    return bool(words) and all(
        w in _GENERIC_WORDS or re.fullmatch(r"\d{4}", w) or _GENERIC_COMPOUND.match(w)
        for w in words
    )


class NameIndex:
    """Every name and acronym of every agreement, ready to be found in text.

    Built once per registry (:meth:`for_registry`). A form carried by several agreements
    is *generic*; so is one whose words are all generic vocabulary. Acronyms are matched
    case-sensitively on word boundaries, other forms by their ``name_key`` words.
    """

    def __init__(self, registry: Registry) -> None:
        carriers: dict[tuple[bool, str], dict[str, None]] = {}
        forms: dict[tuple[bool, str], str] = {}
        for agreement in registry:
            for form in agreement.all_names():
                form = " ".join(form.split())
                acronym = _is_acronym(form)
                key = (True, form) if acronym else (False, name_key(form))
                if not key[1]:
                    continue
                carriers.setdefault(key, {})[agreement.id] = None
                forms.setdefault(key, form)
        self.acronyms: dict[str, _Name] = {}
        self.by_first_word: dict[str, list[tuple[tuple[str, ...], _Name]]] = {}
        # The word forms again, by first word, then second word (None for one-word
        # forms), then length: a position is checked with a few dict lookups instead of
        # comparing every form that starts with its word ("us" starts 64; issue 14).
        self._by_words: dict[str, dict[str | None, dict[int, dict[tuple[str, ...], _Name]]]] = {}
        for key, ids in carriers.items():
            acronym, text = key
            generic = len(ids) > 1 or (not acronym and _is_generic_key(text))
            record = _Name(forms[key], tuple(ids), generic, acronym)
            if acronym:
                self.acronyms[text] = record
            else:
                words = tuple(text.split())
                self.by_first_word.setdefault(words[0], []).append((words, record))
                second = words[1] if len(words) > 1 else None
                by_second = self._by_words.setdefault(words[0], {})
                by_second.setdefault(second, {}).setdefault(len(words), {})[words] = record
        self._first_words = frozenset(self.by_first_word)
        self._acronym_re = (
            re.compile(
                r"(?<!\w)(?:"
                + "|".join(re.escape(a) for a in sorted(self.acronyms, key=len, reverse=True))
                + r")(?!\w)"
            )
            if self.acronyms
            else None
        )
        # The same pattern without its leading look-behind, which kept the regex engine
        # from skipping to the letters an acronym can start with (issue 14: the scan was
        # most of finding names); :meth:`_acronym_matches` tests the look-behind itself.
        self._acronym_body = (
            re.compile(self._acronym_re.pattern.removeprefix(r"(?<!\w)"))
            if self._acronym_re is not None
            else None
        )

    @classmethod
    def for_registry(cls, registry: Registry) -> NameIndex:
        """The index of *registry*, built once per registry object (weakly cached)."""
        index = _NAME_INDEXES.get(registry)
        if index is None:
            index = _NAME_INDEXES[registry] = cls(registry)
        return index

    def _acronym_matches(self, text: str) -> list[tuple[int, int, str]]:
        r"""``(start, end, acronym)`` of what ``_acronym_re.finditer(text)`` finds.

        The look-behind ``(?<!\w)`` depends only on the position, not on which acronym
        matches there, so searching without it and moving one character on where it
        fails visits the same positions in the same order and finds the same matches.
        """
        body = self._acronym_body
        out: list[tuple[int, int, str]] = []
        if body is None:
            return out
        pos = 0
        while (m := body.search(text, pos)) is not None:
            start = m.start()
            if start > 0 and _WORD_CHAR.match(text, start - 1):
                pos = start + 1  # the look-behind fails here: try the next position
                continue
            out.append((start, m.end(), m.group()))
            pos = m.end()
        return out

    def find(self, text: str, words: _Words | None = None) -> list[tuple[int, int, _Name]]:
        """Non-overlapping ``(start, end, name)`` matches in *text*, longest first wins.

        *words* are the words of *text* (:class:`_Words`) when the caller has them.
        """
        found: list[tuple[int, int, _Name]] = []
        for start, end, acronym in self._acronym_matches(text):
            found.append((start, end, self.acronyms[acronym]))
        if words is None:
            words = _Words(text)
        keys = words.keys
        last = len(keys) - 1
        # Matches at one position differ in length, so the order they are found in does
        # not change the result; ties in the sort below are only an acronym found first.
        for i in _positions(keys, self._first_words.intersection(keys)):
            by_second = self._by_words[keys[i]]
            groups = [by_second.get(None), by_second.get(keys[i + 1]) if i < last else None]
            for group in groups:
                for n, forms in (group or {}).items():
                    record = forms.get(tuple(keys[i : i + n]))
                    if record is not None:
                        spans = words.spans
                        found.append((spans[i][0], spans[i + n - 1][1], record))
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list[tuple[int, int, _Name]] = []
        for start, end, record in found:
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, record))
        kept.sort(key=lambda f: f[0])
        return kept


_NAME_INDEXES: weakref.WeakKeyDictionary[Registry, NameIndex] = weakref.WeakKeyDictionary()


def _positions(keys: list[str], wanted: Iterable[str]) -> list[int]:
    """The indexes of *keys* that hold one of *wanted*, in ascending order.

    Called with the few words a document shares with a vocabulary (a set intersection,
    done in C), so ``list.index`` finds them without a Python step per word (issue 14).
    """
    out: list[int] = []
    for word in wanted:
        i = -1
        try:
            while True:
                i = keys.index(word, i + 1)
                out.append(i)
        except ValueError:
            pass
    out.sort()
    return out


# --------------------------------------------------------------------------- helpers


def _first_event(agreement: Agreement) -> dt.date | None:
    starts = [e.start for e in agreement.events]
    starts += [e.start for m in agreement.amendments for e in m.events]
    return min(starts) if starts else None


def _possible(agreement: Agreement, doc_date: str | None) -> bool:
    """Whether a document of *doc_date* can speak of *agreement* (not before its first event)."""
    if not doc_date:
        return True
    try:
        _first, last, _precision = parse_partial_date(doc_date[:10])
    except ValueError:
        return True
    first_event = _first_event(agreement)
    return first_event is None or last >= first_event


def _party_agreements(registry: Registry, a: str, b: str) -> list[Agreement]:
    """Agreements whose two parties are *a* and *b* (either order), amendments excluded.

    A party is the host for agreements without a territory, the territory otherwise.
    """
    out = []
    for agreement in registry:
        if agreement.amends:
            continue
        first = agreement.territory or agreement.host
        if {first, agreement.partner} == {a, b} and a != b:
            out.append(agreement)
    return out


def _place_countries(resolutions: Iterable[Resolution], site_ids: frozenset[str]) -> set[str]:
    """Countries a set of mentions names: countries, their demonyms, their agreed sites."""
    out: set[str] = set()
    for r in resolutions:
        p = r.place
        if p is None or not p.country:
            continue
        if p.kind in ("country", "dependency") or p.id in site_ids:
            out.add(p.country)
    return out


def _country_names(resolutions: Iterable[Resolution], countries: Iterable[str]) -> str:
    wanted = set(countries)
    names: dict[str, str] = {}
    for r in resolutions:
        p = r.place
        if p is not None and p.country in wanted and p.kind in ("country", "dependency"):
            names.setdefault(p.country, p.name)
    return " and ".join(names.get(c, c) for c in sorted(wanted, key=lambda c: (c == "US", c)))


@dataclass
class _Doc:
    """One document prepared for the rules: its sentences and mentions by sentence."""

    parsed: ParsedDocument
    by_sentence: dict[tuple[int, int], list[Resolution]]

    @property
    def id(self) -> str:
        return self.parsed.document.id

    @property
    def text(self) -> str:
        return self.parsed.document.text

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """The document's sentences, split on first use (most documents need none)."""
        return sentence_spans(self.text)

    def sentence(self, offset: int) -> tuple[int, int]:
        return sentence_at(self.spans, offset) if self.spans else (0, len(self.text))

    def quote(self, sentence: tuple[int, int], start: int, end: int) -> str:
        """The evidence text for ``start:end``: its sentence, cut to a window if long."""
        a, b = excerpt(self.text, sentence, start, end)
        return self.text[a:b]

    @cached_property
    def words(self) -> _Words:
        """The document's words, folded once for every rule."""
        return _Words(self.text)


def _prepare(parsed: ParsedDocument) -> _Doc:
    doc = _Doc(parsed, {})
    for r in parsed.resolutions:
        if r.place is None:
            continue
        # The parser records each mention's whole sentence, split paragraph by paragraph
        # (the same spans as splitting the whole text: a blank line always ends a
        # sentence); mentions made without one (hand-made records) are looked up.
        span = r.mention.sentence_span
        a, b = span if span is not None else doc.sentence(r.mention.start)
        doc.by_sentence.setdefault((a, b), []).append(r)
    return doc


class _Collector:
    """Links of one run, deduplicated on (kind, source, target, rule, doc, start)."""

    def __init__(self) -> None:
        self.links: list[Link] = []
        self._seen: set[tuple[str, str, str, str, str, int]] = set()

    def add(self, link: Link) -> None:
        key = (link.kind, link.source_id, link.target_id, link.rule, link.doc_id, link.start)
        if key not in self._seen:
            self._seen.add(key)
            self.links.append(link)


# --------------------------------------------------------------------------- rules


def _name_rule(
    doc: _Doc, registry: Registry, names: NameIndex, out: _Collector, doc_parties: set[str]
) -> list[tuple[int, int]]:
    """Rules ``name`` and ``generic_name``; returns the spans of every name found."""
    text, date = doc.text, doc.parsed.document.date
    site_ids = registry.site_ids()
    found = names.find(text, doc.words)
    for start, end, record in found:
        a, b = doc.sentence(start)
        surface = text[start:end]
        sentence = doc.quote((a, b), start, end)
        resolutions = doc.by_sentence.get((a, b), [])
        here = _place_countries(resolutions, site_ids)
        carriers = [registry[i] for i in record.agreements if _possible(registry[i], date)]
        if not record.generic:
            chosen = [(agr, f"names {surface!r}, a name of the {agr.name}") for agr in carriers]
            rule = "name"
        else:
            rule = "generic_name"
            chosen = []
            for agr in carriers:
                party = agr.territory or agr.host
                if party in here:
                    named = _country_names(resolutions, [party]) or party
                    reason = f"names {surface!r} with {named} in the sentence: the {agr.name}"
                    chosen.append((agr, reason))
            if not chosen:
                # No party in the sentence: the one carrier whose parties the document names.
                known = [
                    agr
                    for agr in carriers
                    if (agr.territory or agr.host) in doc_parties and agr.partner in doc_parties
                ]
                if len(known) == 1:
                    agr = known[0]
                    reason = (
                        f"names {surface!r} in a document that names the parties of only one "
                        f"agreement so called ({agr.territory or agr.host} and {agr.partner}): "
                        f"the {agr.name}"
                    )
                    chosen.append((agr, reason))
        evidence = _Evidence(doc.id, sentence, start, end, rule)
        for agr, reason in chosen:
            out.add(evidence.document(agr.id, reason))
    return [(s, e) for s, e, _ in found]


@dataclass(frozen=True, slots=True)
class _Evidence:
    """Where a rule saw its evidence: every link one finding makes shares it."""

    doc_id: str
    sentence: str
    start: int
    end: int
    rule: str

    def link(self, kind: LinkKind, source: str, target: str, reason: str) -> Link:
        return Link(
            kind=kind,
            source_id=source,
            target_id=target,
            evidence_sentence=self.sentence,
            doc_id=self.doc_id,
            start=self.start,
            end=self.end,
            reason=reason,
            rule=self.rule,
        )

    def document(self, agreement_id: str, reason: str) -> Link:
        """The document → agreement link of this evidence."""
        return self.link("document_agreement", self.doc_id, agreement_id, reason)


def _parties_rule(
    doc: _Doc, registry: Registry, out: _Collector, name_spans: list[tuple[int, int]]
) -> None:
    """Rule ``parties``: both parties and an agreement word in one sentence."""
    text, lang = doc.text, doc.parsed.lang
    site_ids = registry.site_ids()
    # Sentences naming two countries first: the document-wide search for defense words
    # is needed only when there is one (issue 14: most documents have none).
    candidates: list[tuple[int, int, list[Resolution], set[str]]] = []
    for (a, b), resolutions in doc.by_sentence.items():
        countries = _place_countries(resolutions, site_ids)
        if len(countries) >= 2:
            candidates.append((a, b, resolutions, countries))
    if not candidates or not _defense_terms(lang).search(doc.words.folded()):
        return
    terms = _agreement_terms(lang)
    for a, b, resolutions, countries in candidates:
        has_name = any(a <= s and e <= b for s, e in name_spans)
        if not (has_name or terms.search(_fold(text[a:b]))):
            continue
        first_mention = resolutions[0].mention
        sentence = doc.quote((a, b), first_mention.start, first_mention.end)
        ordered = sorted(countries)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                for agreement in _party_agreements(registry, first, second):
                    if not _possible(agreement, doc.parsed.document.date):
                        continue
                    named = _country_names(resolutions, [first, second])
                    kind = "an agreement" if not has_name else "a defense agreement by name"
                    reason = (
                        f"names {named or first + ' and ' + second} in one sentence about "
                        f"{kind}, in a document about defense: the parties of the "
                        f"{agreement.name}"
                    )
                    evidence = _Evidence(doc.id, sentence, a, b, "parties")
                    out.add(evidence.document(agreement.id, reason))


def _site_rules(doc: _Doc, registry: Registry, out: _Collector) -> None:
    """Rules ``site``: mention → site, site → agreement, document → agreement."""
    site_ids = registry.site_ids()
    date = doc.parsed.document.date
    for r in doc.parsed.resolutions:
        p, m = r.place, r.mention
        if p is None or m.demonym or p.id not in site_ids:
            continue
        mid = mention_id(doc.id, m.start, m.end)
        label = p.name if m.surface == p.name else f"{m.surface} ({p.name})"
        evidence = _Evidence(doc.id, m.sentence, m.start, m.end, "site")
        reason = f"resolves {m.surface!r} to {p.name}, an agreed site ({r.reason})"
        out.add(evidence.link("mention_site", mid, p.id, reason))
        for agreement in registry.agreements_for_site(p.id):
            if not _possible(agreement, date):
                continue
            how = _how_site_joined(agreement, p.id)
            reason = (
                f"{p.name} is {how} of the {agreement.name} (registry {agreement.source_location})"
            )
            out.add(evidence.link("site_agreement", p.id, agreement.id, reason))
            reason = f"mentions {label}, {how} of the {agreement.name}"
            out.add(evidence.document(agreement.id, reason))


def _how_site_joined(agreement: Agreement, site_id: str) -> str:
    if site_id in agreement.sites:
        return "an agreed site"
    for amendment in agreement.amendments:
        if site_id in amendment.sites:
            return f"an agreed site added by the {amendment.name}"
    return "an agreed site"


def _count_phrases(doc: _Doc) -> list[tuple[int, int, int]]:
    """``(start, end, n)`` of every "N agreed <areas>" phrase of the document."""
    numbers = _numbers(doc.parsed.lang)
    words = doc.words
    keys = words.keys
    out: list[tuple[int, int, int]] = []
    if _AGREED_WORDS is not None and _AGREED_WORDS.isdisjoint(keys):
        return out  # no "agreed" word, so no phrase (most documents)
    # Only a digit or a number word can start a phrase: one pass in a comprehension
    # finds them, the loop below reads the few windows after them.
    for i in [i for i, key in enumerate(keys) if key in numbers or key.isdigit()]:
        key = keys[i]
        n = int(key) if key.isdigit() and len(key) <= 3 else numbers.get(key)
        if not n:
            continue
        agreed = False
        for j in range(i + 1, min(i + 1 + _AREA_WINDOW, len(keys))):
            word = keys[j]
            if _AGREED.match(word):
                agreed = True
            elif agreed and _AREAS.match(word):
                spans = words.spans
                out.append((spans[i][0], spans[j][1], n))
                break
    return out


def _agreed_areas_rule(doc: _Doc, registry: Registry, out: _Collector) -> None:
    """Rule ``agreed_areas``: "four agreed military areas in Norway" → the four sites."""
    text, date = doc.text, doc.parsed.document.date
    for start, end, n in _count_phrases(doc):
        a, b = doc.sentence(start)
        resolutions = doc.by_sentence.get((a, b), [])
        countries = [
            r
            for r in resolutions
            if r.place is not None and r.place.kind in ("country", "dependency")
        ]
        after = [r for r in countries if r.mention.start >= end]
        ordered = after + [r for r in countries if r not in after]
        for r in ordered:
            country = r.place.country if r.place is not None else None
            matches = _counted_instruments(registry, country, n, date)
            if not matches:
                continue
            phrase_end = r.mention.end if r in after and r.mention.start - end < 8 else end
            phrase = text[start:phrase_end]
            pid = mention_id(doc.id, start, phrase_end)
            evidence = _Evidence(
                doc.id, doc.quote((a, b), start, phrase_end), start, phrase_end, "agreed_areas"
            )
            for agreement, what, sites in matches:
                counted = f"the {len(sites)} {what} of the {agreement.name}"
                out.add(evidence.document(agreement.id, f"says {phrase!r}: {counted}"))
                for site in sites:
                    reason = f"counted by {phrase!r} (one of {counted})"
                    out.add(evidence.link("mention_site", pid, site, reason))
                    reason = (
                        f"{site} is one of the {what} of the {agreement.name} "
                        f"(registry {agreement.source_location})"
                    )
                    out.add(evidence.link("site_agreement", site, agreement.id, reason))
            break


def _counted_instruments(
    registry: Registry, country: str | None, n: int, date: str | None
) -> list[tuple[Agreement, str, tuple[str, ...]]]:
    """Instruments hosted by *country* that brought exactly *n* sites in."""
    if not country:
        return []
    out: list[tuple[Agreement, str, tuple[str, ...]]] = []
    for agreement in registry:
        if country not in (agreement.host, agreement.territory) or not _possible(agreement, date):
            continue
        if len(agreement.sites) == n:
            out.append((agreement, "sites agreed at signature", agreement.sites))
        elif len(agreement.all_sites()) == n:
            out.append((agreement, "agreed sites", agreement.all_sites()))
        else:
            for amendment in agreement.amendments:
                if len(amendment.sites) == n:
                    out.append((agreement, f"sites added by the {amendment.name}", amendment.sites))
    return out


# --------------------------------------------------------------------------- entry point


def link_documents(parsed: Sequence[ParsedDocument], registry: Registry) -> list[Link]:
    """Every link of the corpus with its evidence, in document order then text order.

    Called by :func:`geo.layers.build.build_layers`; pure, so it can be re-run with another
    registry (``--agreements``) on the same parsed documents.
    """
    names = NameIndex.for_registry(registry)
    out = _Collector()
    site_ids = registry.site_ids()
    for parsed_doc in parsed:
        doc = _prepare(parsed_doc)
        doc_parties = _place_countries(parsed_doc.resolutions, site_ids)
        _site_rules(doc, registry, out)
        name_spans = _name_rule(doc, registry, names, out, doc_parties)
        _parties_rule(doc, registry, out, name_spans)
        _agreed_areas_rule(doc, registry, out)
    order = {p.document.id: i for i, p in enumerate(parsed)}
    kinds = {"document_agreement": 0, "mention_site": 1, "site_agreement": 2}
    return sorted(
        out.links, key=lambda k: (order.get(k.doc_id, 0), k.start, kinds[k.kind], k.target_id)
    )
