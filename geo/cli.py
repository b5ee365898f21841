"""The ``geo`` command line.

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
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from . import __version__, settings
from .errors import ConfigurationError, DataError, GeoError
from .textsafe import for_terminal, json_for_terminal

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_DATA, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

log = logging.getLogger("geo")


class _Parser(argparse.ArgumentParser):
    """argparse with our usage exit code and without a traceback on bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# ----------------------------------------------------------------------------- resolve


def _candidate_record(c: Any) -> dict[str, Any]:
    p = c.place
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "country": p.country,
        "lat": p.lat,
        "lon": p.lon,
        "score": c.score,
        "reason": c.reason,
    }


def _resolve_one(
    gaz: Any, query: str, cleaned: str, country: str | None, online: Any
) -> dict[str, Any]:
    """The record of one query (*cleaned* is the query already validated)."""
    found = gaz.candidates(cleaned, country=country)
    record: dict[str, Any] = {
        "query": query,
        "id": None,
        "name": None,
        "kind": None,
        "country": None,
        "lat": None,
        "lon": None,
        "source": None,
        "candidates": [_candidate_record(c) for c in found[:10]],
    }
    best = found[0].place if found else None
    if best is not None:
        record.update(
            id=best.id,
            name=best.name,
            kind=best.kind,
            country=best.country,
            lat=best.lat,
            lon=best.lon,
            source=best.source,
        )
    elif online is not None:
        loc = online.geocode(cleaned)
        if loc is not None:
            raw = loc.raw if isinstance(loc.raw, dict) else {}
            record.update(
                id=f"nominatim:{raw.get('osm_type', 'x')}/{raw.get('osm_id', raw.get('place_id'))}",
                name=loc.address,
                kind=str(raw.get("type") or raw.get("class") or "place"),
                country=None,
                lat=loc.latitude,
                lon=loc.longitude,
                source="Nominatim (online, cached)",
            )
    return record


