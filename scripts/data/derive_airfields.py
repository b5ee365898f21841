#!/usr/bin/env python3
"""Select military airfields from the installed `airportsdata` package.

Our own code (stdlib + airportsdata only). Run with the project venv:

    .venv/bin/python scripts/data/derive_airfields.py [--review]

Writes sites-airfields.csv next to this script (the site-row format of the
data brief). An airfield is selected when its airportsdata name carries a
military designator (MARKERS), unless its ICAO code is in EXCLUDE (hand-reviewed
false positives); INCLUDE adds hand-picked military airfields whose name has
no marker, each with a page that confirms military use.

`--review` prints every selected airfield (ICAO, country, airportsdata name,
display name) for a hand review instead of writing the CSV.
"""

import csv
import os
import re
import sys
import unicodedata

import airportsdata

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sites-airfields.csv")
REPO_URL = "https://github.com/mborsetti/airportsdata"
US_AREAS = {"US", "GU", "PR", "VI", "AS", "MP", "UM"}

HEADER = [
    "id",
    "name",
    "local_name",
    "kind",
    "country",
    "admin_area",
    "operator",
    "lat",
    "lon",
    "coord_precision",
    "coord_source",
    "aliases",
    "former_names",
    "status",
    "confidence",
    "source_urls",
    "notes",
]

# Name markers that make an airfield military. Matched case-sensitively where
# the abbreviation is also an ordinary word (e.g. 'AB', 'Ns', 'Naf').
MARKERS = [
    r"\bAir ?[Bb]ase\b",
    r"\bAirbase\b",
    r"\bAB\b",
    r"\bAfb\b",
    r"\bAFB\b",
    r"\bAf Aux\b",
    r"\bAfb Aux\b",
    r"\bAir Force\b",
    r"\bAir Force Station\b",
    r"\bAfs\b",
    r"\bNaval\b",
    r"\bNas\b",
    r"\bNAS\b",
    r"\bNolf\b",
    r"\bNalf\b",
    r"\bNaf\b",
    r"\bNaws\b",
    r"\bNs\b",
    r"\bMcas\b",
    r"\bMcaf\b",
    r"\bMcolf\b",
    r"\bMarine Corps\b",
    r"\bRoyal Marines\b",
    r"\bNavy\)",
    r"\bArb\b",
    r"\bAngb\b",
    r"\bLrrs\b",
    r"\bPmrf\b",
    r"\bUsaf\b",
    r"\bUsmc\b",
    r"\bArmy\b",
    r"\bAAF\b",
    r"\bJoint Base\b",
    r"\bSpace Force\b",
    r"^RAF ",
    r"\bRAAF\b",
    r"\bRNZAF\b",
    r"^CFB ",
    r"\bJASDF\b",
    r"\bBase A[eé]rea\b",
    r"\bBase A[eé]rienne\b",
    r"\(BA \d+\)",
    r"\bBA \d+\)",
    r"\bBase de Aviacao\b",
    r"\bAeronaval\b",
    r"\bAviacion Militar\b",
    r"\bFliegerhorst\b",
    r"\bMilitary\b",
    r"\(Military\)",
    r"\bMil Reservation\b",
    r"\bAir Station\b",
    r"\bCoast Guard\b",
    r"\bCg Air Station\b",
    r"\bNaval Support Facility\b",
    r"\bTest Range\b",
    r"\bProving Ground\b",
    r"\bAir Force Academy\b",
    r"\bCantonment\b",
]
MARKER_RE = re.compile("|".join(MARKERS))

