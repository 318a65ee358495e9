"""/api/v1/tables/{id}/rows: read a table's rows (paged, sorted, filtered per column), read-only.

The gateway reads the datasets database itself through dmb_common.datasets (the same table definition every
service uses): a page is one small query, and a bus round trip would add latency and a service to wait for
(decision 0024-data-browser-reads-datasets)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from dmb_common.datasets import owned_table
from dmb_common.value_text import value_text
from dmb_contracts.fields import TableSpec
from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from dmb_gateway.api.deps import ContextDep, CurrentUser, SessionDep
from dmb_gateway.api.shared import ERRORS, created_table

router = APIRouter(prefix="/tables", tags=["tables"])
MAX_PAGE = 500
#: Filters arrive as `filter.<field>=text` query parameters.
FILTER_PREFIX = "filter."


class RowsColumn(BaseModel):
    name: str
    type: str


class RowsPage(BaseModel):
    columns: list[RowsColumn]
    rows: list[list[str | None]] = Field(description="Values as text (null stays null), in column order.")
    total: int = Field(description="Rows matching the filters (all rows without filters).")
    offset: int
    limit: int


@router.get("/{table_id}/rows", response_model=RowsPage, responses=ERRORS)
async def table_rows(
    table_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    context: ContextDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    sort: str | None = Query(None, description="A field to sort by (default: the primary key, else storage order)."),
    order: Literal["asc", "desc"] = "asc",
) -> RowsPage:
    """A page of the table's rows. Filter a column with `filter.<field>=text`: rows whose value, as text,
    contains the text (case-insensitive)."""
    view, spec = await created_table(session, table_id, user)
    names = {field.name for field in spec.fields}
    if sort is not None and sort not in names:
        raise _unknown(f"sort: {sort!r} is not a field of {spec.table_name!r}", "sort")
    filters: dict[str, str] = {}
    for key, value in request.query_params.items():
        if key.startswith(FILTER_PREFIX) and value.strip():
            name = key.removeprefix(FILTER_PREFIX)
            if name not in names:
                raise _unknown(f"{key}: {name!r} is not a field of {spec.table_name!r}", key)
            filters[name] = value.strip()
    engine = context.datasets
    total, rows = await asyncio.to_thread(
        _read, engine, spec, view.owner_id, context.settings.datasets_schema, filters, sort, order, offset, limit
    )
    return RowsPage(
        columns=[RowsColumn(name=field.name, type=field.type.value) for field in spec.fields],
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
    )


def _unknown(message: str, _location: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _read(
    engine: Engine,
    spec: TableSpec,
    owner_id: uuid.UUID,
    schema: str | None,
    filters: dict[str, str],
    sort: str | None,
    order: str,
    offset: int,
    limit: int,
) -> tuple[int, list[list[str | None]]]:
    table = owned_table(spec, owner_id, schema)
    conditions = [_contains(table.c[name], text) for name, text in filters.items()]
    keys = [sort] if sort else spec.primary_key
    ordering: list[Any] = [table.c[name].desc() if order == "desc" else table.c[name].asc() for name in keys]
    query = sa.select(*(table.c[field.name] for field in spec.fields)).where(*conditions)
    with engine.connect() as connection:
        total = connection.scalar(sa.select(sa.func.count()).select_from(table).where(*conditions)) or 0
        result = connection.execute(query.order_by(*ordering).offset(offset).limit(limit))
        rows = [[value_text(value) for value in row] for row in result]
    return total, rows


def _contains(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(sa.cast(column, sa.String)).like(f"%{escaped}%", escape="\\")
