"""The exporter's use case: stream a table into a file, store it, record and announce the outcome."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_common.runtime import ServiceRuntime
from dmb_common.storage import ObjectStore, StoredObject
from dmb_contracts.commands import RequestExport
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import ExportCompleted, ExportFailed
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.upload import UploadFailed, discard_object, upload_with_retry
from dmb_exporter.domain import ExportAbout, ExportResult, write_export
from dmb_exporter.models import ExportRecord, ExportStatus

log = logging.getLogger(__name__)


@dataclass
class ExporterDeps:
    runtime: ServiceRuntime
    datasets: Engine
    datasets_schema: str | None
    store: ObjectStore
    upload_attempts: int = 4
    upload_first_delay: float = 0.5


def object_key(cmd: RequestExport, extension: str) -> str:
    owner = cmd.owner_id.hex if cmd.owner_id else "shared"
    return f"exports/{owner}/{cmd.export_id.hex}/{cmd.spec.table_name}.{extension}"


def _produce(cmd: RequestExport, deps: ExporterDeps) -> tuple[ExportResult, StoredObject]:
    """Blocking: stream the rows into a temporary file, then upload it (the file never lingers)."""
    table = table_for(cmd.spec, deps.datasets_schema)
    started = time.perf_counter()
    with deps.datasets.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    about = ExportAbout.for_request(cmd, rows=total)
    with tempfile.TemporaryDirectory(prefix="dmb-export-") as folder:
        path = Path(folder) / f"export.{cmd.format.value}"
        result = write_export(
            cmd.format, stream_rows(deps.datasets, table), cmd.spec, about, path, csv_excel_bom=cmd.csv_excel_bom
        )
        about_seconds = time.perf_counter() - started
        log.info("wrote %d rows of %s in %.2fs", result.rows, cmd.spec.table_name, about_seconds)
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
    try:
        result, stored = await asyncio.to_thread(_produce, cmd, deps)
    except (UploadFailed, SQLAlchemyError, OSError, ValueError) as exc:
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


async def _finish_completed(
    cmd: RequestExport, deps: ExporterDeps, result: ExportResult, stored: StoredObject, seconds: float
) -> None:
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, cmd.export_id)
        assert record is not None
        record.status, record.object_key, record.size_bytes = ExportStatus.COMPLETED, stored.key, stored.size_bytes
        record.sha256, record.content_type, record.rows = stored.sha256, stored.content_type, result.rows
        record.seconds, record.finished_at = seconds, utcnow()
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
            ),
            cmd,
        )
        await uow.commit()


def _reason(exc: Exception) -> str:
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None) or exc
        return f"the datasets database could not be read: {str(original).splitlines()[0][:300]}"
    return str(exc)[:1000]


async def _finish_failed(cmd: RequestExport, deps: ExporterDeps, reason: str) -> None:
    log.warning("export %s failed: %s", cmd.export_id, reason)
    async with deps.runtime.uow() as uow:
        record = await uow.session.get(ExportRecord, cmd.export_id)
        assert record is not None
        record.status, record.error, record.finished_at = ExportStatus.FAILED, reason, utcnow()
        uow.emit(ExportFailed(export_id=cmd.export_id, table_id=cmd.table_id, reason=reason), cmd)
        await uow.commit()
