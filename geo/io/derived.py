"""Tables computed from slow sources, kept on disk between runs (issue 14: start-up).

Every ``geo`` process needs the language packs (14 YAML files, parsed by a pure-Python
loader) and the recognizer needs the word frequencies of wordfreq (whose import and
msgpack lists cost a quarter of a second); re-doing that on every start made start-up,
not geoparsing, most of a small run. :func:`derived` stores such a table once as a
``marshal`` file in ``cache_dir/derived`` and reads it back on later starts.

The file's name carries a hash of everything the table is computed from (the source
files' bytes, the package versions, the code that computes it), so an edited pack or an
upgraded package makes a new file and a stale table is never read. Only plain values
(str, int, float, bool, None, tuples, lists, dicts, sets) can be stored. A cache that
cannot be written (a read-only disk) costs only the speed: the table is computed as
before. Writing a table removes the files of the same name made from older sources.
The folder is separate from the gazetteer index's, which holds exactly one file.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from geo import settings
from geo.errors import GeoError

log = logging.getLogger("geo")

T = TypeVar("T")

#: Bump when the layout of a stored table changes without its sources changing.
DERIVED_VERSION = 1

#: What :func:`read_derived` returns for a table that is not on disk.
MISSING: Any = object()


def derived_folder() -> Path:
    """Where the derived tables live: ``cache_dir/derived`` (read at call time)."""
    return Path(settings.cache_dir) / "derived"


def derived_path(name: str, sources: Iterable[bytes | str]) -> Path:
    """The file of table *name* computed from *sources* (a hash of them names it)."""
    h = hashlib.sha256(f"{name}:{DERIVED_VERSION}:py{sys.version_info[:2]}".encode())
    for source in sources:
        data = source.encode("utf-8") if isinstance(source, str) else source
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return derived_folder() / f"{name}-{h.hexdigest()[:16]}.marshal"


def read_derived(path: Path) -> Any:
    """The table stored at *path*, or :data:`MISSING` when absent or unreadable."""
    try:
        return marshal.loads(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as err:
        log.debug("ignoring unreadable derived table %s: %s", path, err)
    return MISSING


def write_derived(path: Path, value: Any) -> None:
    """Store *value* at *path* atomically and remove the same table's older files.

    A cache that cannot be written (a read-only disk, a value ``marshal`` refuses) is
    logged and otherwise ignored: it costs only the speed.
    """
    name = path.name.rsplit("-", 1)[0]
    try:
        from geo.io.outputs import write_bytes

        write_bytes(path, marshal.dumps(value))
        for stale in path.parent.glob(f"{name}-*.marshal"):
            if stale != path:  # the same table from older sources: never read again
                stale.unlink(missing_ok=True)
    except (OSError, ValueError, GeoError) as err:  # read-only cache, or marshal refuses
        log.debug("derived table %s not cached: %s", path, err)


def derived(name: str, sources: Iterable[bytes | str], compute: Callable[[], T]) -> T:
    """The table *name* computed by *compute*, read from disk when its *sources* match.

    *sources* are everything the table depends on (file contents, versions, the source
    code of *compute*); their hash names the file. *compute*'s result must be a value
    ``marshal`` can store; it is returned as computed (and as read back on later runs).
    """
    path = derived_path(name, sources)
    stored = read_derived(path)
    if stored is not MISSING:
        return cast("T", stored)
    value = compute()
    write_derived(path, value)
    return value
