"""Aggregate rules (dmb_contracts.rules.AggregateRule) computed in the datasets database once a table's
children are written: one UPDATE per rule, the parent's field set to the count of its children or the sum of
their values (times another value), 0 for a parent without children. Deterministic: the same rows give the
same totals, whichever workers wrote them."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_contracts.fields import TableSpec
from dmb_contracts.rules import AggregateRule
from sqlalchemy.engine import Engine


def parent_key(parent: TableSpec, rule: AggregateRule, child: TableSpec | None) -> str | None:
    """The parent's field the child's key points at (its single primary key when the child is not known)."""
    if child is not None:
        field = next((f for f in child.fields if f.name == rule.child_key), None)
        if field is not None and field.references is not None:
            return field.references.field
    return parent.primary_key[0] if len(parent.primary_key) == 1 else None


def apply_aggregate(
    engine: Engine,
    schema: str | None,
    owner_id: uuid.UUID | None,
    parent: TableSpec,
    rule: AggregateRule,
    child: TableSpec | None,
) -> str | None:
    """Compute one rule; a note (never quoting values) when it could not be computed, else None."""
    key = parent_key(parent, rule, child)
    if key is None:
        return f"{rule.describe()}: {parent.table_name} has no single key its children point at; not computed"
    operands = [name for name in (rule.child_field, rule.times_field) if name is not None]
    parents = sa.table(physical_name(owner_id, parent.table_name), sa.column(rule.field), sa.column(key), schema=schema)
    children = sa.table(
        physical_name(owner_id, rule.child_table),
        sa.column(rule.child_key),
        *(sa.column(name) for name in operands),
        schema=schema,
    )
    if rule.function == "count":
        value: sa.ColumnElement[Any] = sa.func.count()
    else:
        term: sa.ColumnElement[Any] = children.c[operands[0]]
        for name in operands[1:]:
            term = term * children.c[name]
        value = sa.func.coalesce(sa.func.sum(term), 0)
    computed = sa.select(value).where(children.c[rule.child_key] == parents.c[key]).scalar_subquery()
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(physical_name(owner_id, rule.child_table), schema=schema):
            return f"{rule.describe()}: there is no table {rule.child_table!r} yet; not computed"
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(parents).values({rule.field: computed}))
    except sa.exc.DBAPIError:
        return f"{rule.describe()}: the database refused the computed values (out of the field's range?)"
    return None
