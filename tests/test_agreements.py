"""Tests of :mod:`geo.registry.agreements` on the real registry and on small files written here."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from geo.errors import DataError, GeoError
from geo.registry.agreements import Event, Registry, load_registry, parse_partial_date

D = dt.date


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


# --------------------------------------------------------------------------- status over time


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2022, 2, 9), "none"),
        (D(2022, 3, 1), "negotiating"),
        (D(2023, 12, 21), "signed"),
        (D(2024, 6, 1), "signed"),
        (D(2025, 6, 15), "signed"),  # approval dated '2025-06' is not yet surely done
        (D(2025, 7, 1), "approved"),
    ],
)
def test_us_denmark_dca_status(registry: Registry, as_of: dt.date, expected: str) -> None:
    assert registry.status("us-dk-dca", as_of) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2021, 4, 15), "none"),
        (D(2021, 5, 1), "signed"),
        (D(2022, 4, 30), "signed"),  # submitted to the Storting keeps it signed
        (D(2022, 7, 1), "approved"),  # entry into force known only as '2022'
        (D(2023, 1, 1), "in_force"),
    ],
)
def test_sdca_status(registry: Registry, as_of: dt.date, expected: str) -> None:
    assert registry.status("us-no-sdca", as_of) == expected


def test_andoya_follows_the_2024_amendment(registry: Registry) -> None:
    assert registry.site_status("no-andoya", "us-no-sdca", D(2023, 1, 1)) == "none"
    assert registry.site_status("no-andoya", "us-no-sdca", D(2024, 3, 1)) == "signed"
    assert registry.site_status("no-andoya", "us-no-sdca", D(2024, 6, 15)) == "approved"
    assert registry.site_status("no-andoya", "us-no-sdca", D(2025, 1, 1)) == "in_force"
    # An initial site follows the agreement itself.
    assert registry.site_status("no-evenes", "us-no-sdca", D(2023, 1, 1)) == "in_force"


def test_sweden_and_finland_enter_into_force(registry: Registry) -> None:
    assert registry.status("us-se-dca", D(2024, 8, 14)) == "approved"
    assert registry.status("us-se-dca", D(2024, 8, 15)) == "in_force"
    assert registry.status("us-fi-dca", D(2024, 9, 1)) == "in_force"


def test_igaliku_removes_the_former_greenland_areas(registry: Registry) -> None:
    agreement = "us-dk-greenland-1951"
    assert registry.site_status("gl-narsarsuaq", agreement, D(1990, 1, 1)) == "in_force"
    assert registry.site_status("gl-narsarsuaq", agreement, D(2004, 8, 6)) == "ended"
    assert registry.site_status("gl-pituffik", agreement, D(2024, 1, 1)) == "in_force"


def test_site_status_of_a_site_the_agreement_lacks_raises(registry: Registry) -> None:
    with pytest.raises(KeyError, match="no-evenes"):
        registry.site_status("no-evenes", "us-dk-dca", D(2025, 1, 1))
    with pytest.raises(KeyError, match="us-xx-none"):
        registry.status("us-xx-none", D(2025, 1, 1))


def test_partial_dates_count_after_their_period() -> None:
    assert parse_partial_date("2025-06") == (D(2025, 6, 1), D(2025, 6, 30), "month")
    assert parse_partial_date("2024-02")[1] == D(2024, 2, 29)
    event = Event("approved", "2025-06", "https://example.org/x")
    assert not event.in_effect(D(2025, 6, 30))
    assert event.in_effect(D(2025, 7, 1))
    assert Event("signed", "2022", "https://example.org/x").effective_from == D(2023, 1, 1)
    with pytest.raises(ValueError, match="2021-13-40"):
        parse_partial_date("2021-13-40")


# --------------------------------------------------------------------------- structure


def test_timeline_is_sorted_and_complete(registry: Registry) -> None:
    timeline = registry.timeline()
    dates = [row[0] for row in timeline]
    assert dates == sorted(dates)
    total = sum(len(a.events) + sum(len(m.events) for m in a.amendments) for a in registry)
    assert len(timeline) == total
    # A year-only entry into force sorts after the same year's signature.
    greenland = [(row[3].type, row[0]) for row in registry.timeline("us-dk-greenland-1951")]
    assert greenland[0] == ("signed", D(1951, 4, 27))
    assert greenland[1][0] == "entered_into_force"


def test_pituffik_belongs_to_the_1951_and_2004_agreements(registry: Registry) -> None:
    ids = [a.id for a in registry.agreements_for_site("gl-pituffik")]
    assert ids == ["us-dk-greenland-1951", "us-dk-gl-igaliku-2004"]
    assert registry["us-dk-gl-igaliku-2004"].amends == "us-dk-greenland-1951"
    renamed = [e for e in registry["us-dk-greenland-1951"].events if e.type == "renamed"]
    assert [e.date for e in renamed] == ["2023-04-06"]


def test_names_cover_the_news_languages(registry: Registry) -> None:
    names = {name for agreement in registry for name in agreement.all_names()}
    for expected in (
        "SDCA",
        "DCA",
        "Defense Cooperation Agreement",
        "Verteidigungsabkommen",
        "Verteidigungszusammenarbeit",
        "forsvarssamarbejdsaftale",
        "forsvarsaftale",
        "DCA-avtalet",
        "puolustusyhteistyösopimus",
        "Igaliku Agreement",
        "1951 Defense Agreement",
    ):
        assert expected in names, expected


def test_every_event_has_a_source_url(registry: Registry) -> None:
    for _date, _agreement, _instrument, event in registry.timeline():
        assert re.fullmatch(r"https?://\S+", event.source)
    sdca = registry["us-no-sdca"]
    assert sdca.host == "NO"
    assert sdca.partner == "US"
    assert len(sdca.all_sites()) == 12
    assert sdca.amendments[0].sites[0] == "no-andoya"


# --------------------------------------------------------------------------- user files


USER_FILE = """\
schema_version: 1
agreements:
  - id: us-no-test-extra
    name: Test agreement
    type: defense_agreement
    host: "NO"
    partner: US
    events:
      - {type: signed, date: '2030-01-15', source: 'https://example.org/signed'}
    sites: [no-evenes]
    sources: [https://example.org/agreement]
"""


def test_user_file_is_merged_after_the_curated_one(tmp_path: Path) -> None:
    user = tmp_path / "mine.yaml"
    user.write_text(USER_FILE, encoding="utf-8")
    merged = load_registry([user])
    assert merged.ids[-1] == "us-no-test-extra"
    assert merged["us-no-test-extra"].path == user
    assert merged.status("us-no-test-extra", D(2030, 1, 15)) == "signed"
    assert "us-no-test-extra" in [a.id for a in merged.agreements_for_site("no-evenes")]
    assert len(merged) == len(load_registry()) + 1


def test_user_file_redefining_a_curated_id_is_a_conflict(tmp_path: Path) -> None:
    user = tmp_path / "clash.yaml"
    user.write_text(USER_FILE.replace("us-no-test-extra", "us-no-sdca"), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_registry([user])
    (problem,) = info.value.problems
    assert problem.startswith(f"{user}:3: agreements[0].id: duplicate id 'us-no-sdca'")
    assert "agreements/us-no-sdca.yaml:" in problem  # names the other file and its line


MALFORMED = """\
schema_version: 1
agreements:
  - id: us-xx-one
    name: Missing partner
    type: defense_agreement
    host: DK
    events: []
    sites: [dk-karup]
    sources: [https://example.org/a]
  - id: us-xx-two
    name: Unknown site and bad date
    type: defense_agreement
    host: DK
    partner: US
    events:
      - type: signed
        date: '2021-13-40'
        source: https://example.org/b
    sites: [dk-nowhere]
    sources: [https://example.org/b]
  - id: us-xx-two
    name: Duplicate id
    type: defense_agreement
    host: DK
    partner: US
    events: []
    sites: [dk-karup]
    sources: [https://example.org/c]
"""


def test_malformed_registry_reports_every_problem_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MALFORMED, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_registry([bad], site_ids={"dk-karup", "no-evenes"} | _curated_site_ids())
    problems = info.value.problems
    assert len(problems) == 4, problems
    missing, date, site, duplicate = sorted(problems, key=lambda p: int(p.split(":")[1]))
    assert missing == f"{bad}:3: agreements[0]: missing required field 'partner'"
    assert date == f"{bad}:17: agreements[1].events[0].date: not an ISO date ('2021-13-40')"
    assert site.startswith(f"{bad}:19: agreements[1].sites[0]: unknown site id 'dk-nowhere'")
    assert duplicate.startswith(f"{bad}:21: agreements[2].id: duplicate id 'us-xx-two'")
    assert f"{bad}:10" in duplicate
    assert isinstance(info.value, GeoError)
    assert isinstance(info.value, ValueError)
    assert "4 problems" in str(info.value)


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        "schema_version: 1\nagreements:\n  - id: x\n    name: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        load_registry([bad])
    (problem,) = info.value.problems
    assert re.match(rf"{re.escape(str(bad))}:\d+: invalid YAML: ", problem), problem
    assert int(problem.split(":")[1]) >= 4


def test_unknown_fields_types_and_codes_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "odd.yaml"
    bad.write_text(
        USER_FILE.replace('host: "NO"', "host: NO")
        .replace("type: signed", "type: ratified")
        .replace("    sites:", "    colour: blue\n    sites:"),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_registry([bad])
    text = "\n".join(info.value.problems)
    assert f"{bad}:6: agreements[0].host: not an ISO 3166-1 alpha-2 code (False" in text
    assert "agreements[0].events[0].type: unknown event type 'ratified'" in text
    assert f"{bad}:10: agreements[0].colour: unknown field" in text


def test_lists_that_are_not_lists_of_mappings_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.yaml"
    bad.write_text(
        USER_FILE.replace(
            "      - {type: signed", "      - just text\n      - {type: signed"
        ).replace(
            "    sources: [https://example.org/agreement]",
            "    sources: [https://example.org/agreement]\n    amendments: 7",
        )
        + "  - not a mapping\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_registry([bad])
    text = "\n".join(info.value.problems)
    assert f"{bad}:8: agreements[0].events[0]: expected a mapping, got 'just text'" in text
    assert f"{bad}:13: agreements[0].amendments: expected a list, got 7" in text
    assert f"{bad}:2: agreements[1]: expected a mapping, got 'not a mapping'" in text
    assert len(info.value.problems) == 3, text


def _curated_site_ids() -> set[str]:
    return set(load_registry().site_ids())
