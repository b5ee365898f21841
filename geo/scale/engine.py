"""The Dask engine of ``geo extract``: the same geoparser over a corpus's partitions.

Why: one process geoparses a few MB of text a second; a corpus of millions of articles
needs every core of a machine or of a cluster. ``geo extract CORPUS --engine dask -o
mentions/`` cuts the corpus into partitions (:func:`geo.io.documents.plan_partitions`:
batches of files, byte ranges of JSON Lines, the lines of a compressed JSON Lines file
or the records of a CSV file as the driver reads them, row groups of Parquet), sends
each to a worker, and gets one Parquet part per partition (``mentions/part-00000.parquet`` …) in
document order. The records are exactly those of the single-process run, record for
record, because:

* each worker runs :func:`geo.parse.pipeline.geoparse`, the function ``geo extract``
  runs, on the documents :func:`geo.io.documents.read_partition` reads — the readers of
  :func:`geo.io.documents.read_documents`, with the same line and row numbers;
* duplicate ids are renamed on the driver, in document order, with
  :class:`geo.io.documents.UniqueIds` (a worker only sees its partition): a part whose
  ids change is rewritten before it is published.

**One gazetteer per worker process**: the task never carries the gazetteer (it holds a
lock and is not picklable; it is 36 MB). :func:`geo.gazetteer.store.load_gazetteer`
caches it per process, keyed by the index path, and
:class:`geo.scale.plugin.GazetteerPlugin` loads it when a worker starts, so the first
partition does not pay for it.

Workers write their parts into a work folder beside the output,
``.<name>.geo-partial`` (so the corpus, the index and the output folder must be on a
file system every worker sees — automatic for the default local cluster); the parts are
swapped in whole when every one is written (:func:`geo.io.outputs.publish`), so an
interrupted run leaves the old output.

**Resuming** (``resume=True``, ``geo extract --resume``): a run of millions of
documents takes hours, and a crash, a reboot or Ctrl-C should not cost the parts
already done; a corpus that grows by a folder a day should not be geoparsed again
whole. For each part the driver has collected, the work folder holds a receipt
(``done/part-NNNNN.json``): what the worker reported (documents as read, problems,
counts), the part file's size and time, and a key of everything the part depends on —
the partition (files, byte range or row group), the bytes of a JSON Lines range (their
hash) or else each file's size and modification time, the options, the user's sites
and corrections files, geo's version and the gazetteer index's fingerprint. So a JSON
Lines file that grows by appending keeps the parts before its old end. The receipts
outlive the run, interrupted or finished. A resumed
run plans the partitions again and takes a part — from the work folder after an
interruption, from the output after a finished run — only when its receipt's key is the
key it would compute now and the part file is the one the receipt recorded; the others
are geoparsed. The records are the same as a run from scratch: the parts' problems are
reported again, in order, and duplicate ids are renamed again over the whole run.
Without ``resume`` a run starts from scratch and clears the folder.

Dask is imported only here, and only when ``--engine dask`` is asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import ConfigurationError, DocumentError
from geo.io.documents import DocumentWarning, Partition, UniqueIds, plan_partitions
from geo.scale.state import worker_state

if TYPE_CHECKING:
    from geo.io.mentions import MentionSlice
    from geo.layers.aggregate import MentionAggregator
    from geo.models import Document

__all__ = [
    "PartResult",
    "aggregate_dask",
    "aggregate_part",
    "extract_dask",
    "parse_partition",
    "work_folder",
]

#: Bump when a receipt's layout or what a part holds changes: older receipts are not reused.
RECEIPT_FORMAT = 2


@dataclass
class PartResult:
    """What a worker sends back for one partition (the records stay in its part file)."""

    path: str
    #: (id as read, source, records) of every document read, in order; records is -1 for a
    #: document that failed to geoparse (reported, no records, but its id is taken)
    docs: list[tuple[str, str | None, int]] = field(default_factory=list)
    #: (message, is_warning, slot): a problem met while reading document *i* (or the lines
    #: before it) has slot ``2 * i``, one met while geoparsing it ``2 * i + 1``, so the
    #: driver can report them in the order of a single-process run (:func:`_collect_part`).
    problems: list[tuple[str, bool, int]] = field(default_factory=list)
    mentions: int = 0
    resolved: int = 0


def parse_partition(
    partition: Partition,
    part_path: str,
    *,
    candidates: bool = False,
    geometry: bool = False,
    sites: Sequence[str] = (),
    corrections: Sequence[str] = (),
    data: bytes | None = None,
) -> PartResult:
    """Geoparse one partition on a worker and write its records to *part_path*.

    Runs :func:`geo.parse.pipeline.geoparse` with this process's gazetteer. Returns the
    documents in order (id as read, source, number of records), every problem as
    ``(message, is_warning, slot)`` and the counts; the driver reports them. *data* is
    the bytes of a ``"lines"`` partition, sent apart from the task.
    """
    if data is not None:
        partition = partition._replace(data=data)
    from geo.io.documents import read_partition
    from geo.io.mentions import MentionWriter
    from geo.models import document_fields
    from geo.parse.pipeline import geoparse

    gaz, fixes = worker_state(sites, corrections)
    result = PartResult(path=part_path)

    unparsed: deque[Document] = deque()  # read, not yet given back by geoparse

    def reporter(parsing: int) -> Callable[[DocumentError], None]:
        # a reading problem comes before the next document, a parsing one after the last
        def report(error: DocumentError) -> None:
            slot = 2 * (len(result.docs) + len(unparsed)) - parsing
            result.problems.append((str(error), isinstance(error, DocumentWarning), slot))

        return report

    def read(docs: Iterator[Document]) -> Iterator[Document]:
        for doc in docs:
            unparsed.append(doc)
            yield doc

    def failed(upto: Document | None) -> None:
        while unparsed and unparsed[0] is not upto:
            doc = unparsed.popleft()
            result.docs.append((doc.id, doc.source, -1))
        if unparsed:
            unparsed.popleft()

    docs = read(read_partition(partition, on_error=reporter(0)))
    with MentionWriter(part_path, candidates=candidates, geometry=geometry) as writer:
        for parsed in geoparse(docs, gazetteer=gaz, on_error=reporter(1)):
            failed(parsed.document)
            if fixes:
                from geo.parse.corrections import apply_corrections

                parsed = apply_corrections([parsed], fixes)[0]
            doc = parsed.document
            result.docs.append((doc.id, doc.source, len(parsed.resolutions)))
            meta = document_fields(parsed)
            for r in parsed.resolutions:
                record = r.to_record()
                if candidates:
                    record["candidates"] = r.candidate_records()
                record.update(meta)
                writer.write(record)
                result.mentions += 1
                result.resolved += r.place is not None
    failed(None)  # the documents after the last one geoparsed
    return result


def _collect_part(
    result: PartResult, ids: UniqueIds, report: Callable[[DocumentError], None]
) -> None:
    """Report the part's problems and give its documents their run-wide ids, in order.

    A duplicate id is said (by *ids*) between the problems met before its document and
    those met while geoparsing it, as a single-process run says them. The part file is
    rewritten if an id changed.
    """
    problems = iter(result.problems)
    waiting = next(problems, None)

    def say(upto: int) -> None:
        nonlocal waiting
        while waiting is not None and waiting[2] <= upto:
            message, warning, _slot = waiting
            report((DocumentWarning if warning else DocumentError)(message))
            waiting = next(problems, None)

    new_column: list[str] = []
    changed = False
    for i, (doc_id, source, count) in enumerate(result.docs):
        say(2 * i)
        final = ids(doc_id, source)
        say(2 * i + 1)
        changed = changed or final != doc_id
        new_column.extend([final] * max(count, 0))
    say(2 * len(result.docs) + 1)
    if not changed:
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    from geo.io.outputs import atomic_open

    table = pq.read_table(result.path)
    index = table.schema.get_field_index("doc")
    table = table.set_column(index, table.schema.field(index), pa.array(new_column, pa.string()))
    with atomic_open(result.path, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")


def work_folder(output: Path) -> Path:
    """Where a run writing the folder *output* keeps its parts until they are published."""
    output = Path(os.path.realpath(output))
    return output.parent / f".{output.name}.geo-partial"


def _file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _options_key(
    candidates: bool, geometry: bool, sites: Sequence[str], fixes: Sequence[str]
) -> str:
    """What every part depends on besides its partition (see the module docs)."""
    from geo import __version__
    from geo.gazetteer.store import fingerprint

    return json.dumps(
        [
            RECEIPT_FORMAT,
            __version__,
            fingerprint(),
            candidates,
            geometry,
            [(p, _file_hash(p)) for p in sites],
            [(p, _file_hash(p)) for p in fixes],
        ]
    )


def _part_key(partition: Partition, options: str) -> str:
    """The key of one part: the options, the partition and what it reads.

    A JSON Lines range, and the lines the driver read from a compressed or CSV file,
    are keyed by the hash of their bytes, so a file that grows by appending keeps the
    keys of the ranges before its old end (and a file touched, or compressed again, but
    not changed keeps them all); hashing 16 MB costs the driver milliseconds against
    the seconds a worker spends on it. Other partitions are keyed by their files' sizes
    and modification times (a Parquet row group is not worth reading on the driver).
    """
    h = hashlib.sha256()
    if partition.kind == "lines":  # decompressed by the planner: the bytes are at hand
        h.update(partition.data)
        read: list[Any] = ["sha256", h.hexdigest()]
    elif partition.kind == "jsonl":
        with open(partition.files[0][0], "rb") as handle:
            handle.seek(partition.start)
            left = partition.end - partition.start
            while left > 0:
                chunk = handle.read(min(left, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
        read = ["sha256", h.hexdigest()]
    else:
        read = []
        for path, _fmt in partition.files:
            st = os.stat(path)
            read.append((st.st_size, st.st_mtime_ns))
    where = [*partition[:5], partition.notes]  # (the bytes are in ``read``)
    data = json.dumps([options, where, read])
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Done:
    """A part taken from the work folder, shaped like the future it stands in for."""

    part: PartResult

    def result(self) -> PartResult:
        return self.part


def _identity(path: Path) -> list[int] | None:
    """Size and modification time of a part file, or ``None`` when there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _receipt(path: Path, key: str, staged: Path, published: Path) -> PartResult | None:
    """The worker's report of a part an earlier run made, if it is this part and still there.

    The part is looked for in the work folder (an interrupted run) and then in the output
    (a finished run), and taken only if its size and time are those the receipt recorded.
    A published part is linked (or copied) into the work folder, so the publication that
    follows leaves the folder as a run from scratch would.
    """
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    recorded = stored.get("part")
    if _identity(staged) != recorded:
        if _identity(published) != recorded:
            return None
        staged.unlink(missing_ok=True)
        try:
            os.link(published, staged)
        except OSError:
            shutil.copy2(published, staged)
    try:
        return PartResult(
            path=str(staged),
            docs=[(str(i), s if s is None else str(s), int(n)) for i, s, n in stored["docs"]],
            problems=[(str(m), bool(w), int(n)) for m, w, n in stored["problems"]],
            mentions=int(stored["mentions"]),
            resolved=int(stored["resolved"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _write_receipt(path: Path, key: str, result: PartResult) -> None:
    """Record a collected part: the worker's report, the part's key and its file's identity."""
    from geo.io.outputs import write_text

    record = {
        "key": key,
        "part": _identity(Path(result.path)),
        "docs": result.docs,
        "problems": result.problems,
        "mentions": result.mentions,
        "resolved": result.resolved,
    }
    write_text(path, json.dumps(record, ensure_ascii=False))


def _prepare_work(work: Path, resume: bool) -> None:
    """Create the work folder; empty it first unless resuming."""
    if work.exists() and not resume:
        shutil.rmtree(work)
    (work / "parts").mkdir(parents=True, exist_ok=True)
    (work / "done").mkdir(exist_ok=True)


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """A ``distributed.Client`` (and the ``LocalCluster`` it owns, or ``None``)."""
    try:
        import distributed
    except ImportError:  # pragma: no cover - the [dask] extra is not installed
        msg = "--engine dask needs Dask: pip install 'geo-agreements[dask]'"
        raise ConfigurationError(msg) from None

    # The scheduler's start-up chatter is not the user's business; problems still show.
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # distributed's constructors are not annotated: typed here as what they are to us.
    client_type: Any = distributed.Client
    cluster_type: Any = distributed.LocalCluster
    if scheduler:
        return client_type(scheduler), None
    n = workers or os.cpu_count() or 1
    cluster = cluster_type(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.WARNING,
    )
    client = client_type(cluster)
    from geo.scale.plugin import LocalWorkerPlugin

    client.register_plugin(LocalWorkerPlugin())
    return client, cluster


def extract_dask(
    inputs: Sequence[str | Path],
    output: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    candidates: bool = False,
    geometry: bool = False,
    sites: Sequence[Path | str] = (),
    corrections: Sequence[Path | str] = (),
    target_bytes: int = 16 << 20,
    files_per_partition: int = 64,
    on_error: Callable[[DocumentError], None] | None = None,
    on_part: Callable[[PartResult], None] | None = None,
    resume: bool = False,
) -> dict[str, int]:
    """Geoparse *inputs* on a Dask cluster into the folder *output* of Parquet parts.

    *scheduler* is the address of a running scheduler; without it a ``LocalCluster`` of
    *workers* processes (one thread each) listens on 127.0.0.1 only. Partitions are
    submitted a few per worker ahead and collected in order, so the driver's memory
    does not grow with the corpus. Problems are passed to *on_error* in document order
    of their partition; *on_part* is called after each part (progress). With *resume*,
    the parts an interrupted run finished with the same inputs and options are taken
    from :func:`work_folder` instead of being geoparsed again. Returns the counts
    ``documents``, ``mentions``, ``resolved``, ``unresolved``, ``partitions`` and
    ``resumed`` (parts taken from the work folder).
    """
    from geo.io.outputs import publish

    report = on_error or (lambda err: None)
    if workers is not None and workers < 1:
        msg = f"--workers must be at least 1, not {workers}"
        raise ConfigurationError(msg)
    site_paths = [os.path.abspath(p) for p in sites]
    fix_paths = [os.path.abspath(p) for p in corrections]
    counts = {
        "documents": 0,
        "mentions": 0,
        "resolved": 0,
        "unresolved": 0,
        "partitions": 0,
        "resumed": 0,
    }
    ids = UniqueIds(report)
    output = Path(os.path.realpath(output))
    work = work_folder(output)
    options = _options_key(candidates, geometry, site_paths, fix_paths)
    run = uuid.uuid4().hex[:12]  # task keys unique on a scheduler shared by several runs
    with _quiet_after_ctrl_c():
        client, cluster = _client(scheduler, workers)
        try:
            from geo.scale.plugin import GazetteerPlugin

            client.register_plugin(GazetteerPlugin(site_paths, fix_paths))
            window = max(2, 2 * len(client.scheduler_info().get("workers", {})) + 1)
            _prepare_work(work, resume)
            stage, receipts = work / "parts", work / "done"
            staged: dict[Path, Path] = {}
            kept: set[Path] = set()  # the receipts of this run's plan
            pending: deque[tuple[Any, str, Path]] = deque()

            def collect() -> None:
                future, key, receipt = pending.popleft()
                result: PartResult = future.result()
                _collect_part(result, ids, report)
                # After the renaming, which may rewrite the part: the receipt names the file
                # as it will be published.
                _write_receipt(receipt, key, result)
                counts["documents"] += sum(1 for _i, _s, n in result.docs if n >= 0)
                counts["mentions"] += result.mentions
                counts["resolved"] += result.resolved
                counts["unresolved"] += result.mentions - result.resolved
                if on_part is not None:
                    on_part(result)

            partitions = plan_partitions(
                inputs,
                target_bytes=target_bytes,
                files_per_partition=files_per_partition,
                on_error=report,
            )
            for number, partition in enumerate(partitions):
                name = f"part-{number:05d}.parquet"
                staged[stage / name] = output / name
                key = _part_key(partition, options)
                receipt = receipts / f"part-{number:05d}.json"
                kept.add(receipt)
                done = _receipt(receipt, key, stage / name, output / name) if resume else None
                if done is not None:
                    pending.append((_Done(done), key, receipt))
                    counts["resumed"] += 1
                else:
                    receipt.unlink(missing_ok=True)
                    data = None
                    if partition.data:
                        # Decompressed lines go to a worker as data of their own, not inside
                        # the task (which the scheduler keeps and would warn about).
                        data = client.scatter(partition.data, hash=False)
                        partition = partition._replace(data=b"")
                    future = client.submit(
                        parse_partition,
                        partition,
                        str(stage / name),
                        data=data,
                        candidates=candidates,
                        geometry=geometry,
                        sites=site_paths,
                        corrections=fix_paths,
                        key=f"geo-extract-{run}-{name}",
                        pure=False,
                    )
                    pending.append((future, key, receipt))
                counts["partitions"] += 1
                if len(pending) >= window:
                    collect()
            while pending:
                collect()
            for extra in stage.iterdir():
                if extra not in staged and extra.is_file():
                    # a longer plan's part, or the temporary file of a worker that was killed
                    extra.unlink()
            if not staged:  # an empty corpus still gives a readable folder
                from geo.io.mentions import MentionWriter

                empty = stage / "part-00000.parquet"
                with MentionWriter(empty, candidates=candidates, geometry=geometry):
                    pass
                staged[empty] = output / empty.name
            publish(staged, folder=output, owned="part-*.parquet")
            # The receipts stay beside the output, so that a later run with ``resume`` takes
            # the parts of the inputs that did not change; the emptied part folder goes.
            shutil.rmtree(stage, ignore_errors=True)
            for old_receipt in receipts.glob("part-*.json"):
                if old_receipt not in kept:
                    old_receipt.unlink()
        finally:
            ids.close()
            _close(client, cluster)
    return counts


def _close(client: Any, cluster: Any) -> None:
    """Close the client, and the local cluster if it is ours."""
    client.close()
    if cluster is not None:
        # Our own cluster, after the results are in: a worker slow to exit (one that
        # held a large partition) is killed, which is no news for the user.
        nanny = logging.getLogger("distributed.nanny")
        level = nanny.level
        nanny.setLevel(logging.ERROR)
        try:
            cluster.close()
        finally:
            nanny.setLevel(level)


@contextlib.contextmanager
def _quiet_after_ctrl_c() -> Iterator[None]:
    """Around a run on Dask: after Ctrl-C, what Dask and its event loop log is not reported.

    Stopping a run in the middle makes the scheduler, the client and their event loop
    log cancelled callbacks and connections closed mid-message (tornado's "Exception in
    callback"), some at the very moment of the signal, in another thread. The user asked
    to stop: while this context lasts, Ctrl-C first raises those loggers' levels, then
    interrupts as usual; the levels and the handler are put back when it ends, after the
    cluster is closed.
    """
    import signal
    import threading

    names = ("distributed", "tornado", "asyncio")
    levels = {name: logging.getLogger(name).level for name in names}

    def quiet() -> None:
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL)

    def on_ctrl_c(signum: int, frame: Any) -> None:
        quiet()
        raise KeyboardInterrupt

    previous = None
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ):
        previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    except KeyboardInterrupt:
        quiet()
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# ------------------------------------------------------------------ stage 2: aggregation


def aggregate_part(
    paths: Sequence[str | MentionSlice],
    site_ids: frozenset[str],
    max_rows: int,
    keep_rows: tuple[int, int],
    max_documents: int,
) -> tuple[MentionAggregator, list[str]]:
    """Aggregate the records of consecutive mentions files (or slices of one) on a worker.

    *keep_rows* caps the mention and unresolved rows sent back (the room the driver's
    tables will still have when this group's turn comes). Returns the aggregate and the
    messages of the records that could not be read (the driver reports them, in file
    order). A file that is not mention records at all raises
    :class:`~geo.errors.DataError`, which reaches the driver as it is.
    """
    from geo.layers.aggregate import aggregate_mentions

    problems: list[str] = []
    aggregator = aggregate_mentions(
        paths,
        site_ids,
        max_rows=max_rows,
        keep_rows=keep_rows,
        max_documents=max_documents,
        on_error=lambda err: problems.append(str(err)),
    )
    return aggregator, problems


@dataclass(frozen=True)
class _Piece:
    """A unit of stage-2 work: one row group of a Parquet mentions file, or a whole file.

    ``group`` is -1 for a file read whole (JSON Lines, or Parquet whose footer cannot be
    read: the worker then reports what is wrong with it). ``rows`` is (resolved,
    unresolved) from the footer's null counts of ``id``, ``None`` when it does not say.
    """

    path: str
    group: int
    size: int
    rows: tuple[int, int] | None


def _pieces(path: str) -> list[_Piece]:
    """*path* as stage-2 pieces: its row groups (Parquet with a footer), else the whole file."""
    whole = [_Piece(path, -1, os.path.getsize(path), None)]
    if not path.lower().endswith(".parquet"):
        return whole
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        column = meta.schema.names.index("id")
    except (OSError, ValueError):
        return whole
    out = []
    for group in range(meta.num_row_groups):
        info = meta.row_group(group)
        stats = info.column(column).statistics
        known = stats is not None and stats.has_null_count
        rows = (info.num_rows - stats.null_count, stats.null_count) if known else None
        out.append(_Piece(path, group, max(1, info.total_byte_size), rows))
    return out or whole


def _groups(pieces: Sequence[_Piece], n: int) -> list[list[_Piece]]:
    """*pieces* cut into at most *n* runs of consecutive pieces of about equal size."""
    target = sum(p.size for p in pieces) / max(1, n)
    groups: list[list[_Piece]] = [[]]
    filled = 0.0
    for piece in pieces:
        if groups[-1] and filled + piece.size / 2 > target and len(groups) < n:
            groups.append([])
            filled = 0.0
        groups[-1].append(piece)
        filled += piece.size
    return groups if groups[0] else []


def _sources(run: Sequence[_Piece]) -> list[str | MentionSlice]:
    """What a worker reads for *run*: whole files, and slices of consecutive row groups."""
    from geo.io.mentions import MentionSlice

    out: list[str | MentionSlice] = []
    for piece in run:
        last = out[-1] if out else None
        if piece.group < 0:
            out.append(piece.path)
        elif (
            isinstance(last, MentionSlice) and last.path == piece.path and last.stop == piece.group
        ):
            out[-1] = last._replace(stop=piece.group + 1)
        else:
            out.append(MentionSlice(piece.path, piece.group, piece.group + 1))
    return out


def _run_rows(run: Sequence[_Piece]) -> tuple[int, int] | None:
    """(resolved, unresolved) records of *run*, ``None`` when a footer does not say."""
    if any(p.rows is None for p in run):
        return None
    return sum(p.rows[0] for p in run if p.rows), sum(p.rows[1] for p in run if p.rows)


def aggregate_dask(
    sources: Sequence[Path | str] | Path | str,
    site_ids: set[str] | frozenset[str],
    *,
    max_rows: int,
    max_documents: int,
    scheduler: str | None = None,
    workers: int | None = None,
    tasks_per_worker: int = 2,
    on_error: Callable[[DocumentError], None] | None = None,
) -> MentionAggregator:
    """Stage 2 of a big corpus on Dask: aggregate mention records where the cores are.

    The mentions files (the Parquet parts of ``geo extract --engine dask``, Parquet or
    JSON Lines files) are cut into runs of consecutive Parquet row groups (JSON Lines
    files whole), *tasks_per_worker* per worker, so one big file written by a
    single-process ``geo extract`` is shared between workers too; a run reads whole
    documents (:class:`~geo.io.mentions.MentionSlice`). A worker folds its run into a
    :class:`~geo.layers.aggregate.MentionAggregator` (counts, bounded quotes, capped
    rows), and the driver merges the aggregates in order
    (:meth:`~geo.layers.aggregate.MentionAggregator.merge`), which gives exactly
    the single-process aggregate. Few, large tasks keep what travels back small: an
    aggregate holds a bounded number of quotes per place, and each run sends only the
    mention rows the capped tables will still take (known from the Parquet footers'
    null counts of ``id``). The files must be readable by every worker (automatic for
    the default local cluster on 127.0.0.1).
    """
    from geo.io.mentions import mention_files
    from geo.layers.aggregate import MentionAggregator

    report = on_error or (lambda err: None)
    if workers is not None and workers < 1:
        msg = f"--workers must be at least 1, not {workers}"
        raise ConfigurationError(msg)
    if isinstance(sources, str | Path):
        sources = [sources]
    files = [os.path.realpath(p) for source in sources for p in mention_files(source)]
    pieces = [piece for path in files for piece in _pieces(path)]
    ids = frozenset(site_ids)
    total = MentionAggregator(ids, max_rows=max_rows, max_documents=max_documents)
    run = uuid.uuid4().hex[:12]
    with _quiet_after_ctrl_c():
        client, cluster = _client(scheduler, workers)
        try:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = []
            before: tuple[int, int] | None = (0, 0)  # rows of the runs submitted so far
            for number, group in enumerate(_groups(pieces, n_workers * tasks_per_worker)):
                room = (max_rows, max_rows)
                if before is not None:
                    # Rows of the row groups before this run. A run reads on to the end of
                    # its last document, so the runs before may hold a few rows more: the
                    # room given is never less than the room left, and the driver's merge
                    # keeps the first max_rows exactly.
                    room = (max(0, max_rows - before[0]), max(0, max_rows - before[1]))
                    counts = _run_rows(group)
                    if counts is None:
                        before = None  # unknown from here on: later runs keep every row
                    else:
                        before = (before[0] + counts[0], before[1] + counts[1])
                futures.append(
                    client.submit(
                        aggregate_part,
                        _sources(group),
                        ids,
                        max_rows,
                        room,
                        max_documents,
                        key=f"geo-aggregate-{run}-{number:05d}",
                        pure=False,
                    )
                )
            for future in futures:  # in order: the merge is sequential
                part, problems = future.result()
                for message in problems:
                    report(DocumentError(message))
                total.merge(part)
                del part
        finally:
            _close(client, cluster)
    return total
