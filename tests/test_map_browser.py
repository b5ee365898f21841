"""The seeds map in Debian Chromium with every non-local request blocked and counted.

The page built by ``geo build seeds/`` must load nothing from outside the machine, draw
one marker per site that has a point (and name every other site in the legend), open the
Evenes popup with the agreement and a highlighted quote of the English seed, find Ramsund
by searching, and keep hostile document text inert: no dialog, no injected element, the
text shown as text. The screenshot of the README (``docs/map.png``) is written here.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Any

import pytest

import geo.web.render as web_render
from geo.layers.build import Layers, build_layers
from geo.registry.agreements import Registry
from geo.web.notebook import show_map
from tests.browser import open_page
from tests.conftest import SEEDS
from tests.test_assets import require_assets
from tests.test_webmap import IMG, QUOTES, SCRIPT, small_layers

pytestmark = pytest.mark.browser

ENGLISH_SEED = SEEDS / "000_640b02f3eca9c30c.txt"
STATE = "Object.values(window.geoWebmapState)[0]"
DRAWN = f"window.geoWebmapState && {STATE} && {STATE}.drawnAt !== null"
MARKERS_IN_DOM = "document.querySelectorAll('.leaflet-marker-pane > *').length"
POPUP = ".leaflet-popup-content .geo-popup"
LOADED_FONTS = "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
PARENT_ACCESS = "(() => { try { return !!parent.document; } catch (e) { return 'blocked'; } })()"


# A fixed date keeps docs/map.png the same from day to day (the legend shows it).
SEED_AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def seed_layers() -> Layers:
    return build_layers([SEEDS], as_of=SEED_AS_OF)


@pytest.fixture(scope="module")
def seed_map(seed_layers: Layers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_assets()
    return web_render.save_map(seed_layers, tmp_path_factory.mktemp("map") / "map.html")


def _clean(session: Any) -> None:
    assert session.non_local_requests == []
    assert session.blocked == []
    assert session.console_errors == []
    assert session.dialogs == []


def _located(layers: Layers) -> int:
    return int(layers.sites["has_point"].sum())


def _click_marker(page: Any, site_id: str) -> None:
    """Zoom onto the site (Evenes and Ramsund overlap below zoom 9) and click its icon."""
    page.evaluate(
        f"(id) => {{ const s = {STATE}; const m = s.markers[s.siteIndex[id]];"
        " s.map.setView(m.getLatLng(), 12, {animate: false}); }",
        site_id,
    )
    icon = page.evaluate_handle(
        f"(id) => {{ const s = {STATE}; return s.markers[s.siteIndex[id]].getElement(); }}",
        site_id,
    )
    # A click on that very icon (sites sharing an airfield share a point, so a click at
    # the mouse position could land on a neighbour drawn on top).
    icon.as_element().dispatch_event("click")
    page.wait_for_selector(f'{POPUP}[data-site="{site_id}"]')


def _close_popup(page: Any) -> None:
    page.evaluate(f"void {STATE}.map.closePopup()")
    page.wait_for_selector(POPUP, state="detached")


def test_seeds_map_offline(seed_map: Path, seed_layers: Layers) -> None:
    with open_page(seed_map) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        assert page.evaluate("typeof L === 'object' && L.version") == "1.9.3"
        located = _located(seed_layers)
        assert located > 0
        assert page.evaluate(MARKERS_IN_DOM) == located
        assert page.evaluate(f"{STATE}.markers.filter(m => m).length") == located
        # Sites without a point are named in the legend's "Not located" list.
        unlocated = seed_layers.sites.loc[~seed_layers.sites["has_point"], "name"].tolist()
        assert unlocated
        listed = page.eval_on_selector_all(
            ".geo-unlocated .geo-site-link", "els => els.map(e => e.textContent)"
        )
        assert listed == unlocated
        assert (
            page.locator(".geo-unlocated summary")
            .inner_text()
            .startswith(f"Not located ({len(unlocated)})")
        )
        for control in (
            ".geo-search",
            ".geo-filters",
            ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-minimap",
            ".leaflet-control-measure",
            ".leaflet-control-layers",
            ".leaflet-control-scale",
            ".geo-legend",
            ".geo-slider",
        ):
            assert page.locator(control).count() == 1, control
        assert page.locator(".leaflet-pane.leaflet-geoBase-pane path").count() > 100
        _clean(session)


def test_evenes_popup_quotes_the_english_seed(seed_map: Path) -> None:
    seed_text = " ".join(ENGLISH_SEED.read_text(encoding="utf-8").split())
    with open_page(seed_map) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        _click_marker(page, "no-evenes")
        popup = page.locator(f'{POPUP}[data-site="no-evenes"]')
        text = popup.inner_text()
        assert "Evenes Air Station" in text
        assert "Supplementary Defense Cooperation Agreement" in text
        assert "signed 2021-04-16" in text
        assert "68.4913°N" in text
        quotes = popup.locator("blockquote.geo-quote")
        assert quotes.count() >= 1
        first = quotes.first
        assert first.locator("mark").inner_text() == "Evenes Air Station"
        assert "000_640b02f3eca9c30c" in first.locator("cite").inner_text()
        sentence = first.evaluate("q => q.firstChild.textContent + q.querySelector('mark')"
                                  ".textContent + q.childNodes[2].textContent")  # fmt: skip
        assert " ".join(sentence.split()) in seed_text
        _clean(session)


def _search(page: Any, text: str) -> Any:
    box = page.locator(".geo-search input.geo-search-input")
    box.fill("")
    box.press_sequentially(text, delay=10)
    return page.locator(".geo-search-results li")


def test_search_finds_ramsund(seed_map: Path) -> None:
    with open_page(seed_map) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        tip = _search(page, "Ramsund").filter(has_text="Ramsund").first
        tip.wait_for()
        tip.click()
        popup = page.locator(f'{POPUP}[data-site="no-ramsund"]')
        popup.wait_for()
        assert "Ramsund" in popup.inner_text()
        # An alias: the Norwegian name finds the same site.
        _close_popup(page)
        _search(page, "orlogsstasjon").filter(has_text="Ramsund").first.wait_for()
        _clean(session)


def test_layers_and_time_slider(seed_map: Path, seed_layers: Layers) -> None:
    sites = seed_layers.sites
    norway = int((sites["has_point"] & sites["agreements"].str.contains("us-no-sdca")).sum())
    with open_page(seed_map) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        total = page.evaluate(MARKERS_IN_DOM)
        page.locator(".leaflet-control-layers").hover()  # expand the layer control
        label = page.locator(".leaflet-control-layers-overlays label", has_text="NO ·")
        label.scroll_into_view_if_needed()
        label.locator("input").uncheck()
        assert page.evaluate(MARKERS_IN_DOM) == total - norway
        label.locator("input").check()
        assert page.evaluate(MARKERS_IN_DOM) == total
        green = ".leaflet-marker-pane .awesome-marker-icon-green"
        in_force = page.locator(green).count()
        assert in_force > 0
        slider = page.locator(".geo-slider input[type=range]")
        slider.fill("0")  # 1951: only the Greenland and Iceland agreements were signed
        assert page.locator(green).count() == 0
        assert "1951-04-27" in page.locator(".geo-slider-date").inner_text()
        assert page.evaluate(MARKERS_IN_DOM) == total  # recoloured, never hidden
        slider.fill(page.evaluate(f"String({STATE}.data.timeline.dates.length - 1)"))
        assert page.locator(green).count() == in_force
        # Dragging the minimap moves the map (the one minimap move that should).
        before = page.evaluate(f"{STATE}.map.getCenter().lng")
        box = page.locator(".leaflet-control-minimap").bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 30, y, steps=5)
        page.mouse.up()
        page.wait_for_function(f"Math.abs({STATE}.map.getCenter().lng - {before}) > 1")
        _clean(session)


def test_screenshot_for_the_readme(seed_map: Path, tmp_path: Path) -> None:
    """The README's screenshot; written to ``$GEO_SCREENSHOT`` (``make screenshot``).

    Tests never modify tracked files: by default the picture goes to a temporary folder
    and is only checked.
    """
    import os

    target = Path(os.environ.get("GEO_SCREENSHOT") or tmp_path / "map.png")
    with open_page(seed_map, viewport=(1200, 800)) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        page.evaluate(f"void {STATE}.map.setView([66.3, 19.8], 5, {{animate: false}})")
        page.evaluate(f"void {STATE}.openSite('no-evenes', false)")
        page.wait_for_selector(f'{POPUP}[data-site="no-evenes"]')
        page.wait_for_timeout(500)  # the popup fades in
        page.evaluate("document.fonts.ready.then(() => true)")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp.png")
        page.screenshot(path=str(tmp))
        tmp.replace(target)
        _clean(session)
    size = target.stat().st_size
    assert 20_000 < size < 400_000, size
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- hostile text


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Layers]:
    """A map built by the real pipeline from a document full of markup and quotes."""
    require_assets()
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "evil.txt").write_text(
        "---\n"
        'title: "Leak <img src=x onerror=alert(3)> `report`"\n'
        "date: 2024-03-01\n"
        "---\n"
        f"US forces trained at Evenes Air Station {IMG} with {QUOTES} words.\n"
        f"Officials said {SCRIPT} the Ramsund Naval Base pier & <b>bold</b> was extended.\n"
        f"Marines drilled at Ramsund Naval Base {JINJA} again.\n",
        encoding="utf-8",
    )
    layers = build_layers([folder])
    return web_render.save_map(layers, folder / "map.html"), layers


#: Evaluated by a template engine this would read ``geoPWNED`` (issue 9).
JINJA = "{{ 'geo' ~ 'PWN' ~ 'ED' }}"

INJECTED = (
    'document.querySelectorAll(\'.leaflet-container img[src="x"], .geo-popup img,'
    " .geo-popup b, .geo-legend b, .leaflet-control-layers b').length"
)


def test_hostile_document_stays_text(hostile_map: tuple[Path, Layers]) -> None:
    path, layers = hostile_map
    assert IMG not in path.read_text(encoding="utf-8")
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        assert page.evaluate(MARKERS_IN_DOM) == _located(layers)
        _click_marker(page, "no-evenes")
        popup = page.locator(f'{POPUP}[data-site="no-evenes"]')
        text = popup.inner_text()
        assert IMG in text
        assert QUOTES in text
        assert "Leak <img src=x onerror=alert(3)> `report`" in text  # the document title
        _close_popup(page)
        _click_marker(page, "no-ramsund")
        text = page.locator(f'{POPUP}[data-site="no-ramsund"]').inner_text()
        assert SCRIPT in text
        assert "& <b>bold</b>" in text
        assert JINJA in page.locator(".leaflet-popup-content").inner_text() or JINJA in text
        assert "geoPWNED" not in page.content()  # a template payload stays literal text
        page.wait_for_timeout(300)  # let any injected handler fire
        assert page.evaluate(INJECTED) == 0
        assert session.dialogs == []
        assert not [u for u in session.requests if u.endswith("/x")]
        _clean(session)


def test_hostile_names_in_every_control(tmp_path: Path) -> None:
    """Site, place and document names from user data in legend, tooltips, search, layers."""
    require_assets()
    layers = small_layers()
    registry = layers.registry
    assert registry is not None
    layers.registry = Registry([dataclasses.replace(registry["us-no-sdca"], name=IMG)])
    path = web_render.save_map(layers, tmp_path / "map.html", basemap="110m")
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
        assert IMG in overlays
        page.locator(".geo-unlocated summary").click()
        legend = page.locator(".geo-legend").inner_text()
        assert "Osmarka <b>mountain</b> facility" in legend
        page.locator(".geo-site-link").first.click()  # the unlocated site's popup
        popup = page.locator(f'{POPUP}[data-site="no-osmarka"]')
        assert "not known" in popup.inner_text()
        assert IMG in popup.inner_text()  # the agreement's name
        _close_popup(page)
        tip = _search(page, "Osm").filter(has_text="<b>mountain</b>")
        tip.wait_for()
        _click_marker(page, "no-evenes")
        popup_text = page.locator(f'{POPUP}[data-site="no-evenes"]').inner_text()
        assert SCRIPT in popup_text
        assert "Title <img src=x onerror=alert(1)>" in popup_text
        _close_popup(page)
        page.evaluate(f"void {STATE}.places.eachLayer(l => l.openPopup())")
        assert f"Narvik {IMG}" in page.locator(POPUP).inner_text()
        page.wait_for_timeout(300)
        assert page.evaluate(INJECTED) == 0
        _clean(session)


# --------------------------------------------------------------------------- notebook


def test_notebook_output_works_offline(seed_layers: Layers) -> None:
    require_assets()
    shown = show_map(seed_layers, height=600)
    outer = f"<!DOCTYPE html><html><body><h1>notebook</h1>{shown.data}</body></html>"
    with open_page(outer) as session:
        page = session.page
        frame_el = page.wait_for_selector("iframe")
        frame = frame_el.content_frame()
        assert frame is not None
        assert frame.url == "about:srcdoc"
        frame.wait_for_function(DRAWN)
        assert frame.evaluate(MARKERS_IN_DOM) == _located(seed_layers)
        # The sandboxed frame cannot reach into the notebook page, and still has its fonts.
        assert frame.evaluate(PARENT_ACCESS) == "blocked"
        frame.evaluate("document.fonts.ready.then(() => true)")
        frame.wait_for_function(f"{LOADED_FONTS}.some(f => f.includes('Font Awesome'))")
        _clean(session)
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown.data)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)).startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------- tiles


def test_tiles_are_offered_only_when_asked(tmp_path: Path) -> None:
    """``--tiles osm``: OpenStreetMap on (its requests are the only ones leaving), CARTO off."""
    require_assets()
    path = web_render.save_map(small_layers(), tmp_path / "map.html", tiles="osm", basemap="110m")
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        bases = page.locator(".leaflet-control-layers-base label")
        assert bases.count() == 3
        assert "OpenStreetMap" in bases.nth(1).inner_text()
        assert bases.nth(1).locator("input").is_checked()
        page.wait_for_function("document.querySelectorAll('.leaflet-tile').length > 0")
        assert session.blocked
        assert all("tile.openstreetmap.org" in url for url in session.blocked)
        assert page.evaluate(MARKERS_IN_DOM) == 2
