"""The ``geo`` entry point: the argument parser of every command, signals and exit codes.

:func:`main` parses the arguments, runs one command module (imported only when needed,
so ``geo --help`` stays instant) and turns errors into the exit codes of
:mod:`geo.cli.common`. SIGTERM unwinds like Ctrl-C, so temporary files are removed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from geo import __version__
from geo.cli.admin import cmd_assets, cmd_index, cmd_timeline
from geo.cli.common import (
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    _Parser,
)
from geo.cli.extract import cmd_extract
from geo.cli.resolve import cmd_resolve
from geo.errors import ConfigurationError, DataError, GeoError
from geo.io.textsafe import for_terminal

COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "resolve": cmd_resolve,
    "extract": cmd_extract,
    "timeline": cmd_timeline,
    "index": cmd_index,
    "assets": cmd_assets,
}


def _lazy_command(module: str, name: str) -> Callable[[argparse.Namespace, TextIO, TextIO], int]:
    def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        from importlib import import_module

        return getattr(import_module(module), name)(args, out, err)  # type: ignore[no-any-return]

    return run


COMMANDS["export"] = _lazy_command("geo.cli.export", "cmd_export")

COMMANDS["build"] = _lazy_command("geo.cli.build", "cmd_build")

COMMANDS["sites"] = _lazy_command("geo.cli.sites", "cmd_sites")


def _output_text(text: str) -> str:
    """``-o`` of ``geo extract``: a path or ``-`` (standard output), never empty."""
    from geo.io.outputs import output_argument

    return str(output_argument(text)) if text != "-" else text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(
        prog="geo",
        description="Offline geoparser and map of the sites named in defense agreements.",
    )
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("resolve", help="resolve place names with the gazetteer")
    p.add_argument("names", nargs="+", metavar="NAME", help="place names, in any language")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--country", metavar="CC", help="only places in this country (ISO alpha-2)")
    from geo.cli.options import (
        add_engine_arguments,
        add_online_arguments,
        add_user_data_arguments,
    )

    add_online_arguments(p)
    p.add_argument(
        "--sites",
        action="append",
        default=[],
        metavar="FILE",
        help="your own sites (CSV, YAML or GeoJSON) to resolve against too; repeatable",
    )

    p = sub.add_parser("extract", help="every place mention of the documents, one per record")
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files, folders, .jsonl corpora or - (stdin)"
    )
    p.add_argument(
        "--format",
        choices=("jsonl", "csv", "geojson", "parquet", "geoparquet"),
        help="default: by -o suffix (.parquet: parquet); geoparquet adds a WKB point column",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=_output_text,
        help="write here (default: stdout); with --engine dask a folder of Parquet parts",
    )
    add_engine_arguments(p, what="geoparse")
    p.add_argument(
        "--partition-mb",
        type=float,
        metavar="MB",
        help="with --engine dask: MB of JSON Lines or CSV text in one partition (default 16)",
    )
    p.add_argument(
        "--resume",
        action="store_const",
        const=True,
        default=None,
        help="with --engine dask: take the parts of the earlier run into this folder "
        "(interrupted or finished) whose inputs and options are unchanged; geoparse the rest",
    )
    p.add_argument(
        "--candidates",
        action="store_true",
        help="add each mention's best candidates with their scores (what else it could be)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_user_data_arguments(p, agreements=False)
    add_online_arguments(p)

    from geo.cli.build import add_build_parser
    from geo.cli.export import add_export_parser
    from geo.cli.sites import add_sites_parser

    add_build_parser(sub)
    add_export_parser(sub)
    add_sites_parser(sub)

    p = sub.add_parser("timeline", help="every dated event of the agreements, oldest first")
    p.add_argument("agreement", nargs="?", help="one agreement id (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument(
        "--agreements",
        action="append",
        default=[],
        metavar="FILE",
        help="an extra agreement registry (YAML) merged after data/agreements/; repeatable",
    )
    p.add_argument(
        "--sites",
        action="append",
        default=[],
        metavar="FILE",
        help="your own sites (CSV, YAML or GeoJSON) the --agreements files may name",
    )

    p = sub.add_parser("index", help="build the cached gazetteer index")
    p.add_argument("action", choices=("build", "info"), nargs="?", default="build")
    p.add_argument("--force", action="store_true", help="rebuild even if cached")

    p = sub.add_parser(
        "assets",
        help="fetch the web assets (npm); pack or unpack every cache for an air-gapped machine",
        description=(
            "fetch: the map's web assets from the npm registry into the asset cache. "
            "pack FILE: the index, web assets and online answers into one .tar.gz. "
            "unpack FILE: such an archive into this machine's caches. "
            "info: where each cache lives."
        ),
    )
    p.add_argument(
        "action", choices=("fetch", "pack", "unpack", "info"), nargs="?", default="fetch"
    )
    p.add_argument("archive", nargs="?", metavar="FILE", help="the .tar.gz of pack and unpack")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    err = sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="geo: %(levelname)s: %(message)s",
    )
    previous = _stop_on_sigterm()
    try:
        return COMMANDS[args.command](args, out, err)
    except Terminated:
        err.write("geo: terminated\n")
        return EXIT_TERMINATED
    except ConfigurationError as e:
        err.write(for_terminal(f"geo {args.command}: error: {e}") + "\n")
        return EXIT_USAGE
    except DataError as e:
        err.write(for_terminal(f"geo {args.command}: data error: {e}") + "\n")
        return EXIT_DATA
    except BrokenPipeError:  # `geo extract ... | head`: the reader has all it wanted
        _silence_stdout()
        return EXIT_OK
    except (GeoError, OSError) as e:  # a missing asset, a folder we may not write...
        err.write(for_terminal(f"geo {args.command}: error: {e}") + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("geo: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as e:  # the CLI never shows a traceback unless asked (-v)
        if args.verbose:
            raise
        shown = for_terminal(f"{type(e).__name__}: {e}")
        err.write(f"geo {args.command}: internal error: {shown} (run with -v)\n")
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush cannot fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class Terminated(BaseException):
    """SIGTERM arrived: unwound like Ctrl-C, so temporary files are removed on the way."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def _stop_on_sigterm() -> Any:
    """Turn SIGTERM into :class:`Terminated` (main thread only); return the old handler."""
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (a notebook worker, a test thread)
        return None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
