#!/usr/bin/env python3
"""Derive gazetteer rows from the U.S. DoD MIRTA dataset.

Our own code (stdlib + airportsdata only). Run with the project venv, BEFORE
derive_airfields.py:

    .venv/bin/python scripts/data/derive_mirta.py [path/to/mirta-processed.json]

Input: `scripts/data/mirta-processed.json` of the public GitHub repository
nk10nikhil/global-watch (commit 759fca78d7cd0c76325e0f1fb6b9f67c3fb46fbc), a
copy of the DoD "Military Installations, Ranges and Training Areas" (MIRTA)
feature service (USACE ArcGIS, fetched 2026-02-27), made by that repository's
scripts/fetch-mirta-bases.mjs: 737 sites of the "DoD Sites - Point" layer with
their raw point, plus 95 sites found only in the "DoD Sites - Boundary" layer,
whose point is the mean of the polygon's vertices rounded to 6 decimals.
The two are told apart by their decimals (the point layer keeps the raw float,
more than 6 decimals).

Outputs, next to this script:
  sites-mirta.csv               site rows (brief format), sites not merged
  mirta_airfield_matches.csv    MIRTA sites that are the same facility as an
                                airportsdata airfield (ICAO); derive_airfields.py
                                merges them into sites-airfields.csv (one row,
                                the airportsdata point, both names)
"""

import csv
import json
import math
import os
import re
import sys
import unicodedata

import airportsdata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IN = os.path.join(HERE, "tmp", "mirta", "mirta-processed.json")
OUT = os.path.join(HERE, "sites-mirta.csv")
MATCHES = os.path.join(HERE, "mirta_airfield_matches.csv")

REPO = "nk10nikhil/global-watch"
COMMIT = "759fca78d7cd0c76325e0f1fb6b9f67c3fb46fbc"
PATH = "scripts/data/mirta-processed.json"
FILE_URL = f"https://github.com/{REPO}/blob/{COMMIT}/{PATH}"
DOD_URL = "https://www.acq.osd.mil/eie/BSI/BEI_MIRTA.html"
USACE_URL = "https://geospatial-usace.opendata.arcgis.com/maps/fc0f38c5a19a46dbacd92f2fb823ef8c"

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

TERRITORY = {
    "Guam": "GU",
    "Puerto Rico": "PR",
    "Virgin Islands": "VI",
    "American Samoa": "AS",
    "Northern Mariana Islands": "MP",
}

OPERATOR = {
    "Army": "US Army",
    "Army Reserve": "US Army Reserve",
    "Army National Guard": "Army National Guard",
    "Air Force": "US Air Force",
    "Air Force Reserve": "US Air Force Reserve",
    "Air National Guard": "Air National Guard",
    "Marine Corps": "US Marine Corps",
    "Marine Corps Reserve": "US Marine Corps Reserve",
    "Navy": "US Navy",
    "Navy Reserve": "US Navy Reserve",
    "Washington Headquarters Services": "Washington Headquarters Services (DoD)",
    "Other": "US Department of Defense",
}
AIR_BRANCHES = {"Air Force", "Air Force Reserve", "Air National Guard"}

# DoD sites left out: not military installations in the sense of this gazetteer.
SKIP_RE = re.compile(
    r"Recreation|Rec Area|Golf|Cemetery|Museum|Sewage|Tillie Fowler Park|"
    r"Outdoor Recreation|Youth Academy",
    re.I,
)

