"""/api/v1/tables/{id}/exports and /api/v1/exports: export history and owner-only downloads."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Annotated, Any, Self

import sqlalchemy as sa
from dmb_common.storage import ObjectNotFound, ObjectStore
from dmb_contracts.commands import (
    EXPORT_CONTENT_TYPES,
    MAX_TABLES_PER_EXPORT,
    MULTI_TABLE_FORMATS,
    ExportFormat,
    ExportTable,
    RequestExport,
    SqlDialect,
)
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import ColumnReport
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import EXPORT_FINISHED, ExportStatus
from dmb_contracts.table_order import parents_first
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette.sse import EventSourceResponse

from dmb_gateway.accounts.quotas import QuotaService
from dmb_gateway.api.deps import ContextDep, CurrentUser, GatewayContext, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import ExportCreate, ExportPublic, ExportsPublic, Offset, PageLimit
from dmb_gateway.api.shared import ERRORS, created_table
from dmb_gateway.api.state_events import responses, state_events
from dmb_gateway.models import ExportMoreTableView, ExportView, JobView, TableView, User

router = APIRouter(tags=["exports"])
API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)

#: How long a download waits for the file store's first bytes before it answers 503 (the store is down).
STORE_WAIT_SECONDS = 5.0
STORE_RETRY_AFTER_SECONDS = 10


def _store_unavailable(export_id: uuid.UUID, exc: BaseException) -> HTTPException:
    # The store's error names its endpoint, bucket and key: the log gets it, the user gets plain words.
    log.warning("download of export %s: the file store did not answer: %r", export_id, exc)
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        f"The file store is unavailable right now; export {export_id} is kept. "
        f"Please retry in {STORE_RETRY_AFTER_SECONDS} s.",
        {"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
    )


def _public(row: ExportView) -> ExportPublic:
    public = ExportPublic.model_validate(row)
    if row.status == ExportStatus.COMPLETED:
        public.download_url = f"{API_PREFIX}/exports/{row.export_id}/download"
    return public


@router.post(
    "/tables/{table_id:uuid}/exports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportPublic,
    responses=ERRORS,
)
async def request_export(
    table_id: uuid.UUID, body: ExportCreate, user: CurrentUser, context: ContextDep
) -> ExportPublic:
    """Export the table's rows as an Excel workbook, CSV, JSON Lines, JSON, Parquet or SQL file."""
    return await _start_export(context, user, [table_id], body)


class TablesExportCreate(BaseModel):
    """An export of one or more tables; several tables go into one workbook (a sheet or more per table) or one
    SQL script (parents first)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tables": ["9b0c1d7e-1111-4c3b-9f6e-000000000001", "9b0c1d7e-1111-4c3b-9f6e-000000000002"],
                    "format": "xlsx",
                }
            ]
        },
    )

    tables: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_TABLES_PER_EXPORT)] = Field(
        description="The tables to export. A referenced table's sheet comes before the sheets of the tables that "
        "reference it; otherwise each next sheet is the earliest table in this list whose referenced tables are "
        "placed, and tables referencing each other in a cycle keep this order."
    )
    format: ExportFormat = ExportFormat.XLSX
    csv_excel_bom: bool = Field(
        default=False, description="CSV only (one table): start the file with a UTF-8 byte-order mark."
    )
    sql_dialect: SqlDialect | None = Field(
        default=None, description="sql only: the database the script is written for; postgres when left out."
    )
    sql_copy: bool = Field(default=False, description="sql with the postgres dialect only: load rows with COPY.")

    @model_validator(mode="after")
    def _one_workbook(self) -> Self:
        if len(set(self.tables)) != len(self.tables):
            raise ValueError("tables: a table appears twice")
        if len(self.tables) > 1 and self.format not in MULTI_TABLE_FORMATS:
            raise ValueError(
                f"several tables go into one xlsx workbook or sql script; {self.format.value} holds one table"
            )
        if self.csv_excel_bom and self.format is not ExportFormat.CSV:
            raise ValueError(f"csv_excel_bom applies to CSV exports only, not {self.format.value}")
        if self.sql_dialect is not None and self.format is not ExportFormat.SQL:
            raise ValueError(f"sql_dialect applies to sql exports only, not {self.format.value}")
        if self.sql_copy and (
            self.format is not ExportFormat.SQL or self.sql_dialect not in (None, SqlDialect.POSTGRES)
        ):
            raise ValueError("sql_copy applies to sql exports for the postgres dialect only")
        return self


@router.post("/exports", status_code=status.HTTP_202_ACCEPTED, response_model=ExportPublic, responses=ERRORS)
async def request_tables_export(body: TablesExportCreate, user: CurrentUser, context: ContextDep) -> ExportPublic:
    """Export one table, or several into one Excel workbook (a sheet per table, plus the About sheet
    describing each). Every table must be the caller's and created."""
    options = ExportCreate(
        format=body.format, csv_excel_bom=body.csv_excel_bom, sql_dialect=body.sql_dialect, sql_copy=body.sql_copy
    )
    return await _start_export(context, user, body.tables, options)