# Hand-reviewed false positives: ICAO -> why it is left out.
EXCLUDE = {
    # private or civil strips whose name only looks military
    "5NC1": "private strip ('Tara Airbase')",
    "KT73": "private strip ('Kirk Air Base')",
    "MN13": "private strip ('Moberg Air Base')",
    "17NR": "private strip ('Zombie Air Force')",
    "TA60": "private strip ('Fly Navy')",
    "33IA": "private farm strip ('Marine Farms')",
    "K76G": "civil municipal airport (Marine City, Michigan)",
    "AK71": "'Lonely Air Station': identity and current use not established",
    "53AZ": "commercial UAS test range, not military",
    "NV72": "private strip named '(Usmc)', military use not established",
    "00TS": "private strip ('Alpine Range')",
    "KHIB": "civil regional airport (Range Regional)",
    "NJ24": "'Warren Grove Range Airport': strip on an ANG gunnery range, listed by MIRTA instead",
    "ENKA": "'Kautokeino Air Base' is a civil strip in airportsdata naming; military use not established",
    "SBAN": "bare 'Base Aerea Airport': identity unclear from the name",
    "YGAD": "'Garden Island (Military)' is a helipad at the naval base; the naval base is in sites-world",
    "LFXR": "civil airfield (Rochefort Soubise)",
    "SAWO": "'Estacion Aeronaval' name only; identity unclear",
    "ETHT": "Cottbus (Cottbus Army): former army airfield, now civil",
    "HAAL": "Lideta Army Airport: old Addis Ababa airfield, current status not established",
    "OE53": "academy airstrip, identity unclear",
    "OPOK": "Okara Cantonment Airstrip: status not established",
    "RK5M": "'C 719 Heliport': identity unclear",
    "EDSD": "Leipheim: former air base, now civil/industrial",
    "EBBT": "Brasschaat: army airfield, status not established from name alone",
    "VOCC": "Willingdon Island Air Base is a civil/naval strip with unclear status",
    "LD57": "'Sepurine Training Base' is a private/sport strip",
    "PAKO": "Nikolski Air Station: civil airport of the village",
    "PAWT": "Wainwright Air Station: civil airport of the village",
    "PAGZ": "Granite Mountain Air Station: former radar station strip, status not established",
    "K1KC": "Kalakaket Creek Air Station: former radar station strip, status not established",
    "KNHU": "second airportsdata entry for Naval Station Norfolk (KNGU kept)",
    "RJSO": "'JASDF Airport' at Ominato: identity unclear from the name",
    "SAYJ": "Jubany (Carlini) is an Antarctic research station",
    "LFOK": "Chalons-Vatry: operated as a civil airport; name keeps the old air base",
    "LFPM": "Melun-Villaroche: civil/industrial airfield; name keeps the old air base",
    "LFPY": "Bretigny-sur-Orge: air base closed; name keeps the old air base",
    "LERS": "Reus: civil airport; name keeps the old air base",
}

