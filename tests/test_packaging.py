"""The curated data is found from a checkout and ships inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geo import settings
from geo.io import resources

ROOT = Path(__file__).resolve().parent.parent


def test_checkout_data_folder_is_used() -> None:
    assert resources.data_dir() == ROOT / "data"
    assert resources.data_path("countries.csv").is_file()
    assert resources.data_path("sites/no.csv").is_file()
    assert resources.data_path("agreements/us-no-sdca.yaml").is_file()


def test_settings_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    assert resources.data_dir() == tmp_path


@pytest.mark.timeout(300)
def test_the_wheel_carries_the_data_and_the_model(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("geo_agreements-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "sites/no.csv",
        "sites/airfields.csv",
        "sites/colocated.csv",
        "agreements/us-no-sdca.yaml",
        "agreements/us-ph-edca.yaml",
        "countries.csv",
        "regions.csv",
        "admin1.csv",
        "demonyms.csv",
        "boundaries/countries-50m.geojson.gz",
    ):
        assert f"geo/_data/{data}" in names
    assert "geo/recognizer_weights.json" in names
    assert "geo/py.typed" in names
    assert "geo/text/languages/en.yaml" in names  # the language packs
    for static in ("static/app.js", "static/app.css", "templates/geo_app.html.j2"):
        assert f"geo/web/{static}" in names  # the map's own script, style and template
    assert not any(n.startswith(("tests/", "seeds/")) for n in names)
