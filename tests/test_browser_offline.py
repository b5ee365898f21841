"""Self-contained maps in a real browser with the network cut off (Debian Chromium).

The inlined pages must load nothing from outside the machine and still show Leaflet,
every marker, both icon fonts, the plugins' controls and the time slider; the CDN page,
opened the same way, must be blocked, which proves the harness really cuts the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import geo.web.inline as web_inline
from tests.browser import open_page
from tests.test_assets import demo_map, require_assets, time_slider_map

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_pages() -> tuple[str, str, int]:
    """(CDN page, inlined page, marker count) of the demo map."""
    root = require_assets()
    m, markers = demo_map()
    page = m.get_root().render()
    return page, web_inline.inline_html(page, assets_dir=root), markers


LOADED_FONTS = "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"


def test_inlined_map_works_offline(demo_pages: tuple[str, str, int], tmp_path: Path) -> None:
    _, inlined, markers = demo_pages
    with open_page(inlined) as session:
        page = session.page
        page.wait_for_function("typeof L === 'object'")
        page.wait_for_selector(".leaflet-marker-pane > *")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_function(
            f"{LOADED_FONTS}.some(f => f.includes('Font Awesome'))"
            f" && {LOADED_FONTS}.some(f => f.includes('Glyphicons'))"
        )
        assert page.evaluate("document.querySelectorAll('.leaflet-marker-pane > *').length") == (
            markers
        )
        fonts = page.evaluate(LOADED_FONTS)
        assert any("Font Awesome 6 Free" in f for f in fonts), fonts
        assert any("Glyphicons Halflings" in f for f in fonts), fonts
        # Default Leaflet markers (plain Marker, GeoJson points) show their image.
        widths = page.evaluate(
            "[...document.querySelectorAll('.leaflet-marker-pane img')].map(i => i.naturalWidth)"
        )
        assert widths
        assert all(w > 0 for w in widths), widths
        for control in (
            ".leaflet-control-search",
            ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-minimap",
            ".leaflet-control-measure",
            ".leaflet-control-layers",
        ):
            assert page.locator(control).count() == 1, control
        assert page.locator("path.leaflet-interactive").count() > 100  # the country layer
        page.locator(".leaflet-control-search input").press_sequentially("Pitu", delay=30)
        page.wait_for_selector(".search-tip", state="attached")
        screenshot = tmp_path / "offline_map.png"
        page.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 10_000
        assert session.non_local_requests == []
        assert session.blocked == []
        assert session.console_errors == []
        assert session.dialogs == []


def test_time_slider_works_offline(tmp_path: Path) -> None:
    root = require_assets()
    inlined = web_inline.inline_html(time_slider_map().get_root().render(), assets_dir=root)
    with open_page(inlined) as session:
        page = session.page
        page.wait_for_selector(".leaflet-bar-timecontrol")
        page.wait_for_selector(".leaflet-marker-pane > *")
        page.wait_for_function(f"{LOADED_FONTS}.some(f => f.includes('Glyphicons'))")
        page.screenshot(path=str(tmp_path / "time_slider.png"))
        assert session.blocked == []
        assert session.console_errors == []


def test_cdn_page_is_blocked(demo_pages: tuple[str, str, int]) -> None:
    cdn, _, _ = demo_pages
    with open_page(cdn) as session:
        assert session.page.evaluate("typeof L") == "undefined"
        assert len(session.blocked) > 0
        assert session.non_local_requests == session.blocked
