"""The web UI's pages: Jinja2 templates rendered by the gateway, on top of the same REST API the CLI uses.

Lists (dashboard, jobs, exports) are rendered here from the gateway's read model, and their pages and filters
are plain links that HTMX swaps in place; the builder and the table page drive the REST API from static
JavaScript modules. Every page extends base.html and gets `request`, `user` and `csrf_token`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from dmb_contracts.commands import MAX_ROWS_PER_JOB, MAX_SEED, ExportFormat
from dmb_contracts.fields import StorageType
from dmb_contracts.starters import STARTERS
from dmb_contracts.statuses import JOB_ACTIVE, ExportStatus, JobStatus
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import InstrumentedAttribute
from sse_starlette.sse import EventSourceResponse

from dmb_gateway.api.ai_service import settings_public
from dmb_gateway.api.deps import ContextDep, OptionalUser, SessionDep
from dmb_gateway.api.schemas import JobCreate
from dmb_gateway.importer import MAX_SQL_LENGTH
from dmb_gateway.models import ExportView, JobView, TableView, User
from dmb_gateway.web import pages
from dmb_gateway.web.pages import signed_in

HERE = Path(__file__).parent
templates = pages.templates
# Assets by path, not absolute URL: the page works the same behind a proxy that changes scheme or host.
templates.env.globals["static"] = lambda path: f"/static/{path}"
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
#: The filters of the history pages: the statuses the gateway shows (a job waiting for AI values shows running).
JOB_STATUSES = tuple(status for status in JobStatus if status is not JobStatus.WAITING_AI)
EXPORT_STATUSES = (ExportStatus.PENDING, ExportStatus.COMPLETED, ExportStatus.FAILED, ExportStatus.EXPIRED)
Listed = TypeVar("Listed", JobView, ExportView)


def render(request: Request, context: ContextDep, name: str, user: User, **values: Any) -> HTMLResponse:
    """A page in the layout, with what every page gets (pages.render: `user`, `csrf_token`, ...)."""
    return pages.render(request, context, name, user, values)


@dataclass
class Pager:
    """A page of a list and where the neighbouring pages start."""

    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, page: int, total: int) -> Pager:
        return cls(page=page, pages=max(1, math.ceil(total / PAGE_SIZE)), total=total)


async def _page(
    session: SessionDep, query: sa.Select[Listed], newest: InstrumentedAttribute[dt.datetime], page: int
) -> tuple[Sequence[Listed], Pager]:
    """One page of a history list, newest first, and where it stands among the pages."""
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(newest.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).all()
    return rows, Pager.of(page, total)


async def _names(session: SessionDep, owner: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(sa.select(TableView.table_id, TableView.table_name).where(TableView.owner_id == owner))
    return {table_id: name for table_id, name in rows.all()}


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, context: ContextDep, session: SessionDep, viewer: OptionalUser) -> HTMLResponse:
    user = signed_in(request, viewer)
    tables = (
        await session.scalars(
            sa.select(TableView)
            .where(TableView.owner_id == user.user_id, TableView.status != "dropped")
            .order_by(TableView.created_at.desc())
        )
    ).all()
    jobs = await _recent_jobs(session, user.user_id)
    exports = (
        await session.scalars(
            sa.select(ExportView)
            .where(ExportView.owner_id == user.user_id)
            .order_by(ExportView.created_at.desc())
            .limit(6)
        )
    ).all()
    return render(
        request,
        context,
        "dashboard.html",
        user,
        tables=tables,
        jobs=jobs,
        exports=exports,
        names=await _names(session, user.user_id),
        starters=STARTERS,
        busy=any(job.status in JOB_ACTIVE for job in jobs),
    )


@router.get("/tables/new", response_class=HTMLResponse)
async def new_table(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    viewer: OptionalUser,
    starter: str = "",
    design: uuid.UUID | None = None,
) -> HTMLResponse:
    """The builder for a new table: blank, from a template (`starter`), or the tables of an AI design to edit
    before creating them (`design`, see /ai/design)."""
    user = signed_in(request, viewer)
    return render(
        request,
        context,
        "builder.html",
        user,
        table_id="",
        starter=starter,
        design=str(design) if design else "",
        starters=STARTERS,
        **_builder(),
    )


@router.get("/tables/import", response_class=HTMLResponse)
async def import_schema(request: Request, context: ContextDep, viewer: OptionalUser) -> HTMLResponse:
    """A whole schema dump (or, for admins, a live database) reviewed and created as one set."""
    user = signed_in(request, viewer)
    return render(request, context, "import.html", user, max_sql=MAX_SQL_LENGTH)


@router.get("/tables/{table_id}/edit", response_class=HTMLResponse)
async def edit_table(
    request: Request, table_id: uuid.UUID, context: ContextDep, session: SessionDep, viewer: OptionalUser
) -> HTMLResponse:
    user = signed_in(request, viewer)
    view = await _owned_table(session, table_id, user)
    return render(
        request,
        context,
        "builder.html",
        user,
        table_id=str(view.table_id),
        starter="",
        design="",
        starters=(),
        **_builder(),
    )


def _builder() -> dict[str, Any]:
    return {"types": [kind.value for kind in StorageType], "max_seed": MAX_SEED}


async def _owned_table(session: SessionDep, table_id: uuid.UUID, user: User) -> TableView:
    view = await session.get(TableView, table_id)
    if view is None or (view.owner_id != user.user_id and not user.is_admin):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No table with id {table_id}")
    return view


@router.get("/tables/{table_id}", response_class=HTMLResponse)
async def table_page(
    request: Request, table_id: uuid.UUID, context: ContextDep, session: SessionDep, viewer: OptionalUser
) -> HTMLResponse:
    user = signed_in(request, viewer)
    view = await _owned_table(session, table_id, user)
    options = JobCreate.model_fields
    ai_fields = _ai_fields(view)
    return render(
        request,
        context,
        "table.html",
        user,
        table=view,
        formats=[fmt.value for fmt in ExportFormat],
        max_rows=MAX_ROWS_PER_JOB,
        max_seed=MAX_SEED,
        # Shown only when the API takes them (other engineers add them): the form never offers what fails.
        offers_mode="mode" in options,
        offers_ai=bool(ai_fields) and "ai" in options,
        ai_fields=ai_fields,
        model=await settings_public(session, user, context.settings) if ai_fields else None,
    )


@router.get("/generate", response_class=HTMLResponse)
async def generate_many(
    request: Request, context: ContextDep, session: SessionDep, viewer: OptionalUser
) -> HTMLResponse:
    user = signed_in(request, viewer)
    tables = (
        await session.scalars(
            sa.select(TableView)
            .where(TableView.owner_id == user.user_id, TableView.status == "created")
            .order_by(TableView.table_name)
        )
    ).all()
    ai_fields = [f"{table.table_name}.{name}" for table in tables for name in _ai_fields(table)]
    return render(
        request,
        context,
        "generate.html",
        user,
        tables=tables,
        max_rows=MAX_ROWS_PER_JOB,
        max_seed=MAX_SEED,
        offers_ai=bool(ai_fields),
        ai_fields=ai_fields,
        model=await settings_public(session, user, context.settings) if ai_fields else None,
    )


def _ai_fields(table: TableView) -> list[str]:
    """The names of the table's fields whose values an AI model makes."""
    return [f["name"] for f in table.spec.get("fields", []) if (f.get("generator") or {}).get("kind") == "ai"]


