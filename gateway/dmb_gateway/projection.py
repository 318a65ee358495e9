"""The read model: every service's events folded into the rows the API and the UI show.

Updates are idempotent (they set state), and a finished job or export is never moved back by a late
progress event, so redelivery and reordering are harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dmb_common.runtime import ServiceRuntime
from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.events import (
    AIValuesProgressed,
    ExportCompleted,
    ExportExpired,
    ExportFailed,
    ExportProgressed,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobProgressed,
    JobStarted,
    MigrationRecorded,
    RowsPreviewed,
    TableAltered,
    TableCreated,
    TableDropped,
    TableRejected,
)
from dmb_contracts.statuses import JOB_FINISHED, ExportStatus, JobStatus

from dmb_gateway.changes import Changes
from dmb_gateway.models import ExportView, JobView, MigrationView, RowPreviewView, TableVersionView, TableView

#: Jobs past these statuses are not changed by late events (dmb_contracts.statuses.JOB_FINISHED).
FINISHED = JOB_FINISHED


class Projection:
    def __init__(self, runtime: ServiceRuntime, changes: Changes | None = None) -> None:
        self.runtime = runtime
        #: Told of every row this projection changed, once committed (event streams wait on it).
        self.changes = changes or Changes()

    def handlers(self) -> dict[type[Message], Callable[[Any], Awaitable[None]]]:
        return {
            TableCreated: self.table_created,
            TableAltered: self.table_altered,
            TableRejected: self.table_rejected,
            TableDropped: self.table_dropped,
            MigrationRecorded: self.migration_recorded,
            JobStarted: self.job_started,
            JobProgressed: self.job_progressed,
            AIValuesProgressed: self.ai_values_progressed,
            JobCompleted: self.job_completed,
            JobFailed: self.job_failed,
            JobCancelled: self.job_cancelled,
            ExportProgressed: self.export_progressed,
            ExportCompleted: self.export_completed,
            ExportFailed: self.export_failed,
            ExportExpired: self.export_expired,
            RowsPreviewed: self.rows_previewed,
        }

    async def _update(
        self, model: type[TableView | JobView | ExportView], key: Any, changes: Callable[[Any], None]
    ) -> None:
        async with self.runtime.uow() as uow:
            row = await uow.session.get(model, key, with_for_update=True)
            if row is None:
                return  # created by another gateway or already deleted: nothing of ours to update
            changes(row)
            await uow.commit()
        self.changes.notify(key)

    async def table_created(self, event: TableCreated) -> None:
        def apply(row: TableView) -> None:
            row.status, row.version, row.spec = "created", event.version, event.spec.model_dump(mode="json")
            row.reason, row.problems, row.updated_at = None, [], utcnow()

        await self._update(TableView, event.table_id, apply)

    async def table_altered(self, event: TableAltered) -> None:
        """A new version: the table shows it, and the history keeps it (and, the first time, the version it
        replaced, which the table row still holds)."""
        async with self.runtime.uow() as uow:
            row = await uow.session.get(TableView, event.table_id, with_for_update=True)
            if row is None:
                return
            history = [
                TableVersionView(
                    table_id=row.table_id,
                    version=event.version,
                    table_name=event.spec.table_name,
                    spec=event.spec.model_dump(mode="json"),
                    changes=list(event.changes),
                    created_by=event.owner_id,
                    created_at=event.occurred_at,
                )
            ]
            if row.version == event.previous_version:
                history.append(
                    TableVersionView(
                        table_id=row.table_id,
                        version=row.version,
                        table_name=row.table_name,
                        spec=row.spec,
                        changes=[],
                        created_by=row.owner_id,
                        created_at=row.created_at,
                    )
                )
            for version in history:
                if await uow.session.get(TableVersionView, (version.table_id, version.version)) is None:
                    uow.session.add(version)
            if event.version > row.version:  # a late redelivery never moves a table back
                row.status, row.version, row.table_name = "created", event.version, event.spec.table_name
                row.spec, row.reason, row.problems, row.updated_at = history[0].spec, None, [], utcnow()
            await uow.commit()
        self.changes.notify(event.table_id)

    async def table_rejected(self, event: TableRejected) -> None:
        def apply(row: TableView) -> None:
            # A refused drop or alter leaves the table as it was; a refused create is a rejected table.
            row.status = "created" if row.status in ("dropping", "altering") else "rejected"
            row.reason, row.updated_at = event.reason, utcnow()
            row.problems = [problem.model_dump() for problem in event.problems]

        await self._update(TableView, event.table_id, apply)

    async def table_dropped(self, event: TableDropped) -> None:
        def apply(row: TableView) -> None:
            row.status, row.updated_at = "dropped", utcnow()

        await self._update(TableView, event.table_id, apply)

    async def migration_recorded(self, event: MigrationRecorded) -> None:
        async with self.runtime.uow() as uow:
            if await uow.session.get(MigrationView, event.message_id) is None:
                uow.session.add(
                    MigrationView(
                        entry_id=event.message_id,
                        table_id=event.table_id,
                        action=event.action,
                        from_version=event.from_version,
                        to_version=event.to_version,
                        status=event.status,
                        changes=list(event.changes),
                        reason=event.reason,
                        seconds=event.seconds,
                        recorded_at=event.occurred_at,
                    )
                )
            await uow.commit()

    async def job_started(self, event: JobStarted) -> None:
        def apply(row: JobView) -> None:
            if row.status not in FINISHED:
                row.status = JobStatus.RUNNING
            row.seed, row.generator_version = event.seed, event.generator_version

        await self._update(JobView, event.job_id, apply)

    async def job_progressed(self, event: JobProgressed) -> None:
        def apply(row: JobView) -> None:
            row.rows_done = max(row.rows_done, event.rows_done)

        await self._update(JobView, event.job_id, apply)

    async def ai_values_progressed(self, event: AIValuesProgressed) -> None:
        def apply(row: JobView) -> None:
            row.ai_values_made = max(row.ai_values_made or 0, event.made)
            row.ai_values_needed = event.needed

        await self._update(JobView, event.job_id, apply)

    async def job_completed(self, event: JobCompleted) -> None:
        def apply(row: JobView) -> None:
            row.status, row.rows_done, row.seconds, row.finished_at = (
                JobStatus.COMPLETED,
                event.rows,
                event.seconds,
                utcnow(),
            )
            row.rows_seconds, row.report_seconds = event.rows_seconds, event.report_seconds
            row.seed, row.generator_version = event.seed, event.generator_version
            row.report = [column.model_dump() for column in event.columns]
            row.table_rows = event.table_rows
            row.fallbacks = list(event.fallbacks)

        await self._update(JobView, event.job_id, apply)

    async def job_failed(self, event: JobFailed) -> None:
        def apply(row: JobView) -> None:
            row.status, row.reason, row.finished_at = JobStatus.FAILED, event.reason, utcnow()

        await self._update(JobView, event.job_id, apply)

    async def job_cancelled(self, event: JobCancelled) -> None:
        def apply(row: JobView) -> None:
            if row.status not in FINISHED:
                row.status, row.finished_at = JobStatus.CANCELLED, utcnow()
            row.rows_done = max(row.rows_done, event.rows_done)

        await self._update(JobView, event.job_id, apply)

    async def export_progressed(self, event: ExportProgressed) -> None:
        def apply(row: ExportView) -> None:
            if row.status not in (ExportStatus.PENDING, ExportStatus.RUNNING):
                return  # a late report of an export that has ended
            # 0 is a (re)start: an exporter that took over a crashed export begins again from the first row.
            if event.rows_written == 0 or event.rows_written >= (row.rows_written or 0):
                row.status, row.rows_written, row.rows_total = (
                    ExportStatus.RUNNING,
                    event.rows_written,
                    event.rows_total,
                )

        await self._update(ExportView, event.export_id, apply)

    async def export_completed(self, event: ExportCompleted) -> None:
        def apply(row: ExportView) -> None:
            if row.status == ExportStatus.EXPIRED:
                return  # a late redelivery: the file is already gone
            row.status, row.object_key, row.size_bytes, row.sha256 = (
                ExportStatus.COMPLETED,
                event.object_key,
                event.size_bytes,
                event.sha256,
            )
            row.content_type, row.rows, row.seconds, row.finished_at = (
                event.content_type,
                event.rows,
                event.seconds,
                utcnow(),
            )
            # The read model has no column of its own for it: a completed export's reason is a note to the user.
            row.reason = (
                f"{event.truncated_cells} cell(s) were cut to Excel's limit of 32,767 characters (see the About sheet)"
                if event.truncated_cells
                else None
            )

        await self._update(ExportView, event.export_id, apply)

    async def export_failed(self, event: ExportFailed) -> None:
        def apply(row: ExportView) -> None:
            row.status, row.reason, row.finished_at = ExportStatus.FAILED, event.reason, utcnow()

        await self._update(ExportView, event.export_id, apply)

    async def export_expired(self, event: ExportExpired) -> None:
        def apply(row: ExportView) -> None:
            row.status, row.reason = ExportStatus.EXPIRED, event.reason

        await self._update(ExportView, event.export_id, apply)

    async def rows_previewed(self, event: RowsPreviewed) -> None:
        # Kept for whichever gateway process waits on it (previews.py); a redelivery overwrites the same row.
        async with self.runtime.uow() as uow:
            await uow.session.merge(
                RowPreviewView(request_id=event.request_id, answer=event.model_dump(mode="json"), created_at=utcnow())
            )
            await uow.commit()
