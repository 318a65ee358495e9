"""The exporter's use case: stream a table into a file, store it, record and announce the outcome."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from dmb_common.datasets import owned_table
from dmb_common.namespaces import hide_physical_names, physical_spec
from dmb_common.runtime import ServiceRuntime
from dmb_common.storage import ObjectStore, StoredObject
from dmb_contracts.commands import RequestExport
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import ExportCompleted, ExportExpired, ExportFailed, ExportProgressed
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import ExportStatus
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.formats import ExportResult, write_export
from dmb_exporter.adapters.temp_files import ExportTempFiles
from dmb_exporter.adapters.upload import UploadFailed, discard_object, upload_with_retry
from dmb_exporter.adapters.xlsx_slices import ExportWorkerFailed
from dmb_exporter.domain import ExportAbout, WorkbookTable
from dmb_exporter.domain.xlsx import RowSource
from dmb_exporter.models import ExportRecord
from dmb_exporter.progress import RowCounter

log = logging.getLogger(__name__)


@dataclass
class ExporterDeps:
    runtime: ServiceRuntime
    datasets: Engine
    datasets_schema: str | None
    store: ObjectStore
    upload_attempts: int = 4
    upload_first_delay: float = 0.5
    #: How long a completed export's file is kept; None keeps it forever.
    retention: dt.timedelta | None = None
    clock: Callable[[], dt.datetime] = utcnow
    temp_files: ExportTempFiles = field(default_factory=ExportTempFiles)


#: File names of multi-table workbooks list the tables up to this length, then say how many more.
MAX_FILE_STEM = 120


def file_stem(cmd: RequestExport) -> str:
    """The export's file name without extension: the table name, or the tables' names joined by "-" (table
    names never hold one)."""
    names = [cmd.spec.table_name, *(table.spec.table_name for table in cmd.more_tables)]
    joined = "-".join(names)
    return joined if len(joined) <= MAX_FILE_STEM else f"{names[0]}-and-{len(names) - 1}-more"


def object_key(cmd: RequestExport, extension: str) -> str:
    owner = cmd.owner_id.hex if cmd.owner_id else "shared"
    return f"exports/{owner}/{cmd.export_id.hex}/{file_stem(cmd)}.{extension}"


def _produce(
    cmd: RequestExport, deps: ExporterDeps, report: Callable[[int, int], None]
) -> tuple[ExportResult, StoredObject]:
    """Blocking: stream the rows into a temporary file, then upload it (the file never lingers); `report`
    hears (rows written, rows in all) at the start and about every second."""
    # The tables' owner, also when an admin asks for the export: the gateway sends it as the command's owner.
    table = owned_table(cmd.spec, cmd.owner_id, deps.datasets_schema)
    more = [owned_table(extra.spec, cmd.owner_id, deps.datasets_schema) for extra in cmd.more_tables]
    started = time.perf_counter()
    with deps.datasets.connect() as conn:
        total, *more_totals = (
            conn.execute(sa.select(sa.func.count()).select_from(each)).scalar_one() for each in (table, *more)
        )
    about = ExportAbout.for_request(cmd, rows=total)
    progress = RowCounter(total + sum(more_totals), report)
    progress.start()
    # The URL with its password: the xlsx writer's worker processes open their own connections.
    url = deps.datasets.url.render_as_string(hide_password=False)

    def source(spec: TableSpec) -> RowSource:
        return RowSource(url, physical_spec(spec, cmd.owner_id), deps.datasets_schema, on_rows=progress.add)

    # The generators open their connection only when the workbook reaches their table, one table at a time.
    more_tables = [
        WorkbookTable(
            progress.counted(stream_rows(deps.datasets, each)),
            extra.spec,
            ExportAbout.for_spec(
                extra.spec,
                definition_version=extra.table_version,
                seed=extra.seed,
                locale=extra.locale,
                generator_version=extra.generator_version,
                row_count=count,
            ),
            source(extra.spec),
        )
        for extra, each, count in zip(cmd.more_tables, more, more_totals, strict=True)
    ]
    with deps.temp_files.folder(cmd.export_id) as folder:
        path = folder / f"export.{cmd.format.value}"
        result = write_export(
            cmd.format,
            progress.counted(stream_rows(deps.datasets, table)),
            cmd.spec,
            about,
            path,
            csv_excel_bom=cmd.csv_excel_bom,
            sql_dialect=cmd.sql_dialect,
            sql_copy=cmd.sql_copy,
            more_tables=more_tables,
            source=source(cmd.spec),
        )
        about_seconds = time.perf_counter() - started
        log.info("wrote %d rows of %s in %.2fs", result.rows, file_stem(cmd), about_seconds)
        stored = upload_with_retry(
            deps.store,
            object_key(cmd, result.extension),
            path,
            result.content_type,
            attempts=deps.upload_attempts,
            first_delay=deps.upload_first_delay,
        )
    return result, stored


async def request_export(cmd: RequestExport, deps: ExporterDeps) -> None:
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, cmd.export_id)
        if record is not None and record.status != ExportStatus.RUNNING:
            return  # a redelivery of an export already finished
        if record is None:
            uow.session.add(
                ExportRecord(
                    export_id=cmd.export_id,
                    owner_id=cmd.owner_id,
                    table_id=cmd.table_id,
                    format=cmd.format.value,
                    status=ExportStatus.RUNNING,
                    created_at=utcnow(),
                )
            )
            await uow.commit()
    started = time.perf_counter()
    loop = asyncio.get_running_loop()

    def report(written: int, total: int) -> None:  # called from the writing thread
        future = asyncio.run_coroutine_threadsafe(_progressed(cmd, deps, written, total), loop)
        future.add_done_callback(_log_progress_failure)

    try:
        result, stored = await asyncio.to_thread(_produce, cmd, deps, report)
    except (UploadFailed, SQLAlchemyError, OSError, ValueError, ExportWorkerFailed) as exc:
        await _finish_failed(cmd, deps, _reason(exc))
        return
    seconds = time.perf_counter() - started
    try:
        await _finish_completed(cmd, deps, result, stored, seconds)
    except Exception:
        # The record could not be completed (the message will be redelivered and the export redone): the
        # object must not outlive it, or the store would hold a file no completed export points at.
        await asyncio.to_thread(discard_object, deps.store, stored.key)
        raise


async def _progressed(cmd: RequestExport, deps: ExporterDeps, written: int, total: int) -> None:
    async with deps.runtime.uow() as uow:
        uow.emit(
            ExportProgressed(export_id=cmd.export_id, table_id=cmd.table_id, rows_written=written, rows_total=total),
            cmd,
        )
        await uow.commit()


def _log_progress_failure(future: concurrent.futures.Future[None]) -> None:
    # Progress is informative: a lost report must not fail the export, but the operator should know.
    if not future.cancelled() and future.exception() is not None:
        log.warning("could not record an export's progress: %r", future.exception())


async def _finish_completed(
    cmd: RequestExport, deps: ExporterDeps, result: ExportResult, stored: StoredObject, seconds: float
) -> None:
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, cmd.export_id)
        assert record is not None
        record.status, record.object_key, record.size_bytes = ExportStatus.COMPLETED, stored.key, stored.size_bytes
        record.sha256, record.content_type, record.rows = stored.sha256, stored.content_type, result.rows
        record.seconds, record.finished_at, record.truncated_cells = seconds, utcnow(), result.truncated_cells
        uow.emit(
            ExportCompleted(
                export_id=cmd.export_id,
                table_id=cmd.table_id,
                format=cmd.format,
                object_key=stored.key,
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                content_type=stored.content_type,
                rows=result.rows,
                seconds=seconds,
                truncated_cells=result.truncated_cells,
            ),
            cmd,
        )
        await uow.commit()


def _reason(exc: Exception) -> str:
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None) or exc
        return hide_physical_names(f"the datasets database could not be read: {str(original).splitlines()[0][:300]}")
    return hide_physical_names(str(exc)[:1000])


async def _finish_failed(cmd: RequestExport, deps: ExporterDeps, reason: str) -> None:
    log.warning("export %s failed: %s", cmd.export_id, reason)
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, cmd.export_id)
        assert record is not None
        record.status, record.error, record.finished_at = ExportStatus.FAILED, reason, utcnow()
        uow.emit(ExportFailed(export_id=cmd.export_id, table_id=cmd.table_id, reason=reason), cmd)
        await uow.commit()


def describe_period(period: dt.timedelta) -> str:
    """A retention period in words: "30 days", "1.5 days", "6 hours", "45 seconds"."""
    seconds = period.total_seconds()
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds / size
            return f"{count:g} {unit}" + ("" if count == 1 else "s")
    return f"{seconds:g} second" + ("" if seconds == 1 else "s")


async def expire_exports(deps: ExporterDeps, now: dt.datetime, *, batch_size: int = 100) -> int:
    """Delete the files of completed exports that finished more than the retention period before `now`, and
    mark those exports expired (announced with ExportExpired); returns how many expired.

    The object goes first, the record after: while the store is unreachable the exports stay completed and
    the next sweep tries again; if the record cannot be updated after the delete, the next sweep deletes
    again (a no-op) and updates it then. So no export is ever shown as expired while its file is still kept.
    """
    if deps.retention is None:
        return 0
    cutoff = now - deps.retention
    reason = f"its file was deleted at the end of the retention period ({describe_period(deps.retention)})"
    expired = 0
    while True:
        async with deps.runtime.sessions() as session:
            due = (
                await session.execute(
                    sa.select(ExportRecord.export_id, ExportRecord.object_key)
                    .where(ExportRecord.status == ExportStatus.COMPLETED, ExportRecord.finished_at < cutoff)
                    .order_by(ExportRecord.finished_at)
                    .limit(batch_size)
                )
            ).all()
        for export_id, key in due:
            if key is not None:
                try:
                    await asyncio.to_thread(deps.store.delete, key)
                except Exception as exc:  # the store is down or refuses: keep the export, retry next sweep
                    log.warning("retention: could not delete %s (export %s): %s", key, export_id, exc)
                    return expired
            if await _mark_expired(deps, export_id, now, reason):
                expired += 1
        if len(due) < batch_size:
            return expired


async def _mark_expired(deps: ExporterDeps, export_id: uuid.UUID, now: dt.datetime, reason: str) -> bool:
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, export_id, with_for_update=True)
        if record is None or record.status != ExportStatus.COMPLETED:
            return False  # another exporter replica expired it first
        record.status, record.expired_at = ExportStatus.EXPIRED, now
        uow.emit(
            ExportExpired(
                export_id=record.export_id,
                table_id=record.table_id,
                object_key=record.object_key or "",
                reason=reason,
                owner_id=record.owner_id,
                correlation_id=record.export_id,
            )
        )
        await uow.commit()
        log.info("export %s expired: %s", export_id, reason)
        return True
