"""geo: an offline geoparser and map of the sites named in defense cooperation agreements.

Documents in several languages go in; every place they name comes out resolved to
coordinates by a local gazetteer, linked to the agreements that cover it (parties,
dates, status, agreed sites) and drawn on a self-contained map that works without a
network. The CLI (``geo``), the notebook and the tests call the same pipeline.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geo-agreements")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0+unknown"

__all__ = ["__version__"]
