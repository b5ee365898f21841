"""folium's Jinja templates, compiled once and kept on disk (issue 14: start-up).

Importing ``folium`` and ``folium.plugins`` compiles every template their classes
declare (84 of them, about 0.4 s on the reference machine, a fifth of the seeds map),
although a map uses a handful. Jinja can cache compiled templates only for those it
loads from files; folium makes its own from strings. :func:`import_folium` imports
folium while Jinja's ``Environment.compile`` reads the compiled code from a table in
``cache_dir/derived`` (:mod:`geo.io.derived`) and compiles only what is not there, then
puts Jinja back as it was. The table is keyed by Jinja's version, Python's version and
this module's code; an entry by the template's source, its name, its file name and the
environment's options and filters, so a changed template or environment never reuses
another's code. Nothing outside these imports is affected.

The table holds Python code objects, like the ``__pycache__`` folders Python writes
next to every module: whoever can write to the cache folder could change what runs, so
it must be as private as the environment geo is installed in (it is by default, under
the user's home or the checkout).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from geo.io.derived import derived_path, read_derived, write_derived

#: Entries kept at most; beyond that the table restarts with what the last run used.
MAX_ENTRIES = 2_000


def _environment_key(env: Any) -> str | None:
    """What of *env* shapes a compiled template, or ``None`` when it cannot be keyed.

    Environments with extensions, a callable autoescape, a finalizer or async rendering
    are compiled as usual (folium uses none of them).
    """
    if env.extensions or callable(env.autoescape) or env.finalize is not None or env.is_async:
        return None
    cls = type(env)
    return repr(
        (
            cls.__module__,
            cls.__qualname__,
            env.code_generator_class.__qualname__,
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            env.autoescape,
            sorted(env.filters),
            sorted(env.tests),
        )
    )


def _entry_key(
    env_key: str, source: str, name: str | None, filename: str | None, defer: bool
) -> str:
    h = hashlib.sha256()
    for part in (env_key, name or "", filename or "", "1" if defer else "0", source):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _table_path() -> Path:
    import jinja2

    return derived_path("jinja-templates", [jinja2.__version__, Path(__file__).read_bytes()])


@contextlib.contextmanager
def compiled_templates() -> Iterator[dict[str, int]]:
    """Within the block, Jinja compiles each template from a string once per machine.

    Yields counts (``"read"``: taken from the table, ``"compiled"``: compiled and added)
    for tests and benchmarks. The table is written when the block added to it.
    """
    import jinja2

    path = _table_path()
    stored = read_derived(path)
    table: dict[str, CodeType] = stored if isinstance(stored, dict) else {}
    used: set[str] = set()
    counts = {"read": 0, "compiled": 0}
    environment = jinja2.Environment
    original: Any = environment.compile

    def compile(
        self: Any,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        env_key = _environment_key(self) if isinstance(source, str) and not raw else None
        if env_key is None:
            return original(self, source, name, filename, raw, defer_init)
        key = _entry_key(env_key, source, name, filename, defer_init)
        used.add(key)
        code = table.get(key)
        if isinstance(code, CodeType):
            counts["read"] += 1
            return code
        code = original(self, source, name, filename, raw, defer_init)
        table[key] = code
        counts["compiled"] += 1
        return code

    environment.compile = compile  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        environment.compile = original  # type: ignore[method-assign]
    if counts["compiled"]:
        write_derived(path, table if len(table) <= MAX_ENTRIES else {k: table[k] for k in used})


def import_folium() -> ModuleType:
    """``folium`` with ``folium.plugins`` imported, their templates read from the table.

    Call it before any ``import folium`` of geo's map code: the first import compiles
    the templates, later ones find the modules loaded.
    """
    if "folium.plugins" not in sys.modules:
        with compiled_templates():
            import folium
            import folium.plugins  # compiles every plugin's template
    import folium

    return folium