# Display names for airportsdata names that the rules below render badly.
# ICAO -> (display name, [extra aliases], local_name, operator or None, kind or None)
NAME_OVERRIDE = {
    "1MS8": ("Columbus Air Force Base Auxiliary Field (Gunshy)", [], "", None, None),
    "KAGR": ("MacDill Air Force Base Auxiliary Field", ["MacDill AFB Aux Field"], "", None, None),
    "KMCF": ("MacDill Air Force Base", ["MacDill AFB"], "", None, None),
    "KEGI": ("Duke Field", ["Eglin Auxiliary Field 3", "Eglin AF Aux Nr 3"], "", None, None),
    "KMUI": ("Muir Army Heliport", ["Muir AHP", "Fort Indiantown Gap"], "", None, None),
    "KBKT": (
        "Blackstone Army Airfield",
        ["Allan C Perkinson/Blackstone Army Air Field", "Blackstone AAF"],
        "",
        None,
        None,
    ),
    "KFHU": (
        "Libby Army Airfield",
        [
            "Libby AAF",
            "Sierra Vista Municipal Airport",
            "Sierra Vista Municipal-Libby Army Air Field",
        ],
        "",
        None,
        None,
    ),
    "KPMD": (
        "Air Force Plant 42",
        ["Palmdale USAF Plant 42", "USAF Plant 42", "AF Plant 42"],
        "",
        None,
        None,
    ),
    "KDMA": (
        "Davis-Monthan Air Force Base",
        ["Davis-Monthan AFB", "Davis Monthan AFB"],
        "",
        None,
        None,
    ),
    "KTCM": ("McChord Field", ["Joint Base Lewis-McChord", "JBLM"], "", "US Air Force", None),
    "KWRI": (
        "Joint Base McGuire-Dix-Lakehurst",
        ["McGuire Field", "JB McGuire-Dix-Lakehurst", "JB MDL"],
        "",
        "US Air Force",
        None,
    ),
    "PHBK": (
        "Pacific Missile Range Facility Barking Sands",
        ["PMRF", "PMRF Barking Sands", "Barking Sands"],
        "",
        "US Navy",
        "test_range",
    ),
    "LFMI": ("Istres Air Base", ["Istres Le Tube", "Istres-Le Tubé Air Base"], "", None, None),
    "LFTR": (
        "Toulon-Saint-Mandrier naval airfield",
        ["Saint-Mandrier", "Toulo (St Mandrier Navy) Airport"],
        "",
        "French Navy (airportsdata name says 'Navy')",
        None,
    ),
    "OMAM": (
        "Al Dhafra Air Base",
        ["Al Dhafra AB", "Abu Dhabi-Al Dhafra AB", "Al Dhafra Airbase"],
        "",
        None,
        None,
    ),
    "OJ40": (
        "Muwaffaq Salti Air Base",
        [
            "Al Shaheed Muwaffaq Salti Air Base",
            "Al Azraq Air Base",
            "Azraq Air Base",
            "Muwaffaq Salti AB",
        ],
        "",
        None,
        None,
    ),
    "SBNT": (
        "Natal Air Base",
        ["Base Aérea de Natal", "Campo Augusto Severo Airport"],
        "Base Aérea de Natal",
        None,
        None,
    ),
    "SBST": (
        "Santos Air Base",
        ["Base Aérea de Santos", "Base Aerea de Santos"],
        "Base Aérea de Santos",
        None,
        None,
    ),
    "SBTA": (
        "Taubaté Army Aviation Base",
        ["Base de Aviação de Taubaté", "Base de Aviacao de Taubate"],
        "Base de Aviação de Taubaté",
        None,
        None,
    ),
    "LERT": (
        "Naval Station Rota",
        ["NAVSTA Rota", "NS Rota", "Rota Naval Station", "Base Naval de Rota"],
        "Base Naval de Rota",
        "US Navy (designator 'Naval Station')",
        None,
    ),
    "RJTA": (
        "Naval Air Facility Atsugi",
        ["NAF Atsugi", "Atsugi Naval Air Facility"],
        "",
        "US Navy (designator 'Naval Air Facility')",
        None,
    ),
    "RJOI": (
        "Marine Corps Air Station Iwakuni",
        ["MCAS Iwakuni", "Iwakuni Marine Corps Air Station"],
        "",
        "US Marine Corps",
        None,
    ),
    "ROTM": (
        "Marine Corps Air Station Futenma",
        ["MCAS Futenma", "Futenma Marine Corps Air Station"],
        "",
        "US Marine Corps",
        None,
    ),
    "FJDG": (
        "Naval Support Facility Diego Garcia",
        ["NSF Diego Garcia", "Diego Garcia Naval Support Facility"],
        "",
        "US Navy (designator 'Naval Support Facility')",
        None,
    ),
    "PKWA": (
        "Bucholz Army Airfield",
        ["Bucholz AAF", "Bucholz Army Air Field"],
        "",
        "US Army",
        None,
    ),
    "PKRO": ("Dyess Army Airfield", ["Dyess AAF", "Dyess Army Air Field"], "", "US Army", None),
    "EPCE": ("Cewice Military Airport", [], "", None, None),
    "SACE": (
        "Escuela de Aviación Militar airfield",
        ["Escuela De Aviacion Militar Airport"],
        "",
        None,
        None,
    ),
    "OEKK": (
        "King Khalid Military City Airport",
        ["King Khaled Military City Airport"],
        "",
        None,
        None,
    ),
    "BGTL": ("Thule Air Base", ["Thule AB"], "", None, None),
}

