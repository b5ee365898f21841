"""Stage 2, text: name normalisation, sentences, language detection, lexicons."""

from __future__ import annotations
