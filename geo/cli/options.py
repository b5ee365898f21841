"""Arguments shared by the commands that build layers (``geo build``, ``geo export``)."""

from __future__ import annotations

import datetime as dt
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


def add_layer_arguments(parser: Any) -> None:
    """Add the arguments of every command that builds layers to *parser*.

    INPUT..., ``--as-of`` and ``--agreements``: ``geo build`` and ``geo export`` share them.
    """
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files, folders, .jsonl corpora or - for stdin"
    )
    parser.add_argument(
        "--as-of",
        type=iso_date_argument,
        metavar="DATE",
        help="date of the agreement statuses, YYYY-MM-DD (default: today)",
    )
    parser.add_argument(
        "--agreements",
        action="append",  # repeatable; one file each, so it never swallows an INPUT
        type=Path,
        default=[],
        metavar="FILE",
        help="an extra agreement registry (YAML) merged after data/agreements/; repeatable",
    )