def cmd_resolve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Resolve each NAME with the gazetteer (and, with --online, Nominatim)."""
    from .gazetteer import clean_query, load_gazetteer

    # Validate every query before any work, so a usage error costs nothing.
    cleaned: list[str] = []
    for query in args.names:
        try:
            cleaned.append(clean_query(query))
        except ConfigurationError as e:
            shown = query if len(query) <= 40 else query[:37] + "..."
            msg = for_terminal(f"{shown!r}: {e}")
            raise ConfigurationError(msg) from None
    country = args.country.upper() if args.country else None
    if country and (len(country) != 2 or not country.isalpha()):
        msg = f"--country needs an ISO 3166-1 alpha-2 code such as NO or DK, not {args.country!r}"
        raise ConfigurationError(msg)
    online = None
    if args.online:
        from .online import OnlineGeocoder

        settings.online = True
        scheme, domain = "https", None
        if args.nominatim:
            from urllib.parse import urlsplit

            parts = urlsplit(args.nominatim if "//" in args.nominatim else f"//{args.nominatim}")
            if not parts.netloc:
                msg = f"--nominatim needs a URL like http://localhost:8080, not {args.nominatim!r}"
                raise ConfigurationError(msg)
            scheme, domain = parts.scheme or "https", parts.netloc + parts.path.rstrip("/")
        online = OnlineGeocoder(
            args.user_agent or settings.user_agent or "", domain=domain, scheme=scheme
        )
    gaz = load_gazetteer()
    records = [
        _resolve_one(gaz, q, c, country, online) for q, c in zip(args.names, cleaned, strict=True)
    ]
    missing = [r for r in records if r["id"] is None]
    if args.json:
        out.write(json_for_terminal(records, indent=2) + "\n")
    else:
        _print_table(records, out)
    for r in missing:
        suggestions = gaz.suggest(r["query"])
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        err.write(for_terminal(f"geo: no place named {r['query']!r}{hint}") + "\n")
    return EXIT_PARTIAL if missing else EXIT_OK


def _print_table(records: Sequence[dict[str, Any]], out: TextIO) -> None:
    headers = ("query", "place", "kind", "country", "lat", "lon", "id")
    rows = []
    for r in records:
        lat = "" if r["lat"] is None else f"{r['lat']:.4f}"
        lon = "" if r["lon"] is None else f"{r['lon']:.4f}"
        rows.append(
            (
                r["query"],
                r["name"] or "(not found)",
                r["kind"] or "",
                r["country"] or "",
                lat,
                lon,
                r["id"] or "",
            )
        )
    widths = [max(len(h), *(len(str(row[i])) for row in rows)) for i, h in enumerate(headers)]
    rows = [tuple(for_terminal(str(c)) for c in row) for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out.write(line.rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")


# ----------------------------------------------------------------------------- reporting


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
        from .documents import DocumentWarning

        if any(error is seen for seen in self.seen):
            return
        self.seen.append(error)
        warning = isinstance(error, DocumentWarning)
        label = "warning" if warning else "error"
        self.err.write(for_terminal(f"geo {self.command}: {label}: {error}") + "\n")
        if not warning:
            self.failures.append(error)


# ----------------------------------------------------------------------------- extract

from .models import RECORD_FIELDS as EXTRACT_FIELDS  # noqa: E402 - kept with its command


def _write_atomic_text(path: Any, write: Callable[[TextIO], None]) -> None:
    """Stream a text file through :func:`geo.atomic.atomic_open`."""
    from .atomic import atomic_open

    with atomic_open(path, "w") as fh:
        write(fh)


def _records_writer(fmt: str) -> Callable[[TextIO, Any], None]:
    """A function writing every record of an iterable of extract records in *fmt*."""

    def jsonl(fh: TextIO, records: Any) -> None:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def csv_(fh: TextIO, records: Any) -> None:
        import csv

        from .textsafe import spreadsheet_safe

        writer = csv.DictWriter(fh, fieldnames=EXTRACT_FIELDS)
        writer.writeheader()
        for record in records:
            writer.writerow({k: spreadsheet_safe(v) for k, v in record.items()})

    def geojson(fh: TextIO, records: Any) -> None:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        first = True
        for record in records:
            geometry = None
            if record["lat"] is not None and record["lon"] is not None:
                geometry = {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
            feature = {"type": "Feature", "geometry": geometry, "properties": record}
            fh.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
            first = False
        fh.write("\n]}\n")

    return {"jsonl": jsonl, "csv": csv_, "geojson": geojson}[fmt]


def cmd_extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Geoparse INPUT... and write one record per mention."""
    from .atomic import check_output
    from .documents import read_documents
    from .gazetteer import load_gazetteer
    from .geoparse import geoparse

    suffixes = {"csv": "csv", "geojson": "geojson", "json": "geojson", "jsonl": "jsonl"}
    implied = None
    if args.output is not None and "." in os.path.basename(args.output):
        implied = suffixes.get(args.output.rsplit(".", 1)[-1].lower())
    if args.format and implied and args.format != implied:
        msg = (
            f"--format {args.format} does not match the suffix of {args.output!r} "
            f"({implied}); change one of them"
        )
        raise ConfigurationError(msg)
    fmt = args.format or implied or "jsonl"
    to_stdout = args.output is None or args.output == "-"
    if not to_stdout:
        check_output(args.output, args.inputs)
    on_error = DocumentReporter("extract", err)

    gaz = load_gazetteer()
    counts = {"documents": 0, "mentions": 0, "resolved": 0, "unresolved": 0}
    docs = read_documents(args.inputs, on_error=on_error)
    progress = None
    if err.isatty() and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(unit=" docs", file=err, desc="geoparsing")

    def records() -> Any:
        for parsed in geoparse(docs, gazetteer=gaz, on_error=on_error):
            counts["documents"] += 1
            if progress is not None:
                progress.update(1)
            for r in parsed.resolutions:
                counts["mentions"] += 1
                counts["resolved" if r.place is not None else "unresolved"] += 1
                yield r.to_record()

    writer = _records_writer(fmt)
    try:
        if not to_stdout:
            _write_atomic_text(args.output, lambda fh: writer(fh, records()))
        else:
            writer(out, records())
    finally:
        if progress is not None:
            progress.close()
    summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    if on_error.failures:
        summary += f", {len(on_error.failures):,} failed"
    err.write(f"geo extract: {summary}\n")
    return EXIT_PARTIAL if on_error.failures else EXIT_OK


