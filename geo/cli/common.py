"""What every ``geo`` command shares: exit codes, the argument parser class, the document reporter.

Exit codes (the same for every command):

====  ==========================================================================
0     success: every name resolved / every document read
1     partial: some names did not resolve or some documents failed (reported)
2     usage error: bad arguments or an unusable query (empty, control characters)
3     a data file is malformed (the message names file, line and field)
4     another error (missing web assets, online geocoder refused, a file that cannot
      be written)
70    an internal error (a bug): one line, the traceback only with ``-v``
130   interrupted (Ctrl-C); temporary files removed, no output replaced
143   terminated (SIGTERM); temporary files removed, no output replaced
====  ==========================================================================

Heavy imports happen inside the commands so ``geo --help`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import TextIO

from geo.io.textsafe import for_terminal

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_DATA, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

log = logging.getLogger("geo")


class _Parser(argparse.ArgumentParser):
    """argparse with our usage exit code and without a traceback on bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def report_unresolved(command: str, layers: object, err: TextIO) -> int:
    """Say how many names stayed unresolved (the first few by name); return the count.

    ``geo build`` and ``geo export`` exit 1 when it is not zero, as documented: the
    output is written, but the corpus names places the gazetteer could not place. The
    count is ``layers.unresolved_count`` when set (a build from mention records, whose
    table keeps only the first rows), so a capped table never hides the exit code.
    """
    table = getattr(layers, "unresolved", None)
    listed = len(table) if table is not None else 0
    total = getattr(layers, "unresolved_count", None)
    count = listed if total is None else total  # the table may hold only the first ones
    if count:
        surfaces = table["surface"] if table is not None and listed else []
        names = list(dict.fromkeys(str(s) for s in surfaces))
        shown = ", ".join(names[:8])
        if len(names) > 8 or count > listed:  # more names than shown
            shown = f"{shown}, ..." if shown else "..."
        err.write(
            for_terminal(
                f"geo {command}: {count} names stayed unresolved ({shown}); the map's review "
                "panel lists them; fix them with --corrections or --sites (docs/guide.md)"
            )
            + "\n"
        )
    return count


class DocumentReporter:
    """The ``on_error`` of every command that reads a corpus.

    Writes each problem to stderr as it happens (``geo extract: error: x.txt: ...``) and
    keeps the failures (warnings such as a renamed duplicate id are reported, not counted),
    so the command can end with exit code 1 when some documents failed.
    """

    def __init__(self, command: str, err: TextIO) -> None:
        self.command = command
        self.err = err
        self.failures: list[Exception] = []
        self.seen: list[Exception] = []

    def __call__(self, error: Exception) -> None:
        """Report *error* once; count it as a failure unless it is a warning."""
        from geo.io.documents import DocumentWarning

        if any(error is seen for seen in self.seen):
            return
        self.seen.append(error)
        warning = isinstance(error, DocumentWarning)
        label = "warning" if warning else "error"
        self.err.write(for_terminal(f"geo {self.command}: {label}: {error}") + "\n")
        if not warning:
            self.failures.append(error)


@contextlib.contextmanager
def warnings_reported(command: str, err: TextIO) -> Iterator[None]:
    """Report the :class:`~geo.errors.GeoWarning` s raised inside as the command's own.

    Each becomes one ``geo COMMAND: warning: ...`` line on *err*, in the order raised,
    even when the block fails (what was left out of the layers, a missing web asset):
    the user reads them as the command's messages, not in Python's ``file:line`` format.
    Other warnings pass on unchanged.
    """
    from geo.errors import GeoWarning

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GeoWarning)
            yield
    finally:
        for warning in caught:
            if issubclass(warning.category, GeoWarning):
                err.write(f"geo {command}: warning: {for_terminal(str(warning.message))}\n")
            else:
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