# (regex on the name, expansion) for display names; the MIRTA name stays an alias.
EXPAND = [
    (r"\bIAP\b", "International Airport"),
    (r"\bANGB\b", "Air National Guard Base"),
    (r"\bARB\b", "Air Reserve Base"),
    (r"\bARS\b", "Air Reserve Station"),
    (r"\bAFB\b", "Air Force Base"),
    (r"\bAFS\b", "Air Force Station"),
    (r"\bAF Range\b", "Air Force Range"),
    (r"\bAAP\b", "Army Ammunition Plant"),
    (r"\bUSARC\b", "US Army Reserve Center"),
    (r"\bMCRC\b", "Marine Corps Reserve Center"),
    (r"\bNAVSTA\b", "Naval Station"),
    (r"\bNAVSUPPACT\b", "Naval Support Activity"),
    (r"\bNAVSUPPFAC\b", "Naval Support Facility"),
    (r"\bNAVWPNSTA\b", "Naval Weapons Station"),
    (r"\bNAVRESCEN\b", "Navy Reserve Center"),
    (r"\bNAVMEDCEN\b", "Naval Medical Center"),
    (r"\bNAVBASE\b", "Naval Base"),
    (r"\bNAVACAD\b", "Naval Academy"),
    (r"\bNAVMAG\b", "Naval Magazine"),
    (r"\bNAVOBSSTA\b", "Naval Observatory Station"),
    (r"\bNAS JRB\b", "Naval Air Station Joint Reserve Base"),
    (r"\bJRB\b", "Joint Reserve Base"),
    (r"\bNAS\b", "Naval Air Station"),
    (r"\bNAF\b", "Naval Air Facility"),
    (r"\bNOLF\b", "Naval Outlying Landing Field"),
    (r"\bNALF\b", "Naval Auxiliary Landing Field"),
    (r"\bOLF\b", "Outlying Landing Field"),
    (r"\bALF\b", "Auxiliary Landing Field"),
    (r"\bAASF\b", "Army Aviation Support Facility"),
    (r"\bAFRC\b", "Armed Forces Reserve Center"),
    (r"\bMTA\b", "Maneuver Training Area"),
    (r"\bMTC\b", "Maneuver Training Center"),
    (r"\bTng\b|\bTrng\b", "Training"),
    (r"\bCtr\b", "Center"),
    (r"\bMil Res(erve)?\b", "Military Reservation"),
    (r"\bMAP\b", "Municipal Airport"),
    (r"\bRRS\b", "Regional Radar Site"),
    (r"\bFld\b", "Field"),
    (r"\bBks\b", "Barracks"),
    (r"\bFt\b", "Fort"),
    (r"\bWm\b", "William"),
    (r"\bUSMCB\b", "Marine Corps Base"),
    (r"\bMCRD\b", "Marine Corps Recruit Depot"),
    (r"\bNSY\b", "Naval Shipyard"),
    (r"\bNNSY\b", "Norfolk Naval Shipyard"),
]

KIND_RULES = [  # first match wins; matched against the MIRTA name
    (
        "unknown",
        r"Research Lab|Laborator|\bLab\b|Development Command|Air Force Plant|Engine Plant|"
        r"Manufacturing Center",
    ),
    ("test_range", r"Naval Air Weapons Station"),
    (
        "space_base",
        r"Space Force (Base|Station|Annex)|Tracking Station|Cheyenne Mountain|New Boston Air Station",
    ),
    ("radar_site", r"Radar|\bRRS\b|Haarp"),
    ("fuel_depot", r"Fuel|Petrol|\bDFSP\b"),
    (
        "test_range",
        r"Proving Ground|Test|Missile Range|Tropic Regions|Ballistics|Electronic Combat Range|AFWTF",
    ),
    (
        "storage",
        r"Depot|Arsenal|Ammunition|\bAAP\b|Magazine|NAVMAG|Weapons Station|NAVWPNSTA|Ord Plant|"
        r"Ord Works|Storage|Strg|\bAmmo\b|Supply Center|Logistics|Ocean Terminal|Distrib|DLA\b|"
        r"NWIRP|Blount Island",
    ),
    (
        "air_base",
        r"Air Force Base|\bAFB\b|Air Base|\bARB\b|\bARS\b|ANGB|\bANG\b|Air Reserve|Air National Guard|"
        r"\bIAP\b|Airport|Airfield|Air Field|\bField\b|\bFld\b|\bFL\b|\bNAS\b|Naval Air|\bNAF\b|"
        r"Marine Corps Air Station|\bN?OLF\b|\bN?ALF\b|Stagefield|Basefield|Air Station|"
        r"Air Terminal|Heliport|\bAASF\b|AVCRAD|Aviation|\bJRB\b|Joint Reserve Base|\bMAP\b|"
        r"Carrier LS|Sea Plane Base|Guard East|\(139AG\)|179th AW|Joint National Guard Base",
    ),
    (
        "naval_base",
        r"Naval Base|NAVBASE|Naval Station|NAVSTA|\bNS\b|Submarine Base|Naval Support|NAVSUPP|"
        r"Amphib|Shipyard|\bNSY\b|NNSY|Upper Yard|North Yard|Naval Logistics|Naval Suffolk|"
        r"Expeditionary Base|CBC Gulfport|NAVACAD|NAVRESCEN|Navy Reserve|\bNRC\b|\bNSA\b|"
        r"Naval Academy|Waterfront|Craney Island|Cheatham Annex|Truman Annex|Trumbo Point|"
        r"Dredgers Key|Fleming Key|NSGA|NUWC|Naval Surface Warfare|NSWC",
    ),
    (
        "training_area",
        r"Range|Training|\bTng\b|\bTrng\b|Maneuver|\bMTA\b|\bTS\b|\bVTS\b|Target|Bombing|"
        r"Gunnery|Combat Center|Combat Training|\bLTA\b|\bMTC\b|\bCTA\b|\bCTC\b|\bJTA\b|"
        r"\bGTA\b|\bITC\b|\bMTCH\b|\bTng Site\b|Survival|Reserve Forces Tng Area|Pohakuloa",
    ),
    (
        "army_garrison",
        r"^Fort |^Ft |\bFort\b|Camp |Barracks|\bBks\b|Garrison|Presidio|Military Reservation|"
        r"Mil Res|USARC|MCRC|Armory|Readiness Center|\bRC\b|\bAFRC\b|Marine Corps Base|"
        r"USMCB|MCRD|West Point|JFHQ|National Guard Center|Reserve Center|Reserve Complex|"
        r"Field Station|Rivanna Station|\bGL Camp\b|Constitution Island",
    ),
    (
        "headquarters",
        r"Pentagon|Headquarters|HQTRS|\bHQ\b|Command|Mark Center|Service Ctr|DFAS|"
        r"Navy Annex|Office of|Washington Navy|Naval Support Activity Wash",
    ),
]


