"""/api/v1/tables/{id}/migrations: the table's migration log, as the schema service recorded it."""

from __future__ import annotations

import uuid
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from dmb_gateway.accounts.schemas import StoredTime
from dmb_gateway.api.deps import CurrentUser, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.schemas import ErrorResponse
from dmb_gateway.models import MigrationView, TableView

router = APIRouter(prefix="/tables", tags=["tables"])


class MigrationPublic(BaseModel):
    """One migration of the table in the datasets database: applied, adopted (the table already had that
    shape) or rolled back (refused; nothing changed, `reason` says why)."""

    model_config = ConfigDict(from_attributes=True)

    action: Literal["create", "alter", "restore", "drop"]
    from_version: int | None
    to_version: int | None
    status: Literal["applied", "adopted", "rolled_back"]
    changes: list[str] = Field(description="What the migration changes, one line each, in plain words.")
    reason: str | None
    seconds: float
    recorded_at: StoredTime


class MigrationsPublic(BaseModel):
    items: list[MigrationPublic]
    total: int


@router.get("/{table_id:uuid}/migrations", response_model=MigrationsPublic, responses={404: {"model": ErrorResponse}})
async def list_migrations(table_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> MigrationsPublic:
    """Every migration of the table, newest first."""
    await get_owned(session, TableView, table_id, user, "table")
    rows = (
        await session.scalars(
            sa.select(MigrationView)
            .where(MigrationView.table_id == table_id)
            .order_by(MigrationView.recorded_at.desc(), MigrationView.to_version.desc())
        )
    ).all()
    return MigrationsPublic(items=[MigrationPublic.model_validate(row) for row in rows], total=len(rows))
