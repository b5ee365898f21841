"""Atomic file writes: a reader sees the old file or the whole new one, never half.

Every output of ``geo`` (maps, exports, the extract stream, the gazetteer index, the
online-geocoder cache) is written to a temporary file in the target's folder, flushed to
disk and renamed over the target with :func:`os.replace`. If anything fails on the way,
the temporary file is removed and the old target is untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_open(
    path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = ""
) -> Iterator[IO[Any]]:
    """Open a temporary file beside *path*; on success it replaces *path*.

    ``mode`` is ``"w"`` (text, UTF-8, newlines written as given) or ``"wb"``. Parent
    folders are created. The file gets the usual permissions (0644), not mkstemp's 0600.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    try:
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else newline
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path | str, text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically and return the path."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write *data* to *path* atomically and return the path."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)