def slug(text):
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-zA-Z0-9]+", "-", t).strip("-").lower()
    return re.sub(r"-+", "-", t)


def decimals(x):
    s = repr(float(x))
    return len(s.split(".")[1]) if "." in s and "e" not in s else 0


def display_name(raw):
    n = raw.strip()
    ng = False
    if n.startswith("NG "):
        ng = True
        n = n[3:]
    for pat, rep in EXPAND:
        n = re.sub(pat, rep, n)
    n = re.sub(r"\s+", " ", n).strip()
    return n, ng


def kind_of(raw, branch):
    for kind, pat in KIND_RULES:
        if re.search(pat, raw, re.I if kind not in ("naval_base", "air_base") else 0):
            return kind
    if re.search(r"^Joint Base", raw):
        return (
            "air_base"
            if branch in AIR_BRANCHES
            else ("naval_base" if branch.startswith("Navy") else "army_garrison")
        )
    if re.search(
        r"Laborator|\bLab\b|Research|Observatory|Hospital|Medical|Biometric|DARPA|Defense Advanced|"
        r"Soldier Center|Futures",
        raw,
        re.I,
    ):
        return "unknown"
    return "unknown"


def designator_aliases(names):
    out = []
    pairs = [
        ("Air Force Base", "AFB"),
        ("Air National Guard Base", "ANGB"),
        ("Air Reserve Base", "ARB"),
        ("Space Force Base", "SFB"),
        ("Space Force Station", "SFS"),
        ("Army Airfield", "AAF"),
        ("International Airport", "IAP"),
    ]
    pre = [
        ("Naval Air Station", "NAS"),
        ("Marine Corps Air Station", "MCAS"),
        ("Naval Station", "NS"),
        ("Naval Base", "NB"),
        ("Marine Corps Base", "MCB"),
        ("Naval Support Activity", "NSA"),
        ("Naval Weapons Station", "NWS"),
        ("Naval Submarine Base", "SUBASE"),
        ("Joint Base", "JB"),
    ]
    for n in names:
        if n and n not in out:
            out.append(n)
        for long, short in pairs:
            if long in n:
                v = n.replace(long, short)
                if v not in out:
                    out.append(v)
        for long, short in pre:
            if n.startswith(long + " ") and short not in ("NB", "NSA"):
                v = short + n[len(long) :]
                if v not in out:
                    out.append(v)
    return out


def haversine(a, b, c, d):
    r = 6371.0
    p1, p2 = math.radians(a), math.radians(c)
    dp, dl = p2 - p1, math.radians(d - b)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


STOP = {
    "air",
    "force",
    "base",
    "afb",
    "field",
    "airport",
    "international",
    "iap",
    "naval",
    "station",
    "nas",
    "army",
    "airfield",
    "ang",
    "angb",
    "arb",
    "reserve",
    "national",
    "guard",
    "joint",
    "the",
    "of",
    "regional",
    "municipal",
    "map",
    "county",
    "site",
    "fl",
    "fld",
    "ng",
    "and",
    "space",
    "marine",
    "corps",
    "mcas",
    "jrb",
    "aux",
    "auxiliary",
    "nolf",
    "olf",
    "alf",
    "nalf",
    "naf",
    "outlying",
    "landing",
    "city",
    "tx",
    "ca",
    "me",
    "pa",
    "nh",
    "sc",
    "va",
}


