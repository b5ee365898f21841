"""Benchmark the interactive map on a synthetic corpus: 5,000 sites, 20,000 mentions.

Usage::

    python benchmarks/map.py [--sites 5000] [--mentions 20000] [--agreements 20]
                             [--repeat 3] [--out out/bench_map.html] [--json FILE]
                             [--no-browser]

What is measured (targets of the map issue in brackets):

- **build** [≤ 5 s]: :func:`geo.web.render.save_map` from ready layers to the written file:
  the data blob, the folium render, inlining every asset and the atomic write. Building
  the layers themselves (geoparsing) is the geoparser's benchmark, not this one: the
  layers here are synthesised directly, as :func:`geo.layers.build.build_layers` shapes them.
- **size** [≤ 8 MB]: bytes of the self-contained HTML file.
- **browser** [≤ 2 s]: in Debian Chromium (``tests/browser.py``, network blocked),
  milliseconds from navigation start until every marker is in the DOM and a frame has
  been painted (the page sets ``drawnAt`` in a ``requestAnimationFrame`` after adding
  them). The run also checks that the DOM holds one marker per located site and that no
  request left the machine.

The corpus: ``--agreements`` agreements with dated events (signature 1990–2024, some
approved, in force or ended, one amendment each), hosted in six Nordic countries; sites
spread over the Nordic bounding box, 5% of them without a point; 75% of the mentions
name sites (Zipf-like: a few sites are quoted often), the rest 1,000 other places;
sentences of 80–260 characters in 2,000 documents. Timings are medians of ``--repeat``
runs after one warm-up. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running from a checkout without an install
    sys.path.insert(0, str(ROOT))

import geo.io.assets as io_assets
import geo.web.inline as web_inline
import geo.web.mapdata as web_mapdata
import geo.web.render as web_render
from geo.layers.build import Layers
from geo.layers.schema import COLUMNS, point
from geo.registry.agreements import Agreement, Event, Instrument, Registry

TARGETS = {"build_s": 5.0, "size_mb": 8.0, "browser_s": 2.0}
HOSTS = ("NO", "SE", "FI", "DK", "IS", "GL")
KINDS = ("air_base", "naval_base", "army_garrison", "training_area", "storage", "fuel_depot")
WORDS = (
    "the agreement grants access to agreed facilities and areas where forces may train "
    "store equipment and conduct exercises with allied partners under the supplementary "
    "arrangement signed by both governments after parliamentary approval last spring"
).split()
AS_OF = dt.date(2025, 6, 1)
SOURCE = "https://example.org/registry"


def _date(rng: random.Random, start: int, end: int) -> dt.date:
    return dt.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def _events(rng: random.Random, first: dt.date) -> tuple[Event, ...]:
    events = [Event("negotiations_started", (first - dt.timedelta(days=200)).isoformat(), SOURCE)]
    events.append(Event("signed", first.isoformat(), SOURCE))
    stage = rng.random()
    if stage > 0.25:
        events.append(Event("approved", (first + dt.timedelta(days=150)).isoformat(), SOURCE))
    if stage > 0.45:
        events.append(
            Event("entered_into_force", (first + dt.timedelta(days=300)).isoformat(), SOURCE)
        )
    if stage > 0.9:
        events.append(Event("ended", (first + dt.timedelta(days=3000)).isoformat(), SOURCE))
    return tuple(events)


def synthetic_registry(n_agreements: int, site_ids: list[str], rng: random.Random) -> Registry:
    """Agreements that share out *site_ids*; the last tenth of each is added by amendment."""
    agreements = []
    per = -(-len(site_ids) // n_agreements)
    for a in range(n_agreements):
        sites = site_ids[a * per : (a + 1) * per]
        cut = len(sites) - len(sites) // 10
        first = _date(rng, 1990, 2023)
        amendment = Instrument(
            id=f"syn-{a:02d}-amendment",
            name=f"Amendment {a} of the synthetic agreement",
            events=(Event("signed", (first + dt.timedelta(days=700)).isoformat(), SOURCE),),
            sites=tuple(sites[cut:]),
        )
        agreements.append(
            Agreement(
                id=f"syn-{a:02d}",
                name=f"Synthetic Defense Cooperation Agreement {a}",
                type="defense_cooperation_agreement",
                host=HOSTS[a % len(HOSTS)],
                partner="US",
                events=_events(rng, first),
                sites=tuple(sites[:cut]),
                sources=(SOURCE,),
                amendments=(amendment,),
            )
        )
    return Registry(agreements)


def _sentence(rng: random.Random, name: str) -> tuple[str, int]:
    """A sentence of 80-260 characters naming *name*; returns it and the name's offset."""
    before = " ".join(rng.choices(WORDS, k=rng.randint(3, 14))).capitalize()
    after = " ".join(rng.choices(WORDS, k=rng.randint(4, 22)))
    sentence = f"{before} {name} {after}."
    return sentence, len(before) + 1


