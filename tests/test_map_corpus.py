"""The map centred on the analyst's corpus (issue 13), in Chromium with the network cut off.

Built from the Philippines example (``examples/philippines/``: three example articles of
2016, 2023 and 2025, the analyst's own sites and agreement, the Japan-Philippines RAA,
which names no site, and no corrections so that the review panel has unresolved names):
the view fits the corpus, registry sites the documents do not name are dimmed and can be
hidden, search covers every site, place and unresolved name and says "no match", the time
control hides the 2023 article's mentions in 2016 and the legend follows it, the document
filter narrows the map to one article, popups link each quote's article.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import geo.web.render as web_render
from geo.layers.build import Layers, build_layers
from tests.browser import open_page
from tests.test_assets import require_assets

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "philippines"
STATE = "Object.values(window.geoWebmapState)[0]"
DRAWN = f"window.geoWebmapState && {STATE} && {STATE}.drawnAt !== null"
MARKERS_IN_DOM = "document.querySelectorAll('.leaflet-marker-pane > *').length"
POPUP = ".leaflet-popup-content .geo-popup"
URL_2016 = "https://www.cnnphilippines.com/news/2016/03/19/edca-bases-philippines-us.html"


@pytest.fixture(scope="module")
def corpus_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Layers]:
    require_assets()
    layers = build_layers(
        [EXAMPLE / "articles"],
        as_of="2025-12-31",
        sites=[EXAMPLE / "sites.csv"],
        agreements=[EXAMPLE / "agreements.yaml"],
    )
    path = web_render.save_map(layers, tmp_path_factory.mktemp("corpus") / "map.html")
    return path, layers


def _clean(session: Any) -> None:
    assert session.non_local_requests == []
    assert session.blocked == []
    assert session.console_errors == []
    assert session.dialogs == []


def _search(page: Any, text: str) -> Any:
    box = page.locator(".geo-search input.geo-search-input")
    box.fill("")
    box.press_sequentially(text, delay=5)
    return page.locator(".geo-search-results li")


def _named(page: Any, site_id: str) -> bool:
    return bool(page.evaluate(f"(id) => {STATE}.named()[{STATE}.siteIndex[id]]", site_id))


def test_view_fits_the_corpus(corpus_map: tuple[Path, Layers]) -> None:
    path, layers = corpus_map
    named = layers.sites[layers.sites["named_in_corpus"] & layers.sites["has_point"]]
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        south, west, north, east = page.evaluate(
            f"(() => {{ const b = {STATE}.map.getBounds();"
            " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()"
        )
        for lat, lon in zip(named["lat"], named["lon"], strict=True):
            assert south <= lat <= north, (lat, lon)
            assert west <= lon <= east, (lat, lon)
        # The Philippines, not the registry's world: Europe and the Gulf are out of view.
        assert west > 95, (west, east)
        assert east < 145, (west, east)
        assert page.evaluate(f"{STATE}.map.getZoom()") >= 4
        _clean(session)


def test_search_finds_any_place_and_says_no_match(corpus_map: tuple[Path, Layers]) -> None:
    path, layers = corpus_map
    assert "Cagayan de Oro" in set(layers.places["name"])  # a place, not a registry site
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        hit = _search(page, "Cagayan de O").filter(has_text="city").first
        hit.wait_for()
        hit.click()
        page.wait_for_selector(POPUP)
        assert "Cagayan de Oro" in page.locator(POPUP).inner_text()
        # Every registry site is searchable, named in the corpus or not (Powidz, Poland).
        _search(page, "Powidz").filter(has_text="Poland").first.wait_for()
        none = _search(page, "Frobozzville")
        none.first.wait_for()
        assert none.count() == 1
        assert none.first.inner_text() == "no match for “Frobozzville”"
        assert none.first.is_visible()
        # An unresolved name is found too, and opens the review panel at its entry.
        _search(page, "Luzon Str").filter(has_text="unresolved name").first.click()
        hit = page.locator(".geo-review-item.geo-review-hit")
        hit.wait_for()
        assert "Luzon Strait" in hit.inner_text()
        assert "unresolved" in hit.inner_text()
        # A user's site, named in the corpus outside any agreement: a place of the map.
        _search(page, "Rancudo Air").filter(has_text="Rancudo Airfield").first.wait_for()
        _clean(session)


def test_time_control_hides_later_articles(corpus_map: tuple[Path, Layers]) -> None:
    path, _layers = corpus_map
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        dates = page.evaluate(f"{STATE}.data.timeline.dates")
        assert "2016-03-18" in dates
        assert "2023-04-03" in dates
        assert "2025-09-11" in dates
        places_now = page.evaluate(f"{STATE}.places.getLayers().length")
        assert _named(page, "ph-camilo-osias")
        position = max(i for i, d in enumerate(dates) if d <= "2016-06-01")
        page.locator(".geo-slider input[type=range]").fill(str(position))
        assert page.locator(".geo-slider-date").inner_text().endswith(dates[position])
        # The 2023 article's mentions are not there yet; the 2016 article's are.
        assert not _named(page, "ph-camilo-osias")
        assert not _named(page, "ph-balabac")
        assert _named(page, "ph-basa")
        assert page.evaluate(f"{STATE}.places.getLayers().length") < places_now
        legend = page.locator(".geo-legend-asof").inner_text()
        assert legend.startswith(f"as of {dates[position]}")
        assert "named in 1 of 3 documents" in legend
        page.evaluate(f"void {STATE}.openSite('ph-basa')")
        popup = page.locator(f'{POPUP}[data-site="ph-basa"]')
        popup.wait_for()
        assert popup.locator("blockquote.geo-quote").count() == 1  # the 2023 quote hidden
        assert "hidden by the time control" in popup.inner_text()
        _clean(session)


def test_popup_links_the_article(corpus_map: tuple[Path, Layers]) -> None:
    path, _layers = corpus_map
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        page.evaluate(f"void {STATE}.openSite('ph-basa')")
        popup = page.locator(f'{POPUP}[data-site="ph-basa"]')
        popup.wait_for()
        cite = popup.locator("blockquote.geo-quote cite").first
        assert "geo example text · 2016-03-18" in cite.inner_text()
        link = cite.locator("a.geo-doc-link")
        assert link.get_attribute("href") == URL_2016
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.inner_text() == "US and Philippines name the first five EDCA locations"
        # named in the 2016 and 2023 articles: first and last report (layer columns)
        assert "Reported\t2016-03-18 to 2023-04-03" in popup.inner_text()
        _clean(session)


def test_dimmed_sites_and_only_named_toggle(corpus_map: tuple[Path, Layers]) -> None:
    path, layers = corpus_map
    sites = layers.sites
    located = int(sites["has_point"].sum())
    named = int((sites["has_point"] & sites["in_corpus"]).sum())
    assert 0 < named < located
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        assert page.evaluate(MARKERS_IN_DOM) == located
        dimmed = page.evaluate(
            "document.querySelectorAll('.leaflet-marker-pane .geo-dimmed').length"
        )
        assert dimmed == located - named
        opacity = page.evaluate(f"{STATE}.markers[{STATE}.siteIndex['jp-kadena']].options.opacity")
        assert opacity < 1
        page.locator(".geo-filters input.geo-only-named").check()
        assert page.evaluate(MARKERS_IN_DOM) == named
        page.locator(".geo-filters input.geo-only-named").uncheck()
        assert page.evaluate(MARKERS_IN_DOM) == located
        # The document filter: only the 2023 article's sites count as named.
        page.locator(".geo-filters select.geo-doc-filter").select_option(
            label="2023-04-03 · Four more EDCA locations named, three of them in northern Luzon"
        )
        assert _named(page, "ph-camilo-osias")
        assert _named(page, "ph-basa")  # named by the 2016 article as well
        assert not _named(page, "ph-antonio-bautista")  # named by the 2016 article only
        assert "named in 1 of 3 documents" in page.locator(".geo-legend-asof").inner_text()
        _clean(session)


def test_review_panel_and_user_sites(corpus_map: tuple[Path, Layers]) -> None:
    path, layers = corpus_map
    unresolved = set(layers.unresolved["surface"])
    assert unresolved
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        summary = page.locator(".geo-review summary").inner_text()
        assert summary.startswith(f"Review: {len(unresolved)} unresolved")
        page.locator(".geo-review summary").click()
        items = page.locator(".geo-review-item").all_inner_texts()
        for name in unresolved:
            assert any(text.startswith(name) for text in items), name
        assert any("(score 0." in text for text in items)  # a low-score name with its place
        # A registry site: drawn with its agreement's status colour on the date.
        page.evaluate(f"void {STATE}.openSite('ph-camilo-osias')")
        popup = page.locator(f'{POPUP}[data-site="ph-camilo-osias"]')
        popup.wait_for()
        text = popup.inner_text()
        assert "Enhanced Defense Cooperation Agreement" in text
        assert "approved" in text
        icon = page.evaluate(
            f"{STATE}.markers[{STATE}.siteIndex['ph-camilo-osias']].getElement().className"
        )
        assert "awesome-marker-icon-purple" in icon
        # The user's site, outside any agreement (the RAA names none): found by search,
        # its popup quoting the 2025 article.
        _search(page, "Rancudo Air").filter(has_text="Rancudo Airfield").first.click()
        popup = page.locator(POPUP).filter(has_text="Rancudo Airfield")
        popup.wait_for()
        assert popup.locator("mark").first.inner_text() == "Rancudo Airfield"
        assert "geo example text · 2025-09-11" in popup.inner_text()
        # ... and by one of its aliases, which the search shows as the matched name.
        hit = _search(page, "Pag-asa airs").filter(has_text="Rancudo Airfield").first
        assert "Pag-asa airstrip" in hit.inner_text()
        _clean(session)


def test_as_of_before_an_article_hides_its_mentions(tmp_path: Path) -> None:
    """``--as-of 2016-06-01``: the map shows only what was published by then."""
    require_assets()
    layers = build_layers(
        [EXAMPLE / "articles"],
        as_of="2016-06-01",
        sites=[EXAMPLE / "sites.csv"],
        agreements=[EXAMPLE / "agreements.yaml"],
    )
    path = web_render.save_map(layers, tmp_path / "map.html")
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        assert page.evaluate(f"{STATE}.data.timeline.dates.slice(-1)[0]") == "2016-06-01"
        assert _named(page, "ph-basa")
        assert not _named(page, "ph-camilo-osias")  # named only by the 2023 article
        legend = page.locator(".geo-legend-asof").inner_text()
        assert "named in 1 of 3 documents" in legend
        _clean(session)


def test_hostile_user_site_stays_text_in_the_browser(tmp_path: Path) -> None:
    """A user's sites file with markup and a template payload: shown as text, never run."""
    require_assets()
    payload = "{{ 'geo' ~ 'PWN' ~ 'ED' }}"
    img = "<img src=x onerror=alert(1)>"
    sites = tmp_path / "s.csv"
    sites.write_text(
        "id,name,kind,country,lat,lon,coord_precision,coord_source,aliases,source_urls\n"
        f'ph-evil,"Evil {payload} {img}",air_base,PH,14.5,121.0,locality,x,'
        f'"Evil Alias {payload}|Zorblat <b>x</b>|Zorblat Field",https://example.org/e\n',
        encoding="utf-8",
    )
    agreements = tmp_path / "a.yaml"
    agreements.write_text(
        "schema_version: 1\nagreements:\n  - id: my-evil\n"
        f'    name: "Mine {img}"\n    type: defense_cooperation_agreement\n'
        "    host: PH\n    partner: US\n"
        "    events: [{type: signed, date: '2024-01-01', source: 'https://example.org/a'}]\n"
        "    sites: [ph-evil]\n    sources: ['https://example.org/a']\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        f"US forces trained at Zorblat Field {payload} near Manila.\n", encoding="utf-8"
    )
    layers = build_layers([corpus], sites=[sites], agreements=[agreements], as_of="2024-06-01")
    assert "ph-evil" in set(layers.mentions["place_id"])
    path = web_render.save_map(layers, tmp_path / "map.html")
    with open_page(path) as session:
        page = session.page
        page.wait_for_function(DRAWN)
        tip = _search(page, "Zorblat").first
        tip.wait_for()
        assert "Zorblat <b>x</b>" in tip.inner_text()
        tip.click()
        popup = page.locator(f'{POPUP}[data-site="ph-evil"]')
        popup.wait_for()
        text = popup.inner_text()
        assert f"Evil {payload} {img}" in text
        assert f"Mine {img}" in text
        assert popup.locator("mark").first.inner_text() == "Zorblat Field"
        assert payload in popup.locator("blockquote").first.inner_text()  # the sentence
        page.wait_for_timeout(300)
        assert "geoPWNED" not in page.content()
        injected = "document.querySelectorAll('.geo-popup img, .geo-search b, .geo-popup b').length"
        assert page.evaluate(injected) == 0
        _clean(session)
