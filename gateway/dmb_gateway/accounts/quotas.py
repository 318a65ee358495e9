"""Per-user quotas: the operator's defaults (settings) unless an admin set the user's own limit.

A request past a limit is refused before anything is queued: 422 when the request itself is too big (rows per
job), 429 when the user has too much already (running jobs, tables, stored export bytes). The message names
the limit and the current usage.

A check and the insert it allows are atomic: the check first locks the user's row (SELECT ... FOR UPDATE on
PostgreSQL and MariaDB; on SQLite a write to the row takes the database's one write lock), which the caller's
unit of work holds until it commits. Two requests at the limit at once are so served one after the other: the
second counts the first's job or table and is refused, where both used to pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from dmb_contracts.statuses import JOB_ACTIVE, ExportStatus
from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.accounts.refusal import Refused
from dmb_gateway.models import ExportView, JobView, TableView, User
from dmb_gateway.settings import GatewaySettings

#: Job statuses that still hold a slot (dmb_contracts.statuses.JOB_FINISHED are the others).
ACTIVE_JOB = tuple(JOB_ACTIVE)
#: Table statuses that no longer count: a dropped table is gone, a rejected one never existed.
GONE_TABLE = ("dropped", "rejected")
#: When a user at their concurrent-jobs quota may ask again: a small job ends in about this long.
JOBS_RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Quotas:
    rows_per_job: int
    concurrent_jobs: int
    tables: int
    export_bytes: int


@dataclass(frozen=True)
class Usage:
    active_jobs: int
    tables: int
    export_bytes: int


def quotas_of(user: User, settings: GatewaySettings) -> Quotas:
    return Quotas(
        rows_per_job=user.quota_rows_per_job or settings.quota_rows_per_job,
        concurrent_jobs=user.quota_concurrent_jobs or settings.quota_concurrent_jobs,
        tables=user.quota_tables or settings.quota_tables,
        export_bytes=user.quota_export_bytes or settings.quota_export_bytes,
    )


class QuotaService:
    def __init__(self, session: AsyncSession, settings: GatewaySettings) -> None:
        self.session = session
        self.settings = settings

    async def usage_of(self, user: User) -> Usage:
        jobs = sa.select(sa.func.count()).where(JobView.owner_id == user.user_id, JobView.status.in_(ACTIVE_JOB))
        tables = sa.select(sa.func.count()).where(
            TableView.owner_id == user.user_id, TableView.status.not_in(GONE_TABLE)
        )
        stored = sa.select(sa.func.coalesce(sa.func.sum(ExportView.size_bytes), 0)).where(
            ExportView.owner_id == user.user_id, ExportView.status == ExportStatus.COMPLETED
        )
        return Usage(
            active_jobs=await self.session.scalar(jobs) or 0,
            tables=await self.session.scalar(tables) or 0,
            export_bytes=int(await self.session.scalar(stored) or 0),
        )

    async def _lock(self, user: User) -> Quotas:
        """Lock the user's row until the caller's transaction ends; their quotas as they stand now."""
        if self.session.get_bind().dialect.name == "sqlite":
            # SQLite ignores FOR UPDATE; a write as the transaction's first takes its write lock (others wait).
            await self.session.execute(
                sa.update(User).where(User.user_id == user.user_id).values(is_admin=User.is_admin),
                execution_options={"synchronize_session": False},
            )
        row = (
            await self.session.execute(
                sa.select(
                    User.quota_rows_per_job, User.quota_concurrent_jobs, User.quota_tables, User.quota_export_bytes
                )
                .where(User.user_id == user.user_id)
                .with_for_update()
            )
        ).one()
        return Quotas(
            rows_per_job=row.quota_rows_per_job or self.settings.quota_rows_per_job,
            concurrent_jobs=row.quota_concurrent_jobs or self.settings.quota_concurrent_jobs,
            tables=row.quota_tables or self.settings.quota_tables,
            export_bytes=row.quota_export_bytes or self.settings.quota_export_bytes,
        )

    async def check_jobs(self, user: User, rows: Sequence[int], *, one_at_a_time: bool = False) -> None:
        """Refuse new jobs (one per entry of `rows`) past the rows-per-job or the concurrent-jobs limit. The jobs
        of a batch run `one_at_a_time` (each starts when the one before it completed), so a batch asks for one."""
        quotas = await self._lock(user)
        for index, count in enumerate(rows):
            if count > quotas.rows_per_job:
                raise Refused(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"Your quota allows {quotas.rows_per_job:,} rows per job; this job asks for {count:,}",
                    location="rows" if len(rows) == 1 else f"tables.{index}.rows",
                )
        active = (await self.usage_of(user)).active_jobs
        asked = 1 if one_at_a_time else len(rows)
        if active + asked > quotas.concurrent_jobs:
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Your quota allows {quotas.concurrent_jobs} jobs at once; {active} are pending or running "
                f"and this asks for {asked} more. Wait for one to finish or cancel one",
                # Running jobs end on their own: the refusal is temporary, so it says when to ask again.
                headers={"Retry-After": str(JOBS_RETRY_AFTER_SECONDS)},
            )

    async def check_new_table(self, user: User, count: int = 1) -> None:
        """Refuse `count` new tables past the tables limit."""
        quotas = await self._lock(user)
        tables = (await self.usage_of(user)).tables
        if tables + count > quotas.tables:
            asks = "" if count == 1 else f" and this asks for {count} more"
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Your quota allows {quotas.tables} tables and you have {tables}{asks}; drop one to create another",
            )

    async def check_new_export(self, user: User) -> None:
        """Refuse an export once the stored exports reach their limit (an export's size is known only when it
        completes, so exports under way are not counted)."""
        quotas = await self._lock(user)
        stored = (await self.usage_of(user)).export_bytes
        if stored >= quotas.export_bytes:
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Your quota allows {quotas.export_bytes:,} bytes of stored exports and yours hold {stored:,}; "
                "ask an admin for more, or wait for old exports to expire",
            )
