"""The Dask worker plugins: the gazetteer loaded once per worker process, Ctrl-C.

Kept apart from :mod:`geo.scale.engine` because it subclasses
``distributed.WorkerPlugin`` and so imports Dask when imported: only
:mod:`geo.scale.engine` imports it when it runs on Dask, never the single-process path.
"""

from __future__ import annotations

import logging
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


class LocalWorkerPlugin(WorkerPlugin):
    """Makes the workers of the local cluster ``geo`` starts leave Ctrl-C to the driver.

    Why: a terminal sends Ctrl-C to every process of the command. Each worker then died
    mid-task with a page of tracebacks, while the driver, which gets it too, stops the
    run and closes the cluster. Registered only on a cluster ``geo`` started itself,
    never on a user's (``--scheduler``).
    """

    name = "geo-local-worker"

    def setup(self, worker: Any) -> None:
        """Ignore Ctrl-C in this worker process, and the closing cluster's cancellations."""
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)
