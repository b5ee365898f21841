"""The Dask worker plugin that loads the gazetteer once per worker process.

Kept apart from :mod:`geo.scale.engine` because it subclasses
``distributed.WorkerPlugin`` and so imports Dask when imported: only
:func:`geo.scale.engine.extract_dask` imports it, never the single-process path.
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

    def __init__(
        self,
        sites: Sequence[str] = (),
        corrections: Sequence[str] = (),
        *,
        leave_ctrl_c: bool = False,
    ) -> None:
        self.sites = tuple(sites)
        self.corrections = tuple(corrections)
        self.leave_ctrl_c = leave_ctrl_c

    def setup(self, worker: Any) -> None:
        """Load the gazetteer into this worker process's cache.

        With *leave_ctrl_c* (the workers of the local cluster ``geo`` started) the worker
        ignores Ctrl-C: a terminal sends it to every process of the command, and each
        worker then died mid-task with a page of tracebacks, while the driver, which
        gets it too, stops the run and closes the cluster. Never for a user's cluster.
        """
        if self.leave_ctrl_c:
            import signal
            import threading

            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            # ... nor warn of each task the closing cluster cancels.
            logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)
        worker_state(self.sites, self.corrections)
