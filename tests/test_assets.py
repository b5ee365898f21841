"""geo.io.assets: pinned npm assets, the offline cache and self-contained folium pages.

These tests use the asset cache that set-up filled (``make assets``, run by ``make
test``); they never reach a network. npm is replaced by a fake that packs from the
cache, so the fetching code is exercised offline too.
"""

from __future__ import annotations

import json
import re
import stat
import sys
import textwrap
from pathlib import Path

import folium
import folium.plugins as plugins
import pytest

import geo.io.assets as io_assets
import geo.web.inline as web_inline
from geo.errors import GeoError, GeoWarning
from geo.gazetteer.boundaries import basemap_geojson, plain_tile_layer

USED_PLUGINS: tuple[type, ...] = (
    plugins.MarkerCluster,
    plugins.Search,
    plugins.Fullscreen,
    plugins.MiniMap,
    plugins.MeasureControl,
    plugins.TimestampedGeoJson,
)

POINTS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Pituffik Space Base"},
            "geometry": {"type": "Point", "coordinates": [-68.70, 76.53]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Keflavik"},
            "geometry": {"type": "Point", "coordinates": [-22.61, 63.98]},
        },
    ],
}


def require_assets() -> Path:
    """The asset cache, or a failure that says how to fill it (tests never fetch)."""
    root = io_assets.default_assets_dir()
    if not io_assets.assets_available(root):
        pytest.fail(
            f"web assets are missing from {root}: run `make assets` (or `geo assets fetch` "
            "from this checkout) before the tests",
            pytrace=False,
        )
    return root


def demo_map() -> tuple[folium.Map, int]:
    """A map using every feature the project relies on; returns it and its marker count."""
    m = folium.Map(
        location=[66, -20], zoom_start=3, tiles=None, maxZoom=12, minZoom=2, control_scale=True
    )
    folium.GeoJson(
        basemap_geojson("110m"),
        name="Countries",
        control=False,
        style_function=lambda _: {"fillColor": "#efe9dc", "color": "#999", "weight": 0.5},
    ).add_to(m)
    sites = folium.FeatureGroup(name="Sites").add_to(m)
    folium.Marker(
        [69.27, 16.13],
        tooltip="Evenes",
        icon=folium.Icon(color="red", icon="plane", prefix="fa"),
    ).add_to(sites)
    folium.Marker(
        [68.47, 17.45],
        tooltip="Ramsund",
        icon=folium.Icon(color="blue", icon="tower", prefix="glyphicon"),
    ).add_to(sites)
    folium.Marker([55.68, 12.57], tooltip="Copenhagen").add_to(sites)  # default icon
    cluster = plugins.MarkerCluster(name="Clustered").add_to(m)
    folium.Marker([64.18, -51.72], tooltip="Nuuk").add_to(cluster)
    folium.Marker([78.22, 15.65], tooltip="Longyearbyen").add_to(cluster)
    searchable = folium.GeoJson(POINTS, name="Searchable").add_to(m)
    plugins.Search(layer=searchable, search_label="name", placeholder="Search").add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MiniMap(tile_layer=plain_tile_layer()).add_to(m)
    plugins.MeasureControl().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m, 3 + 2 + len(POINTS["features"])


def time_slider_map() -> folium.Map:
    """A map with folium's TimestampedGeoJson time slider (jQuery UI, moment, …)."""
    m = folium.Map(location=[65, 0], zoom_start=3, tiles=None, maxZoom=12)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [10.0 + i, 60.0]},
            "properties": {"times": [day]},
        }
        for i, day in enumerate(["2001-09-08", "2001-09-10", "2024-03-07"])
    ]
    plugins.TimestampedGeoJson(
        {"type": "FeatureCollection", "features": features}, period="P1D"
    ).add_to(m)
    return m


def cdn_urls() -> dict[str, str]:
    """folium's declared CDN URLs for the map and the plugins we use, read at run time."""
    return web_inline.folium_asset_urls(USED_PLUGINS)


# --------------------------------------------------------------------------- manifest


