"""Replacing a table's rows: refused while a table outside the replaced ones references it, since its rows
would point at keys that are gone (the database would refuse the delete anyway)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from dmb_contracts.fields import TableSpec
from fastapi import HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import TableView


async def refuse_orphaning_replace(session: AsyncSession, owner_id: uuid.UUID, replaced: set[str]) -> None:
    views = await session.scalars(
        sa.select(TableView).where(TableView.owner_id == owner_id, TableView.status == "created")
    )
    dependents = sorted(
        {
            f"{spec.table_name}.{field.name}"
            for spec in (TableSpec.model_validate(view.spec) for view in views)
            if spec.table_name not in replaced
            for field in spec.fields
            if field.references is not None and field.references.table in replaced
        }
    )
    if dependents:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"replacing {', '.join(sorted(map(repr, replaced)))} would leave rows of {', '.join(dependents)} pointing "
            "at keys that are gone; replace those tables too, in one request (POST /api/v1/jobs with mode "
            "replace and every one of them), or append instead",
        )
