"""/api/v1/tables/{id}/exports and /api/v1/exports: export history and owner-only downloads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from dmb_common.storage import ObjectNotFound, ObjectStore
from dmb_contracts.commands import ExportFormat, RequestExport
from dmb_contracts.envelope import utcnow
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import RedirectResponse, StreamingResponse

from dmb_gateway.api.deps import ContextDep, CurrentUser, GatewayContext, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import ExportCreate, ExportPublic, ExportsPublic
from dmb_gateway.api.tables import ERRORS, created_table
from dmb_gateway.models import ExportView, JobView, TableView, User

router = APIRouter(tags=["exports"])
API_PREFIX = "/api/v1"


def _public(row: ExportView) -> ExportPublic:
    public = ExportPublic.model_validate(row)
    if row.status == "completed":
        public.download_url = f"{API_PREFIX}/exports/{row.export_id}/download"
    return public


@router.post(
    "/tables/{table_id}/exports", status_code=status.HTTP_202_ACCEPTED, response_model=ExportPublic, responses=ERRORS
)
async def request_export(
    table_id: uuid.UUID, body: ExportCreate, user: CurrentUser, context: ContextDep
) -> ExportPublic:
    """Export the table's rows as an Excel workbook, CSV or JSON Lines file."""
    return await _start_export(context, user, table_id, body)


@router.post(
    "/exports/{export_id}/retry", status_code=status.HTTP_202_ACCEPTED, response_model=ExportPublic, responses=ERRORS
)
async def retry_export(export_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> ExportPublic:
    """Export again what a failed export was asked for (same table, job and format), as a new export;
    the failed one stays in the history."""
    async with context.runtime.sessions() as session:
        failed = await get_owned(session, ExportView, export_id, user, "export")
    if failed.status != "failed":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Export {export_id} is {failed.status}; only failed exports retry"
        )
    body = ExportCreate(format=ExportFormat(failed.format), job_id=failed.job_id)
    return await _start_export(context, user, failed.table_id, body)


async def _start_export(context: GatewayContext, user: User, table_id: uuid.UUID, body: ExportCreate) -> ExportPublic:
    async with context.runtime.uow() as uow:
        view, spec = await created_table(uow.session, table_id, user)
        job = None
        if body.job_id is not None:
            job = await get_owned(uow.session, JobView, body.job_id, user, "job")
            if job.table_id != table_id:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, f"job_id: job {job.job_id} belongs to another table"
                )
        export = ExportView(
            export_id=uuid.uuid4(),
            owner_id=user.user_id,
            table_id=table_id,
            job_id=body.job_id,
            format=body.format.value,
            status="pending",
            created_at=utcnow(),
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
                csv_excel_bom=body.csv_excel_bom,
                owner_id=user.user_id,
                correlation_id=export.export_id,
            )
        )
        await uow.commit()
        return _public(export)


Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]


async def _page(session: SessionDep, query: sa.Select[ExportView], offset: int, limit: int) -> ExportsPublic:
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = (ExportView.created_at.desc(), ExportView.export_id)
    rows = (await session.scalars(query.order_by(*order).offset(offset).limit(limit))).all()
    return ExportsPublic(items=[_public(r) for r in rows], total=total, offset=offset, limit=limit)


@router.get("/exports", response_model=ExportsPublic)
async def list_exports(
    user: CurrentUser,
    session: SessionDep,
    table_id: uuid.UUID | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> ExportsPublic:
    """The caller's own export history, newest first (admins included; they reach others' by id)."""
    query = sa.select(ExportView).where(ExportView.owner_id == user.user_id)
    if table_id is not None:
        query = query.where(ExportView.table_id == table_id)
    return await _page(session, query, offset, limit)


@router.get("/tables/{table_id}/exports", response_model=ExportsPublic, responses=ERRORS)
async def list_table_exports(
    table_id: uuid.UUID, user: CurrentUser, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> ExportsPublic:
    """The export history of one table, newest first: the caller's exports of it (an admin sees everyone's)."""
    await get_owned(session, TableView, table_id, user, "table")
    query = sa.select(ExportView).where(ExportView.table_id == table_id)
    if not user.is_admin:
        query = query.where(ExportView.owner_id == user.user_id)
    return await _page(session, query, offset, limit)


@router.get("/exports/{export_id}", response_model=ExportPublic, responses=ERRORS)
async def get_export(export_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ExportPublic:
    return _public(await get_owned(session, ExportView, export_id, user, "export"))


async def _chunks(store: ObjectStore, key: str) -> AsyncIterator[bytes]:
    iterator: Iterator[bytes] = store.iter_object(key)
    sentinel = object()
    while True:
        block = await asyncio.to_thread(next, iterator, sentinel)
        if block is sentinel:
            return
        assert isinstance(block, bytes)
        yield block


@router.get("/exports/{export_id}/download", responses=ERRORS, response_model=None)
async def download_export(
    export_id: uuid.UUID, user: CurrentUser, session: SessionDep, context: ContextDep, presigned: bool = False
) -> StreamingResponse | RedirectResponse:
    """The file itself, streamed (or, with `presigned=true` on S3, a redirect to a short-lived URL)."""
    export = await get_owned(session, ExportView, export_id, user, "export")
    if export.status != "completed" or export.object_key is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Export {export_id} is {export.status}; nothing to download yet")
    store = context.store
    if presigned:
        expires = timedelta(seconds=context.settings.download_url_seconds)
        url = await asyncio.to_thread(store.presigned_url, export.object_key, expires)
        if url:
            return RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    filename = f"{export.object_key.rsplit('/', 1)[-1]}"
    body = _chunks(store, export.object_key)
    try:
        first = await anext(body)
    except ObjectNotFound as exc:
        raise HTTPException(status.HTTP_410_GONE, f"The file of export {export_id} is no longer stored") from exc
    except StopAsyncIteration:
        first = b""

    async def replay() -> AsyncIterator[bytes]:
        yield first
        async for block in body:
            yield block

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if export.size_bytes is not None:
        headers["Content-Length"] = str(export.size_bytes)
    return StreamingResponse(replay(), media_type=export.content_type or "application/octet-stream", headers=headers)
