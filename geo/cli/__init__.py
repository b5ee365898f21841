"""Stage 10, the ``geo`` command line.

One module per command, all calling the same pipeline as the Python API.
"""

from __future__ import annotations

from geo.cli.main import main

__all__ = ["main"]
