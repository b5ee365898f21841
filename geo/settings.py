"""Module-level defaults, read at call time.

Change them once, for example ``geo.settings.cache_dir = Path("/tmp/geo")``; functions
that take a keyword override treat ``None`` as "use the setting". Environment variables
give the initial values so the Makefile, CI and users can point ``geo`` elsewhere without
code.

Settings
--------
cache_dir : Path
    Where the built gazetteer index, the online-geocoder cache and the fetched web assets
    live. ``$GEO_CACHE_DIR``, else ``~/.cache/geo``.
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


def _default_cache_dir() -> Path:
    env = os.environ.get("GEO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "geo"


cache_dir: Path = _default_cache_dir()
data_dir: Path | None = Path(os.environ["GEO_DATA_DIR"]) if os.environ.get("GEO_DATA_DIR") else None
online: bool = False
user_agent: str | None = os.environ.get("GEO_USER_AGENT") or None
