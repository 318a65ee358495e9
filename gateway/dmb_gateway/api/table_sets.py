"""/api/v1/tables/sets: create several tables (an imported schema) in one action.

The schema service creates them parents first, all or none; each table then shows `created`, or every one
`rejected` with the same reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from dmb_contracts.commands import MAX_TABLES_PER_SET, CreateTableSet, SetTable
from dmb_contracts.fields import TableSpec
from dmb_contracts.table_order import parents_first
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dmb_gateway.accounts.quotas import QuotaService
from dmb_gateway.api.deps import ContextDep, CurrentUser
from dmb_gateway.api.schemas import TablePublic
from dmb_gateway.api.shared import LIVE, errors, pending_table
from dmb_gateway.models import TableView

router = APIRouter(prefix="/tables", tags=["tables"])


class TableSetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tables: Annotated[list[TableSpec], Field(min_length=1, max_length=MAX_TABLES_PER_SET)] = Field(
        description="The definitions, in any order (e.g. `tables[].spec` of POST /api/v1/tables/import); foreign "
        "keys may point at tables of the set or at your existing tables."
    )

    @model_validator(mode="after")
    def _distinct_names(self) -> TableSetCreate:
        names = [spec.table_name for spec in self.tables]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"the set names {', '.join(map(repr, twice))} more than once")
        return self


class TableSetPublic(BaseModel):
    set_id: uuid.UUID
    tables: list[TablePublic] = Field(description="The set's tables, parents first; poll each until `created`.")


@router.post(
    "/sets",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TableSetPublic,
    responses=errors(409, 422, 429),
    summary="Create several tables in one action, parents first: all of them or none",
)
async def create_table_set(body: TableSetCreate, user: CurrentUser, context: ContextDep) -> TableSetPublic:
    """Design several tables at once (an imported schema). They are created asynchronously, in foreign-key
    order, in one transaction where the datasets database allows it (else the ones made before a failure are
    dropped again): every table becomes `created`, or every one `rejected` with the reason."""
    order = parents_first(body.tables, cycles="keep_given_order")
    specs = [body.tables[index] for index in order]
    async with context.runtime.uow() as uow:
        await QuotaService(uow.session, context.settings).check_new_table(user, len(specs))
        clashes = (
            await uow.session.scalars(
                sa.select(TableView.table_name).where(
                    TableView.owner_id == user.user_id,
                    TableView.table_name.in_([spec.table_name for spec in specs]),
                    TableView.status.in_(LIVE),
                )
            )
        ).all()
        if clashes:
            names = ", ".join(repr(name) for name in sorted(clashes))
            raise HTTPException(status.HTTP_409_CONFLICT, f"You already have tables named {names}")
        views = [pending_table(user.user_id, spec) for spec in specs]
        uow.session.add_all(views)
        set_id = uuid.uuid4()
        tables = [SetTable(table_id=view.table_id, spec=spec) for view, spec in zip(views, specs, strict=True)]
        uow.emit(CreateTableSet(set_id=set_id, tables=tables, owner_id=user.user_id, correlation_id=set_id))
        await uow.commit()
        return TableSetPublic(set_id=set_id, tables=[TablePublic.model_validate(view) for view in views])