@router.post(
    "/exports/{export_id:uuid}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportPublic,
    responses=ERRORS,
)
async def retry_export(export_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> ExportPublic:
    """Export again what a failed or expired export was asked for (the same tables, job, format and options),
    as a new export; the old one stays in the history."""
    async with context.runtime.sessions() as session:
        failed = await get_owned(session, ExportView, export_id, user, "export")
    if failed.status not in (ExportStatus.FAILED, ExportStatus.EXPIRED):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Export {export_id} is {failed.status}; only failed or expired exports retry"
        )
    body = ExportCreate(
        format=ExportFormat(failed.format),
        job_id=failed.job_id,
        csv_excel_bom=failed.csv_excel_bom,
        sql_dialect=SqlDialect(failed.sql_dialect) if failed.sql_dialect else None,
        sql_copy=failed.sql_copy,
    )
    return await _start_export(context, user, failed.table_ids, body)


def report_lines(job: JobView) -> list[str]:
    """The job's constraint report as the About sheet shows it: a line per column, then any AI fallbacks."""
    lines = []
    for column in (ColumnReport.model_validate(entry) for entry in job.report):
        parts = [f"{column.nulls} null" + ("" if column.nulls == 1 else "s")]
        if column.distinct is not None:
            parts.append(f"{column.distinct} distinct")
        if column.min is not None or column.max is not None:
            parts.append(f"{_short(column.min)} … {_short(column.max)}")
        parts.append(f"{column.violations} violation" + ("" if column.violations == 1 else "s"))
        lines.append(f"{column.name}: " + ", ".join(parts))
    lines.extend(f"fallback: {_short(reason, 900)}" for reason in job.fallbacks)
    return lines[:MAX_REPORT_LINES]


#: What RequestExport carries of a constraint report (a line per column, so only a huge table reaches it).
MAX_REPORT_LINES = 2000


