"""A large table's data sheets read, encoded and compressed in worker processes, a slice of rows each.

Why: reading rows (driver tuples into Python values) and encoding them as sheet XML is Python work under
the GIL; one process does ~1.2M cells/s however the work is threaded (docs/performance.md). Two processes,
each reading and encoding half of the table, use both cores.

How
---
The parent opens a REPEATABLE READ transaction and exports its snapshot (`pg_export_snapshot`); every
worker imports it (`SET TRANSACTION SNAPSHOT`), so all slices read the same committed state the
single-process export would have read in its one transaction, even while a job writes to the table. The key
range of the table's integer primary key (min … max, from the index) is cut into equal slices, two per
worker; each worker counts the rows before its slice (its first row's number on the sheet), streams its
rows in key order (the single-process order), encodes them with the same RowEncoder and deflates them into
piece files, a piece per sheet the slice touches, each ending with a sync flush. The parent joins the pieces
into the sheet's zip member (adapters/zip_pieces.py) between openpyxl's part around `<sheetData>`.

Where: PostgreSQL only (SLICED_DIALECTS): SQLite and MariaDB cannot share a snapshot between connections, so
slices read by separate connections could disagree while a job writes (SQLite's WAL lets the exporter read
while the generator writes); they keep the single-process path, as does a table without a single integer
primary key or one estimated below PARALLEL_MIN_ROWS rows (starting the workers costs ~0.5 s).
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import queue
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import fetch_batches
from dmb_exporter.adapters.zip_pieces import DeflatePiece, PieceWriter
from dmb_exporter.domain.xlsx import WIDTH_SAMPLE_ROWS, XLSX_BATCH_ROWS, ColumnWidths, RowEncoder, RowSource, StyleIds
from sqlalchemy.exc import SQLAlchemyError

#: Tables estimated below this many rows keep the single-process path: starting the workers (a fresh
#: interpreter each, its imports, a connection) costs ~0.5 s, about what 100,000 rows' encoding saves.
PARALLEL_MIN_ROWS = 200_000
#: Worker processes at most (the target machine has two cores; the database server shares them).
MAX_WORKERS = 2
#: Slices per worker: more than one evens out slices that hold fewer rows (gaps in the keys) or a worker
#: slowed by other load; each slice after the first counts the rows before it (~0.1 s at 1M rows).
SLICES_PER_WORKER = 2
#: Dialects whose workers can read the parent's snapshot (see the module docstring).
SLICED_DIALECTS = frozenset({"postgresql"})
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")

log = logging.getLogger(__name__)


class ExportWorkerFailed(RuntimeError):
    """A worker process could not write its slice; the message is the plain reason."""


@dataclass(frozen=True)
class SlicePiece:
    """A slice's rows on one sheet: `rows` rows as one deflate piece."""

    sheet: int
    rows: int
    piece: DeflatePiece


@dataclass(frozen=True)
class SliceResult:
    """What a worker wrote: its pieces in sheet order, cells cut to Excel's limit, and the display widths of
    the table's first WIDTH_SAMPLE_ROWS rows that fell in this slice, by sheet."""

    pieces: list[SlicePiece]
    truncated: int
    widths: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SliceTask:
    """Everything a worker process needs (picklable): the table, the snapshot, the key range, the encoding."""

    url: str
    table: TableSpec
    schema: str | None
    spec: TableSpec
    styles: StyleIds
    snapshot: str | None
    key: str
    #: Keys low <= key < high; None: unbounded.
    low: int | None
    high: int | None
    max_rows_per_sheet: int
    folder: str
    name: str
    level: int


@dataclass(frozen=True)
class SlicedRows:
    """The table's rows as deflate pieces: per sheet, in order, with its row count; cells truncated; the
    widths sampled per sheet; the folder holding the piece files (removed by `discard`)."""

    sheets: list[list[DeflatePiece]]
    sheet_rows: list[int]
    truncated: int
    widths: dict[int, list[int]]
    folder: Path

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def slice_key(source: RowSource) -> str | None:
    """The column the table's rows can be sliced on (a single integer primary key), or None."""
    table = table_for(source.table, source.schema)
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
        return keys[0].name
    return None


def can_slice(source: RowSource) -> bool:
    return sa.make_url(source.url).get_backend_name() in SLICED_DIALECTS and slice_key(source) is not None


def worker_count() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(MAX_WORKERS, cores)


