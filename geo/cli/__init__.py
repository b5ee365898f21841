"""Stage 10, the ``geo`` command line.

One module per command, all calling the same pipeline as the Python API.

The commands are batch processes that allocate millions of small acyclic records
(spans, mentions, JSON records) and keep a large, long-lived index. Python's default
threshold starts a young collection every 700 allocations, and none of them finds
garbage here; a threshold of 20,000 makes the geoparser's later passes about 15% faster
(in process over the bench corpora, issue 14). Only the CLI changes it: importing the
library does not.
"""

from __future__ import annotations

import gc

gc.set_threshold(20_000, 20, 20)

from geo.cli.main import main  # noqa: E402  (after the threshold, which it does not need)

__all__ = ["main"]
