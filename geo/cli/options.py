"""Arguments shared by the commands that build layers (``geo build``, ``geo export``).

Also the Dask engine's options, which ``geo extract`` shares with them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from geo.errors import ConfigurationError
from geo.layers.schema import parse_as_of


def iso_date_argument(text: str) -> dt.date:
    """Argparse type for ``--as-of``: a full ISO date, else a usage error (exit 2)."""
    import argparse

    try:
        return parse_as_of(text)
    except ConfigurationError:
        msg = f"not a date as YYYY-MM-DD: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def add_user_data_arguments(parser: Any, *, agreements: bool = True) -> None:
    """``--sites``, ``--corrections`` (and ``--agreements``): the analyst's own data."""
    parser.add_argument(
        "--sites",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="your own sites (CSV, YAML or GeoJSON, the schema of data/sites/*.csv); repeatable",
    )
    if agreements:
        parser.add_argument(
            "--agreements",
            action="append",  # repeatable; one file each, so it never swallows an INPUT
            type=Path,
            default=[],
            metavar="FILE",
            help="an extra agreement registry (YAML) merged after data/agreements/; repeatable",
        )
    parser.add_argument(
        "--corrections",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="corrections (YAML: name -> place id or lat/lon, optionally per document); "
        "applied to every mention; repeatable",
    )


def add_online_arguments(parser: Any) -> None:
    """``--online``, ``--user-agent`` and ``--nominatim``: the optional online fallback."""
    parser.add_argument(
        "--online",
        action="store_true",
        help="ask Nominatim (cached, 1 request/s) for names the gazetteer lacks",
    )
    parser.add_argument("--user-agent", help="your user agent for --online ($GEO_USER_AGENT)")
    parser.add_argument(
        "--nominatim",
        metavar="URL",
        help="a self-hosted Nominatim for --online (default: the public service)",
    )


def online_geocoder(args: Any) -> Any:
    """The online geocoder the arguments ask for, or ``None`` (``--online`` not given).

    Turns :data:`geo.settings.online` on for this run. Raises
    :class:`~geo.errors.ConfigurationError` for a bad ``--nominatim`` URL or user agent.
    """
    if not getattr(args, "online", False):
        return None
    from geo import settings
    from geo.gazetteer.online import OnlineGeocoder

    settings.online = True
    scheme, domain = "https", None
    if args.nominatim:
        from urllib.parse import urlsplit

        parts = urlsplit(args.nominatim if "//" in args.nominatim else f"//{args.nominatim}")
        if not parts.netloc:
            msg = f"--nominatim needs a URL like http://localhost:8080, not {args.nominatim!r}"
            raise ConfigurationError(msg)
        scheme, domain = parts.scheme or "https", parts.netloc + parts.path.rstrip("/")
    return OnlineGeocoder(
        args.user_agent or settings.user_agent or "", domain=domain, scheme=scheme
    )


def add_engine_arguments(parser: Any, *, what: str) -> None:
    """``--engine``, ``--scheduler``, ``--workers``: where the work runs (*what* it is)."""
    parser.add_argument(
        "--engine",
        choices=("single", "dask"),
        default="single",
        help=f"{what} in a single process (default) or on a Dask cluster "
        "(pip install 'geo-agreements[dask]')",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler (default: a local cluster on 127.0.0.1)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="with --engine dask and no --scheduler: local worker processes (default: cores)",
    )


def check_engine_arguments(args: Any, dask_only: tuple[str, ...] = ("scheduler", "workers")) -> str:
    """The engine asked for, after the usage checks its options share (exit 2)."""
    engine = str(getattr(args, "engine", "single"))
    if engine != "dask":
        if any(getattr(args, name, None) is not None for name in dask_only):
            *head, last = ["--" + name.replace("_", "-") for name in dask_only]
            msg = f"{', '.join(head)} and {last} need --engine dask"
            raise ConfigurationError(msg)
        return engine
    if args.scheduler and args.workers is not None:
        msg = "--workers starts a local cluster; with --scheduler the cluster's workers are used"
        raise ConfigurationError(msg)
    if args.workers is not None and args.workers < 1:
        msg = f"--workers must be at least 1, not {args.workers}"
        raise ConfigurationError(msg)
    return engine


