"""``geo build``: the interactive offline map of a corpus, one HTML file."""

from __future__ import annotations

import argparse
import contextlib
import gc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from geo.io.outputs import output_argument

if TYPE_CHECKING:
    import pandas as pd

from geo.web.mapdata import _point
from geo.web.render import TILES, save_map


def add_build_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``geo build`` to the CLI's subparsers; :func:`cmd_build` runs it."""
    from geo.cli.options import add_layer_arguments

    p = subparsers.add_parser(
        "build",
        help="build the interactive offline map (one HTML file)",
        description=(
            "Geoparse the documents, link the sites to their agreements and write a "
            "self-contained interactive map that opens offline in any browser."
        ),
    )
    add_layer_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        type=output_argument,
        default=Path("out/map.html"),
        help="the HTML file to write (default: out/map.html)",
    )
    p.add_argument(
        "--tiles",
        choices=("none", *TILES),
        default="none",
        help="online tile layer to switch on (default none: offline base map only)",
    )
    p.add_argument("--title", help="title shown in the legend and the browser tab")
    return cast(argparse.ArgumentParser, p)


def _call_build_layers(args: argparse.Namespace, on_error: Any) -> Any:
    from geo.cli.options import max_documents, mentions_aggregate, online_geocoder
    from geo.layers.build import build_layers

    if getattr(args, "from_mentions", None):
        from geo.layers.aggregate import build_layers_from_mentions

        return build_layers_from_mentions(
            list(args.from_mentions),
            as_of=args.as_of,
            agreements=list(args.agreements),
            sites=list(getattr(args, "sites", [])),
            on_error=on_error,
            max_documents=max_documents(args),
            aggregate=mentions_aggregate(args),
        )

    return build_layers(
        list(args.inputs),
        as_of=args.as_of,
        agreements=list(args.agreements),
        sites=list(getattr(args, "sites", [])),
        corrections=list(getattr(args, "corrections", [])),
        online=online_geocoder(args),
        on_error=on_error,
    )


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``geo build``: layers from the inputs, then the map, written atomically.

    A document that fails is reported on stderr and the rest goes on: the map is still
    written and the exit code is 1 (partial). Missing web assets give a map that loads
    Leaflet from CDNs, with a warning on stderr (exit 0: the map was made as well as this
    machine allows). Exit codes are those of :mod:`geo.cli`.
    """
    from geo.cli.common import (
        EXIT_OK,
        EXIT_PARTIAL,
        DocumentReporter,
        report_unresolved,
        warnings_reported,
    )
    from geo.cli.options import check_layer_inputs
    from geo.io.outputs import check_output

    check_output(args.output, check_layer_inputs(args))
    report = DocumentReporter("build", err)
    with warnings_reported("build", err), _cyclic_gc_paused():
        layers = _call_build_layers(args, report)
        for problem in getattr(layers, "errors", None) or ():
            report(problem)  # problems the layers kept without passing on (none are repeated)
        path = save_map(layers, args.output, tiles=args.tiles, title=args.title)
    sites = getattr(layers, "sites", None)
    total = len(sites) if sites is not None else 0
    drawn = sum(1 for p in _site_points(sites)) if sites is not None else 0
    places = getattr(layers, "places", None)
    size = path.stat().st_size
    out.write(
        f"wrote {path} ({size / 1e6:.1f} MB): {drawn} of {total} sites drawn, "
        f"{total - drawn} not located, {len(places) if places is not None else 0} other places\n"
    )
    unresolved = report_unresolved("build", layers, err)
    return EXIT_PARTIAL if report.failures or unresolved else EXIT_OK


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the map is built (then restore it).

    Unlike ``geo extract``, which writes each document's records and drops them, a build
    keeps the whole parsed corpus for linking, the layers and the map: millions of
    objects that every young and middle collection traverses once more on their way to
    the old generation, and none of them is garbage. That was 0.6 CPU s of ``geo build``
    on 20 MB (timed with ``gc.callbacks``; issue 14). Reference counting still frees
    everything that is not in a cycle; what the collector would have found in cycles
    during a build is a few hundred objects (339 on 20 MB), left to the next collection
    after the build. Only the CLI pauses it, like the threshold of :mod:`geo.cli`.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _site_points(sites: pd.DataFrame) -> Iterable[list[float]]:
    if not len(sites) or not hasattr(sites, "geometry"):
        return []
    has_point = sites["has_point"] if "has_point" in sites else [True] * len(sites)
    return [
        p
        for geom, flag in zip(sites.geometry, has_point, strict=True)
        if flag is not False and (p := _point(geom)) is not None
    ]
