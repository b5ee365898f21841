"""Stage 9, scale: streaming corpora and the optional Dask engine."""

from __future__ import annotations