def write_slices(
    source: RowSource,
    spec: TableSpec,
    styles: StyleIds,
    folder: Path,
    *,
    max_rows_per_sheet: int,
    level: int,
    rows_hint: int | None,
) -> SlicedRows | None:
    """The table's rows encoded and compressed by worker processes, or None where the single-process path
    should write them (see the module docstring); raises ExportWorkerFailed if a worker fails, leaving no
    piece file behind."""
    workers = worker_count()
    key = slice_key(source)
    if key is None or workers < 2 or not can_slice(source):
        return None
    if rows_hint is not None and rows_hint < PARALLEL_MIN_ROWS:
        return None
    engine = create_datasets_engine(source.url)
    try:
        with engine.connect() as conn:
            snapshot = _export_snapshot(conn)  # held until every worker has read its slice
            column = table_for(source.table, source.schema).c[key]
            low, high = conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
            if low is None or (rows_hint if rows_hint is not None else high - low + 1) < PARALLEL_MIN_ROWS:
                return None
            pieces = Path(tempfile.mkdtemp(prefix=".dmb-slices-", dir=folder))
            bounds = _bounds(int(low), int(high), workers * SLICES_PER_WORKER)
            tasks = [
                SliceTask(
                    url=source.url,
                    table=source.table,
                    schema=source.schema,
                    spec=spec,
                    styles=styles,
                    snapshot=snapshot,
                    key=key,
                    low=start,
                    high=end,
                    max_rows_per_sheet=max_rows_per_sheet,
                    folder=str(pieces),
                    name=f"slice{number:03d}",
                    level=level,
                )
                for number, (start, end) in enumerate(bounds)
            ]
            started = time.perf_counter()
            try:
                results = _run(tasks, workers, source.on_rows)
            except BaseException:
                shutil.rmtree(pieces, ignore_errors=True)
                raise
            conn.rollback()
    finally:
        engine.dispose()
    sliced = _assemble(results, pieces)
    log.info(
        "xlsx rows of %s: %d in %d slices by %d worker processes, %.2fs",
        source.table.table_name,
        sum(sliced.sheet_rows),
        len(tasks),
        workers,
        time.perf_counter() - started,
    )
    return sliced


def _export_snapshot(conn: sa.Connection) -> str | None:
    """Begins the parent's transaction; on PostgreSQL a REPEATABLE READ one whose snapshot is exported."""
    if conn.dialect.name != "postgresql":
        conn.execute(sa.select(1))
        return None
    conn.execution_options(isolation_level="REPEATABLE READ")
    snapshot = str(conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one())
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    return snapshot


def _bounds(low: int, high: int, slices: int) -> list[tuple[int | None, int | None]]:
    """`slices` key ranges of (nearly) equal width covering low … high, open at both ends."""
    span = high - low + 1
    slices = max(1, min(slices, span))
    cuts = [low + span * number // slices for number in range(1, slices)]
    starts: list[int | None] = [None, *cuts]
    ends: list[int | None] = [*cuts, None]
    return list(zip(starts, ends, strict=True))


def _run(tasks: Sequence[SliceTask], workers: int, on_rows: Callable[[int], None] | None) -> list[SliceResult]:
    """The tasks' results in task order; the workers' row counts go to `on_rows` as they come."""
    # forkserver: the first export starts a server process (a fresh interpreter: nothing of the service's
    # threads, event loop or connections) that imports this module once and stays; each worker is then a fork
    # of it, ready at once, where a spawned one starts an interpreter and imports ~0.5 s (seconds without
    # bytecode caches) — and spawn would also import the parent's main module in every worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    progress: Any = context.Queue()
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(progress,)
    )
    try:
        futures = [pool.submit(_encode_slice, task) for task in tasks]
        pending: set[concurrent.futures.Future[SliceResult]] = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(
                pending, timeout=0.5, return_when=concurrent.futures.FIRST_EXCEPTION
            )
            _drain(progress, on_rows)
            for future in done:
                _raise_failure(future)
        _drain(progress, on_rows)
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.close()
        progress.join_thread()


def _raise_failure(future: concurrent.futures.Future[SliceResult]) -> None:
    error = future.exception()
    if error is None:
        return
    if isinstance(error, ExportWorkerFailed):
        raise error
    # A worker killed (out of memory, a signal) breaks the pool: every future fails with BrokenProcessPool.
    raise ExportWorkerFailed(f"a process writing the workbook stopped unexpectedly ({error})") from error