# Known military airfields whose airportsdata name has no marker.
# ICAO -> (display name, operator, [confirming URLs], note)
INCLUDE = {
    # ICAO: (display name, operator, [confirming page URLs], note)
    "RKSG": (
        "Desiderio Army Airfield",
        "US Army (USAG Humphreys)",
        ["https://review.clateway.com/wiki/view_html.php?lang=en&q=Camp_Humphreys&sq=Envato"],
        "Airfield of Camp Humphreys, Pyeongtaek (US Forces Korea HQ); airportsdata lists it as 'A 511 Airport'. Camp Humphreys itself is kr-camp-humphreys in sites-world.csv.",
    ),
    "HDCH": (
        "Chabelley Airfield",
        "US military (drone operations); Djibouti",
        [
            "https://medium.com/@TTerpstra/its-getting-really-crowded-around-djibouti-city-7d7b8d9fb19c",
            "http://karakullake.blogspot.com/2016/04/foreign-bases-in-djibouti.html",
        ],
        "Former French Foreign Legion airstrip used by the US for drone operations since 2013 (moved from Camp Lemonnier).",
    ),
    "ZJYX": (
        "Woody Island Air Base",
        "People's Liberation Army",
        [
            "https://www.nextbigfuture.com/2017/06/china-completing-construction-of-military-bases-in-south-china-sea.html"
        ],
        "PLA air base on Woody Island (Paracels, administered by China as part of Sansha; claimed by Vietnam and Taiwan); "
        "radar and air base noted alongside the Spratly bases.",
    ),
}

# Facts from a page (renames etc.) applied after selection: ICAO -> fields.
# `aliases_add`/`source_urls_add` are appended; other keys replace the value.
POST_FIX = {
    "BGTL": {
        "name": "Pituffik Space Base",
        "operator": "US Space Force (821st Space Base Group)",
        "former_names": "Thule Air Base",
        "aliases_add": ["Pituffik Space Base", "Pituffik", "Pituffik SB"],
        "source_urls_add": [
            "https://www.spaceforce.mil/News/Article/3355840/thule-air-base-gets-new-name/",
            "https://www.airandspaceforces.com/thule-air-base-new-name-pituffik-space-base/",
        ],
        "confidence": "high",
        "notes": "Renamed from Thule Air Base to Pituffik Space Base on 6 April 2023 (US Space Force); "
        "airportsdata still uses the old name. Same facility as the project's gl-pituffik row.",
    },
}

# Display-name rewriting of airportsdata's case-mangled US designators.
US_DESIG = [
    (r"\bAfb Aux( Field)?\b", "Air Force Base Auxiliary Field"),
    (r"\bAf Aux( Field)?\b", "Auxiliary Field"),
    (r"\bAfb\b", "Air Force Base"),
    (r"\bAfs\b", "Air Force Station"),
    (r"\bArb\b", "Air Reserve Base"),
    (r"\bAngb\b", "Air National Guard Base"),
    (r"\bNas Jrb\b", "Naval Air Station Joint Reserve Base"),
    (r"\bNas\b", "Naval Air Station"),
    (r"\bNaws\b", "Naval Air Weapons Station"),
    (r"\bNaf\b", "Naval Air Facility"),
    (r"\bNolf\b", "Naval Outlying Landing Field"),
    (r"\bNalf\b", "Naval Auxiliary Landing Field"),
    (r"\bNs\b", "Naval Station"),
    (r"\bMcas\b", "Marine Corps Air Station"),
    (r"\bMcaf\b", "Marine Corps Air Facility"),
    (r"\bMcolf\b", "Marine Corps Outlying Landing Field"),
    (r"\bLrrs\b", "Long Range Radar Site"),
    (r"\bPmrf\b", "Pacific Missile Range Facility"),
    (r"\bUsaf\b", "USAF"),
    (r"\bCg Air Station\b", "Coast Guard Air Station"),
    (r"\bMc (?=[A-Z])", "Mc"),
]
# prefix designators: "<place> Nas" -> "Naval Air Station <place>"
PREFIX_FORM = {
    "Naval Air Station": "NAS",
    "Naval Air Station Joint Reserve Base": "NAS JRB",
    "Marine Corps Air Station": "MCAS",
    "Marine Corps Air Facility": "MCAF",
    "Naval Outlying Landing Field": "NOLF",
    "Naval Auxiliary Landing Field": "NALF",
    "Naval Air Facility": "NAF",
    "Naval Air Weapons Station": "NAWS",
    "Naval Station": "NS",
    "Marine Corps Outlying Landing Field": "MCOLF",
}
ABBR = {
    "Air Force Base": "AFB",
    "Army Airfield": "AAF",
    "Air Reserve Base": "ARB",
    "Air National Guard Base": "ANGB",
    "Air Force Station": "AFS",
    "Air Base": "AB",
    "Space Force Base": "SFB",
    "Space Force Station": "SFS",
    "Long Range Radar Site": "LRRS",
}


