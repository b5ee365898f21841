"""Mention records on disk: Parquet and GeoParquet writers, a streaming reader.

``geo extract`` writes one record per mention (:data:`geo.models.RECORD_FIELDS`); for
corpora of millions of articles those records are the hand-over between the two stages
of a run: extract once (on one machine or a Dask cluster), then build maps and exports
from the records (``geo build --from-mentions``) as often as needed, without parsing a
document again. This module is the one place that knows their columnar form:

* :func:`mention_schema`: the record fields with fixed Arrow types (so every part of a
  partitioned output has the same schema, also a part without any mention), then the
  document's metadata (:data:`geo.models.DOCUMENT_FIELDS`: ``doc_title``, ``doc_date``,
  ``doc_lang``, ``doc_source``, ``doc_outlet``, ``doc_url``, repeated on each of its
  mentions; not in JSON Lines or CSV, whose records stay one line of the mention), plus
  ``candidates`` (a JSON string, like the CSV output) when asked for.
* GeoParquet (:func:`mention_schema` with ``geometry=True``): the same columns plus
  ``geometry``, a WKB point (lon, lat) per mention, null when the name did not resolve,
  and the ``geo`` file metadata of GeoParquet 1.0.0 (CRS: OGC:CRS84, the default).
* :class:`MentionWriter` buffers records and writes a row group per batch through a
  ``pyarrow.parquet.ParquetWriter`` into a temporary file that replaces the target only
  when complete (:func:`geo.io.outputs.atomic_open`).
* :func:`read_mention_records` streams records back from JSON Lines, a Parquet file or a
  folder of Parquet parts, one batch at a time, so memory does not grow with the corpus;
  a :class:`MentionSlice` (row groups of one Parquet file, widened or narrowed to whole
  documents) lets the Dask engine share one big file between workers.

pyarrow is imported only when Parquet is read or written.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from geo.errors import DataError, DocumentError
from geo.models import DOCUMENT_FIELDS, RECORD_FIELDS

__all__ = [
    "GEOPARQUET_METADATA",
    "MentionSlice",
    "MentionWriter",
    "mention_files",
    "mention_schema",
    "point_wkb",
    "read_mention_records",
]

#: Arrow type names of the record fields (``string``, ``int64``, ``float64``).
FIELD_TYPES: dict[str, str] = {
    "doc": "string",
    "start": "int64",
    "end": "int64",
    "surface": "string",
    "id": "string",
    "name": "string",
    "kind": "string",
    "country": "string",
    "lat": "float64",
    "lon": "float64",
    "score": "float64",
    "reason": "string",
    "precision": "string",
    "sentence": "string",
    "sentence_start": "int64",
    "sentence_full_start": "int64",
    "sentence_full_end": "int64",
}
assert tuple(FIELD_TYPES) == RECORD_FIELDS

#: The ``geo`` key of a GeoParquet file's metadata (GeoParquet 1.0.0; no ``crs`` means
#: OGC:CRS84, longitude then latitude, the order of the points written here).
GEOPARQUET_METADATA: dict[str, Any] = {
    "version": "1.0.0",
    "primary_column": "geometry",
    "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}},
}

#: Records per row group written by :class:`MentionWriter`.
BATCH_ROWS = 10_000


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        from geo.errors import ConfigurationError

        msg = "Parquet needs pyarrow: pip install pyarrow (or the package's [dask] extra)"
        raise ConfigurationError(msg) from None
    return pa


def mention_schema(*, candidates: bool = False, geometry: bool = False) -> Any:
    """The Arrow schema of mention records (``pyarrow.Schema``).

    ``candidates`` adds the ranked alternatives as a JSON string column; ``geometry``
    adds the WKB point column and the GeoParquet metadata.
    """
    pa = _pyarrow()
    fields = [pa.field(name, getattr(pa, kind)()) for name, kind in FIELD_TYPES.items()]
    fields += [pa.field(name, pa.string()) for name in DOCUMENT_FIELDS]
    if candidates:
        fields.append(pa.field("candidates", pa.string()))
    metadata = None
    if geometry:
        fields.append(pa.field("geometry", pa.binary()))
        metadata = {b"geo": json.dumps(GEOPARQUET_METADATA).encode("utf-8")}
    return pa.schema(fields, metadata=metadata)


def point_wkb(lon: float | None, lat: float | None) -> bytes | None:
    """The little-endian WKB of ``POINT (lon lat)``, or ``None`` without coordinates."""
    if lon is None or lat is None:
        return None
    return struct.pack("<BIdd", 1, 1, float(lon), float(lat))


def records_table(records: list[dict[str, Any]], schema: Any) -> Any:
    """A ``pyarrow.Table`` of *records* with *schema* (columns filled as the schema says)."""
    pa = _pyarrow()
    names = set(schema.names)
    columns: dict[str, list[Any]] = {name: [r[name] for r in records] for name in FIELD_TYPES}
    for name in DOCUMENT_FIELDS:
        columns[name] = [r.get(name) for r in records]
    if "candidates" in names:
        columns["candidates"] = [
            None if r.get("candidates") is None else json.dumps(r["candidates"]) for r in records
        ]
    if "geometry" in names:
        columns["geometry"] = [point_wkb(r["lon"], r["lat"]) for r in records]
    return pa.Table.from_pydict(columns, schema=schema)


class MentionWriter:
    """Writes mention records to one Parquet (or GeoParquet) file in row-group batches.

    Use as a context manager; :meth:`write` takes one record dict (the extract record,
    with ``candidates`` when the schema has it). The file appears at *path* only when
    the ``with`` block ends without an error: it is written to a temporary file beside
    it and renamed (:func:`geo.io.outputs.atomic_open`). An empty run still writes a
    valid file with the schema and no rows.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        candidates: bool = False,
        geometry: bool = False,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.path = path
        self.schema = mention_schema(candidates=candidates, geometry=geometry)
        self.batch_rows = batch_rows
        self._buffer: list[dict[str, Any]] = []
        self._stack = ExitStack()
        self._writer: Any = None

    def __enter__(self) -> MentionWriter:
        import pyarrow.parquet as pq

        from geo.io.outputs import atomic_open

        handle = self._stack.enter_context(atomic_open(self.path, "wb"))
        self._writer = pq.ParquetWriter(handle, self.schema, compression="zstd")
        return self

    def write(self, record: dict[str, Any]) -> None:
        """Add one record; a row group is written every ``batch_rows`` records."""
        self._buffer.append(record)
        if len(self._buffer) >= self.batch_rows:
            self.flush()

    def write_table(self, table: Any) -> None:
        """Add a ``pyarrow.Table`` that already has this writer's schema."""
        self.flush()
        self._writer.write_table(table)

    def flush(self) -> None:
        """Write the buffered records as one row group."""
        if self._buffer:
            self._writer.write_table(records_table(self._buffer, self.schema))
            self._buffer = []

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.flush()
            self._writer.close()
        finally:
            self._stack.__exit__(kind, error, traceback)