def _drain(progress: Any, on_rows: Callable[[int], None] | None) -> None:
    while True:
        try:
            rows = progress.get_nowait()
        except queue.Empty:
            return
        if on_rows is not None:
            on_rows(rows)


def _assemble(results: Sequence[SliceResult], folder: Path) -> SlicedRows:
    sheets: list[list[DeflatePiece]] = []
    sheet_rows: list[int] = []
    widths: dict[int, list[int]] = {}
    for result in results:
        for piece in result.pieces:
            while len(sheets) <= piece.sheet:
                sheets.append([])
                sheet_rows.append(0)
            sheets[piece.sheet].append(piece.piece)
            sheet_rows[piece.sheet] += piece.rows
        for sheet, sample in result.widths.items():
            widths[sheet] = [max(pair) for pair in zip(widths.get(sheet, sample), sample, strict=True)]
    return SlicedRows(sheets, sheet_rows, sum(result.truncated for result in results), widths, folder)


# ---- in the worker processes ----

_progress: Any = None


def _start_worker(progress: Any) -> None:
    global _progress
    _progress = progress


def _encode_slice(task: SliceTask) -> SliceResult:
    """Worker entry point: any failure comes back as ExportWorkerFailed with a plain reason (the driver's
    exceptions need not be picklable), its piece files removed."""
    written: list[Path] = []
    engine = create_datasets_engine(task.url)
    try:
        return _encode(task, engine, written)
    except Exception as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ExportWorkerFailed(_plain_reason(exc, engine.dialect.loaded_dbapi.Error)) from None
    finally:
        engine.dispose()


def _plain_reason(exc: Exception, driver_error: type[Exception]) -> str:
    # The rows come through the driver's own cursor (datasets_reader.fetch_batches), so its errors arrive as
    # they are, not wrapped by SQLAlchemy.
    if isinstance(exc, SQLAlchemyError | driver_error):
        original = getattr(exc, "orig", None) or exc
        return f"the datasets database could not be read: {str(original).splitlines()[0][:300]}"
    if isinstance(exc, ValueError | OSError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _encode(task: SliceTask, engine: sa.Engine, written: list[Path]) -> SliceResult:
    table = table_for(task.table, task.schema)
    key = table.c[task.key]
    encoder = RowEncoder(task.spec, task.styles)
    folder = Path(task.folder)
    pieces: list[SlicePiece] = []
    widths: dict[int, ColumnWidths] = {}
    query = sa.select(*table.columns).order_by(key)
    if task.low is not None:
        query = query.where(key >= task.low)
    if task.high is not None:
        query = query.where(key < task.high)
    with engine.connect() as conn:
        if task.snapshot is not None:
            conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{task.snapshot}'")  # checked: hex digits, '-'
        position = 0  # the table's row index of the next row
        if task.low is not None:
            before = sa.select(sa.func.count()).select_from(table).where(key < task.low)
            position = conn.execute(before).scalar_one()
        writer: PieceWriter | None = None
        sheet = rows_in_piece = 0
        for batch in fetch_batches(conn, table, query):
            offset = 0
            while offset < len(batch):
                at_sheet, in_sheet = divmod(position, task.max_rows_per_sheet)
                take = min(XLSX_BATCH_ROWS, len(batch) - offset, task.max_rows_per_sheet - in_sheet)
                rows = batch[offset : offset + take]
                if writer is None or at_sheet != sheet:
                    if writer is not None:
                        pieces.append(SlicePiece(sheet, rows_in_piece, writer.close()))
                    sheet, rows_in_piece = at_sheet, 0
                    path = folder / f"{task.name}-{sheet:04d}.deflate"
                    written.append(path)
                    writer = PieceWriter(path, task.level)
                if position < WIDTH_SAMPLE_ROWS:
                    sample = widths.setdefault(sheet, ColumnWidths(task.spec))
                    for values in rows[: WIDTH_SAMPLE_ROWS - position]:
                        sample.measure(values)
                writer.write(encoder.rows(rows, in_sheet + 2).encode())  # row 1 is the header
                rows_in_piece += take
                position += take
                offset += take
            if _progress is not None:
                _progress.put(len(batch))
        if writer is not None:
            pieces.append(SlicePiece(sheet, rows_in_piece, writer.close()))
        conn.rollback()
    return SliceResult(pieces, encoder.truncated, {number: each.widths for number, each in widths.items()})
