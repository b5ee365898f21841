"""Word lists the recognizer consults: titles, months, first names, word frequencies.

These answer "is this capitalised word a place here?": "Antony" before "Blinken" is a
first name, "Boden" in German text is the common noun for soil, "March" is a month.
Word frequencies come from ``wordfreq`` and names from the US census lists of the
``names`` package; both ship their data in the wheel, so nothing is downloaded. The
curated lists below are the project's own.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from geo.text.normalize import name_key

# Words that, right before a capitalised name, make it a person's name.
TITLES = frozenset(
    name_key(w)
    for w in """
    mr mrs ms miss dr prof professor sir dame lord lady rev reverend father
    president vice-president premier chancellor minister secretary senator sen rep
    representative congressman congresswoman governor gov mayor judge justice sheriff
    general gen admiral adm colonel col major maj captain capt lieutenant lt sergeant sgt
    commander cmdr officer detective inspector chief ambassador envoy spokesman
    spokeswoman spokesperson king queen prince princess emperor pope cardinal bishop imam
    rabbi sheikh coach chairman chairwoman ceo director
    herr frau präsident präsidentin ministerin ministerpräsident ministerpräsidentin
    bundeskanzler bundeskanzlerin kanzler kanzlerin außenminister außenministerin
    verteidigungsminister verteidigungsministerin staatssekretär botschafter
    statsminister udenrigsminister forsvarsminister utenriksminister
    utrikesminister försvarsminister statsråd
    pääministeri ulkoministeri puolustusministeri presidentti
    monsieur madame m mme ministre président présidente général
    señor señora sr sra presidente ministro ministra general
    """.split()
)

# Month and weekday names, never places in our output even where a village shares one.
CALENDAR = frozenset(
    name_key(w)
    for w in """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag
    freitag samstag sonntag
    marts maj august oktober mandag tirsdag onsdag torsdag fredag lørdag søndag
    mars juni juli augusti måndag tisdag
    tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu syyskuu
    lokakuu marraskuu joulukuu
    janvier février avril juin juillet août septembre octobre novembre décembre lundi
    mardi mercredi jeudi vendredi samedi dimanche
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre
    diciembre lunes martes miércoles jueves viernes sábado domingo
    """.split()
)

# Capitalised words that begin a sentence or a heading and are never places.
FUNCTION_WORDS = frozenset(
    name_key(w)
    for w in """
    the a an this that these those he she it we they i you his her its our their in on
    at to for from by with as of and or but if when while after before during since
    under over about into between among without within also however there here what who
    which where why how all some many most more no not one two three new
    der die das ein eine und oder aber in im am an auf aus bei mit nach von vor zu zum
    zur über unter für gegen ohne seit wie wenn als auch nicht es sie er wir ihr ich
    den de det en et og i på til af for med som har er var ikke der
    och är att på för med som inte det en ett av till
    ja on ei se hän he me te
    le la les un une des et ou mais dans sur pour par avec sans sous il elle nous vous
    el la los las un una y o pero en con sin sobre para por
    """.split()
)


@cache
def word_frequencies(lang: str) -> dict[str, float]:
    """Word → frequency in *lang* (wordfreq's best list); empty for unknown languages.

    Frequencies are per word of running text; ``zipf`` converts them to the familiar
    log scale (Zipf 6 = once per thousand words, Zipf 3 = once per million).
    """
    import wordfreq

    code = {"no": "nb"}.get(lang, lang)
    try:
        return wordfreq.get_frequency_dict(code, wordlist="best")
    except (LookupError, ValueError):
        return {}


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of *word* (lower-cased) in *lang*; 0.0 when unseen."""
    import math

    freq = word_frequencies(lang).get(word.lower(), 0.0)
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


def _census(filename: str) -> dict[str, float]:
    out: dict[str, float] = {}
    text = (resources.files("names") / filename).read_text(encoding="ascii")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[name_key(parts[0])] = float(parts[1])
    return out


@cache
def first_names() -> dict[str, float]:
    """Common given names (US census 1990) → percent of people carrying them."""
    merged = _census("dist.male.first")
    for name, share in _census("dist.female.first").items():
        merged[name] = max(share, merged.get(name, 0.0))
    return merged


@cache
def last_names() -> dict[str, float]:
    """Common family names (US census 1990) → percent of people carrying them."""
    return _census("dist.all.last")
