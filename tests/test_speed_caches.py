"""The caches and shortcuts of issue 14 give the same answers as what they replace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo import settings
from geo.io.derived import derived, derived_folder
from geo.parse.recognize import _designators, _may_end_designator
from geo.text.languages import codes
from geo.text.lexicon import FrequencyTable

pytestmark = pytest.mark.unit


def test_derived_tables_follow_their_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    calls: list[str] = []

    def compute(value: str) -> dict[str, list[int]]:
        calls.append(value)
        return {value: [1, 2, 3]}

    assert derived("t", ["a"], lambda: compute("a")) == {"a": [1, 2, 3]}
    assert derived("t", ["a"], lambda: compute("a")) == {"a": [1, 2, 3]}
    assert calls == ["a"]  # the second call read the file
    assert derived("t", ["b"], lambda: compute("b")) == {"b": [1, 2, 3]}
    assert calls == ["a", "b"]  # another source: computed again, never the stale table
    assert len(list(derived_folder().glob("t-*.marshal"))) == 1  # the stale file is gone
    for path in derived_folder().glob("t-*.marshal"):
        path.write_bytes(b"\x00not marshal")
    assert derived("t", ["b"], lambda: compute("b")) == {"b": [1, 2, 3]}
    assert calls == ["a", "b", "b"]  # an unreadable file is computed again


def test_derived_tables_work_without_a_writable_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(settings, "cache_dir", blocker)  # derived/ cannot be created
    assert derived("t", ["a"], lambda: (1, "x")) == (1, "x")
    assert derived("u", ["a"], lambda: object()) is not None  # marshal refuses: no cache


def test_frequency_table_answers_like_the_dict() -> None:
    mapping = {"oslo": 1e-5, "": 0.5, "zürich": 2e-7, "a": 0.01, "ab": 0.02, "b": 0.0}
    table = FrequencyTable(*FrequencyTable.pack(mapping))
    assert len(table) == len(mapping)
    for word, value in mapping.items():
        assert table.get(word) == value
        assert word in table
    for word in ("zz", "aa", "osl", "oslo ", "\uffff"):
        assert table.get(word, -1.0) == -1.0
        assert word not in table


def test_the_designator_shortcut_never_skips_a_match() -> None:
    texts = [
        "flew from the Air Base Lakenheath to RAF Mildenhall and HMAS Stirling",
        "die Soldaten am Fliegerhorst Büchel, base aérea de Morón, base aérea d'Aviano",
        "авиабазу Хмеймим, военной базы в Тартусе; baza w Redzikowie; vliegbasis Volkel",
        "Naval Base Camilo Osias, Camp Humphreys; in the Fort Bragg area, at Joint Base Lewis",
    ]
    matched = 0
    for lang in codes():
        table = _designators(lang)
        for text in texts:
            for m in re.finditer(r"\S+", text):
                start = m.start()
                lo = max(0, start - 60)
                if table.before_text.search(text, lo, start) is not None:
                    matched += 1
                    assert _may_end_designator(table, text, lo, start), (lang, text[lo:start])
    assert matched >= 20  # the texts do hold designators before names


def test_templates_are_compiled_once_and_never_for_another_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import jinja2

    from geo.io.jinja_cache import compiled_templates

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    original = jinja2.Environment.compile
    source = "{% for x in xs %}<{{ x }}>{% endfor %}"
    expected = jinja2.Template(source).render(xs=[1, 2])
    mixed = "[[ 1 ]]{{ 2 }}"
    with compiled_templates() as counts:
        first = jinja2.Template(source).render(xs=[1, 2])
        assert jinja2.Template(mixed).render() == "[[ 1 ]]2"
    assert counts == {"read": 0, "compiled": 2}
    assert first == expected == "<1><2>"
    assert jinja2.Environment.compile is original  # put back after the block
    with compiled_templates() as counts:
        again = jinja2.Template(source).render(xs=[1, 2])
        other = jinja2.Template(source.replace("<", "[")).render(xs=[1, 2])
        square = jinja2.Template(mixed, variable_start_string="[[", variable_end_string="]]")
    assert again == expected
    assert other == "[1>[2>"  # another source is compiled, not served the first's code
    assert square.render() == "1{{ 2 }}"  # so is the same source in another environment
    assert counts == {"read": 1, "compiled": 2}
    with pytest.raises(RuntimeError), compiled_templates():
        raise RuntimeError
    assert jinja2.Environment.compile is original  # also after an error


def test_folium_pages_are_the_same_with_templates_from_the_table(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = """
import re, sys
from geo import settings
settings.cache_dir = sys.argv[1]
from geo.io.jinja_cache import compiled_templates
with compiled_templates() as counts:
    import folium, folium.plugins
m = folium.Map(location=[60, 15], tiles=None)
folium.plugins.Fullscreen().add_to(m)
folium.plugins.MeasureControl().add_to(m)
folium.Marker([69.4, 16.7], popup="Evenes").add_to(m)
page = re.sub(r"_[0-9a-f]{32}", "_ID", m.get_root().render())
print(counts["read"], counts["compiled"])
print(page)
"""

    def run() -> tuple[list[int], str]:
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        head, _, page = out.partition("\n")
        return [int(x) for x in head.split()], page

    (read1, compiled1), page1 = run()
    (read2, compiled2), page2 = run()
    assert compiled1 > 50  # every plugin's template, compiled by the first process
    assert (read2, compiled2) == (read1 + compiled1, 0)  # the second read them all
    assert page1 == page2
    assert "L.control.fullscreen" in page2
    assert "Evenes" in page2
