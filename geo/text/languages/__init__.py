"""Language packs: everything ``geo`` knows about one language, in one YAML file each.

Adding a language is adding a pack, ``geo/text/languages/<code>.yaml`` (ISO 639-1), and
a test paragraph; every stage reads its vocabulary from here:

* **language detection** (:mod:`geo.text.langid`): ``langid.words`` (function words,
  chosen by hand), ``langid.endings`` (``[weight, [endings]]`` typical of the language)
  and ``langid.letters`` (letters only some alphabets use, with a weight each);
* **the gazetteer** (:mod:`geo.gazetteer.build`): ``locales`` whose CLDR country names
  are indexed for the language, ``script`` (``latin`` or ``cyrillic``: names in that
  script are indexed); ``countries`` where it is spoken (a town's alternate names there
  are its native names in a document of the language);
* **recognition** (:mod:`geo.parse.recognize`): ``connectors`` inside names ("Gulf *of*
  Finland"), ``locatives`` (prepositions before places), ``titles`` (before people's
  names), ``calendar`` and ``function_words`` (never places), ``first_names``,
  ``organisations`` (words that end the name of a body, not a place: "Centre"),
  ``first_names`` (given names common in the language, beyond the US census list),
  ``place_words``/``place_suffixes``/``place_prefixes`` (what makes an unknown run a
  place: "Fooville Air Base"), ``designators`` (facility words: ``[words, kind,
  position]`` with ``position`` ``before`` or ``after`` the name), whether the language
  ``capitalises_nouns`` (German) or writes ``compounds``, and ``inflection`` (case
  endings stripped to find a name's base form: ``endings`` with shared ``replacements``,
  or ``pairs`` of an ending and what may replace it, as Polish *Redzikowie* ->
  *Redzikowo*, Russian *Сирии* -> *Сирия*; the shortest stem allowed);
* **linking** (:mod:`geo.link.rules`): regular expressions over folded text for
  ``agreement`` and ``defense`` words, ``numbers`` one to twenty, the words for
  ``agreed`` and for the ``areas`` counted, and ``military``: the raw-text words that make
  an article about defense for the resolver.

Packs are package data, validated when loaded (an unknown field or a wrong type is a
:class:`~geo.errors.DataError` naming the pack). :func:`languages` returns them in rank
order (the order ties are broken in language detection).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from geo.errors import DataError

__all__ = [
    "Designator",
    "Language",
    "codes",
    "language",
    "languages",
    "normalize_code",
    "union",
]

_SCRIPTS = frozenset({"latin", "cyrillic"})
_TOP = {
    "code",
    "name",
    "rank",
    "script",
    "locales",
    "countries",
    "aliases",
    "langid",
    "recognition",
    "linking",
}
_RECOGNITION = {
    "capitalises_nouns",
    "compounds",
    "inflects",
    "connectors",
    "locatives",
    "titles",
    "calendar",
    "function_words",
    "first_names",
    "organisations",
    "place_words",
    "place_suffixes",
    "place_prefixes",
    "designators",
    "inflection",
}
_LINKING = {"agreement", "defense", "numbers", "agreed", "areas", "military"}


@dataclass(frozen=True, slots=True)
class Designator:
    """A facility word of a language: "Air Base" after a name, "Fliegerhorst" before it."""

    words: str
    kind: str
    position: str  # "before" or "after" the name


@dataclass(frozen=True, slots=True)
class Language:
    """One language pack (see the module docstring for every field)."""

    code: str
    name: str
    rank: int
    script: str
    locales: tuple[str, ...]
    countries: frozenset[str]
    aliases: tuple[str, ...]
    langid_words: tuple[str, ...]
    langid_endings: tuple[tuple[float, tuple[str, ...]], ...]
    langid_letters: Mapping[str, float]
    capitalises_nouns: bool
    compounds: bool
    inflects: bool
    connectors: tuple[str, ...]
    locatives: tuple[str, ...]
    titles: tuple[str, ...]
    calendar: tuple[str, ...]
    function_words: tuple[str, ...]
    first_names: tuple[str, ...]
    organisations: tuple[str, ...]
    place_words: tuple[str, ...]
    place_suffixes: tuple[str, ...]
    place_prefixes: tuple[str, ...]
    designators: tuple[Designator, ...]
    inflection_endings: tuple[str, ...]
    inflection_replacements: tuple[str, ...]
    inflection_not_after: tuple[str, ...]
    inflection_min_stem: int
    inflection_rules: tuple[str, ...]
    inflection_pairs: tuple[tuple[str, tuple[str, ...]], ...]
    agreement: str
    defense: str
    numbers: str
    agreed: tuple[str, ...]
    areas: tuple[str, ...]
    military: str
    extra: Mapping[str, Any] = field(default_factory=dict)


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    msg = f"{where}: expected a list of words"
    raise DataError(msg, problems=[msg])


def _check_keys(mapping: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(mapping, dict):
        msg = f"{where}: expected a mapping"
        raise DataError(msg, problems=[msg])
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        msg = f"{where}: unknown field(s) {', '.join(unknown)}"
        raise DataError(msg, problems=[msg])
    return mapping


def _parse(raw: Any, name: str) -> Language:
    from geo.vocab import SITE_KIND_KEYS

    top = _check_keys(raw, _TOP, name)
    code = top.get("code")
    if not isinstance(code, str) or f"{code}.yaml" != name:
        msg = f"{name}: code must be the file's name ({name.removesuffix('.yaml')!r})"
        raise DataError(msg, problems=[msg])
    script = top.get("script", "latin")
    if script not in _SCRIPTS:
        msg = f"{name}: script {script!r} is not one of {', '.join(sorted(_SCRIPTS))}"
        raise DataError(msg, problems=[msg])
    lid = _check_keys(top.get("langid") or {}, {"words", "endings", "letters"}, f"{name}: langid")
    rec = _check_keys(top.get("recognition") or {}, _RECOGNITION, f"{name}: recognition")
    link = _check_keys(top.get("linking") or {}, _LINKING, f"{name}: linking")
    infl = _check_keys(
        rec.get("inflection") or {},
        {"endings", "replacements", "not_after", "min_stem", "rules", "pairs"},
        f"{name}: recognition.inflection",
    )
    designators = []
    for i, item in enumerate(rec.get("designators") or ()):
        where = f"{name}: recognition.designators[{i}]"
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item)
        ):
            msg = f"{where}: expected [words, kind, before|after]"
            raise DataError(msg, problems=[msg])
        words, kind, position = item
        if kind not in SITE_KIND_KEYS or position not in ("before", "after"):
            msg = f"{where}: unknown kind {kind!r} or position {position!r}"
            raise DataError(msg, problems=[msg])
        designators.append(Designator(words, kind, position))
    endings = tuple((float(weight), tuple(items)) for weight, items in (lid.get("endings") or ()))
    return Language(
        code=code,
        name=str(top.get("name") or code),
        rank=int(top.get("rank", 99)),
        script=script,
        locales=_words(top.get("locales"), f"{name}: locales") or (code,),
        countries=frozenset(_words(top.get("countries"), f"{name}: countries")),
        aliases=_words(top.get("aliases"), f"{name}: aliases"),
        langid_words=_words(lid.get("words"), f"{name}: langid.words"),
        langid_endings=endings,
        langid_letters={str(k): float(v) for k, v in (lid.get("letters") or {}).items()},
        capitalises_nouns=bool(rec.get("capitalises_nouns", False)),
        compounds=bool(rec.get("compounds", False)),
        inflects=bool(rec.get("inflects", False)),
        connectors=_words(rec.get("connectors"), f"{name}: connectors"),
        locatives=_words(rec.get("locatives"), f"{name}: locatives"),
        titles=_words(rec.get("titles"), f"{name}: titles"),
        calendar=_words(rec.get("calendar"), f"{name}: calendar"),
        function_words=_words(rec.get("function_words"), f"{name}: function_words"),
        first_names=_words(rec.get("first_names"), f"{name}: first_names"),
        organisations=_words(rec.get("organisations"), f"{name}: organisations"),
        place_words=_words(rec.get("place_words"), f"{name}: place_words"),
        place_suffixes=_words(rec.get("place_suffixes"), f"{name}: place_suffixes"),
        place_prefixes=_words(rec.get("place_prefixes"), f"{name}: place_prefixes"),
        designators=tuple(designators),
        inflection_endings=_words(infl.get("endings"), f"{name}: inflection.endings"),
        inflection_replacements=_words(infl.get("replacements"), f"{name}: replacements"),
        inflection_not_after=_words(infl.get("not_after"), f"{name}: not_after"),
        inflection_min_stem=int(infl.get("min_stem", 3)),
        inflection_rules=_words(infl.get("rules"), f"{name}: inflection.rules"),
        inflection_pairs=tuple(
            (str(ending), tuple(str(r) for r in replacements))
            for ending, replacements in (infl.get("pairs") or ())
        ),
        agreement=str(link.get("agreement") or r"(?!x)x"),
        defense=str(link.get("defense") or r"(?!x)x"),
        numbers=str(link.get("numbers") or ""),
        agreed=_words(link.get("agreed"), f"{name}: agreed"),
        areas=_words(link.get("areas"), f"{name}: areas"),
        military=str(link.get("military") or ""),
    )


@cache
def languages() -> tuple[Language, ...]:
    """Every language pack, in rank order.

    Parsing the 14 YAML files took about 0.15 s of every start, so the parsed packs are
    kept on disk (:mod:`geo.io.derived`) under a hash of the files, of this module and
    of :mod:`geo.vocab` (which the validation reads): an edited pack is parsed again.
    """
    from pathlib import Path

    from geo import vocab
    from geo.io.derived import derived

    folder = resources.files("geo.text.languages")
    files = [
        (entry.name, entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]
    sources = [
        Path(__file__).read_bytes(),
        Path(vocab.__file__).read_bytes(),
        *(part for name, data in files for part in (name, data)),
    ]
    plain = derived("language-packs", sources, lambda: [_plain(p) for p in _parse_all(files)])
    return tuple(_from_plain(p) for p in plain)


def _parse_all(files: list[tuple[str, bytes]]) -> tuple[Language, ...]:
    from geo.io import safeyaml

    packs = [_parse(safeyaml.load(data.decode("utf-8"), name=name), name) for name, data in files]
    return tuple(sorted(packs, key=lambda p: (p.rank, p.code)))


def _plain(pack: Language) -> dict[str, Any]:
    """A pack as plain values (``marshal`` stores no dataclasses)."""
    from dataclasses import fields

    out = {f.name: getattr(pack, f.name) for f in fields(pack)}
    out["designators"] = tuple((d.words, d.kind, d.position) for d in pack.designators)
    out["langid_letters"] = dict(pack.langid_letters)
    out["extra"] = dict(pack.extra)
    return out


def _from_plain(values: dict[str, Any]) -> Language:
    designators = tuple(Designator(*d) for d in values["designators"])
    return Language(**{**values, "designators": designators})


@cache
def _by_code() -> dict[str, Language]:
    table: dict[str, Language] = {}
    for pack in languages():
        table[pack.code] = pack
        for alias in pack.aliases:
            table.setdefault(alias, pack)
    return table


def codes() -> tuple[str, ...]:
    """The supported language codes, in rank order."""
    return tuple(p.code for p in languages())


def normalize_code(value: str | None) -> str | None:
    """A supported code for a declared language (``de-DE`` -> ``de``, ``nb`` -> ``no``)."""
    if not value:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    pack = _by_code().get(code)
    return pack.code if pack else None


def language(code: str) -> Language:
    """The pack of *code* (an alias such as ``nb`` works); English for unknown codes."""
    return _by_code().get(code) or _by_code()["en"]


def union(attribute: str) -> frozenset[str]:
    """One word list of every pack together (the recognizer's language-blind lexicons)."""
    out: set[str] = set()
    for pack in languages():
        out.update(getattr(pack, attribute))
    return frozenset(out)
