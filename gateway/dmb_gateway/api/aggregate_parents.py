"""Which of the owner's tables compute an aggregate over a table's rows (an AggregateRule whose child_table it
is): a job on that table carries their definitions (GenerateRows.aggregate_parents), so the generator computes
their totals and counts again once the children are written, even when the parent is not part of the job."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from dmb_contracts.fields import TableSpec
from dmb_contracts.rules import AggregateRule
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_gateway.models import TableView


async def aggregate_parents(
    session: AsyncSession, owner_id: uuid.UUID, children: Collection[str], *, besides: Collection[str] = ()
) -> dict[str, list[TableSpec]]:
    """Per table name in `children`, the owner's created tables (other than those in `besides`, and itself)
    with an aggregate rule over it."""
    views = await session.scalars(
        sa.select(TableView).where(TableView.owner_id == owner_id, TableView.status == "created")
    )
    found: dict[str, list[TableSpec]] = {name: [] for name in children}
    for spec in (TableSpec.model_validate(view.spec) for view in views):
        if spec.table_name in besides:
            continue
        over = {rule.child_table for rule in spec.rules if isinstance(rule, AggregateRule)}
        for name in over & set(found):
            if name != spec.table_name:
                found[name].append(spec)
    return found
