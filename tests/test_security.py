"""Hostile input (issue 9): text from documents and registries never runs as code.

Every field that can carry text from outside reaches the map: a document's sentences,
its file name, its id, its title and URL, ``--title``, and every string of a user
registry (agreement names, official names, the names news uses, notes, event notes,
amendment names). Each test puts a Jinja2 payload into one such field and checks three
things: the payload that would run a command leaves no file behind, the arithmetic
payload is not evaluated, and the payload appears in the map's data as literal text.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from geo.cli import main
from tests.test_assets import require_assets

pytestmark = pytest.mark.security

#: Evaluated by Jinja2 this gives ``geoPWNED``; as literal text it never contains it.
EVALUATES = "{{ 'geo' ~ 'PWN' ~ 'ED' }}"


def _runs(target: Path) -> str:
    """A payload that creates *target* when a template engine evaluates it."""
    return "{{ cycler.__init__.__globals__.os.system('touch " + str(target) + "') }}"


def _strings(value: Any) -> list[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def map_strings(page: str) -> list[str]:
    """The strings of the map's data blob and its legend text."""
    blob = re.search(
        r'<script type="application/json" id="geo-data-[^"]+">(.*?)</script>', page, re.S
    )
    assert blob is not None, "the map has no data blob"
    return _strings(json.loads(blob.group(1)))


def build(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    """Run ``geo build ARGV -o map.html``; return the exit code, the page and stderr."""
    require_assets()
    target = tmp_path / "map.html"
    out = io.StringIO()
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["build", *argv, "-o", str(target), "--as-of", "2024-06-01"], out=out)
    page = target.read_text(encoding="utf-8") if target.exists() else ""
    return code, page, err.getvalue()


def assert_inert(page: str, pwned: Path, literal: str) -> None:
    assert not pwned.exists(), "a template payload ran a command"
    assert "geoPWNED" not in page, "a template payload was evaluated"
    assert any(literal in s for s in map_strings(page)) or literal in page, (
        f"{literal!r} is not on the map as text"
    )


def _doc(body: str) -> str:
    return f"US forces use Ramsund under the agreement with Norway. {body}\n"


def test_payload_in_a_sentence(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = f"Marines trained at Evenes {_runs(pwned)} and {EVALUATES} last week."
    (corpus / "a.txt").write_text(_doc(sentence), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert_inert(page, pwned, EVALUATES)
    assert any(_runs(pwned) in s for s in map_strings(page))


def test_payload_with_quotes_is_not_a_template_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_doc("Evenes {{ \"unterminated ' }} {% if %}"), "utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert "TemplateSyntaxError" not in err
    assert any("{% if %}" in s for s in map_strings(page))


def test_payload_in_file_name_title_and_front_matter(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "{{ 'geo' ~ 'PWN' ~ 'ED' }}.txt"
    front = (
        "---\n"
        f'title: "Title {EVALUATES}"\n'
        "date: 2023-05-01\n"
        f'url: "https://example.org/{EVALUATES}"\n'
        f'source: "Outlet {EVALUATES}"\n'
        "---\n"
    )
    (corpus / name).write_text(front + _doc("Jets landed at Evenes."), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus), "--title", f"My map {_runs(pwned)} {EVALUATES}")
    assert code == 0, err
    assert_inert(page, pwned, f"Title {EVALUATES}")
    strings = map_strings(page)
    assert any(name.removesuffix(".txt") in s for s in strings)
    assert "My map {{ cycler" in page  # --title, escaped into the legend and <title>


def test_payload_in_jsonl_ids_and_urls(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    corpus = tmp_path / "corpus.jsonl"
    record = {
        "id": f"doc {_runs(pwned)}",
        "title": EVALUATES,
        "url": f"https://example.org/a?{EVALUATES}",
        "text": _doc("Jets landed at Evenes."),
    }
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus))
    assert code == 0, err
    assert_inert(page, pwned, f"doc {_runs(pwned)}")


def test_payload_in_every_registry_string(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    registry = tmp_path / "mine.yaml"
    payload = f"{_runs(pwned)} {EVALUATES}"
    registry.write_text(
        "schema_version: 1\n"
        "agreements:\n"
        "  - id: xx-hostile\n"
        f'    name: "Pact {payload}"\n'
        f'    official_name: "Official {payload}"\n'
        f'    names: {{en: ["Hostile Pact {EVALUATES}"]}}\n'
        "    type: defense_agreement\n"
        '    host: "NO"\n'
        "    partner: US\n"
        "    events:\n"
        "      - type: signed\n"
        "        date: '2020-01-01'\n"
        "        source: https://example.org/pact\n"
        f'        note: "Note {payload}"\n'
        "    amendments:\n"
        "      - id: xx-hostile-amendment\n"
        f'        name: "Amendment {payload}"\n'
        "        events: [{type: signed, date: '2021-01-01', source: 'https://example.org/a'}]\n"
        "        adds_sites: [no-sola]\n"
        "    sites: [no-ramsund]\n"
        "    sources: [https://example.org/pact]\n"
        f'    notes: "Notes {payload}"\n',
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_doc("Jets landed at Evenes."), encoding="utf-8")
    code, page, err = build(tmp_path, str(corpus), "--agreements", str(registry))
    assert code == 0, err
    assert_inert(page, pwned, f"Pact {payload}")
    assert f"Amendment {payload}" in "".join(map_strings(page))
