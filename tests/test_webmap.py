"""The map builder without a browser: data blob, escaping, legend, page, CLI, notebook.

Most tests use a small hand-made :class:`geo.layers.build.Layers` (three sites, one of them
without a point, hostile text in quotes, names and titles); the last ones build the real
seeds map with :func:`geo.layers.build.build_layers`. Browser checks are in
``tests/test_map_browser.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, box

import geo.cli.build as cli_build
import geo.web.inline as web_inline
import geo.web.mapdata as web_mapdata
import geo.web.render as web_render
from geo import settings
from geo.errors import ConfigurationError, DocumentError, GeoWarning
from geo.layers.build import Layers
from geo.layers.schema import COLUMNS, point
from geo.registry.agreements import load_registry
from geo.web.notebook import iframe_html, page_html, show_map
from tests.conftest import SEEDS
from tests.test_assets import require_assets

AS_OF = dt.date(2024, 1, 1)
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
QUOTES = "\"double\" 'single' `back`ticks`"
HOSTILE = (IMG, SCRIPT, QUOTES)
EVENES_SENTENCE = f"Jets 🛩 landed at Evenes Air Station {IMG} {SCRIPT} {QUOTES}\u2028 today."


def _frame(layer: str, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    full = [{c: row.get(c) for c in COLUMNS[layer]} for row in rows]
    return gpd.GeoDataFrame(full, columns=list(COLUMNS[layer]), geometry="geometry", crs=4326)


def _site(site_id: str, name: str, kind: str, lat: float | None, lon: float | None, **kw: Any):
    row = {
        "site_id": site_id,
        "name": name,
        "kind": kind,
        "country": "NO",
        "host": "NO",
        "partner": "US",
        "agreements": "us-no-sdca",
        "agreement_names": "Supplementary Defense Cooperation Agreement",
        "status": "in_force",
        "status_detail": json.dumps(
            [{"agreement": "us-no-sdca", "instrument": "us-no-sdca", "status": "in_force"}]
        ),
        "mention_count": 0,
        "quotes": "[]",
        "doc_ids": "[]",
        "coord_precision": "facility" if lat is not None else None,
        "source_url": "https://example.org/source",
        "has_point": lat is not None,
        "lat": lat,
        "lon": lon,
        "geometry": point(lat, lon),
    }
    row.update(kw)
    return row


def small_layers(*, hostile_names: bool = True) -> Layers:
    """Three Norwegian sites (Osmarka without a point), one place, two countries."""
    start = EVENES_SENTENCE.index("Evenes Air Station")
    evenes_quote = {
        "doc": "doc-1",
        "sentence": EVENES_SENTENCE,
        "start": 100 + start,  # document offsets, as the layers give them
        "end": 100 + start + len("Evenes Air Station"),
        "surface": "Evenes Air Station",
    }
    osmarka = "Osmarka <b>mountain</b> facility" if hostile_names else "Osmarka mountain facility"
    sites = _frame(
        "sites",
        [
            _site(
                "no-evenes",
                "Evenes Air Station",
                "air_base",
                68.4913,
                16.6781,
                mention_count=1,
                quotes=json.dumps([evenes_quote]),
                doc_ids=json.dumps(["doc-1"]),
            ),
            _site("no-ramsund", "Ramsund Naval Station", "naval_base", 68.4833, 16.5333),
            _site("no-osmarka", osmarka, "storage", None, None),
        ],
    )
    places = _frame(
        "places",
        [
            {
                "place_id": "geonames:1",
                "name": f"Narvik {IMG}" if hostile_names else "Narvik",
                "kind": "city",
                "country": "NO",
                "mention_count": 3,
                "doc_ids": json.dumps(["doc-1"]),
                "quotes": json.dumps(
                    [{"doc": "doc-1", "sentence": "Narvik is near.", "start": 0, "end": 6}]
                ),
                "has_point": True,
                "lat": 68.43,
                "lon": 17.43,
                "geometry": point(68.43, 17.43),
            },
            {  # named only by a demonym: not drawn
                "place_id": "country:US",
                "name": "United States",
                "kind": "country",
                "country": "US",
                "mention_count": 0,
                "demonym_count": 2,
                "has_point": True,
                "lat": 39.0,
                "lon": -98.0,
                "geometry": point(39.0, -98.0),
            },
        ],
    )
    countries = _frame(
        "countries",
        [
            {
                "iso2": "NO",
                "name": "Norway",
                "role": "host",
                "agreements": "us-no-sdca",
                "status": "in_force",
                "has_polygon": True,
                "geometry": MultiPolygon([box(5, 58, 31, 71)]),
            },
            {
                "iso2": "US",
                "name": "United States",
                "role": "partner",
                "agreements": "us-no-sdca",
                "status": "in_force",
                "has_polygon": True,
                "geometry": MultiPolygon([box(-125, 25, -67, 49)]),
            },
        ],
    )
    documents = gpd.GeoDataFrame(
        {
            "doc_id": ["doc-1"],
            "title": [f"Title {IMG}" if hostile_names else "Title"],
            "date": ["2023-05-01"],
        },
        geometry=gpd.GeoSeries([None], crs=4326),
        crs=4326,
    )
    return Layers(
        sites=sites,
        places=places,
        mentions=_frame("mentions", []),
        countries=countries,
        documents=documents,
        unresolved=pd.DataFrame(columns=list(COLUMNS["unresolved"])),
        registry=load_registry(),
        as_of=AS_OF,
    )


@pytest.fixture(scope="module")
def layers() -> Layers:
    return small_layers()


@pytest.fixture(scope="module")
def data(layers: Layers) -> dict[str, Any]:
    return web_mapdata.map_data(layers)


# --------------------------------------------------------------------------- escaping


def _script_bodies(page: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>(.*?)</script\s*>", page, flags=re.I | re.S)


def test_script_json_is_inert_and_round_trips() -> None:
    value = {"s": [*HOSTILE, "a\u2028b\u2029c", "<!-- -->", "https://x.org/a.png", "&amp;"]}
    text = web_mapdata.script_json(value)
    for bad in ("<", ">", "&", "\u2028", "\u2029", "//"):
        assert bad not in text
    assert json.loads(text) == value


def test_script_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON"):
        web_mapdata.script_json({"x": float("nan")})


# --------------------------------------------------------------------------- data blob


def test_every_site_row_is_in_the_data(layers: Layers, data: dict[str, Any]) -> None:
    assert [s["i"] for s in data["sites"]] == list(layers.sites["site_id"])
    located = [s["i"] for s in data["sites"] if s["ll"]]
    assert located == list(layers.sites.loc[layers.sites["has_point"], "site_id"])
    osmarka = data["sites"][2]
    assert osmarka["ll"] is None
    assert osmarka["ax"] is not None  # popup anchored on Norway


def test_quote_highlight_uses_javascript_offsets(data: dict[str, Any]) -> None:
    evenes = data["sites"][0]
    assert len(evenes["q"]) == 1
    doc, sentence, start, end = evenes["q"][0]
    assert data["docs"][doc][0] == "doc-1"
    text = data["sentences"][sentence]
    # JavaScript slices UTF-16 code units; the plane emoji before the name takes two.
    units = text.encode("utf-16-le")
    assert units[2 * start : 2 * end].decode("utf-16-le") == "Evenes Air Station"
    assert start == len(text[: text.index("Evenes")]) + 1


def test_quotes_are_capped_and_found_without_offsets(layers: Layers) -> None:
    quotes = [
        {"doc": f"d{i}", "sentence": f"Seen at Evenes {i}.", "surface": "Evenes"} for i in range(9)
    ]
    table = web_mapdata._Quotes(None)
    out = table.quotes(json.dumps(quotes))
    assert len(out) == web_mapdata.MAX_QUOTES
    assert all(q[2:] == [8, 14] for q in out)
    assert table.quotes("not json") == []


def test_long_sentences_are_cut_around_the_mention() -> None:
    sentence = "x" * 1000 + " Evenes " + "y" * 1000
    table = web_mapdata._Quotes(None)
    [[_, index, start, end]] = table.quotes(
        json.dumps([{"doc": "d", "sentence": sentence, "surface": "Evenes"}])
    )
    text = table.sentences[index]
    assert len(text) < 500
    assert text.startswith("… ")
    assert text.endswith(" …")
    assert text[start:end] == "Evenes"


def test_agreements_timeline_and_statuses(layers: Layers, data: dict[str, Any]) -> None:
    assert [a["id"] for a in data["agreements"]] == ["us-no-sdca"]
    sdca = data["agreements"][0]
    assert sdca["n"] == "Supplementary Defense Cooperation Agreement"
    assert [e[0] for e in sdca["ins"][0]["ev"]][:1] == ["signed"]
    dates = data["timeline"]["dates"]
    assert dates[-1] == AS_OF.isoformat()
    assert dates == sorted(dates)
    assert "2021-04-16" in dates  # the signature
    statuses = [s[0] for s in data["statuses"]]
    changes = data["timeline"]["changes"]
    for site in data["sites"]:
        assert statuses[changes[site["t"]][-1][1]] == site["s"]  # the slider ends at as_of
        assert changes[site["t"]][0][0] == 0
    # Evenes and Ramsund were agreed at signature (2021-04-16, the first position) and
    # share one list of changes.
    assert data["sites"][0]["t"] == data["sites"][1]["t"]
    assert statuses[changes[data["sites"][0]["t"]][0][1]] == "signed"
    assert data["sites"][0]["a"] == [[0, 0, statuses.index("in_force")]]


def test_other_places_skip_demonym_only_and_sites(data: dict[str, Any]) -> None:
    assert [p["i"] for p in data["places"]] == ["geonames:1"]
    assert data["places"][0]["m"] == 3


def test_bounds_fit_what_the_corpus_names(data: dict[str, Any]) -> None:
    # Evenes (named in doc-1) and Narvik (a place of doc-1); Ramsund, named by no
    # document, does not widen the view (issue 13). allBounds holds everything located.
    (s, w), (n, e) = data["bounds"]
    assert s == pytest.approx(68.43)
    assert n == pytest.approx(68.4913)
    assert w == pytest.approx(16.6781)
    assert e == pytest.approx(17.43)
    (s, w), (n, e) = data["allBounds"]
    assert w == pytest.approx(16.5333)


def test_search_names_include_curated_aliases(data: dict[str, Any]) -> None:
    ramsund = data["sites"][1]
    assert "Ramsund" in ramsund["al"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "none"),
        (["none"], "none"),
        (["ended", "none"], "ended"),
        (["ended", "signed"], "signed"),
        (["in_force", "approved", "ended"], "in_force"),
        (["proposed", "negotiating"], "negotiating"),
    ],
)
def test_combine_status(statuses: list[str], expected: str) -> None:
    assert web_mapdata.combine_status(statuses) == expected


# --------------------------------------------------------------------------- legend


def test_legend_escapes_and_lists_unlocated_sites(data: dict[str, Any]) -> None:
    legend = web_mapdata.legend_html(data, "legend-1")
    assert "<b>mountain</b>" not in legend
    assert "Osmarka &lt;b&gt;mountain&lt;/b&gt; facility" in legend
    assert "Not located (1)" in legend
    assert 'data-site="2"' in legend
    for status in ("negotiating", "signed", "approved", "in force", "ended"):
        assert status in legend
    assert 'data-status="in_force">2<' in legend
    assert "fa-plane" in legend
    assert "fa-anchor" in legend


# --------------------------------------------------------------------------- page


@pytest.fixture(scope="module")
def page(layers: Layers) -> str:
    require_assets()
    return web_render.map_html(layers, basemap="110m")


def test_page_is_self_contained(page: str) -> None:
    assert web_inline.external_references(page) == []
    assert 'data-geo-asset="leaflet@1.9.3/dist/leaflet.js"' in page
    assert "leaflet-search" in page
    assert "Control.MiniMap" in page
    assert "tile.openstreetmap.org" not in page
    assert page.count('type="application/json"') == 2  # the data and the base map


def test_page_never_holds_hostile_text_raw(layers: Layers, page: str) -> None:
    for text in HOSTILE:
        assert text not in page
    assert "<b>mountain</b>" not in page
    assert "alert(2)</script>" not in page
    # The blob decodes back to the exact sentence.
    blob = re.search(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    assert blob is not None
    decoded = json.loads(blob.group(2))
    assert EVENES_SENTENCE.replace("\u2028", " ") in decoded["sentences"]
    # Nothing from the data ends up in executable script bodies.
    code = "".join(b for b in _script_bodies(page) if "alert" in b)
    assert "alert(1)" not in code.replace("alert(1)\\u003e", "")


def test_page_title_and_legend(page: str) -> None:
    assert "<title>Defense agreement sites as of 2024-01-01</title>" in page
    assert 'class="geo-legend"' in page


def test_custom_title_is_escaped(layers: Layers) -> None:
    m = web_render.render_map(layers, title="A & <B>", basemap="110m")
    rendered = m.get_root().render()
    assert "<title>A &amp; &lt;B&gt;</title>" in rendered


def test_tiles_are_added_after_inlining(layers: Layers) -> None:
    require_assets()
    page = web_render.map_html(layers, tiles="carto", basemap="110m")
    blobs = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    tiles = {key: json.loads(body) for key, body in blobs if key.endswith("-tiles")}
    [layers_] = tiles.values()
    assert [t["show"] for t in layers_] == [True, False]
    assert layers_[0]["url"].startswith("https://{s}.basemaps.cartocdn.com/")
    assert "OpenStreetMap" in layers_[1]["name"]


def test_unknown_tiles_are_a_usage_error(layers: Layers) -> None:
    with pytest.raises(ConfigurationError, match="tiles"):
        web_render.map_html(layers, tiles="google")


def test_cdn_fallback_warns_without_assets(
    layers: Layers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "assets_dir", tmp_path / "empty-cache")
    with pytest.warns(GeoWarning, match="assets fetch"):
        page = web_render.map_html(layers, basemap=None)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in page


def test_not_self_contained_keeps_cdn_links(layers: Layers) -> None:
    page = web_render.map_html(layers, self_contained=False, tiles="osm", basemap=None)
    assert "cdn.jsdelivr.net/npm/leaflet-search@2.9.7" in page
    assert "https:\\/\\/tile.openstreetmap.org\\/{z}" in page  # '/' escaped in the JSON


def test_save_map_is_atomic(
    layers: Layers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_assets()
    target = tmp_path / "out" / "map.html"
    assert web_render.save_map(layers, target, basemap="110m") == target
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["map.html"]

    def broken(*_a: Any, **_k: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(web_render, "map_html", broken)
    with pytest.raises(RuntimeError):
        web_render.save_map(layers, target)
    assert target.read_text(encoding="utf-8") == first


def test_write_text_atomic_cleans_up_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")

    def failing_replace(*_a: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        web_mapdata.write_text_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


# --------------------------------------------------------------------------- CLI


def _build_args(*argv: str) -> argparse.Namespace:
    from geo.cli.common import _Parser

    parser = _Parser(prog="geo")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cli_build.add_build_parser(sub)
    return parser.parse_args(["build", *argv])


def test_build_parser_options(tmp_path: Path) -> None:
    args = _build_args(
        "seeds/", "more.txt", "-o", str(tmp_path / "m.html"), "--as-of", "2023-05-01",
        "--agreements", "a.yaml", "--agreements", "b.yaml", "--tiles", "osm",
    )  # fmt: skip
    assert args.inputs == ["seeds/", "more.txt"]
    assert args.output == tmp_path / "m.html"
    assert args.as_of == dt.date(2023, 5, 1)
    assert args.agreements == [Path("a.yaml"), Path("b.yaml")]
    assert args.tiles == "osm"
    assert _build_args("x").output == Path("out/map.html")


@pytest.mark.parametrize("argv", [("x", "--as-of", "2023-13-01"), ("x", "--tiles", "google")])
def test_build_parser_usage_errors(argv: tuple[str, ...], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        _build_args(*argv)
    assert exc.value.code == 2
    capsys.readouterr()


def test_build_without_input_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    # INPUT is optional since --from-mentions can replace it; one of them is required.
    from geo.cli.main import main

    assert main(["build"]) == 2
    assert "give INPUT documents" in capsys.readouterr().err


def _fake_build_layers(errors: list[DocumentError]) -> Any:
    def build_layers(inputs: list[str], **kwargs: Any) -> Layers:
        layers = small_layers(hostile_names=False)
        for error in errors:
            kwargs["on_error"](error)
        layers.errors = list(errors)
        return layers

    return build_layers


@pytest.mark.parametrize("failed", [False, True])
def test_cmd_build_writes_the_map(
    failed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import geo.layers

    require_assets()
    errors = [DocumentError("bad.txt: not UTF-8 text")] if failed else []
    monkeypatch.setattr(geo.layers.build, "build_layers", _fake_build_layers(errors))
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "map.html"
    code = cli_build.cmd_build(_build_args("seeds/", "-o", str(target)), out, err)
    assert code == (1 if failed else 0)
    assert target.is_file()
    assert "2 of 3 sites drawn, 1 not located" in out.getvalue()
    if failed:
        assert err.getvalue().count("bad.txt: not UTF-8 text") == 1
    else:
        assert err.getvalue() == ""


def test_cmd_build_reports_missing_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import geo.layers

    monkeypatch.setattr(geo.layers.build, "build_layers", _fake_build_layers([]))
    monkeypatch.setattr(settings, "assets_dir", tmp_path / "empty-cache")
    out, err = io.StringIO(), io.StringIO()
    code = cli_build.cmd_build(_build_args("x", "-o", str(tmp_path / "m.html")), out, err)
    assert code == 0
    assert "warning: web assets are missing" in err.getvalue()


# --------------------------------------------------------------------------- notebook


def test_notebook_iframe_escapes_the_page() -> None:
    page = f'<!DOCTYPE html><p title="a">{html.escape(IMG)}</p><script>var s = "</div>";</script>'
    markup = iframe_html(page, height=500)
    assert markup.startswith('<div class="geo-map-frame"><iframe srcdoc="')
    assert "<script" not in markup
    srcdoc = re.search(r'srcdoc="([^"]*)"', markup)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)) == page
    assert "height:500px" in markup
    assert 'sandbox="allow-scripts' in markup


@pytest.mark.parametrize("bad", [0, -5, "10px; background:url(x)", True])
def test_notebook_refuses_bad_sizes(bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        iframe_html("<p>x</p>", height=bad)


def test_show_map_returns_ipython_html(layers: Layers) -> None:
    require_assets()
    shown = show_map(layers, height="70vh", basemap="110m")
    assert type(shown).__name__ == "HTML"
    assert shown.data.startswith("<div")
    assert "height:70vh" in shown.data
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', shown.data).group(1))
    assert web_inline.external_references(inner) == []


def test_page_html_accepts_folium_maps_and_strings() -> None:
    import folium

    require_assets()
    assert page_html("<p>done</p>") == "<p>done</p>"
    inlined = page_html(folium.Map(tiles=None))
    assert web_inline.external_references(inlined) == []
    with pytest.raises(ConfigurationError):
        page_html(42)


# --------------------------------------------------------------------------- the seeds


@pytest.fixture(scope="module")
def seed_layers() -> Layers:
    from geo.layers.build import build_layers

    return build_layers([SEEDS])


def test_seed_layers_statuses_agree_with_the_map(seed_layers: Layers) -> None:
    data = web_mapdata.map_data(seed_layers)
    statuses = [s[0] for s in data["statuses"]]
    assert len(data["sites"]) == len(seed_layers.sites)
    for site, (_, row) in zip(data["sites"], seed_layers.sites.iterrows(), strict=True):
        detail = [d["status"] for d in json.loads(row["status_detail"])]
        assert web_mapdata.combine_status(detail) == row["status"] == site["s"]
        assert statuses[data["timeline"]["changes"][site["t"]][-1][1]] == site["s"]
    evenes = next(s for s in data["sites"] if s["i"] == "no-evenes")
    doc_text = (SEEDS / "000_640b02f3eca9c30c.txt").read_text(encoding="utf-8")
    quoted = [data["sentences"][q[1]] for q in evenes["q"]]
    assert quoted
    assert all(" ".join(q.split()) in " ".join(doc_text.split()) for q in quoted)
    assert all(q[2] >= 0 for q in evenes["q"])


def test_seed_map_size(seed_layers: Layers) -> None:
    require_assets()
    page = web_render.map_html(seed_layers)
    assert web_inline.external_references(page) == []
    assert len(page.encode("utf-8")) < 6_000_000


def test_cmd_build_real_pipeline_with_a_bad_document(tmp_path: Path) -> None:
    """One unreadable document: reported on stderr, the map still written, exit 1."""
    import io

    require_assets()
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"%PDF-1.7\x00\x01\x02 not text")
    target = tmp_path / "out" / "map.html"
    out, err = io.StringIO(), io.StringIO()
    args = _build_args(str(SEEDS), str(bad), "-o", str(target), "--as-of", "2022-07-01")
    assert cli_build.cmd_build(args, out, err) == 1
    assert "broken.txt" in err.getvalue()
    assert "PDF" in err.getvalue()
    page = target.read_text(encoding="utf-8")
    assert web_inline.external_references(page) == []
    assert "as of 2022-07-01" in page
    assert "sites drawn" in out.getvalue()