def test_manifest_pins_what_folium_pins() -> None:
    urls = cdn_urls()
    assert len(urls) >= 20
    for url, owner in urls.items():
        if owner.endswith("awesome_rotate_css"):
            continue  # in no package: generated
        asset = web_inline.asset_for_url(url)
        assert asset is not None, f"{owner} {url} has no pinned package"
        readings = {(n.lower(), v) for n, v, _ in web_inline.parse_cdn_url(url)}
        pins = {(asset.name.lower(), asset.version), *((n.lower(), v) for n, v in asset.aliases)}
        assert readings & pins, f"{owner}: {url} asks for another version than {asset.spec}"


def test_manifest_has_the_required_packages() -> None:
    pinned = {a.name: a.version for a in io_assets.ASSETS}
    assert pinned["leaflet"] == "1.9.3"
    assert pinned["jquery"] == "3.7.1"
    assert pinned["bootstrap"] == "5.2.2"
    assert pinned["drmonty-leaflet-awesome-markers"] == "2.0.2"
    assert pinned["@fortawesome/fontawesome-free"] == "6.2.0"
    assert pinned["@neos21/bootstrap3-glyphicons"] == "1.0.7"
    assert pinned["leaflet.markercluster"] == "1.1.0"
    assert pinned["world-atlas"] == "2.0.2"
    assert pinned["leaflet-timedimension"] == "1.1.1"
    assert pinned["jquery-ui"].startswith("1.13.")


def test_every_declared_url_resolves_to_a_cached_file() -> None:
    root = require_assets()
    for url, owner in cdn_urls().items():
        if owner.endswith("awesome_rotate_css"):
            continue
        path = web_inline.resolve_url(url, root)
        assert path is not None, f"{owner}: {url}"
        assert path.is_file()
        assert path.stat().st_size > 0


def test_cache_manifest_verifies_without_npm() -> None:
    root = require_assets()
    # Everything present and verified by sha256: npm is not even looked for.
    assert io_assets.fetch_assets(root, npm="/nonexistent/npm") == root
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    for asset in io_assets.ASSETS:
        record = manifest["packages"][asset.spec]
        assert record["version"] == asset.version
        assert record["files"], asset.spec
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in record["files"].values())
    assert 1_000_000 < io_assets.cache_size(root) < 10_000_000


def test_parse_cdn_url_reads_the_common_layouts() -> None:
    assert ("leaflet", "1.9.3", "dist/leaflet.js") in web_inline.parse_cdn_url(
        "https://cdn.example.invalid/npm/leaflet@1.9.3/dist/leaflet.js"
    )
    assert ("@scope/pkg", "6.2.0", "css/all.min.css") in web_inline.parse_cdn_url(
        "//cdn.example.invalid/npm/@scope/pkg@6.2.0/css/all.min.css"
    )
    assert ("lib.name", "2.0.2", "x.js") in web_inline.parse_cdn_url(
        "https://cdn.example.invalid/ajax/libs/lib.name/2.0.2/x.js"
    )
    assert ("jquery", "3.7.1", "jquery.min.js") in web_inline.parse_cdn_url(
        "https://code.example.invalid/jquery-3.7.1.min.js"
    )


# --------------------------------------------------------------------------- fetching


def _fake_npm(tmp_path: Path, body: str) -> str:
    script = tmp_path / "npm"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


PACK_FROM_CACHE = """
    import io, json, os, sys, tarfile
    from pathlib import Path
    src = Path(os.environ["GEO_FAKE_NPM_SOURCE"])
    specs = [a for a in sys.argv[2:] if not a.startswith("-")]
    assert sys.argv[1] == "pack" and "--ignore-scripts" in sys.argv
    out = []
    for spec in specs:
        name, version = spec.rsplit("@", 1)
        fname = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        with tarfile.open(fname, "w:gz") as tf:
            for f in sorted((src / spec).rglob("*")):
                if f.is_file():
                    tf.add(f, arcname="package/" + f.relative_to(src / spec).as_posix())
            extra = b"not used"
            info = tarfile.TarInfo("package/README.md"); info.size = len(extra)
            tf.addfile(info, io.BytesIO(extra))
        out.append({"name": name, "version": version, "filename": fname})
    print(json.dumps(out))
"""


