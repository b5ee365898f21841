"""Stage 1, input and output: documents, safe YAML, atomic outputs, the asset cache.

Nothing here knows about places or agreements; every other stage reads and writes
through it, and shows untrusted text through :mod:`geo.io.textsafe`.
"""

from __future__ import annotations