def slug(text):
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-zA-Z0-9]+", "-", t).strip("-").lower()
    return re.sub(r"-+", "-", t)


def fix_mc(s):
    # 'Mcchord' -> 'McChord', 'Mcguire' -> 'McGuire'
    return re.sub(r"\bMc([a-z])", lambda m: "Mc" + m.group(1).upper(), s)


def clean_name(raw, cc):
    """Return (display name, extra aliases from parentheses/slashes)."""
    extra = []
    n = raw.strip()
    n = re.sub(r"\s+", " ", n)
    # French '(BA 120)' designators
    ba = re.search(r"\(?\bBA (\d+)\)?", n)
    ba_num = ba.group(1) if ba else None
    if ba:
        n = (n[: ba.start()] + n[ba.end() :]).strip()
        n = re.sub(r"\s+", " ", n)
    # parenthesised parts: keep as aliases (field names, host installation)
    for p in re.findall(r"\(([^)]*)\)", n):
        p = p.strip()
        if p and p.lower() not in ("military", "military airport"):
            extra.append(p)
    military_paren = "(Military)" in n
    n = re.sub(r"\s*\([^)]*\)\s*", " ", n).strip()
    n = re.sub(r",$", "", n).strip()
    # slash forms 'Scott Afb/Midamerica St Louis Airport': first part is the base
    if "/" in n and cc in US_AREAS:
        first, rest = n.split("/", 1)
        if MARKER_RE.search(first):
            extra.append(rest.strip())
            n = first.strip()
    # drop a trailing 'Airport' after a designator
    if not re.search(r"Military Airport$", n):
        n = re.sub(r"\s+Airport$", "", n)
    if ba_num and n.endswith(" Airport"):
        pass
    n = re.sub(r"\bArmy Air Field\b", "Army Airfield", n)
    if cc in US_AREAS or cc in ("DE", "JP", "KR", "KW", "IQ", "MH", "ES", "IO"):
        for pat, rep in US_DESIG:
            n = re.sub(pat, rep, n)
        n = fix_mc(n)
        n = n.replace("Army Air Field", "Army Airfield") if False else n
        # '<place> Naval Air Station' -> 'Naval Air Station <place>'
        for long in sorted(PREFIX_FORM, key=len, reverse=True):
            m = re.match(rf"^(.*\S)\s+{long}(\s+(North|South))?$", n)
            if m and cc in US_AREAS:
                place = m.group(1)
                tail = (" " + m.group(3)) if m.group(3) else ""
                n = f"{long} {place}{tail}"
                break
    if military_paren:
        n = n + " Military Airfield"
    if ba_num and not re.search(r"Air Base$", n):
        extra.append(n)
        n = re.sub(r"\s+Airport$", "", n) + " Air Base"
    n = re.sub(r"\s+", " ", n).strip()
    extra = [fix_mc(e) for e in extra]
    return n, extra, ba_num