def _fragment(request: Request) -> bool:
    """An HTMX request swaps only the list, not the whole page."""
    return request.headers.get("hx-request") == "true"


@router.get("/jobs", response_class=HTMLResponse)
async def jobs_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    viewer: OptionalUser,
    page: Annotated[int, Query(ge=1)] = 1,
    job_status: Annotated[str, Query(alias="status")] = "",
    table: str = "",
) -> HTMLResponse:
    user = signed_in(request, viewer)
    query = sa.select(JobView).where(JobView.owner_id == user.user_id)
    if job_status in JOB_STATUSES:
        query = query.where(JobView.status == job_status)
    names = await _names(session, user.user_id)
    table_id = next((key for key, name in names.items() if str(key) == table), None)
    if table_id is not None:
        query = query.where(JobView.table_id == table_id)
    jobs, paging = await _page(session, query, JobView.created_at, page)
    return render(
        request,
        context,
        "partials/jobs_list.html" if _fragment(request) else "jobs.html",
        user,
        jobs=jobs,
        names=names,
        paging=paging,
        filters={"status": job_status, "table": table},
        statuses=JOB_STATUSES,
    )


@router.get("/exports", response_class=HTMLResponse)
async def exports_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    viewer: OptionalUser,
    page: Annotated[int, Query(ge=1)] = 1,
    export_status: Annotated[str, Query(alias="status")] = "",
    format: str = "",
) -> HTMLResponse:
    user = signed_in(request, viewer)
    query = sa.select(ExportView).where(ExportView.owner_id == user.user_id)
    if export_status in EXPORT_STATUSES:
        query = query.where(ExportView.status == export_status)
    if format in {fmt.value for fmt in ExportFormat}:
        query = query.where(ExportView.format == format)
    exports, paging = await _page(session, query, ExportView.created_at, page)
    return render(
        request,
        context,
        "partials/exports_list.html" if _fragment(request) else "exports.html",
        user,
        exports=exports,
        names=await _names(session, user.user_id),
        paging=paging,
        filters={"status": export_status, "format": format},
        statuses=EXPORT_STATUSES,
        formats=[fmt.value for fmt in ExportFormat],
    )


async def _recent_jobs(session: SessionDep, owner: uuid.UUID) -> Sequence[JobView]:
    query = sa.select(JobView).where(JobView.owner_id == owner).order_by(JobView.created_at.desc()).limit(8)
    return (await session.scalars(query)).all()


@router.get("/dashboard/jobs/events")
async def dashboard_job_events(
    request: Request, context: ContextDep, session: SessionDep, viewer: OptionalUser
) -> EventSourceResponse:
    """Server-sent events for the dashboard's jobs card: the card's HTML (event `jobs`) whenever it changes,
    then `done` once no job is pending or running."""
    user = signed_in(request, viewer)
    card = templates.get_template("partials/dashboard_jobs_table.html")

    async def stream() -> AsyncIterator[dict[str, str]]:
        last = ""
        while not await request.is_disconnected():
            async with context.runtime.sessions() as fresh:
                jobs = await _recent_jobs(fresh, user.user_id)
                names = await _names(fresh, user.user_id)
            html = card.render(jobs=jobs, names=names)
            if html != last:
                last = html
                yield {"event": "jobs", "data": html}
            if not any(job.status in JOB_ACTIVE for job in jobs):
                yield {"event": "done", "data": ""}
                return
            await asyncio.sleep(1)

    return EventSourceResponse(stream())


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