def mentions_aggregate(args: Any) -> Any:
    """How ``--from-mentions`` records are folded: ``None`` (this process) or on Dask."""
    if getattr(args, "engine", "single") != "dask":
        return None
    from functools import partial

    from geo.scale.engine import aggregate_dask

    return partial(aggregate_dask, scheduler=args.scheduler, workers=args.workers)


def max_documents(args: Any) -> int:
    """``--max-documents`` as :func:`~geo.layers.aggregate.build_layers_from_mentions` takes it.

    Unset: the default cap; 0: no cap (every document stays a row, memory grows with
    the corpus again).
    """
    from geo.layers.aggregate import MAX_DOCUMENT_ROWS

    cap = getattr(args, "max_documents", None)
    if cap is None:
        return MAX_DOCUMENT_ROWS
    return cap or sys.maxsize


def add_layer_arguments(parser: Any) -> None:
    """Add the arguments of every command that builds layers to *parser*.

    INPUT..., ``--as-of``, ``--sites``, ``--agreements``, ``--corrections`` and the
    online fallback: ``geo build`` and ``geo export`` share them.
    """
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="files, folders, .jsonl/.parquet corpora or - for stdin (or --from-mentions)",
    )
    parser.add_argument(
        "--from-mentions",
        action="append",
        default=[],
        metavar="FILE_OR_DIR",
        help="start from the records of geo extract (JSON Lines, Parquet or a folder of "
        "Parquet parts) instead of parsing documents; repeatable",
    )
    parser.add_argument(
        "--max-documents",
        type=int,
        metavar="N",
        help="with --from-mentions: documents kept as rows of the documents layer, besides "
        "those quoted or dating a place (default 100,000; 0: every document)",
    )
    parser.add_argument(
        "--as-of",
        type=iso_date_argument,
        metavar="DATE",
        help="date of the agreement statuses, YYYY-MM-DD (default: today)",
    )
    add_user_data_arguments(parser)
    add_online_arguments(parser)
    add_engine_arguments(parser, what="with --from-mentions, aggregate the records")


def check_layer_inputs(args: Any) -> list[str]:
    """The paths a layer command reads (INPUT or ``--from-mentions``), checked.

    Exactly one of the two is needed; ``--corrections`` and ``--online`` act while
    documents are parsed, so with ``--from-mentions`` (records already resolved by
    ``geo extract``, with its own ``--corrections``) they are usage errors, not ignored.
    """
    mentions = [str(p) for p in getattr(args, "from_mentions", [])]
    if mentions and args.inputs:
        msg = "give INPUT documents or --from-mentions, not both"
        raise ConfigurationError(msg)
    if not mentions and not args.inputs:
        msg = "nothing to read: give INPUT documents (files, folders, corpora) or --from-mentions"
        raise ConfigurationError(msg)
    if check_engine_arguments(args) == "dask" and not mentions:
        msg = (
            "--engine dask aggregates the records of --from-mentions; parse the documents "
            "with geo extract --engine dask first"
        )
        raise ConfigurationError(msg)
    cap = getattr(args, "max_documents", None)
    if cap is not None and (not mentions or cap < 0):
        msg = (
            f"--max-documents must be 0 (every document) or more, not {cap}"
            if mentions
            else "--max-documents caps the documents of --from-mentions; documents parsed "
            "here are all kept"
        )
        raise ConfigurationError(msg)
    if mentions and (args.corrections or getattr(args, "online", False)):
        msg = (
            "--corrections and --online apply while documents are parsed: pass them to "
            "geo extract, whose records --from-mentions reads"
        )
        raise ConfigurationError(msg)
    return mentions or [str(p) for p in args.inputs]