def designator_aliases(name, cc, ba_num):
    al = [name]
    base = name
    if base != name:
        al.append(base)
    for long, short in ABBR.items():
        if base.endswith(" " + long):
            place = base[: -len(long)].strip()
            al.append(f"{place} {short}")
            if long == "Air Base":
                al.append(f"{place} Airbase")
            if long == "Army Airfield":
                al.append(f"{place} Army Air Field")
    for long, short in PREFIX_FORM.items():
        if base.startswith(long + " "):
            place = base[len(long) + 1 :]
            al.append(f"{short} {place}")
    m = re.match(r"^RAAF Base (.+)$", base)
    if m:
        al += [f"RAAF {m.group(1)}", f"Royal Australian Air Force Base {m.group(1)}"]
    m = re.match(r"^RNZAF Base (.+)$", base)
    if m:
        al += [f"RNZAF {m.group(1)}", f"Royal New Zealand Air Force Base {m.group(1)}"]
    m = re.match(r"^CFB (.+)$", base)
    if m:
        al += [f"Canadian Forces Base {m.group(1)}", f"CFB {m.group(1)}"]
    m = re.match(r"^RAF (.+)$", base)
    if m:
        al += [f"Royal Air Force {m.group(1)}"]
    m = re.match(r"^(.+) Air Force Station$", base)
    if m and cc == "IN":
        al += [f"AFS {m.group(1)}", f"Air Force Station {m.group(1)}"]
    m = re.match(r"^(.+) Military Air Base$", base)
    if m:
        al += [f"{m.group(1)} Air Base"]
    if ba_num:
        place = re.sub(r" (Air Base|Airport|Air Force Base)$", "", base)
        al += [f"BA {ba_num} {place}", f"Base aérienne {ba_num} {place}"]
    if cc == "NL":
        m = re.match(r"^(.+) Air Base$", base)
        if m:
            al.append(f"Vliegbasis {m.group(1)}")
    out = []
    for a in al:
        a = a.strip()
        if a and a not in out:
            out.append(a)
    return out


def operator_for(name, raw, cc):
    n = name
    us = cc in US_AREAS
    if "Space Force" in n:
        return "US Space Force"
    if "Coast Guard" in n:
        return "US Coast Guard"
    if re.search(r"Marine Corps", n) and (us or cc == "JP"):
        return "US Marine Corps"
    if (
        re.search(r"Naval (Air Station|Outlying|Auxiliary|Air Facility|Air Weapons|Station)", n)
        and us
    ):
        return "US Navy"
    if re.search(r"Air National Guard Base", n):
        return "Air National Guard"
    if re.search(r"Air Reserve Base", n):
        return "US Air Force Reserve"
    if re.search(r"Air Force (Base|Station)|Auxiliary Field|USAF|Long Range Radar Site", n) and us:
        return "US Air Force"
    if re.search(r"Army Air ?[Ff]ield|Army Heliport", n) and (us or cc in ("DE", "JP", "KW", "MH")):
        return "US Army"
    if n.startswith("RAF "):
        return "Royal Air Force (designator)"
    if "RAAF" in n:
        return "Royal Australian Air Force"
    if "RNZAF" in n:
        return "Royal New Zealand Air Force"
    if n.startswith("CFB "):
        return "Canadian Armed Forces"
    if "Royal Marines" in n:
        return "Royal Marines"
    if cc == "IN" and "Air Force Station" in n:
        return "Indian Air Force"
    if cc == "IN" and "Naval Air Station" in n:
        return "Indian Navy"
    if "JASDF" in raw:
        return "Japan Air Self-Defense Force"
    if cc == "FR" and re.search(r"\bBA \d+", raw):
        return "French Air and Space Force (BA designator)"
    return ""


def kind_for(name):
    if "Long Range Radar Site" in name:
        return "radar_site"
    if name.startswith(("Naval Station ", "Naval Support Facility ")):
        return "naval_base"
    return "air_base"