def _short(value: object, limit: int = 60) -> str:
    """A value for a report line: a long text (a minimum of a text column, say) is cut with an ellipsis."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _start_export(
    context: GatewayContext, user: User, table_ids: list[uuid.UUID], body: ExportCreate
) -> ExportPublic:
    """Record the export as pending and send the command; `body.job_id` (provenance) is about the first table."""
    async with context.runtime.uow() as uow:
        await QuotaService(uow.session, context.settings).check_new_export(user)
        tables = [await created_table(uow.session, table_id, user) for table_id in table_ids]
        tables = [tables[index] for index in parents_first([spec for _, spec in tables], cycles="keep_given_order")]
        (view, spec), more = tables[0], tables[1:]
        if any(other.owner_id != view.owner_id for other, _ in more):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "tables: an export holds tables of one owner")
        table_id = view.table_id
        job = None
        if body.job_id is not None:
            job = await get_owned(uow.session, JobView, body.job_id, user, "job")
            if job.table_id != table_id:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, f"job_id: job {job.job_id} belongs to another table"
                )
        elif more:
            # A workbook of several tables (a multi-table job): each table's part of the About sheet tells
            # the job that made its newest rows.
            job = await _last_completed_job(uow.session, table_id)
        export = ExportView(
            export_id=uuid.uuid4(),
            owner_id=view.owner_id,  # the tables' owner (an admin may ask): their namespace, their history
            table_id=table_id,
            job_id=body.job_id,
            format=body.format.value,
            csv_excel_bom=body.csv_excel_bom,
            sql_dialect=body.dialect.value if body.format is ExportFormat.SQL else None,
            sql_copy=body.sql_copy,
            status=ExportStatus.PENDING,
            created_at=utcnow(),
            more_tables=[
                ExportMoreTableView(position=position, table_id=other.table_id)
                for position, (other, _) in enumerate(more, start=1)
            ],
        )
        uow.session.add(export)
        uow.emit(
            RequestExport(
                export_id=export.export_id,
                table_id=table_id,
                table_version=view.version,
                spec=spec,
                format=body.format,
                job_id=body.job_id,
                seed=job.seed if job else None,
                locale=job.locale if job else None,
                generator_version=job.generator_version if job else None,
                generation_seconds=job.seconds if job else None,
                rows_seconds=job.rows_seconds if job else None,
                report_seconds=job.report_seconds if job else None,
                fallbacks=list(job.fallbacks) if job else [],
                constraint_report=report_lines(job) if job else [],
                csv_excel_bom=body.csv_excel_bom,
                sql_dialect=body.dialect,
                sql_copy=body.sql_copy,
                more_tables=[await _further_table(uow.session, other, other_spec) for other, other_spec in more],
                owner_id=view.owner_id,
                correlation_id=export.export_id,
            )
        )
        await uow.commit()
        return _public(export)


async def _last_completed_job(session: AsyncSession, table_id: uuid.UUID) -> JobView | None:
    """The table's latest completed job: the provenance (seed, locale, generator version) of its newest rows."""
    query = (
        sa.select(JobView)
        .where(JobView.table_id == table_id, JobView.status == "completed")
        .order_by(JobView.finished_at.desc().nulls_last(), JobView.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def _further_table(session: AsyncSession, view: TableView, spec: TableSpec) -> ExportTable:
    """A further table of a workbook or script, with the provenance of its latest completed job."""
    job = await _last_completed_job(session, view.table_id)
    return ExportTable(
        table_id=view.table_id,
        table_version=view.version,
        spec=spec,
        seed=job.seed if job else None,
        locale=job.locale if job else None,
        generator_version=job.generator_version if job else None,
    )


async def _page(session: SessionDep, query: sa.Select[ExportView], offset: int, limit: int) -> ExportsPublic:
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = (ExportView.created_at.desc(), ExportView.export_id)
    rows = (await session.scalars(query.order_by(*order).offset(offset).limit(limit))).all()
    return ExportsPublic(items=[_public(r) for r in rows], total=total, offset=offset, limit=limit)


def _holds(table_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The exports that hold the table: as their first table or as another table of a multi-table export."""
    others = sa.select(ExportMoreTableView.export_id).where(ExportMoreTableView.table_id == table_id)
    return sa.or_(ExportView.table_id == table_id, ExportView.export_id.in_(others))


@router.get("/exports", response_model=ExportsPublic)
async def list_exports(
    user: CurrentUser,
    session: SessionDep,
    table_id: uuid.UUID | None = None,
    offset: Offset = 0,
    limit: PageLimit = 50,
) -> ExportsPublic:
    """The caller's own export history, newest first (admins included; they reach others' by id)."""
    query = sa.select(ExportView).where(ExportView.owner_id == user.user_id)
    if table_id is not None:
        query = query.where(_holds(table_id))
    return await _page(session, query, offset, limit)


@router.get("/tables/{table_id:uuid}/exports", response_model=ExportsPublic, responses=ERRORS)
async def list_table_exports(
    table_id: uuid.UUID, user: CurrentUser, session: SessionDep, offset: Offset = 0, limit: PageLimit = 50
) -> ExportsPublic:
    """The export history of one table, newest first: the caller's exports of it (an admin sees everyone's)."""
    await get_owned(session, TableView, table_id, user, "table")
    query = sa.select(ExportView).where(_holds(table_id))
    if not user.is_admin:
        query = query.where(ExportView.owner_id == user.user_id)
    return await _page(session, query, offset, limit)


@router.get("/exports/{export_id:uuid}", response_model=ExportPublic, responses=ERRORS)
async def get_export(export_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ExportPublic:
    return _public(await get_owned(session, ExportView, export_id, user, "export"))


@router.get(
    "/exports/{export_id:uuid}/events",
    responses={**ERRORS, **responses("export", "the export (as GET /exports/{id})")},
)
async def export_events(
    export_id: uuid.UUID, request: Request, user: CurrentUser, context: ContextDep
) -> EventSourceResponse:
    """Server-sent events: the export's state whenever it changes (rows written so far), until it is completed,
    failed or expired — the way to wait for a file without polling."""
    async with context.runtime.sessions() as session:
        await get_owned(session, ExportView, export_id, user, "export")
    return state_events(
        request,
        context,
        ExportView,
        export_id,
        event="export",
        public=_public,
        settled=lambda export: export.status in EXPORT_FINISHED,
    )


async def _chunks(store: ObjectStore, key: str) -> AsyncIterator[bytes]:
    iterator: Iterator[bytes] = store.iter_object(key)
    sentinel = object()
    while True:
        block = await asyncio.to_thread(next, iterator, sentinel)
        if block is sentinel:
            return
        assert isinstance(block, bytes)
        yield block


#: What a download answers: the file in its format's media type, or a redirect to a presigned URL.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {
        "description": "The file, in its format's media type.",
        "content": {
            media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for media_type in EXPORT_CONTENT_TYPES.values()
        },
    },
    307: {"description": "With `presigned=true` on S3: a redirect to a short-lived URL of the file."},
}


@router.get("/exports/{export_id:uuid}/download", responses=DOWNLOAD_RESPONSES, response_model=None)
async def download_export(
    export_id: uuid.UUID, user: CurrentUser, session: SessionDep, context: ContextDep, presigned: bool = False
) -> StreamingResponse | RedirectResponse:
    """The file itself, streamed (or, with `presigned=true` on S3, a redirect to a short-lived URL)."""
    export = await get_owned(session, ExportView, export_id, user, "export")
    if export.status == ExportStatus.EXPIRED:
        raise HTTPException(status.HTTP_410_GONE, f"Export {export_id} has expired: {export.reason}")
    if export.status != ExportStatus.COMPLETED or export.object_key is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Export {export_id} is {export.status}; nothing to download yet")
    store = context.store
    if presigned:
        expires = timedelta(seconds=context.settings.download_url_seconds)
        try:
            async with asyncio.timeout(STORE_WAIT_SECONDS):
                url = await asyncio.to_thread(store.presigned_url, export.object_key, expires)
        except Exception as exc:  # signing may ask the store for its region
            raise _store_unavailable(export_id, exc) from exc
        if url:
            return RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    filename = f"{export.object_key.rsplit('/', 1)[-1]}"
    body = _chunks(store, export.object_key)
    try:
        async with asyncio.timeout(STORE_WAIT_SECONDS):
            first = await anext(body)
    except ObjectNotFound as exc:
        raise HTTPException(status.HTTP_410_GONE, f"The file of export {export_id} is no longer stored") from exc
    except StopAsyncIteration:
        first = b""
    except Exception as exc:  # no answer in time, connection refused, the store's own 5xx
        raise _store_unavailable(export_id, exc) from exc

    async def replay() -> AsyncIterator[bytes]:
        yield first
        async for block in body:
            yield block

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if export.size_bytes is not None:
        headers["Content-Length"] = str(export.size_bytes)
    return StreamingResponse(replay(), media_type=export.content_type or "application/octet-stream", headers=headers)
