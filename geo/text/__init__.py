"""Stage 2, text: normalisation of names, sentence boundaries, language detection and per-
language lexicons.
"""

from __future__ import annotations