def mention_files(source: Path | str) -> list[Path]:
    """The files of a mentions input: the file itself, or a folder's ``*.parquet`` in name order.

    Raises :class:`~geo.errors.DataError` (exit 3) for a missing input or a folder
    without Parquet parts.
    """
    path = Path(source)
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.suffix == ".parquet" and p.is_file())
        if not parts:
            msg = (
                f"{path}: no .parquet parts in this folder (geo extract --engine dask writes them)"
            )
            raise DataError(msg)
        return parts
    if not path.is_file():
        msg = f"{path}: no such mentions file or folder"
        raise DataError(msg)
    return [path]


def _jsonl_mentions(
    path: Path, report: Callable[[DocumentError], None]
) -> Iterator[dict[str, Any]]:
    r"""The records of a JSON Lines mentions file; a bad line is reported by ``file:line``.

    Lines are read and decoded as JSON Lines corpora are (one line at a time, at most
    :data:`~geo.io.documents.MAX_DOCUMENT_BYTES`, UTF-8, no NULs), and a record with a
    lone surrogate (``"\ud800"``) is refused like a document's: it would fail later,
    when its strings reach Arrow or a file, with no line to name.
    """
    from geo.io.documents import MAX_DOCUMENT_BYTES, _bad_unicode, _binary_lines, _decoded_lines

    with path.open("rb") as handle:
        lines = _decoded_lines(_binary_lines(handle, MAX_DOCUMENT_BYTES), str(path), report)
        for number, raw in lines:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError) as exc:
                report(DocumentError(f"{path}:{number}: not a mention record ({exc})"))
                continue
            if ("\\ud" in raw or "\\uD" in raw) and _bad_unicode(record):
                report(
                    DocumentError(
                        f"{path}:{number}: a \\uD800-\\uDFFF escape without its pair (a lone "
                        "surrogate) is not Unicode text; repair the record"
                    )
                )
                continue
            missing = [f for f in RECORD_FIELDS if not isinstance(record, dict) or f not in record]
            if missing:
                report(
                    DocumentError(
                        f"{path}:{number}: not a mention record of geo extract "
                        f"(missing {', '.join(missing[:4])})"
                    )
                )
                continue
            yield record


