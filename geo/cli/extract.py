"""``geo extract``: every place mention of a corpus, one record each."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, cast

from geo.cli.common import EXIT_OK, EXIT_PARTIAL, DocumentReporter
from geo.errors import ConfigurationError
from geo.io.textsafe import for_terminal
from geo.models import RECORD_FIELDS as EXTRACT_FIELDS
from geo.models import document_fields


def _write_atomic_text(path: Any, write: Callable[[TextIO], None]) -> None:
    """Stream a text file through :func:`geo.io.outputs.atomic_open`."""
    from geo.io.outputs import atomic_open

    with atomic_open(path, "w") as fh:
        write(cast("TextIO", fh))


def _records_writer(fmt: str, candidates: bool = False) -> Callable[[TextIO, Any], None]:
    """A function writing every record of an iterable of extract records in *fmt*."""

    def jsonl(fh: TextIO, records: Any) -> None:
        # One encoder for the run: json.dumps with a non-default option builds a new
        # JSONEncoder per call (a sixth of the encoding time; same bytes; issue 14).
        encode = json.JSONEncoder(ensure_ascii=False).encode
        for record in records:
            fh.write(encode(record) + "\n")

    def csv_(fh: TextIO, records: Any) -> None:
        import csv

        from geo.io.textsafe import spreadsheet_safe

        fields = [*EXTRACT_FIELDS, *(["candidates"] if candidates else [])]
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for record in records:
            if candidates:
                record = {**record, "candidates": json.dumps(record["candidates"])}
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


_SUFFIX_FORMATS = {
    "csv": "csv",
    "geojson": "geojson",
    "json": "geojson",
    "jsonl": "jsonl",
    "parquet": "parquet",
}
_BINARY_FORMATS = ("parquet", "geoparquet")


def _output_format(args: argparse.Namespace) -> str:
    """The format asked for: ``--format``, else the suffix of ``-o``, else JSON Lines."""
    implied = None
    if args.output is not None and "." in os.path.basename(args.output):
        implied = _SUFFIX_FORMATS.get(args.output.rsplit(".", 1)[-1].lower())
    # geoparquet is Parquet: mentions.parquet is the natural name for both.
    same = args.format == implied or (args.format, implied) == ("geoparquet", "parquet")
    if args.format and implied and not same:
        msg = (
            f"--format {args.format} does not match the suffix of {args.output!r} "
            f"({implied}); change one of them"
        )
        raise ConfigurationError(msg)
    engine = getattr(args, "engine", "single")
    default = "parquet" if engine == "dask" else "jsonl"
    return str(args.format or implied or default)


def _summary(counts: dict[str, int], on_error: DocumentReporter, err: TextIO) -> int:
    """Write the closing summary line(s); the exit code (0, or 1 when something failed)."""
    summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    if on_error.failures:
        summary += f", {len(on_error.failures):,} failed"
    err.write(f"geo extract: {summary}\n")
    if counts["unresolved"]:
        err.write(
            f"geo extract: {counts['unresolved']:,} names stayed unresolved (records with "
            "place_id null); add a correction or a site for them (docs/guide.md), exit 1\n"
        )
    return EXIT_PARTIAL if on_error.failures or counts["unresolved"] else EXIT_OK


def _extract_dask(args: argparse.Namespace, fmt: str, err: TextIO) -> int:
    """``geo extract --engine dask``: Parquet parts in the folder ``-o`` (see geo.scale)."""
    from geo.io.outputs import check_output
    from geo.scale.engine import extract_dask, work_folder

    if fmt not in _BINARY_FORMATS:
        msg = f"--engine dask writes a folder of Parquet parts; --format {fmt} is not possible"
        raise ConfigurationError(msg)
    if args.output is None or args.output == "-":
        msg = "--engine dask writes a folder of Parquet parts: name it with -o (e.g. -o mentions/)"
        raise ConfigurationError(msg)
    if getattr(args, "online", False):
        msg = (
            "--online is not available with --engine dask (the online geocoder is rate-limited "
            "per process); run the single-process engine for it"
        )
        raise ConfigurationError(msg)
    partition_mb = 16.0 if args.partition_mb is None else args.partition_mb
    if partition_mb <= 0:
        msg = f"--partition-mb must be positive, not {args.partition_mb}"
        raise ConfigurationError(msg)
    check_output(args.output, args.inputs, folder=True)
    on_error = DocumentReporter("extract", err)
    progress = None
    if err.isatty() and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(unit=" parts", file=err, desc="geoparsing")
    work = work_folder(Path(args.output))
    if not args.resume and any((work / "parts").glob("part-*.parquet")):
        err.write(
            f"geo extract: starting over; an earlier run's parts in {for_terminal(str(work))} "
            "are cleared (--resume keeps them)\n"
        )
    finished = False
    try:
        counts = extract_dask(
            args.inputs,
            Path(args.output),
            scheduler=args.scheduler,
            workers=args.workers,
            candidates=args.candidates,
            geometry=fmt == "geoparquet",
            sites=args.sites,
            corrections=args.corrections,
            target_bytes=int(partition_mb * (1 << 20)),
            on_error=on_error,
            on_part=(lambda _part: progress.update(1)) if progress is not None else None,
            resume=bool(args.resume),
        )
        finished = True
    finally:
        if progress is not None:
            progress.close()
        if not finished:
            _say_resumable(work, err)
    partitions = counts.pop("partitions")
    resumed = counts.pop("resumed")
    again = f" ({resumed:,} taken from the earlier run)" if args.resume else ""
    noun = "partition" if partitions == 1 else "partitions"
    err.write(f"geo extract: {partitions:,} {noun} written to {args.output}{again}\n")
    return _summary(counts, on_error, err)


def _say_resumable(work: Path, err: TextIO) -> None:
    """After a run that stopped early: how many parts are kept, and how to go on."""
    try:
        done = sum(
            1
            for part in (work / "parts").glob("part-*.parquet")
            if (work / "done" / f"{part.stem}.json").is_file()
        )
    except OSError:
        return
    if done:
        err.write(
            f"geo extract: {done:,} finished parts are kept in {for_terminal(str(work))}; "
            "run the same command with --resume to go on from them\n"
        )


def cmd_extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Geoparse INPUT... and write one record per mention, streaming.

    Documents are read one at a time and each record is written as it comes (Parquet:
    a row group per 10,000 records), so memory does not grow with the corpus. With
    ``--engine dask`` the corpus is split over a Dask cluster (:mod:`geo.scale.engine`).
    """
    from geo.cli.options import check_engine_arguments

    fmt = _output_format(args)
    if check_engine_arguments(args, ("scheduler", "workers", "partition_mb", "resume")) == "dask":
        return _extract_dask(args, fmt, err)

    from geo.gazetteer.store import load_gazetteer
    from geo.io.documents import read_documents
    from geo.io.outputs import check_output
    from geo.parse.pipeline import geoparse

    to_stdout = args.output is None or args.output == "-"
    if to_stdout and fmt in _BINARY_FORMATS:
        msg = f"{fmt} is a binary format: name the output file with -o (e.g. -o mentions.parquet)"
        raise ConfigurationError(msg)
    if not to_stdout:
        check_output(args.output, args.inputs)
    on_error = DocumentReporter("extract", err)

    from geo.cli.options import online_geocoder
    from geo.parse.corrections import apply_corrections, load_corrections, resolve_online

    online = online_geocoder(args)
    gaz = load_gazetteer()
    if args.sites:
        from geo.gazetteer.usersites import load_user_sites, overlay

        gaz = overlay(gaz, load_user_sites(args.sites))
    fixes = load_corrections(args.corrections, gaz) if args.corrections else []
    counts = {"documents": 0, "mentions": 0, "resolved": 0, "unresolved": 0}
    docs = read_documents(args.inputs, on_error=on_error)
    progress = None
    if err.isatty() and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(unit=" docs", file=err, desc="geoparsing")

    def records() -> Any:
        for parsed in geoparse(docs, gazetteer=gaz, on_error=on_error):
            if online is not None:
                parsed = resolve_online([parsed], online)[0]
            if fixes:
                parsed = apply_corrections([parsed], fixes)[0]
            counts["documents"] += 1
            if progress is not None:
                progress.update(1)
            meta = document_fields(parsed) if fmt in _BINARY_FORMATS else None
            for r in parsed.resolutions:
                counts["mentions"] += 1
                counts["resolved" if r.place is not None else "unresolved"] += 1
                record = r.to_record()
                if args.candidates:
                    record["candidates"] = r.candidate_records()
                if meta is not None:  # Parquet: the document's metadata columns
                    record.update(meta)
                yield record

    try:
        if fmt in _BINARY_FORMATS:
            from geo.io.mentions import MentionWriter

            with MentionWriter(
                args.output, candidates=args.candidates, geometry=fmt == "geoparquet"
            ) as parquet:
                for record in records():
                    parquet.write(record)
        else:
            writer = _records_writer(fmt, candidates=args.candidates)
            if not to_stdout:
                _write_atomic_text(args.output, lambda fh: writer(fh, records()))
            else:
                writer(out, records())
    finally:
        if progress is not None:
            progress.close()
    return _summary(counts, on_error, err)
