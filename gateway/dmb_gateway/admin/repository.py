"""The admin area's queries over every owner's tables, jobs and exports (the read model)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import ExportView, JobView, TableView, User

WorkQuery = sa.Select[uuid.UUID, uuid.UUID, str, str, str, dt.datetime]


class WorkKind(StrEnum):
    TABLES = "tables"
    JOBS = "jobs"
    EXPORTS = "exports"


@dataclass(frozen=True)
class WorkRow:
    id: uuid.UUID
    owner_id: uuid.UUID
    owner_email: str | None
    name: str
    status: str
    detail: str
    created_at: dt.datetime


def _tables() -> WorkQuery:
    detail = sa.literal("version ") + sa.cast(TableView.version, sa.String)
    return sa.select(
        TableView.table_id, TableView.owner_id, TableView.table_name, TableView.status, detail, TableView.created_at
    )


def _jobs() -> WorkQuery:
    detail = sa.cast(JobView.rows_done, sa.String) + sa.literal(" of ") + sa.cast(JobView.rows, sa.String)
    name = sa.func.coalesce(TableView.table_name, sa.cast(JobView.table_id, sa.String))
    return sa.select(
        JobView.job_id, JobView.owner_id, name, JobView.status, detail + sa.literal(" rows"), JobView.created_at
    ).outerjoin(TableView, TableView.table_id == JobView.table_id)


def _exports() -> WorkQuery:
    size = sa.func.coalesce(sa.cast(ExportView.size_bytes, sa.String), sa.literal("-"))
    name = sa.func.coalesce(TableView.table_name, sa.cast(ExportView.table_id, sa.String))
    return sa.select(
        ExportView.export_id,
        ExportView.owner_id,
        name,
        ExportView.status,
        ExportView.format + sa.literal(", ") + size + sa.literal(" bytes"),
        ExportView.created_at,
    ).outerjoin(TableView, TableView.table_id == ExportView.table_id)


#: Per kind: the query, and its owner and creation-time columns (to filter and order by).
_QUERIES: dict[WorkKind, tuple[Any, Any, Any]] = {
    WorkKind.TABLES: (_tables, TableView.owner_id, TableView.created_at),
    WorkKind.JOBS: (_jobs, JobView.owner_id, JobView.created_at),
    WorkKind.EXPORTS: (_exports, ExportView.owner_id, ExportView.created_at),
}


class WorkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, kind: WorkKind, owner_id: uuid.UUID | None, offset: int, limit: int
    ) -> tuple[Sequence[WorkRow], int]:
        build, owner_column, created_column = _QUERIES[kind]
        query: WorkQuery = build()
        if owner_id is not None:
            query = query.where(owner_column == owner_id)
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        rows = (await self.session.execute(query.order_by(created_column.desc()).offset(offset).limit(limit))).all()
        owners = {row[1] for row in rows}
        owners_query = sa.select(User.user_id, User.email).where(User.user_id.in_(owners))
        emails = {user_id: email for user_id, email in (await self.session.execute(owners_query)).all()}
        page = [
            WorkRow(
                id=r[0],
                owner_id=r[1],
                owner_email=emails.get(r[1]),
                name=r[2],
                status=r[3],
                detail=r[4],
                created_at=r[5],
            )
            for r in rows
        ]
        return page, total
