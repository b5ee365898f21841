"""The README's commands, as written, from a fresh clone, offline after set-up (issue 13).

A new user clones the repository, runs ``make map`` and then ``.venv/bin/geo build`` and
``geo export`` from a plain shell. Every ``geo`` must find the caches ``make map``
filled in the clone's ``.cache/`` without any environment variable: no second index under
``~/.cache/geo``, no "run geo assets fetch" on a machine that just fetched the assets.

What stands in for the network, and why: the packages ``make map`` would download are
the ones this test suite already runs on, so the clone's ``.venv`` is made without pip
and given this environment's site-packages through a ``.pth`` line, and pip is told to
use no index (``make map`` then really runs ``pip install -e .``, offline). The web
assets and the gazetteer index come from ``geo assets pack`` of this checkout and
``geo assets unpack`` in the clone, the documented way to an air-gapped machine. Every
command after ``git clone`` runs in a network namespace without a network (``unshare
-n``), so "offline" is a fact, not an assumption.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from geo.gazetteer.store import index_path
from geo.io.assets import assets_available, pack_caches

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _offline() -> list[str]:
    """``unshare -n`` when this machine allows it (root, as here and in CI)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("unshare (util-linux) is needed to run the first-run test offline")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.fail(f"unshare -n does not work here: {probe.stderr.decode()[:200]}")
    return [unshare, "-n"]


def _plain_env(home: Path) -> dict[str, str]:
    """A plain shell's environment: no GEO_* variable, a HOME of its own, no PYTHONPATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEO_", "PYTHON", "VIRTUAL_ENV", "PIP_")) and k != "XDG_CACHE_HOME"
    }
    env["HOME"] = str(home)
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_readme_commands_from_a_fresh_clone_offline(tmp_path: Path) -> None:
    if not assets_available() or not index_path().is_file():
        pytest.fail("run `make map` (or geo assets fetch and geo index build) first")
    offline = _offline()
    home = tmp_path / "home"
    home.mkdir()
    env = _plain_env(home)
    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(ROOT), str(clone)], tmp_path, env)
    if (ROOT / ".git").exists():  # the clone has the commits; copy the work in progress too
        changed = subprocess.run(
            ["git", "ls-files", "-m", "-o", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for rel in changed:
            source = ROOT / rel
            if source.is_file():
                (clone / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, clone / rel)

    # Set-up stand-ins (module docstring): the packages, then the caches via pack/unpack.
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    _run([str(base), "-m", "venv", "--without-pip", str(clone / ".venv")], clone, env)
    site = Path(sysconfig.get_paths()["purelib"])
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    pth = clone / ".venv" / "lib" / version / "site-packages" / "geo-test-deps.pth"
    pth.write_text(f"{site}\n", encoding="utf-8")
    archive = tmp_path / "geo-cache.tar.gz"
    pack_caches(archive, ("assets", "index"), only=[index_path()])

    setup_env = {**env, "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    make = shutil.which("make") or "make"
    # `make map` runs `pip install -e .` (offline here), fills nothing it already has,
    # and writes out/map.html.
    python = clone / ".venv" / "bin" / "python"
    _run([*offline, str(python), "-m", "geo.cli", "assets", "unpack", str(archive)], clone, env)
    _run([*offline, make, "map"], clone, setup_env)
    assert (clone / "out" / "map.html").is_file()
    geo = clone / ".venv" / "bin" / "geo"
    assert geo.is_file()

    # The README's commands from a plain shell: in the clone, and from elsewhere.
    out = _run(
        [*offline, str(geo), "build", "seeds/", "-o", "out/map.html", "--as-of", "2024-06-01"],
        clone,
        env,
    )
    assert "not in the asset cache" not in out
    assert "CDN" not in out
    _run([*offline, str(geo), "export", "seeds/", "-o", "out/sites.gpkg"], clone, env)
    assert (clone / "out" / "sites.gpkg").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _run([*offline, str(geo), "export", str(clone / "seeds"), "-o", "sites.kml"], elsewhere, env)
    assert (elsewhere / "sites.kml").is_file()
    info = _run([*offline, str(geo), "assets", "info"], elsewhere, env)
    assert str(clone / ".cache") in info

    # One cache location: nothing under the user's home, one index in the clone.
    assert not (home / ".cache" / "geo").exists()
    assert [p.name for p in (clone / ".cache" / "index").iterdir()] == [index_path().name]
    # The README's commands never modify tracked files.
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    copied = {line[3:] for line in status.splitlines()}
    assert copied <= set(
        subprocess.run(
            ["git", "ls-files", "-m"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.split()
    ), status
