"""Exports: round trips through every format, GDAL's ogrinfo, atomic writes, the CLI.

Uses the seeds' layers built once per session by ``tests/test_layers.py``. The ogrinfo
tests need Debian's ``gdal-bin`` (``make test`` installs it) and fail, not skip, without
it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli.main import main
from geo.errors import ConfigurationError, LayerValidationError
from geo.export.formats import export_layers, output_paths, read_layers
from geo.layers.build import Layers, build_layers
from geo.layers.schema import COLUMNS, ID_COLUMNS, LAYER_NAMES
from geo.models import Document, Mention, ParsedDocument, Resolution
from geo.registry.agreements import Registry

from .conftest import SEEDS
from .test_layers import _malformed_registry, seed_layers  # noqa: F401 - shared fixture
from .test_linking import gazetteer, registry, seed_parsed  # noqa: F401 - shared fixtures

FORMATS = ("gpkg", "geojson", "csv", "kml")


def _ogrinfo() -> str:
    found = shutil.which("ogrinfo")
    if found is None:
        pytest.fail(
            "ogrinfo not found: install Debian's gdal-bin (apt-get install gdal-bin; "
            "`make test` does it through scripts/install-system-deps.sh)"
        )
    return found


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["export", *argv], out=out)
    return code, out.getvalue(), err.getvalue()


def _same_geometries(name: str, original: pd.DataFrame, back: pd.DataFrame) -> None:
    key = ID_COLUMNS[name]
    left = original.set_index(original[key].astype(str)).geometry
    right = back.set_index(back[key].astype(str)).geometry
    assert set(left.index) == set(right.index), name
    for ident, geom in left.items():
        other = right.loc[ident]
        if geom is None or geom.is_empty:
            assert other is None or other.is_empty, (name, ident)
            continue
        assert other is not None, (name, ident)
        assert geom.geom_type == other.geom_type, (name, ident)
        assert geom.equals_exact(other, tolerance=1e-6), (name, ident)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(seed_layers: Layers, tmp_path: Path, fmt: str) -> None:  # noqa: F811
    target = tmp_path / f"layers.{fmt}"
    written = export_layers(seed_layers, target)
    assert all(p.exists() for p in written)
    back = read_layers(target)
    assert set(back) == set(LAYER_NAMES)
    for name, frame in seed_layers.frames().items():
        copy_ = back[name]
        assert len(copy_) == len(frame), name
        assert list(copy_.columns)[: len(COLUMNS[name])] == list(COLUMNS[name]), name
        if name == "unresolved":
            assert not isinstance(copy_, gpd.GeoDataFrame) or copy_.geometry.isna().all()
            continue
        assert isinstance(copy_, gpd.GeoDataFrame), name
        assert copy_.crs.to_epsg() == 4326, name
        key = ID_COLUMNS[name]
        assert list(copy_[key].astype(str)) == list(frame[key].astype(str)), name
        _same_geometries(name, frame, copy_)
    sites = back["sites"].set_index("site_id")
    assert sites.loc["no-evenes", "agreements"] == "us-no-sdca"
    assert not bool(sites.loc["no-rygge", "named_in_corpus"])
    assert not bool(sites.loc["no-osmarka", "has_point"])  # kept, without geometry
    assert int(sites.loc["no-evenes", "mention_count"]) == 2
    assert not list(tmp_path.glob(".geo-export-*")), "temporary folder left behind"


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_unresolved_mentions(
    seed_parsed: list[ParsedDocument],  # noqa: F811
    registry: Registry,  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    # The geoparser leaves nothing of the seeds unresolved; add one real span it skipped.
    doc = next(p for p in seed_parsed if p.lang == "en")
    surface = "Lars Lokke Rasmussen"
    start = doc.document.text.index(surface)
    sentence = doc.resolutions[0].mention.sentence
    mention = Mention(doc.document.id, start, start + len(surface), surface, sentence, 0)
    extra = Resolution(mention, None, 0.0, "no candidate above the threshold")
    parsed = [replace(doc, resolutions=(*doc.resolutions, extra))]
    layers = build_layers(parsed, as_of="2022-06-01", registry=registry)
    assert len(layers.unresolved) == 1
    target = tmp_path / f"layers.{fmt}"
    export_layers(layers, target)
    back = read_layers(target)["unresolved"]
    assert len(back) == 1
    row = back.iloc[0]
    assert row["surface"] == surface
    assert int(row["start"]) == start
    assert int(row["end"]) == start + len(surface)
    assert row["reason"] == "no candidate above the threshold"


def test_file_names_per_format(tmp_path: Path) -> None:
    assert set(output_paths(tmp_path / "x.gpkg").values()) == {tmp_path / "x.gpkg"}
    assert output_paths(tmp_path / "x.geojson")["sites"] == tmp_path / "x-sites.geojson"
    assert output_paths(tmp_path / "x.csv")["unresolved"] == tmp_path / "x-unresolved.csv"
    assert output_paths(tmp_path)["mentions"] == tmp_path / "mentions.geojson"
    new_folder = tmp_path / "layers"  # not there yet, no suffix: a folder of GeoJSON
    assert output_paths(new_folder)["sites"] == new_folder / "sites.geojson"
    with pytest.raises(ConfigurationError, match="suffix"):
        output_paths(tmp_path / "x.shp")


def test_ogrinfo_reads_the_geopackage_and_the_kml(seed_layers: Layers, tmp_path: Path) -> None:  # noqa: F811
    ogrinfo = _ogrinfo()
    for suffix in ("gpkg", "kml"):
        target = tmp_path / f"layers.{suffix}"
        export_layers(seed_layers, target)
        done = subprocess.run(
            [ogrinfo, "-ro", "-so", "-al", str(target)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        for name in LAYER_NAMES:
            assert f"Layer name: {name}" in done.stdout, (suffix, name)
        sites = len(seed_layers.sites)  # every registry site
        assert sites >= 190
        assert f"Feature Count: {sites}" in done.stdout
        assert "ERROR" not in done.stderr, done.stderr


def test_kml_escapes_document_text(tmp_path: Path) -> None:
    text = 'Troops arrived at Evenes Air Station <script>alert("x")</script> in Norway & more.'
    layers = build_layers([Document(id="evil<1>", text=text)], as_of="2022-06-01")
    target = tmp_path / "evil.kml"
    export_layers(layers, target)
    raw = target.read_text(encoding="utf-8")
    assert "<script>" not in raw
    assert "&lt;script&gt;" in raw
    ET.parse(target)  # well-formed XML
    back = read_layers(target)
    assert text in set(back["mentions"]["sentence"])
    assert set(back["documents"]["doc_id"]) == {"evil<1>"}


def test_nothing_is_written_for_invalid_layers(seed_layers: Layers, tmp_path: Path) -> None:  # noqa: F811
    broken = copy.copy(seed_layers)
    broken.sites = seed_layers.sites.set_crs("EPSG:3857", allow_override=True)
    for fmt in FORMATS:
        target = tmp_path / f"broken.{fmt}"
        with pytest.raises(LayerValidationError):
            export_layers(broken, target)
        assert not any(tmp_path.iterdir()), list(tmp_path.iterdir())


def test_export_replaces_an_existing_file(seed_layers: Layers, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "layers.gpkg"
    target.write_bytes(b"old")
    export_layers(seed_layers, target)
    assert len(read_layers(target)["sites"]) == len(seed_layers.sites)
    assert [p.name for p in tmp_path.iterdir()] == ["layers.gpkg"]


# --------------------------------------------------------------------------- CLI


def test_cli_exports_the_seeds(tmp_path: Path) -> None:
    target = tmp_path / "seeds.gpkg"
    code, out, err = _run_cli([str(SEEDS), "-o", str(target), "--as-of", "2024-06-01"])
    assert code == 0, err
    assert f"wrote {target}" in out
    assert "status on 2024-06-01" in out
    sites = read_layers(target)["sites"].set_index("site_id")
    assert sites.loc["dk-karup", "status"] == "signed"


def test_cli_format_option_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, _out, err = _run_cli([str(SEEDS), "-o", str(folder), "--format", "geojson"])
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.geojson" for n in LAYER_NAMES)


def test_cli_malformed_registry_writes_nothing(tmp_path: Path) -> None:
    bad = _malformed_registry(tmp_path / "bad.yaml")
    target = tmp_path / "out.gpkg"
    code, _out, err = _run_cli([str(SEEDS), "-o", str(target), "--agreements", str(bad)])
    assert code == 3
    assert not target.exists()
    assert "4 problems" in err
    for needle in ("sources", "no-atlantis", "2021-13-40", "duplicate id 'us-no-sdca'"):
        assert needle in err
    assert err.count(f"{bad}:") == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_cli_bad_as_of_is_a_usage_error(tmp_path: Path) -> None:
    code, _out, _err = _run_cli(
        [str(SEEDS), "-o", str(tmp_path / "x.gpkg"), "--as-of", "2022-13-01"]
    )
    assert code == 2
    assert not (tmp_path / "x.gpkg").exists()


def test_cli_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    code, _out, err = _run_cli([str(SEEDS), "-o", str(tmp_path / "x.shp")])
    assert code == 2
    assert "suffix" in err


def test_cli_partial_when_an_input_fails(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    code, _out, err = _run_cli([str(SEEDS), str(tmp_path / "missing.txt"), "-o", str(target)])
    assert code == 1
    assert "missing.txt" in err
    assert (tmp_path / "x-sites.csv").exists()
