"""Offline language identification for the eight languages ``geo`` reads.

Why not a library: the pipeline must run without network and without model files, and
it only ever has to tell apart English, German, Danish, Norwegian, Swedish, Finnish,
French and Spanish news. Function words do that well: every sentence of news has
several, and they are what differs most between close neighbours (Danish *af, efter,
hvad, mig* against Norwegian *av, etter, hva, meg*; Swedish *och, inte, är, att*).

How it scores: the lower-cased text (only its first 2,000 words and at most 24,000
characters, so the cost per document is bounded) is split into letter runs. Each word in
the curated lists below adds 1 to each
language that lists it, divided by the number of languages sharing it (``de`` counts a
fifth for each of fr/es/da/no/sv). Word endings that are typical of one language
(Finnish case endings, German *-ung/-lich*, Spanish *-ción*) add a little for words not
in the lists, and letters only some alphabets use (``ß``, ``ñ``, ``ç``, ``æ ø``, ``å``,
``ä ö``) add a little per occurrence. The best score wins; a tie or no evidence is
``und``. Norwegian Bokmål and Nynorsk both come out as ``no``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["LANGUAGES", "UNDETERMINED", "detect_language"]

#: The languages :func:`detect_language` can return (besides ``und``).
LANGUAGES = ("en", "de", "da", "no", "sv", "fi", "fr", "es")
UNDETERMINED = "und"

MAX_WORDS = 2_000
_MAX_CHARS = 24_000  # enough for 2,000 words of news; keeps the cost per document flat

# The most frequent function words (and a few ubiquitous news words) per language,
# chosen by hand. Words in several lists are shared evidence, weighted down accordingly.
_FUNCTION_WORDS: Mapping[str, str] = {
    "en": """
        the of and to a in is that for it with as was on be by at this are from or an
        have has had not but which they their its were been will would can could he she
        his her we our you your there also after said says more than into about who what
        when where while these those other such between over against during because only
        any some all both each may should must no so if up out them him us then being
        since including however through before until within without among around across
        just very most many much another does did do told how why whether according
        already still while nor whose been being per upon toward towards despite though
        although yet again here my me i officials government minister agreement
    """,
    "de": """
        der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als
        auch es an werden aus er hat dass daß sie nach wird bei einer um am sind noch wie
        einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein
        wurde sei seit soll sollen sollte können kann könne gegen vom unter zwischen sowie
        wenn was wir ihr ihre ihren seine seiner seinen diese dieser dieses bereits schon
        hatte hätten wurden worden beim damit dabei jedoch laut sagte demnach allerdings
        denn dann weil ob ohne eines keine kein nun immer wieder sehr hier dort uns ihm
        ihn ihnen alle anderen weitere sowohl wo wer etwa zudem jetzt heute gestern ab
        jahr jahren einen unsere unser geben gibt gehe gehen müssen muss habe werde
        regierung abkommen
    """,
    "da": """
        og i at det er en til på som de med for af den har ikke der et var om fra men vi
        kan jeg han hun sig så efter skal blev bliver blevet være været også hvor når
        hvad hvis mod mellem gennem uden nogle noget meget kun nu mig dig ham hende dem
        deres vores jeres denne dette disse andre alle flere mange første samt samtidig
        blandt ifølge derfor fordi eller selv ved ville kunne skulle måtte siger sagde
        fik gik endnu igen dog senere tidligere sammen end hos under over op ud inden
        heller dermed siden både her år regeringen aftale aftalen aftaler sikkerhed
        amerikanske danske forsvarsminister udenrigsminister giver adgang
    """,
    "no": """
        og i at det er en til på som de med for av den har ikke der et var om fra men vi
        kan jeg han hun seg så etter skal ble blir blitt være vært også hvor når hva hvis
        mot mellom gjennom uten noen noe mye bare nå meg deg ham henne dem deres vår våre
        vårt denne dette disse andre alle flere mange første samt samtidig blant ifølge
        derfor fordi eller selv ved ville kunne skulle måtte sier sa fikk gikk enda igjen
        likevel senere tidligere sammen enn hos under over opp ut innen heller dermed
        siden både her år regjeringen avtale avtalen avtaler sikkerhet amerikanske norske
        forsvarsminister utenriksminister stortinget slik hvordan gir tilgang
        ikkje eg ho dei ein eit kva korleis berre vere vore frå òg mykje seier sidan fekk
        gjekk heile nokre noko eller
    """,
    "sv": """
        och i att det är en till på som de med för av den har inte ett var om från men vi
        kan jag han hon sig så efter ska skall blev blir bli vara varit också även där
        när vad hur om mot mellan genom utan några något många mycket bara nu mig dig
        honom henne dem deras vår våra vårt denna detta dessa andra alla flera första
        samt samtidigt bland enligt därför eftersom eller själv vid skulle kunde måste
        sade säger sa fick gick ännu igen senare tidigare tillsammans än hos under över
        upp ut inom heller därmed sedan både här år regeringen avtal avtalet sverige
        amerikanska svenska försvarsminister utrikesminister hade ingen inga vilket
        vilka sina sitt sin dess hennes oss redan ger tillgång
    """,
    "fi": """
        ja on ei että se hän he me ovat oli olivat olla ole olisi joka jotka jonka joita
        mutta tai sekä kun kuin jos myös vain jo nyt vielä sitä siitä sen niin tämä tämän
        tätä nämä näiden mukaan kanssa jälkeen välillä aikana vuonna vuoden ennen yli
        alle noin koska mitä mikä miten missä kaikki muun muassa sanoi kertoi sanoo
        kertoo voi voivat pitää tulee eli eikä sillä jolla jossa joiden heidän hänen
        minä olevan oleva ollut olleet niiden siihen sekä kuitenkin lisäksi osana
        yhdysvaltojen suomen suomi puolustusministeri hallitus sopimus sopimuksen
        sopimusta myöhemmin aiemmin
    """,
    "fr": """
        le la les de des du un une et en à au aux dans pour par sur avec est sont a ont
        été être que qui ne pas plus ce cette ces se sa son ses leur leurs il elle ils
        elles nous vous on mais ou où comme entre après avant selon depuis contre sous
        sans aussi très tout tous toutes même fait ainsi dont lors encore déjà donc car
        si y avait sera seront peut doit deux autres notamment afin cet l d qu n c j
        également accord ministre pays été avons était étaient aurait pourrait vers chez
        cela celle celui ceux quelques plusieurs
    """,
    "es": """
        el la de que y en los del se las por un una con no para es al lo como más o pero
        sus su le ha han fue ser son sido está están este esta estos estas ese esa entre
        sobre también sin desde hasta hay muy ya cuando donde según tras contra durante
        ante bajo todo todos otros otras otro dos porque así nos les e ni u había será
        puede pueden dijo afirmó ministro acuerdo cual cuales quien después mientras
        aunque cada mismo dicho unidos país gobierno fueron sería tiene tienen hace
        además
    """,
}

# Endings typical of one language, scored only for words not in the lists above.
_ENDINGS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi"), "fi", 0.4),
    (("nsa", "nsä", "ään", "een", "iin", "inen", "isen", "uksen", "yksen", "ista"), "fi", 0.4),
    (("ung", "ungen", "keit", "lich", "lichen", "schaft", "isch", "ischen"), "de", 0.4),
    (("ción", "ciones", "mente", "idad", "ado", "ados", "ada", "adas"), "es", 0.4),
    (("eux", "aux", "ées", "ée", "ait", "aient", "tion", "tions"), "fr", 0.3),
    (("hed", "heden", "heder", "lige", "ende", "ået", "eret", "erede", "ninger"), "da", 0.3),
    (("het", "heten", "heter", "lige", "tt", "ert", "erte", "ninger"), "no", 0.3),
    (("het", "heten", "liga", "ande", "ningen", "tt", "erat", "ades", "ningar"), "sv", 0.3),
    (("ing", "tion", "ly", "ed"), "en", 0.2),
)

# Letters that only some alphabets use: (letter, languages, weight per occurrence).
_LETTERS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("ß", ("de",), 0.5),
    ("ü", ("de",), 0.3),
    ("ä", ("de", "sv", "fi"), 0.2),
    ("ö", ("de", "sv", "fi"), 0.2),
    ("å", ("da", "no", "sv"), 0.2),
    ("æ", ("da", "no"), 0.3),
    ("ø", ("da", "no"), 0.3),
    ("ñ", ("es",), 0.5),
    ("¿", ("es",), 0.5),
    ("¡", ("es",), 0.5),
    ("ç", ("fr",), 0.4),
    ("è", ("fr",), 0.3),
    ("ê", ("fr",), 0.3),
    ("à", ("fr",), 0.3),
    ("ù", ("fr",), 0.3),
    ("â", ("fr",), 0.3),
    ("î", ("fr",), 0.3),
    ("ô", ("fr",), 0.3),
    ("û", ("fr",), 0.3),
    ("œ", ("fr",), 0.5),
    ("é", ("fr", "es"), 0.1),
    ("á", ("es",), 0.3),
    ("í", ("es",), 0.3),
    ("ó", ("es",), 0.3),
    ("ú", ("es",), 0.3),
)

_WORD = re.compile(r"[^\W\d_]+")


def _word_weights() -> dict[str, tuple[tuple[int, float], ...]]:
    """Word → ((language index, weight), …), weight 1/number of languages listing it."""
    owners: dict[str, list[int]] = {}
    for index, lang in enumerate(LANGUAGES):
        for word in set(_FUNCTION_WORDS[lang].split()):
            owners.setdefault(word, []).append(index)
    return {
        word: tuple((index, 1.0 / len(langs)) for index in langs) for word, langs in owners.items()
    }


def _ending_table() -> dict[str, tuple[int, ...]]:
    """Ending → indexes into :data:`_ENDINGS` of the rules that list it."""
    table: dict[str, list[int]] = {}
    for rule, (endings, _lang, _weight) in enumerate(_ENDINGS):
        for ending in endings:
            table.setdefault(ending, []).append(rule)
    return {ending: tuple(rules) for ending, rules in table.items()}


_WEIGHTS = _word_weights()
_ENDING_TABLE = _ending_table()
_ENDING_LENGTHS = tuple(sorted({len(ending) for ending in _ENDING_TABLE}))
_RULE_TARGETS = tuple((LANGUAGES.index(lang), weight) for _endings, lang, weight in _ENDINGS)
_LETTER_TARGETS = {
    letter: (tuple(LANGUAGES.index(lang) for lang in langs), weight)
    for letter, langs, weight in _LETTERS
}
_LETTER = re.compile("[" + "".join(_LETTER_TARGETS) + "]")


@lru_cache(maxsize=131_072)
def _contributions(word: str) -> tuple[tuple[int, float], ...]:
    """What one occurrence of *word* adds: ((language index, score), …).

    Cached because news vocabulary repeats across documents (Zipf): most words of a
    corpus are scored once, then looked up.
    """
    weights = _WEIGHTS.get(word)
    if weights is not None:
        return weights
    if len(word) <= 4:
        return ()
    matched: set[int] = set()
    for length in _ENDING_LENGTHS:
        rules = _ENDING_TABLE.get(word[-length:])
        if rules:
            matched.update(rules)
    return tuple(_RULE_TARGETS[rule] for rule in sorted(matched))


def _scores(text: str) -> tuple[list[float], int]:
    """Score of each language in :data:`LANGUAGES` and the number of words looked at."""
    sample = text[:_MAX_CHARS].lower()
    words = _WORD.findall(sample)[:MAX_WORDS]
    scores = [0.0] * len(LANGUAGES)
    for word, count in Counter(words).items():
        for index, weight in _contributions(word):
            scores[index] += weight * count
    for letter, occurrences in Counter(_LETTER.findall(sample)).items():
        indexes, weight = _LETTER_TARGETS[letter]
        share = weight * min(occurrences, 50) / len(indexes)
        for index in indexes:
            scores[index] += share
    return scores, len(words)


def detect_language(text: str) -> tuple[str, float]:
    """Return ``(code, confidence)`` for *text*: an ISO 639-1 code or ``"und"``.

    Called once per document when its language is not declared; cheap (only the first
    2,000 words are read). ``confidence`` is in ``[0, 1]``: the winner's margin over the
    runner-up relative to its score, damped when there is little evidence (a headline
    gives less than a paragraph). ``("und", 0.0)`` for empty text, text without letters,
    text without any cue, or a tie between the best two.
    """
    if not text:
        return UNDETERMINED, 0.0
    scores, _words = _scores(text)
    ranked = sorted(range(len(LANGUAGES)), key=scores.__getitem__, reverse=True)
    best, second = scores[ranked[0]], scores[ranked[1]]
    if best <= 0.0 or best - second < 1e-9:
        return UNDETERMINED, 0.0
    margin = (best - second) / best
    evidence = 1.0 - math.exp(-best / 3.0)
    return LANGUAGES[ranked[0]], round(margin * evidence, 3)
