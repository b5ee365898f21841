"""What a worker process keeps between tasks: its gazetteer, loaded once.

Shared by the partition task (:func:`geo.scale.engine.parse_partition`) and the worker
plugin (:class:`geo.scale.plugin.GazetteerPlugin`); imports no Dask.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["worker_state"]

#: Per-process state of a worker: (gazetteer, corrections) for each (index, sites,
#: corrections) combination. Module-level, so it lives as long as the worker process.
_STATE: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[Any, list[Any]]] = {}


def worker_state(sites: Sequence[str], corrections: Sequence[str]) -> tuple[Any, list[Any]]:
    """The gazetteer (with the user's sites laid over it) and corrections of this process."""
    from geo.gazetteer.store import index_path, load_gazetteer

    key = (str(index_path()), tuple(sites), tuple(corrections))
    if key not in _STATE:
        gaz = load_gazetteer()
        if sites:
            from geo.gazetteer.usersites import load_user_sites, overlay

            gaz = overlay(gaz, load_user_sites([Path(p) for p in sites]))
        fixes: list[Any] = []
        if corrections:
            from geo.parse.corrections import load_corrections

            fixes = load_corrections([Path(p) for p in corrections], gaz)
        _STATE[key] = (gaz, fixes)
    return _STATE[key]