def _frame(layer: str, rows: list[dict[str, Any]]) -> Any:
    import geopandas as gpd

    full = [{c: row.get(c) for c in COLUMNS[layer]} for row in rows]
    return gpd.GeoDataFrame(full, columns=list(COLUMNS[layer]), geometry="geometry", crs=4326)


def synthetic_layers(
    n_sites: int = 5000, n_mentions: int = 20000, n_agreements: int = 20, seed: int = 1
) -> Layers:
    """Layers shaped like :func:`geo.layers.build.build_layers` output, generated directly."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import MultiPolygon, Polygon

    from geo.gazetteer.boundaries import country_polygon

    rng = random.Random(seed)
    site_ids = [f"syn-site-{i:05d}" for i in range(n_sites)]
    registry = synthetic_registry(n_agreements, site_ids, rng)
    n_places = 1000
    n_docs = 2000
    site_share = int(n_mentions * 0.75)
    weights = [1 / (i + 1) ** 0.8 for i in range(n_sites)]
    rng.shuffle(weights)
    targets = rng.choices(range(n_sites), weights=weights, k=site_share)
    place_targets = rng.choices(range(n_places), k=n_mentions - site_share)

    docs = [f"doc-{d:05d}" for d in range(n_docs)]
    offsets = dict.fromkeys(docs, 0)
    mention_rows: list[dict[str, Any]] = []
    site_quotes: dict[int, list[dict[str, Any]]] = {}
    site_docs: dict[int, list[str]] = {}
    place_quotes: dict[int, list[dict[str, Any]]] = {}
    place_docs: dict[int, list[str]] = {}

    def mention(name: str, quotes: list[dict[str, Any]], doc_list: list[str]) -> None:
        doc = rng.choice(docs)
        sentence, at = _sentence(rng, name)
        start = offsets[doc] + at
        offsets[doc] += len(sentence) + 1
        if len(quotes) < 5:
            quotes.append(
                {
                    "doc": doc,
                    "sentence": sentence,
                    "start": start,
                    "end": start + len(name),
                    "surface": name,
                }
            )
        if doc not in doc_list:
            doc_list.append(doc)
        mention_rows.append(
            {
                "doc": doc,
                "start": start,
                "end": start + len(name),
                "surface": name,
                "sentence_start": start - at,
            }
        )

    prefixes = ("Nord", "Sør", "Vest", "Øst")
    site_names = [f"{rng.choice(prefixes)}fjord Station {i}" for i in range(n_sites)]
    for i in targets:
        mention(site_names[i], site_quotes.setdefault(i, []), site_docs.setdefault(i, []))
    place_names = [f"Place {i}" for i in range(n_places)]
    for i in place_targets:
        mention(place_names[i], place_quotes.setdefault(i, []), place_docs.setdefault(i, []))

    by_site = {s: a for a in registry for s in a.all_sites()}
    counts = {i: targets.count(i) for i in set(targets)}
    sites = []
    for i, site_id in enumerate(site_ids):
        agreement = by_site[site_id]
        status = registry.site_status(site_id, agreement.id, AS_OF)
        lat = lon = None
        if rng.random() > 0.05:
            lat, lon = round(rng.uniform(55.0, 71.0), 5), round(rng.uniform(5.0, 31.0), 5)
        instrument = agreement.id if site_id in agreement.sites else agreement.amendments[0].id
        sites.append(
            {
                "site_id": site_id,
                "name": site_names[i],
                "kind": KINDS[i % len(KINDS)],
                "country": agreement.host,
                "host": agreement.host,
                "partner": agreement.partner,
                "agreements": agreement.id,
                "agreement_names": agreement.name,
                "status": status,
                "status_detail": json.dumps(
                    [{"agreement": agreement.id, "instrument": instrument, "status": status}]
                ),
                "mention_count": counts.get(i, 0),
                "named_in_corpus": i in counts,
                "quotes": json.dumps(site_quotes.get(i, []), ensure_ascii=False),
                "doc_ids": json.dumps(site_docs.get(i, [])),
                "coord_precision": "facility" if lat is not None else None,
                "source_url": SOURCE,
                "has_point": lat is not None,
                "lat": lat,
                "lon": lon,
                "geometry": point(lat, lon),
            }
        )
    places = []
    for i, name in enumerate(place_names):
        if i not in place_quotes:
            continue
        lat, lon = round(rng.uniform(50.0, 72.0), 4), round(rng.uniform(-25.0, 40.0), 4)
        places.append(
            {
                "place_id": f"syn-place-{i}",
                "name": name,
                "kind": "city",
                "country": rng.choice(HOSTS),
                "mention_count": place_targets.count(i),
                "doc_ids": json.dumps(place_docs[i]),
                "quotes": json.dumps(place_quotes[i]),
                "has_point": True,
                "lat": lat,
                "lon": lon,
                "geometry": point(lat, lon),
            }
        )
    countries = []
    for iso2 in (*HOSTS, "US"):
        shape = country_polygon(iso2)
        ids = [a.id for a in registry if iso2 in (a.host, a.partner)]
        countries.append(
            {
                "iso2": iso2,
                "name": iso2,
                "role": "partner" if iso2 == "US" else "host",
                "agreements": ",".join(ids),
                "status": web_mapdata.combine_status(registry.status(a, AS_OF) for a in ids),
                "has_polygon": True,
                "geometry": MultiPolygon([shape]) if isinstance(shape, Polygon) else shape,
            }
        )
    documents = gpd.GeoDataFrame(
        {
            "doc_id": docs,
            "title": [f"Synthetic article {d}" for d in range(n_docs)],
            "date": [_date(rng, 2015, 2025).isoformat() for _ in docs],
        },
        geometry=gpd.GeoSeries([None] * n_docs, crs=4326),
        crs=4326,
    )
    mentions = pd.DataFrame(mention_rows)
    return Layers(
        sites=_frame("sites", sites),
        places=_frame("places", places),
        mentions=mentions,  # type: ignore[arg-type]  # only the offsets are read
        countries=_frame("countries", countries),
        documents=documents,
        unresolved=pd.DataFrame(columns=list(COLUMNS["unresolved"])),
        registry=registry,
        as_of=AS_OF,
    )


def _browser_ms(path: Path, located: int) -> float:
    from tests.browser import open_page

    state = "Object.values(window.geoWebmapState)[0]"
    with open_page(path, timeout_ms=60_000) as session:
        page = session.page
        page.wait_for_function(f"window.geoWebmapState && {state} && {state}.drawnAt !== null")
        drawn = float(page.evaluate(f"{state}.drawnAt"))
        markers = page.evaluate("document.querySelectorAll('.leaflet-marker-pane > *').length")
        if markers != located:
            msg = f"{markers} markers in the DOM, expected {located}"
            raise AssertionError(msg)
        if session.non_local_requests or session.console_errors:
            msg = f"requests {session.non_local_requests}, errors {session.console_errors}"
            raise AssertionError(msg)
    return drawn


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--mentions", type=int, default=20000)
    parser.add_argument("--agreements", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench_map.html")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args(argv)

    if not io_assets.assets_available():
        print("web assets missing: run `make assets` first", file=sys.stderr)
        return 2
    started = time.perf_counter()
    layers = synthetic_layers(args.sites, args.mentions, args.agreements)
    corpus_s = time.perf_counter() - started
    located = int(layers.sites["has_point"].sum())

    web_render.save_map(layers, args.out)  # warm-up: imports, basemap cache
    builds, stages = [], {"data": [], "render": [], "inline": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        web_render.save_map(layers, args.out)
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        web_mapdata.map_data(layers)
        stages["data"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()  # render_map computes the data again: subtracted below
        page = web_render.render_map(layers).get_root().render()
        stages["render"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        web_inline.make_self_contained(page)
        stages["inline"].append(time.perf_counter() - t0)
    size = args.out.stat().st_size
    browser = []
    if not args.no_browser:
        browser = [_browser_ms(args.out, located) / 1000 for _ in range(args.repeat)]

    figures = {
        "sites": args.sites,
        "located_sites": located,
        "mentions": args.mentions,
        "places": len(layers.places),
        "agreements": args.agreements,
        "corpus_synthesis_s": round(corpus_s, 2),
        "build_s": round(statistics.median(builds), 2),
        "data_s": round(statistics.median(stages["data"]), 2),
        "render_s": round(
            max(0.0, statistics.median(stages["render"]) - statistics.median(stages["data"])), 2
        ),
        "inline_s": round(statistics.median(stages["inline"]), 2),
        "size_mb": round(size / 1e6, 2),
        "browser_s": round(statistics.median(browser), 2) if browser else None,
        "machine": f"{_cpu()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "date": dt.date.today().isoformat(),
    }
    print(f"map benchmark: {args.sites:,} sites ({located:,} located), {args.mentions:,} mentions")
    print(f"  machine: {figures['machine']}, Python {figures['python']}")
    print(f"  (corpus synthesised in {corpus_s:.1f} s; not part of the build)")
    failed = False
    rows = [
        ("build", "build_s", "s", "data {data_s} s + render {render_s} s + inline {inline_s} s"),
        ("size", "size_mb", "MB", str(args.out)),
        ("browser", "browser_s", "s", "navigation start to all markers drawn, Chromium"),
    ]
    for label, key, unit, note in rows:
        value = figures[key]
        if value is None:
            print(f"  {label:8} skipped")
            continue
        ok = value <= TARGETS[key]
        failed |= not ok
        verdict = "ok" if ok else "OVER TARGET"
        print(
            f"  {label:8} {value:6.2f} {unit:2}  (target ≤ {TARGETS[key]:g} {unit}: {verdict})"
            f"  {note.format(**figures)}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
