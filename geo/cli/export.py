"""``geo export``: the agreement layers as GeoPackage, GeoJSON, CSV or KML."""

from __future__ import annotations

import argparse
from typing import Any, TextIO, cast

from geo.cli.options import add_layer_arguments
from geo.export.formats import (
    _FORMAT_NAMES,
    _folder_output,
    _format_of,
    export_layers,
    output_paths,
)
from geo.io.outputs import check_output, output_argument


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``geo export`` to the CLI's subparsers (``geo.cli.main.build_parser`` calls this)."""
    p = subparsers.add_parser(
        "export",
        help="export the agreement layers to GeoPackage, GeoJSON, CSV or KML",
        description=(
            "Geoparse INPUT documents, link them to the agreements and write the layers "
            "sites, places, mentions, countries, documents and unresolved."
        ),
    )
    add_layer_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=output_argument,
        metavar="FILE",
        help="out.gpkg, out.geojson (or a folder), out.csv or out.kml",
    )
    p.add_argument(
        "--format", choices=_FORMAT_NAMES, help="output format (default: from the suffix)"
    )
    p.set_defaults(handler=cmd_export)
    return cast(argparse.ArgumentParser, p)


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``geo export``: exit 0, or 1 if some documents failed (each reported on stderr).

    The registry is loaded and the layers built before anything is written, so a
    malformed registry or a bad date raises before any file exists; :func:`geo.cli.main`
    turns those errors into exit codes 3 and 2.
    """
    from geo.cli.common import (
        EXIT_OK,
        EXIT_PARTIAL,
        DocumentReporter,
        report_unresolved,
        warnings_reported,
    )
    from geo.cli.options import (
        check_layer_inputs,
        max_documents,
        mentions_aggregate,
        online_geocoder,
    )
    from geo.layers.build import build_layers

    report = DocumentReporter("export", err)
    reads = check_layer_inputs(args)
    fmt = _format_of(args.output, args.format)
    if _folder_output(args.output, fmt):
        check_output(args.output, reads, folder=True)
    for target in dict.fromkeys(output_paths(args.output, fmt).values()):
        check_output(target, reads)
    with warnings_reported("export", err):
        if args.from_mentions:
            from geo.layers.aggregate import build_layers_from_mentions

            layers = build_layers_from_mentions(
                args.from_mentions,
                as_of=args.as_of,
                agreements=args.agreements,
                sites=args.sites,
                on_error=report,
                max_documents=max_documents(args),
                aggregate=mentions_aggregate(args),
            )
        else:
            layers = build_layers(
                args.inputs,
                as_of=args.as_of,
                agreements=args.agreements,
                sites=args.sites,
                corrections=args.corrections,
                online=online_geocoder(args),
                on_error=report,
            )
        written = export_layers(layers, args.output, fmt=fmt)
    sites = layers.sites
    in_corpus = int(sites["in_corpus"].sum()) if len(sites) else 0
    out.write(
        f"{len(layers.documents)} documents, {len(layers.mentions)} mentions, "
        f"{len(sites)} sites ({in_corpus} in the corpus), status on {layers.as_of}\n"
    )
    for file in written:
        out.write(f"wrote {file}\n")
    unresolved = report_unresolved("export", layers, err)
    return EXIT_PARTIAL if report.failures or unresolved else EXIT_OK
