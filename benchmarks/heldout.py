"""How many real news site names resolve: the held-back list of issue 11.

``benchmarks/heldout_site_names.csv`` holds 243 mentions of military sites copied from
real articles in 23 languages (surface, language, article URL, the facility meant and its
sourced point). It was built from sources by someone who did not see the gazetteer's
curation, before the curated data existed, and is never used to tune anything: it only
measures.

Each surface is resolved two ways:

* **lookup** — the gazetteer alone, as ``geo resolve SURFACE`` does (top candidate);
* **in text** — the geoparser on a short defense sentence in the mention's language
  (English frame for languages without one), as ``geo extract`` would see it; the mention
  overlapping the surface counts.

A resolution is correct when its point lies within the tolerance of the gold point's
precision class (airfield 3 km, facility 2 km, town 10 km; plus the resolved point's own
tolerance, since a town point stands for a facility inside it) and, looser, within 25 km.
Usage::

    python benchmarks/heldout.py            # summary by language
    python benchmarks/heldout.py --misses   # every surface that did not resolve well
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.gazetteer.store import load_gazetteer
from geo.parse.pipeline import parse_text
from geo.vocab import PRECISIONS

HELDOUT = Path(__file__).with_name("heldout_site_names.csv")
GOLD_TOLERANCE_KM = {"airfield_reference_point": 3.0, "facility": 2.0, "town": 10.0}
OWN_TOLERANCE_KM = {p.key: p.tolerance_km for p in PRECISIONS}

#: A defense sentence per language, the surface in the middle (word order kept simple).
FRAMES = {
    "en": "Officials said troops will rotate through {} under the agreement.",
    "de": "Die Soldaten werden nach {} verlegt, teilte das Ministerium mit.",
    "fr": "Les soldats seront déployés à {} selon l'accord, a indiqué le ministère.",
    "es": "Las tropas se desplegarán en {} según el acuerdo, dijo el ministerio.",
    "it": "Le truppe saranno schierate a {} secondo l'accordo, ha detto il ministero.",
    "pt": "As tropas serão enviadas para {} segundo o acordo, disse o ministério.",
    "nl": "De troepen worden volgens het akkoord naar {} gestuurd, zei het ministerie.",
    "no": "Soldatene skal til {} etter avtalen, opplyser departementet.",
    "sv": "Soldaterna ska till {} enligt avtalet, uppger departementet.",
    "da": "Soldaterne skal til {} efter aftalen, oplyser ministeriet.",
    "fi": "Sotilaat siirretään {} sopimuksen mukaan, ministeriö kertoo.",
    "pl": "Żołnierze trafią {} na mocy umowy, poinformowało ministerstwo.",
    "ru": "Военные будут переброшены {} по соглашению, сообщило министерство.",
    "uk": "Військових буде перекинуто {} за угодою, повідомило міністерство.",
}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _score(place: object, row: dict[str, str]) -> tuple[bool, bool, float | None]:
    """(within tolerance, within 25 km, distance) of a resolved place against the gold row."""
    lat = getattr(place, "lat", None)
    lon = getattr(place, "lon", None)
    if place is None or lat is None or lon is None:
        return False, False, None
    distance = _km(float(row["lat"]), float(row["lon"]), lat, lon)
    tolerance = GOLD_TOLERANCE_KM.get(row["precision"], 10.0) + OWN_TOLERANCE_KM.get(
        getattr(place, "precision", None) or "", 0.0
    )
    return distance <= tolerance, distance <= 25.0, distance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    rows = list(csv.DictReader(HELDOUT.open(encoding="utf-8", newline="")))
    gaz = load_gazetteer()
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    misses = []
    for row in rows:
        surface, lang = row["surface"], row["lang"]
        found = gaz.candidates(surface)
        lookup = _score(found[0].place if found else None, row)
        frame = FRAMES.get(lang, FRAMES["en"])
        text = frame.format(surface)
        start = text.index(surface)
        hits = [
            r
            for r in parse_text(text, lang=lang if lang in FRAMES else "en", gazetteer=gaz)
            if r.mention.start < start + len(surface) and start < r.mention.end
        ]
        in_text = _score(hits[0].place if hits else None, row)
        counts = per_lang[lang]
        counts[0] += 1
        counts[1] += lookup[0]
        counts[2] += lookup[1]
        counts[3] += in_text[0]
        counts[4] += in_text[1]
        if not in_text[0]:
            got = hits[0].place.id if hits and hits[0].place else None
            misses.append((lang, surface, row["facility"], got, in_text[2]))
    total = [sum(c[i] for c in per_lang.values()) for i in range(5)]
    print(f"held-out news site names: {total[0]} surfaces, {len(per_lang)} languages")
    print(f"{'lang':<6}{'n':>5}{'lookup ok':>11}{'≤25 km':>8}{'in text ok':>12}{'≤25 km':>8}")
    for lang, c in sorted(per_lang.items(), key=lambda kv: -kv[1][0]):
        print(f"{lang:<6}{c[0]:>5}{c[1]:>11}{c[2]:>8}{c[3]:>12}{c[4]:>8}")
    n = total[0]
    print(
        f"{'all':<6}{n:>5}{total[1]:>11}{total[2]:>8}{total[3]:>12}{total[4]:>8}   "
        f"(lookup {total[1] / n:.1%}, in text {total[3] / n:.1%} within tolerance)"
    )
    if args.misses:
        print("\nmisses (in text):")
        for lang, surface, facility, got, distance in misses:
            where = f"{distance:.0f} km off" if distance is not None else "unresolved"
            print(f"  [{lang}] {surface!r} ({facility}) -> {got} ({where})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