def test_fetch_extracts_verifies_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = require_assets()
    monkeypatch.setenv("GEO_FAKE_NPM_SOURCE", str(root))
    npm = _fake_npm(tmp_path, PACK_FROM_CACHE)
    dest = tmp_path / "assets"
    assert io_assets.fetch_assets(dest, npm=npm) == dest
    assert io_assets.assets_available(dest)
    assert not (dest / "leaflet@1.9.3" / "README.md").exists()  # only the used files
    mine = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))["packages"]
    real = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["packages"]
    for spec, record in real.items():
        assert mine[spec]["files"] == record["files"], spec
    # Second run: verified, npm not called.
    assert io_assets.fetch_assets(dest, npm="/nonexistent/npm") == dest
    # A damaged file is detected and fetched again.
    victim = dest / "leaflet@1.9.3" / "dist" / "leaflet.js"
    victim.write_text("broken", encoding="utf-8")
    with pytest.raises(GeoError, match="npm was not found"):
        io_assets.fetch_assets(dest, npm="/nonexistent/npm")
    io_assets.fetch_assets(dest, npm=npm)
    assert victim.read_bytes() == (root / "leaflet@1.9.3" / "dist" / "leaflet.js").read_bytes()


def test_fetch_without_npm_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(GeoError, match=r"npm was not found.*geo assets fetch"):
        io_assets.fetch_assets(tmp_path / "assets", npm="/nonexistent/npm")


def test_fetch_names_the_package_that_fails(tmp_path: Path) -> None:
    npm = _fake_npm(
        tmp_path,
        """
        import json, sys
        specs = [a for a in sys.argv[2:] if not a.startswith("-")]
        if any(s.startswith("leaflet-search@") for s in specs):
            print(json.dumps({"error": {"code": "E404", "summary": "Not Found"}}))
            sys.exit(1)
        print("[]")
        """,
    )
    with pytest.raises(GeoError, match=r"leaflet-search@2\.9\.7.*E404"):
        io_assets.fetch_assets(tmp_path / "assets", npm=npm)


# --------------------------------------------------------------------------- inlining


def _external_tags(html: str) -> list[str]:
    """External script/link tags of the page itself (inlined asset bodies are skipped)."""
    html = re.sub(
        r"<(script|style)\b[^>]*data-geo-asset[^>]*>.*?</\1>", "", html, flags=re.I | re.S
    )
    return re.findall(
        r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>|<link\b[^>]*>", html, re.I
    )


def test_inlined_map_has_nothing_external() -> None:
    root = require_assets()
    m, _ = demo_map()
    page = m.get_root().render()
    assert _external_tags(page), "the CDN page should have external tags"
    out = web_inline.inline_html(page, assets_dir=root)
    assert _external_tags(out) == []
    assert web_inline.external_references(out) == []
    for url in cdn_urls():
        assert url not in out
    inlined = re.findall(r'data-geo-asset="([^"]+)"', out)
    assert "leaflet@1.9.3/dist/leaflet.js" in inlined
    assert "leaflet-measure@2.1.7/dist/leaflet-measure.min.js" in inlined
    assert any("awesome.rotate" in key for key in inlined)


def test_inlined_scripts_cannot_end_early_and_css_urls_are_data() -> None:
    root = require_assets()
    out = web_inline.inline_html(time_slider_map().get_root().render(), assets_dir=root)
    for body in re.findall(r"<script[^>]*data-geo-asset[^>]*>(.*?)</script>", out, re.S):
        assert "<script" not in body.lower() or "</script" not in body.lower()
    for css in re.findall(r"<style[^>]*data-geo-asset[^>]*>(.*?)</style>", out, re.S):
        for ref in re.findall(r"url\(\s*[\"']?([^\"')]*)", css):
            assert ref.startswith(("data:", "#")), ref
    # leaflet-timedimension asks for glyphicons by protocol-relative URLs: now woff2 data.
    css = (root / "leaflet-timedimension@1.1.1/dist/leaflet.timedimension.control.css").read_text()
    relative = re.findall(r"url\(\s*['\"]?(//[^'\")?#]+)", css)
    assert relative
    for url in relative:
        assert url not in out
    assert 'format("woff2")' in out
    # jQuery (loaded by folium.Map and the time slider) is inlined once.
    assert out.count('data-geo-asset="jquery@3.7.1/dist/jquery.min.js"') == 1