class MentionSlice(NamedTuple):
    """Row groups ``first`` to ``stop`` (excluded) of a Parquet mentions file, as whole documents.

    Why: one big mentions file (``geo extract corpus -o mentions.parquet``, 10,000
    records per row group) would be one Dask task; slices let several workers aggregate
    it. Row groups are cut every 10,000 records, inside documents, so a slice is read
    by documents: it leaves out the records at its start that continue the document of
    the row group before it, and reads on past its last row group to the end of its
    last document. Consecutive slices therefore hold every record once, each document
    whole (:func:`read_mention_records` takes them like files).
    """

    path: str
    first: int
    stop: int


def _open_parquet(path: Path, documents: bool) -> tuple[Any, list[str]]:
    """The Parquet mentions file at *path* and the columns to read from it.

    Raises :class:`~geo.errors.DataError` naming the file when it is not readable or not
    mention records.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        msg = f"{path}: not a readable Parquet file ({exc})"
        raise DataError(msg) from None
    missing = [f for f in RECORD_FIELDS if f not in parquet.schema_arrow.names]
    if missing:
        msg = f"{path}: not mention records of geo extract (missing columns {', '.join(missing)})"
        raise DataError(msg)
    columns = list(RECORD_FIELDS)
    if documents:  # the metadata columns the file has (older files have none)
        columns += [f for f in DOCUMENT_FIELDS if f in parquet.schema_arrow.names]
    return parquet, columns


def _last_doc(parquet: Any, group: int) -> str | None:
    """The document of the last record in row group *group* or the nearest one before it."""
    for g in range(group, -1, -1):
        docs = parquet.read_row_group(g, columns=["doc"]).column(0)
        if len(docs):
            value = docs[-1].as_py()
            return None if value is None else str(value)
    return None


def _slice_records(
    piece: MentionSlice, columns: list[str], batch_rows: int, parquet: Any
) -> Iterator[dict[str, Any]]:
    """The records of *piece*, whole documents only (see :class:`MentionSlice`)."""
    groups = parquet.metadata.num_row_groups
    first, stop = max(0, piece.first), min(piece.stop, groups)
    if first >= stop:
        return
    skip = _last_doc(parquet, first - 1) if first > 0 else None
    tail = _last_doc(parquet, stop - 1) if stop < groups else None
    if tail is not None and tail == skip:
        tail = None  # the slice lies inside one document that began before it
    skipping = skip is not None
    for batch in parquet.iter_batches(
        batch_size=batch_rows, row_groups=range(first, stop), columns=columns
    ):
        rows = batch.to_pylist()
        if skipping:
            start = 0
            while start < len(rows) and rows[start]["doc"] == skip:
                start += 1
            skipping = start == len(rows)
            rows = rows[start:]
        yield from rows
    if tail is None:
        return
    for batch in parquet.iter_batches(
        batch_size=batch_rows, row_groups=range(stop, groups), columns=columns
    ):
        rows = batch.to_pylist()
        for end, row in enumerate(rows):
            if row["doc"] != tail:
                yield from rows[:end]
                return
        yield from rows


def read_mention_records(
    sources: Iterable[Path | str | MentionSlice] | Path | str,
    *,
    on_error: Callable[[DocumentError], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    documents: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream the mention records of JSON Lines files, Parquet files and folders of parts.

    Records come in the order written (document order for ``geo extract``); Parquet is
    read a batch of *batch_rows* at a time, one file at a time. A JSON Lines line that is
    not a record is reported as ``file:line`` and skipped; a Parquet file without the
    record columns raises :class:`~geo.errors.DataError` naming it. With *documents*,
    records from Parquet also carry the :data:`~geo.models.DOCUMENT_FIELDS` the file has.
    A :class:`MentionSlice` gives the whole documents of some row groups of one file.
    """
    report = on_error or (lambda err: None)
    if isinstance(sources, str | Path):
        sources = [sources]
    for source in sources:
        if isinstance(source, MentionSlice):
            parquet, columns = _open_parquet(Path(source.path), documents)
            yield from _slice_records(source, columns, batch_rows, parquet)
            continue
        for path in mention_files(source):
            if path.suffix.lower() != ".parquet":
                yield from _jsonl_mentions(path, report)
                continue
            parquet, columns = _open_parquet(path, documents)
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
                yield from batch.to_pylist()
