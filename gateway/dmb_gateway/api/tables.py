"""/api/v1/tables: design tables; the schema service creates them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from dmb_contracts.commands import CreateTable, DropTable
from dmb_contracts.envelope import utcnow
from dmb_contracts.fields import TableSpec
from dmb_contracts.generator_defaults import field_generators
from fastapi import APIRouter, HTTPException, Request, status
from sse_starlette.sse import EventSourceResponse

from dmb_gateway.accounts.quotas import QuotaService
from dmb_gateway.api.deps import ContextDep, CurrentUser, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import Offset, PageLimit, TableGenerators, TablePublic, TablesPublic
from dmb_gateway.api.shared import ERRORS, LIVE, SETTLING, errors, pending_table
from dmb_gateway.api.state_events import responses, state_events
from dmb_gateway.models import TableView

router = APIRouter(prefix="/tables", tags=["tables"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=TablePublic, responses=ERRORS)
async def create_table(spec: TableSpec, user: CurrentUser, context: ContextDep) -> TableView:
    """Design a table. It is created in the datasets database asynchronously: follow GET /tables/{id}/events
    (or poll) until `status` is `created` (or `rejected`, with the reason)."""
    async with context.runtime.uow() as uow:
        await QuotaService(uow.session, context.settings).check_new_table(user)
        clash = await uow.session.scalar(
            sa.select(TableView.table_id).where(
                TableView.owner_id == user.user_id, TableView.table_name == spec.table_name, TableView.status.in_(LIVE)
            )
        )
        if clash is not None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"You already have a table named {spec.table_name!r} ({clash})"
            )
        view = pending_table(user.user_id, spec)
        uow.session.add(view)
        uow.emit(CreateTable(table_id=view.table_id, spec=spec, owner_id=user.user_id, correlation_id=view.table_id))
        await uow.commit()
        return view


@router.post("/generators", response_model=TableGenerators, responses=errors(422))
async def preview_generators(spec: TableSpec, _: CurrentUser) -> TableGenerators:
    """What would make each field's values in this definition, without saving it: the field's own generator,
    or the one its pattern or choices, its name and type, or the other fields of the row give it. A definition
    that could not be created gets the same 422 as POST /api/v1/tables."""
    return TableGenerators(generators=field_generators(spec))


@router.get("", response_model=TablesPublic)
async def list_tables(
    user: CurrentUser,
    session: SessionDep,
    offset: Offset = 0,
    limit: PageLimit = 50,
    include_dropped: bool = False,
) -> TablesPublic:
    # The list is always the caller's own tables, admins included; admins reach others' by id.
    query = sa.select(TableView).where(TableView.owner_id == user.user_id)
    if not include_dropped:
        query = query.where(TableView.status != "dropped")
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(TableView.created_at.desc()).offset(offset).limit(limit))).all()
    return TablesPublic(items=[TablePublic.model_validate(r) for r in rows], total=total, offset=offset, limit=limit)


@router.get("/{table_id:uuid}", response_model=TablePublic, responses=ERRORS)
async def get_table(table_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> TableView:
    return await get_owned(session, TableView, table_id, user, "table")


@router.get("/{table_id:uuid}/events", responses={**ERRORS, **responses("table", "the table (as GET /tables/{id})")})
async def table_events(
    table_id: uuid.UUID, request: Request, user: CurrentUser, context: ContextDep
) -> EventSourceResponse:
    """Server-sent events: the table's state whenever it changes, until the schema service has acted on it
    (created, rejected or dropped) — the way to wait for a new, altered or dropped table without polling."""
    async with context.runtime.sessions() as session:
        await get_owned(session, TableView, table_id, user, "table")
    return state_events(
        request,
        context,
        TableView,
        table_id,
        event="table",
        public=TablePublic.model_validate,
        settled=lambda table: table.status not in SETTLING,
    )


@router.delete("/{table_id:uuid}", status_code=status.HTTP_202_ACCEPTED, response_model=TablePublic, responses=ERRORS)
async def drop_table(table_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> TableView:
    """Drop the table and its rows from the datasets database (its history is kept)."""
    async with context.runtime.uow() as uow:
        view = await get_owned(uow.session, TableView, table_id, user, "table")
        if view.status != "created":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"Table {view.table_name!r} is {view.status}; only a created table can be dropped",
            )
        view.status, view.updated_at = "dropping", utcnow()
        uow.emit(DropTable(table_id=table_id, owner_id=user.user_id, correlation_id=table_id))
        await uow.commit()
        return view
