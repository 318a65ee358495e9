"""/api/v1/tables/{id}/exports and /api/v1/exports: export history and owner-only downloads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import sqlalchemy as sa
from dmb_common.storage import ObjectNotFound, ObjectStore
from dmb_contracts.commands import RequestExport
from dmb_contracts.envelope import utcnow
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import RedirectResponse, StreamingResponse

from dmb_gateway.api.deps import ContextDep, CurrentUser, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import ExportCreate, ExportPublic, ExportsPublic
from dmb_gateway.api.tables import ERRORS, created_table
from dmb_gateway.models import ExportView, JobView

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
                owner_id=user.user_id,
                correlation_id=export.export_id,
            )
        )
        await uow.commit()
        return _public(export)


@router.get("/exports", response_model=ExportsPublic)
async def list_exports(user: CurrentUser, session: SessionDep, table_id: uuid.UUID | None = None) -> ExportsPublic:
    query = sa.select(ExportView).where(ExportView.owner_id == user.user_id)
    if table_id is not None:
        query = query.where(ExportView.table_id == table_id)
    rows = (await session.scalars(query.order_by(ExportView.created_at.desc()).limit(200))).all()
    return ExportsPublic(items=[_public(r) for r in rows])


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
