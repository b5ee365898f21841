"""Start-up of the commands (issue 14): what ``geo resolve`` and ``geo extract`` import.

A command that only looks names up or geoparses text must not load the map and layer
stack (pandas, geopandas, shapely, folium, the registry, linking): those cost most of a
second on every start. Each test runs a fresh interpreter and reads ``sys.modules`` at
the end, so an import added anywhere on the path (a module-level import in the CLI, a
package ``__init__`` that pulls in its builder) makes it fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Modules the resolve and extract paths never need.
HEAVY = (
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "folium",
    "numpy",
    "geo.layers.build",
    "geo.link",
    "geo.registry",
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running *code*."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.unit
def test_the_parser_and_the_geoparser_import_no_layer_stack() -> None:
    modules = _modules_after(
        "from geo.cli.main import build_parser\n"
        "build_parser().parse_args(['resolve', 'Evenes'])\n"
        "import geo.cli.resolve, geo.cli.extract, geo.parse.pipeline, geo.io.documents"
    )
    assert "geo.parse.recognize" in modules  # the code ran
    assert _heavy(modules) == []


def test_resolve_and_extract_import_no_layer_stack(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("Troops left Oslo for Evenes, Norway.\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    modules = _modules_after(
        "import io\n"
        "from geo.cli.main import main\n"
        "assert main(['resolve', 'Evenes'], out=io.StringIO()) == 0\n"
        f"assert main(['extract', {str(doc)!r}, '-q', '-o', {str(out)!r}]) == 0"
    )
    assert out.read_text(encoding="utf-8").count('"surface"') == 3
    assert _heavy(modules) == []
