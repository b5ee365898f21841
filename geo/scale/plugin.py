"""The Dask worker plugin that loads the gazetteer once per worker process.

Kept apart from :mod:`geo.scale.engine` because it subclasses
``distributed.WorkerPlugin`` and so imports Dask when imported: only
:func:`geo.scale.engine.extract_dask` imports it, never the single-process path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from distributed import WorkerPlugin

from geo.scale.state import worker_state


class GazetteerPlugin(WorkerPlugin):
    """Loads the gazetteer (and the user's sites and corrections) when a worker starts.

    Why: each partition task then finds it in the process cache
    (:func:`geo.scale.state.worker_state`) instead of the first task of every worker
    paying the load; the gazetteer itself is never sent over the network.
    """

    name = "geo-gazetteer"

    def __init__(self, sites: Sequence[str] = (), corrections: Sequence[str] = ()) -> None:
        self.sites = tuple(sites)
        self.corrections = tuple(corrections)

    def setup(self, worker: Any) -> None:
        """Load the gazetteer into this worker process's cache."""
        worker_state(self.sites, self.corrections)
