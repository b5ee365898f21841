"""Stage 1, input and output: reading documents, safe YAML, atomic outputs, text shown
safely, the web-asset cache.

Nothing here knows about places or agreements; every other stage reads and writes
through it.
"""

from __future__ import annotations