MIRTA_MATCHES = os.path.join(HERE, "mirta_airfield_matches.csv")
MIRTA_KEEP_KIND = {"radar_site", "space_base", "test_range"}


def _add(lst, items):
    for x in items:
        if x and x not in lst:
            lst.append(x)


def merge_mirta(rows, db):
    """Merge MIRTA sites that stand on an airportsdata airfield (see derive_mirta.py).

    A MIRTA site on an airfield already selected here adds its names, operator and
    sources to that row; one on an airfield not selected (a civil name: an Air
    National Guard base at a city airport) adds a new row with the airportsdata
    point, MIRTA being the page that confirms military use.
    """
    if not os.path.exists(MIRTA_MATCHES):
        return (0, 0, 0, 0)
    by_icao = {r["_icao"]: r for r in rows}
    groups = {}
    with open(MIRTA_MATCHES, encoding="utf-8") as f:
        for m in csv.DictReader(f):
            groups.setdefault(m["icao"], []).append(m)
    n_old = n_new_sites = n_new_rows = n_old_rows = 0
    for icao, ms in sorted(groups.items()):
        if icao in EXCLUDE:
            continue
        r = by_icao.get(icao)
        mirta_names = [m["display_name"] for m in ms]
        mirta_aliases = [a for m in ms for a in m["aliases"].split("|")]
        ops = []
        _add(ops, [m["operator"] for m in ms])
        src = (
            "https://www.acq.osd.mil/eie/BSI/BEI_MIRTA.html|"
            "https://github.com/nk10nikhil/global-watch/blob/759fca78d7cd0c76325e0f1fb6b9f67c3fb46fbc/scripts/data/mirta-processed.json"
        )
        mnote = (
            "Same facility as MIRTA site(s) "
            + ", ".join(f"'{m['mirta_name']}' ({m['distance_km']} km from the ARP)" for m in ms)
            + "; merged, airportsdata point kept."
        )
        if r is not None:
            n_old += len(ms)
            n_old_rows += 1
            al = r["aliases"].split("|")
            _add(al, mirta_names + mirta_aliases)
            r["aliases"] = "|".join(al)
            if not r["operator"]:
                r["operator"] = "; ".join(ops)
            r["source_urls"] = r["source_urls"] + "|" + src
            r["confidence"] = "high"
            r["notes"] = r["notes"].replace("' only.", "', confirmed by DoD MIRTA.") + " " + mnote
            kinds = {m["kind"] for m in ms} & MIRTA_KEEP_KIND
            if kinds and r["kind"] == "air_base":
                r["kind"] = sorted(kinds)[0]
            if all(m["status"] == "former" for m in ms):
                r["status"] = "former"
            continue
        a = db[icao]
        cc = a["country"]
        name = ms[0]["display_name"]
        if not re.search(
            r"Air National Guard|Air Reserve|Air Force|Naval|Navy|Army|Marine|Field|"
            r"Airfield|Space Force|Radar|Guard|Joint",
            name,
        ):
            name = f"{name} ({ops[0]})"
        kinds = [m["kind"] for m in ms if m["kind"] in MIRTA_KEEP_KIND]
        al = [name]
        _add(al, mirta_names + mirta_aliases + [a["name"]])
        admin = ", ".join(x for x in (a.get("city", ""), a.get("subd", "")) if x)
        rows.append(
            {
                "id": f"{cc.lower()}-{slug(name)}",
                "name": name,
                "local_name": "",
                "kind": kinds[0] if kinds else "air_base",
                "country": cc,
                "admin_area": admin,
                "operator": "; ".join(ops),
                "lat": fmt(a["lat"]),
                "lon": fmt(a["lon"]),
                "coord_precision": "airfield_reference_point",
                "coord_source": f"airportsdata ICAO {icao}",
                "aliases": "|".join(al),
                "former_names": "",
                "status": "former" if all(m["status"] == "former" for m in ms) else "current",
                "confidence": "high",
                "source_urls": REPO_URL + "|" + src,
                "notes": f"airportsdata name '{a['name']}' has no military marker; military use from DoD MIRTA. "
                + mnote,
                "_icao": icao,
                "_raw": a["name"],
            }
        )
        n_new_sites += len(ms)
        n_new_rows += 1
    return (n_old, n_old_rows, n_new_sites, n_new_rows)