# ----------------------------------------------------------------------------- timeline


def cmd_timeline(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print every dated event of the registry (or of one agreement), oldest first."""
    from .agreements import load_registry

    registry = load_registry(list(args.agreements))
    if args.agreement and args.agreement not in registry:
        known = ", ".join(registry.ids)
        msg = f"no agreement {args.agreement!r} in the registry (known: {known})"
        raise ConfigurationError(msg)
    records = registry.timeline_records(args.agreement)
    if args.json:
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    headers = ("date", "agreement", "instrument", "event", "status")
    widths = [max(len(h), *(len(str(r[h])) for r in records)) for h in headers]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in records:
        cells = (str(r[h]).ljust(w) for h, w in zip(headers, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
    return EXIT_OK


# ----------------------------------------------------------------------------- index, assets


def cmd_index(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build (or report on) the cached gazetteer index."""
    import time

    from .gazetteer import index_path, load_gazetteer

    path = index_path()
    if args.action == "build":
        started = time.perf_counter()
        gaz = load_gazetteer(rebuild=args.force or not path.is_file())
        took = time.perf_counter() - started
        out.write(
            f"gazetteer index: {len(gaz):,} places, {len(gaz.names):,} names ({took:.1f} s)\n"
        )
        out.write(f"cached at {path}\n")
    else:
        out.write(f"{path} {'exists' if path.is_file() else 'is not built yet'}\n")
    return EXIT_OK


def cmd_assets(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Fetch the pinned web assets (Leaflet and friends) from the npm registry."""
    from .assets import fetch_assets

    dest = fetch_assets()
    out.write(f"web assets ready in {dest}\n")
    return EXIT_OK


# ----------------------------------------------------------------------------- main

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


COMMANDS["export"] = _lazy_command("geo.exports", "cmd_export")
COMMANDS["build"] = _lazy_command("geo.webmap", "cmd_build")


def _output_text(text: str) -> str:
    """``-o`` of ``geo extract``: a path or ``-`` (standard output), never empty."""
    from .atomic import output_argument

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
    p.add_argument(
        "--online",
        action="store_true",
        help="ask Nominatim (cached, 1 request/s) for names the gazetteer lacks",
    )
    p.add_argument("--user-agent", help="your user agent for --online ($GEO_USER_AGENT)")
    p.add_argument(
        "--nominatim",
        metavar="URL",
        help="a self-hosted Nominatim for --online (default: the public service)",
    )

    p = sub.add_parser("extract", help="every place mention of the documents, one per record")
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files, folders, .jsonl corpora or - (stdin)"
    )
    p.add_argument("--format", choices=("jsonl", "csv", "geojson"), help="default: by -o suffix")
    p.add_argument(
        "-o", "--output", metavar="FILE", type=_output_text, help="write here (default: stdout)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    from .exports import add_export_parser
    from .webmap import add_build_parser

    add_build_parser(sub)
    add_export_parser(sub)

    p = sub.add_parser("timeline", help="every dated event of the agreements, oldest first")
    p.add_argument("agreement", nargs="?", help="one agreement id (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument(
        "--agreements",
        action="append",
        default=[],
        metavar="FILE",
        help="an extra agreement registry (YAML) merged after data/agreements.yaml; repeatable",
    )

    p = sub.add_parser("index", help="build the cached gazetteer index")
    p.add_argument("action", choices=("build", "info"), nargs="?", default="build")
    p.add_argument("--force", action="store_true", help="rebuild even if cached")

    p = sub.add_parser("assets", help="fetch the web assets for offline maps (npm)")
    p.add_argument("action", choices=("fetch",), nargs="?", default="fetch")
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