def test_inline_is_robust_to_attribute_order_and_quotes() -> None:
    root = require_assets()
    js = next(u for u, k in cdn_urls().items() if k == "Map.leaflet")
    css = next(u for u, k in cdn_urls().items() if k == "Map.leaflet_css")
    page = (
        "<!DOCTYPE html><html><head>"
        f"<SCRIPT type='text/javascript' src='{js}' ></SCRIPT>"
        f"<link href={css} rel=stylesheet>"
        f'<link\n  rel="stylesheet"\n  href="{css}"\n/>'
        "<script>var x = 1;</script>"
        "</head><body></body></html>"
    )
    out = web_inline.inline_html(page, assets_dir=root)
    assert _external_tags(out) == []
    assert out.count('data-geo-asset="leaflet@1.9.3/dist/leaflet.css"') == 1
    assert "L.Icon.Default" in out
    assert "data:image/png;base64," in out
    assert "<script>var x = 1;</script>" in out


def test_awesome_rotate_css_has_360_rules() -> None:
    css = web_inline.awesome_rotate_css()
    assert css.count(".fa-rotate-") == 360
    assert ".fa-rotate-359{" in css


def test_guard_names_a_tile_layer() -> None:
    root = require_assets()
    with pytest.raises(GeoError, match=r"\{z\}/\{x\}/\{y\}"):
        web_inline.inline_html(folium.Map().get_root().render(), assets_dir=root)


def test_guard_names_an_unknown_script() -> None:
    root = require_assets()
    page = folium.Map(tiles=None).get_root().render()
    page = page.replace(
        "</head>", '<script src="https://x.example.invalid/lib.js"></script></head>'
    )
    with pytest.raises(GeoError, match=r"x\.example\.invalid/lib\.js"):
        web_inline.inline_html(page, assets_dir=root)


def test_guard_names_a_remote_image_in_a_popup() -> None:
    root = require_assets()
    m = folium.Map(tiles=None)
    folium.Marker([0, 0], popup='<img src="https://x.example.invalid/a.png">').add_to(m)
    with pytest.raises(GeoError, match=r"a\.png"):
        web_inline.inline_html(m.get_root().render(), assets_dir=root)


def test_guard_names_a_remote_image_in_geojson_properties() -> None:
    root = require_assets()
    m = folium.Map(tiles=None)
    feature = {
        "type": "Feature",
        "properties": {"photo": '<img src="https://x.example.invalid/b.png">'},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    data = {"type": "FeatureCollection", "features": [feature]}
    folium.GeoJson(data, popup=folium.GeoJsonPopup(["photo"])).add_to(m)
    with pytest.raises(GeoError, match=r"b\.png"):
        web_inline.inline_html(m.get_root().render(), assets_dir=root)


def test_guard_says_when_folium_asks_for_another_version() -> None:
    root = require_assets()
    js = next(u for u, k in cdn_urls().items() if k == "Map.leaflet")
    page = f'<html><head><script src="{js.replace("1.9.3", "9.9.9")}"></script></head></html>'
    with pytest.raises(GeoError, match=r"asks for leaflet@9\.9\.9.*pins leaflet@1\.9\.3"):
        web_inline.inline_html(page, assets_dir=root)


def test_inlining_twice_changes_nothing() -> None:
    root = require_assets()
    once = web_inline.inline_html(folium.Map(tiles=None).get_root().render(), assets_dir=root)
    assert web_inline.inline_html(once, assets_dir=root) == once


def test_minimal_map_size() -> None:
    root = require_assets()
    out = web_inline.inline_html(folium.Map(tiles=None).get_root().render(), assets_dir=root)
    assert 1_000_000 < len(out.encode()) < 3_000_000


# --------------------------------------------------------------------------- fallback


def test_fallback_warns_and_returns_the_cdn_page(tmp_path: Path) -> None:
    page = folium.Map(tiles=None).get_root().render()
    assert not io_assets.assets_available(tmp_path)
    with pytest.warns(GeoWarning, match="geo assets fetch"):
        out = web_inline.make_self_contained(page, assets_dir=tmp_path)
    assert out == page


def test_make_self_contained_inlines_when_assets_exist() -> None:
    root = require_assets()
    page = folium.Map(tiles=None).get_root().render()
    assert _external_tags(web_inline.make_self_contained(page, assets_dir=root)) == []


def test_asset_file_error_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GeoError, match=r"countries-50m\.json.*geo assets fetch"):
        io_assets.asset_file("world-atlas", "countries-50m.json", tmp_path)