def fmt(x):
    return repr(round(float(x), 5))


def main():
    review = "--review" in sys.argv
    db = airportsdata.load("ICAO")
    rows = []
    for icao, a in sorted(db.items()):
        raw = a["name"]
        cc = a["country"]
        inc = INCLUDE.get(icao)
        if icao in EXCLUDE:
            continue
        if not inc and not MARKER_RE.search(raw):
            continue
        kind = None
        local = ""
        if inc:
            name, extra, ba_num = inc[0], [raw], None
            operator = inc[1]
        elif icao in NAME_OVERRIDE:
            name, extra, local, op, kind = NAME_OVERRIDE[icao]
            extra = [*list(extra), raw]
            ba_num = None
            operator = op if op is not None else operator_for(name, raw, cc)
        else:
            name, extra, ba_num = clean_name(raw, cc)
            operator = operator_for(name, raw, cc)
        aliases = designator_aliases(name, cc, ba_num)
        for e in extra:
            if e not in aliases:
                aliases.append(e)
        if ba_num:
            local = next(x for x in aliases if x.startswith("Base aérienne"))
        admin = ", ".join(x for x in (a.get("city", ""), a.get("subd", "")) if x)
        notes = []
        if inc:
            urls = [REPO_URL] + inc[2]
            conf = "high" if inc[2] else "medium"
            notes.append(inc[3])
            notes.append(f"airportsdata name '{raw}' has no military marker; included by hand.")
        else:
            urls = [REPO_URL]
            conf = "medium"
            notes.append(f"Military identity from the airportsdata name '{raw}' only.")
        rows.append(
            {
                "id": f"{cc.lower()}-{slug(name)}",
                "name": name,
                "local_name": local,
                "kind": kind or kind_for(name),
                "country": cc,
                "admin_area": admin,
                "operator": operator,
                "lat": fmt(a["lat"]),
                "lon": fmt(a["lon"]),
                "coord_precision": "airfield_reference_point",
                "coord_source": f"airportsdata ICAO {icao}",
                "aliases": "|".join(aliases),
                "former_names": "",
                "status": "current",
                "confidence": conf,
                "source_urls": "|".join(urls),
                "notes": " ".join(notes),
                "_icao": icao,
                "_raw": raw,
            }
        )
    merged = merge_mirta(rows, db)
    for r in rows:
        fix = POST_FIX.get(r["_icao"])
        if not fix:
            continue
        for k, v in fix.items():
            if k == "aliases_add":
                al = [x for x in r["aliases"].split("|") if x]
                r["aliases"] = "|".join(v + [x for x in al if x not in v])
            elif k == "source_urls_add":
                r["source_urls"] = "|".join([r["source_urls"], *v])
            else:
                r[k] = v
        r["id"] = f"{r['country'].lower()}-{slug(r['name'])}"
    # make ids unique (same display name in one country)
    seen = {}
    for r in rows:
        if r["id"] in seen:
            r["id"] = f"{r['id']}-{r['_icao'].lower()}"
        seen[r["id"]] = r
    if review:
        for r in rows:
            print(
                r["_icao"], r["country"], r["_raw"], "=>", r["name"], "|", r["operator"], sep="\t"
            )
        print(len(rows), file=sys.stderr)
        return
    rows.sort(key=lambda r: r["id"])
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(
        f"wrote {len(rows)} rows to {OUT} ({merged[0]} MIRTA sites merged into {merged[1]} "
        f"marker-selected rows, {merged[2]} MIRTA sites added as {merged[3]} new airfield rows)"
    )


if __name__ == "__main__":
    main()
