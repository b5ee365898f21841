"""Module-level defaults, read at call time.

Change them once, for example ``geo.settings.cache_dir = Path("/tmp/geo")``; functions
that take a keyword override treat ``None`` as "use the setting". Environment variables
give the initial values, so a user can point ``geo`` elsewhere without code, but none is
needed: ``make map``, ``.venv/bin/geo`` from any shell, the notebook and the tests agree
on the same folders by themselves.

Settings
--------
cache_dir : Path
    The root of everything ``geo`` builds or fetches. ``$GEO_CACHE_DIR`` if set; else,
    when this package runs from a checkout (an editable install, as ``make`` makes),
    the checkout's ``.cache/``; else ``$XDG_CACHE_HOME/geo`` or ``~/.cache/geo``.
index_dir, assets_dir, online_cache_dir : Path | None
    The three caches, each its own folder so one can be cleared, moved or pointed
    elsewhere (a test of the online cache never rebuilds the index): the gazetteer index
    (``$GEO_INDEX_DIR``, else ``cache_dir/index``), the web assets fetched from npm
    (``$GEO_ASSETS_DIR``, else ``cache_dir/assets``) and the online geocoder's answers
    (``$GEO_ONLINE_CACHE_DIR``, else ``cache_dir/online``). Read them with
    :func:`index_folder`, :func:`assets_folder` and :func:`online_folder`.
data_dir : Path | None
    Folder of the curated data files. ``$GEO_DATA_DIR``, else ``None``: the checkout's
    ``data/`` or the copy packaged in the wheel.
online : bool
    Whether the optional online geocoder may be used at all. Off by default; the CLI's
    ``--online`` turns it on for one run.
user_agent : str | None
    User agent for the online geocoder (Nominatim's policy requires your own).
    ``$GEO_USER_AGENT``, else ``None``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout this package runs from, if it runs from one (``None`` for a wheel).
CHECKOUT: Path | None = None
_root = Path(__file__).resolve().parent.parent
try:
    if 'name = "geo-agreements"' in (_root / "pyproject.toml").read_text(encoding="utf-8"):
        CHECKOUT = _root
except OSError:
    pass


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def _default_cache_dir() -> Path:
    env = _env_path("GEO_CACHE_DIR")
    if env is not None:
        return env
    if CHECKOUT is not None:
        return CHECKOUT / ".cache"
    xdg = _env_path("XDG_CACHE_HOME")
    return (xdg or Path.home() / ".cache") / "geo"


cache_dir: Path = _default_cache_dir()
index_dir: Path | None = _env_path("GEO_INDEX_DIR")
assets_dir: Path | None = _env_path("GEO_ASSETS_DIR")
online_cache_dir: Path | None = _env_path("GEO_ONLINE_CACHE_DIR")
data_dir: Path | None = _env_path("GEO_DATA_DIR")
online: bool = False
user_agent: str | None = os.environ.get("GEO_USER_AGENT") or None


def index_folder() -> Path:
    """Where the gazetteer index is cached (``index_dir`` or ``cache_dir/index``)."""
    return Path(index_dir) if index_dir is not None else Path(cache_dir) / "index"


def assets_folder() -> Path:
    """Where the fetched web assets live (``assets_dir`` or ``cache_dir/assets``)."""
    return Path(assets_dir) if assets_dir is not None else Path(cache_dir) / "assets"


def online_folder() -> Path:
    """Where online answers are cached (``online_cache_dir`` or ``cache_dir/online``)."""
    return Path(online_cache_dir) if online_cache_dir is not None else Path(cache_dir) / "online"
