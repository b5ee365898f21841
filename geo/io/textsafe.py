r"""Untrusted text made safe for where it is shown: spreadsheets and terminals.

Document text and names from user files reach two places that interpret characters:

* **Spreadsheets** run a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a
  formula (CSV injection). :func:`spreadsheet_safe` writes such cells with a leading
  apostrophe, as OWASP recommends; :func:`spreadsheet_value` undoes it on reading.
* **Terminals** obey control characters (cursor moves, colours, a title change) and
  bidirectional-text controls that reorder what a line appears to say.
  :func:`for_terminal` shows both as visible escapes; invalid bytes (lone surrogates
  from a file name or an argument that is not UTF-8) become ``\xNN``.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["for_terminal", "json_for_terminal", "spreadsheet_safe", "spreadsheet_value"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list, plus
#: the apostrophe that marks an escaped cell, so escaping can be undone exactly).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")

# C0 and C1 controls except tab and newline, DEL, bidirectional controls (embeddings,
# overrides, isolates, marks), line/paragraph separators, and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff]"
)


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe; text already starting with an apostrophe gets one more, so
    :func:`spreadsheet_value` restores every cell exactly. Numbers (a negative
    longitude) are not text and stay as they are.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spreadsheet_value(value: Any) -> Any:
    """Undo :func:`spreadsheet_safe` on a cell read back from CSV."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # surrogateescape'd byte (0xDC80-0xDCFF) or lone surrogate
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """*text* with every control, bidi and invalid character shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def json_for_terminal(value: Any, **kwargs: Any) -> str:
    r"""``json.dumps(value, ensure_ascii=False)`` with unsafe characters ``\u``-escaped.

    The result is still valid JSON that decodes to the same value.
    """
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