def tokens(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return {t for t in re.findall(r"[a-z0-9]+", s) if t not in STOP and len(t) > 2}


def airfield_matches(sites, db):
    """Match air_base MIRTA sites to the airportsdata airfield they stand on."""
    us = [a for a in db.values() if a["country"] in ("US", "GU", "PR", "VI", "AS", "MP")]
    out = {}
    for s in sites:
        if s["kind"] not in ("air_base", "space_base"):
            continue
        best = None
        for a in us:
            if abs(a["lat"] - s["_lat"]) > 0.2 or abs(a["lon"] - s["_lon"]) > 0.25:
                continue
            d = haversine(s["_lat"], s["_lon"], a["lat"], a["lon"])
            if d > 8:
                continue
            common = tokens(s["_raw"]) & (tokens(a["name"]) | tokens(a.get("city", "")))
            score = (len(common) > 0, -d)
            if (common or d <= 2.5) and (best is None or score > best[0]):
                best = (score, a, d, common)
        if best:
            _, a, d, common = best
            out[s["_raw"]] = (a["icao"], round(d, 2), sorted(common), a["name"])
    return out


# Reviewed by hand (see README): pairs the automatic match gets wrong.
MATCH_REJECT = {
    "NG Lexington AASF No 1": "nearest strip is a private airport",
    "NOLF Harold": "nearest strip is a private airport",
    "NOLF Brewton": "the Navy field and Brewton Municipal are not shown to be one airfield",
    "NOLF Evergreen": "the Navy field and Evergreen Regional are not shown to be one airfield",
    "CSO NAS Alameda": "caretaker office, not an airfield",
    "Cannon AFB Site 2": "separate site of Cannon AFB",
    "Joint Base Anacostia-Bolling": "no runway; near Reagan National only",
    "Pillar Point Space Force Station": "tracking station, not the nearby airport",
    "Los Angeles Air Force Base": "no runway; near LAX only",
    "Maxwell-Gunter Air Force Base": "second MIRTA site 5.7 km from the runway (Gunter annex)",
    "Naval Air Station Oceana Dam Neck Annex": "separate annex",
    "Joint Base San Antonio": "joint base of several sites, not only Kelly Field",
    "New Boston Air Station": "satellite station, not the nearby private strip",
    "Clear Space Force Station": "radar station, not the civil Clear Airport",
    "Kodiak Tracking Station": "tracking station, not Kodiak airport",
    "USA Field Station Kunia": "field station near, not at, Wheeler AAF",
    "NG Jackson Airport Armory": "armory, not an airfield unit",
}
MATCH_FORCE = {  # MIRTA name: ICAO (checked by hand; MIRTA point 0.3-4.4 km from the ARP, Eglin and China Lake farther: very large reservations)
    "Rickenbacker": "KLCK",
    "Niagara Falls": "KIAG",
    "Minn-St Paul": "KMSP",
    "Youngstown": "KYNG",
    "Springfield Beckley": "KSGH",
    "W K Kellogg": "KBTL",
    "Lincoln Map": "KLNK",
    "Naval Base Ventura County \u2013 Point Mugu Operating Facility": "KNTD",
    "Naval Station Norfolk": "KNGU",
    "Pacific Missile Range Facility": "PHBK",
    "Marine Corps Base Hawaii": "PHNG",
    "Sparrevohn RRS": "PASV",
    "Cape Newenham Long Range Radar Site": "PAEH",
    "Indian Mountain Regional Radar Site": "PAIM",
    "Lisburne Regional Radar Site": "PALU",
    "Romanzof Regional Radar Site": "PACZ",
    "Tatalina Regional Radar Site": "PATL",
    "Tin City Long Range Radar Site": "PATC",
    "Air Force Plant 42": "KPMD",
    "Eglin Air Force Base": "KVPS",
    "Naval Air Weapons Station China Lake": "KNID",
}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else DEFAULT_IN
    with open(src, encoding="utf-8") as handle:
        data = json.load(handle)["installations"]
    db = airportsdata.load("ICAO")
    sites, skipped = [], []
    for i in data:
        raw = re.sub(r"\s+", " ", i["name"]).strip()
        if SKIP_RE.search(raw):
            skipped.append(raw)
            continue
        branch = i["branch"]
        name, ng = display_name(raw)
        kind = kind_of(raw, branch)
        cc = TERRITORY.get(i["state"], "US")
        from_points = decimals(i["lat"]) > 6 or decimals(i["lon"]) > 6
        notes = []
        if from_points:
            prec = "facility"
            csrc = (
                f"DoD MIRTA 'DoD Sites - Point' layer ({USACE_URL}), copy in {REPO} {PATH} "
                f"(commit {COMMIT[:10]}, fetched 2026-02-27)"
            )
        else:
            prec = "area_centroid"
            csrc = (
                f"DoD MIRTA 'DoD Sites - Boundary' layer ({USACE_URL}), mean of polygon vertices as "
                f"computed in {REPO} {PATH} (commit {COMMIT[:10]})"
            )
            notes.append(
                "Site only in the MIRTA boundary layer: point is the mean of its polygon vertices, "
                "not a true centroid, and may lie outside an irregular or multi-part area."
            )
        status = {
            "Active": "current",
            "Caretaker": "current",
            "Semi-Active": "current",
            "Closed": "former",
            "Excess": "former",
        }.get(i["status"], "current")
        if i["status"] != "Active":
            notes.append(f"MIRTA operational status: {i['status']}.")
        if ng:
            notes.append("MIRTA lists it with the prefix 'NG' (National Guard).")
        if i.get("jointBase"):
            notes.append("MIRTA flags it as a joint base.")
        if kind == "unknown" and branch in ("Air National Guard", "Air Force Reserve"):
            kind = "air_base"
            notes.append(
                "Kind inferred from the component (Air National Guard / Air Force Reserve site)."
            )
        elif kind == "unknown" and branch in (
            "Army Reserve",
            "Army National Guard",
            "Marine Corps Reserve",
        ):
            kind = "army_garrison"
            notes.append("Kind inferred from the component (reserve/guard center or armory).")
        elif kind == "unknown":
            notes.append("Function not evident from the MIRTA name; kind left unknown.")
        names = [name, raw] if name != raw else [raw]
        operator = OPERATOR.get(branch, branch)
        sites.append(
            {
                "id": f"{cc.lower()}-{slug(name)}",
                "name": name,
                "local_name": "",
                "kind": kind,
                "country": cc,
                "admin_area": i["state"],
                "operator": operator,
                "lat": repr(round(float(i["lat"]), 5)),
                "lon": repr(round(float(i["lon"]), 5)),
                "coord_precision": prec,
                "coord_source": csrc,
                "aliases": "|".join(designator_aliases(names)),
                "former_names": "",
                "status": status,
                "confidence": "high",
                "source_urls": f"{DOD_URL}|{FILE_URL}",
                "notes": " ".join([*notes, f"MIRTA site name '{raw}', component '{branch}'."]),
                "_raw": raw,
                "_lat": float(i["lat"]),
                "_lon": float(i["lon"]),
                "_branch": branch,
            }
        )
    # unique ids: add branch, then a counter
    seen = {}
    for s in sites:
        if s["id"] in seen:
            s["id"] = f"{s['id']}-{slug(s['_branch'])}"
        while s["id"] in seen:
            s["id"] += "-2"
        seen[s["id"]] = s
    matches = airfield_matches(sites, db)
    for k in MATCH_REJECT:
        matches.pop(k, None)
    for k, icao in MATCH_FORCE.items():
        a = db[icao]
        s = next(x for x in sites if x["_raw"] == k)
        matches[k] = (
            icao,
            round(haversine(s["_lat"], s["_lon"], a["lat"], a["lon"]), 2),
            ["(forced)"],
            a["name"],
        )
    if "--review" in sys.argv:
        for s in sites:
            m = matches.get(s["_raw"])
            print(
                s["kind"], s["_raw"], s["_branch"], m and f"{m[0]} {m[1]}km {m[3]} {m[2]}", sep="\t"
            )
        print(
            len(sites), "sites;", len(matches), "matched;", len(skipped), "skipped", file=sys.stderr
        )
        return
    with open(MATCHES, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "mirta_name",
                "icao",
                "distance_km",
                "mirta_id",
                "display_name",
                "aliases",
                "operator",
                "kind",
                "status",
                "notes",
            ]
        )
        for s in sites:
            m = matches.get(s["_raw"])
            if m:
                w.writerow(
                    [
                        s["_raw"],
                        m[0],
                        m[1],
                        s["id"],
                        s["name"],
                        s["aliases"],
                        s["operator"],
                        s["kind"],
                        s["status"],
                        s["notes"],
                    ]
                )
    rows = [s for s in sites if s["_raw"] not in matches]
    rows.sort(key=lambda r: r["id"])
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(
        f"{len(data)} MIRTA sites: {len(skipped)} skipped, {len(matches)} merged into airfields, "
        f"{len(rows)} written to {OUT}"
    )


if __name__ == "__main__":
    main()
