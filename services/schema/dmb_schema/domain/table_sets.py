"""A set of new tables (an imported schema): the order to create them in, each with its foreign keys resolved
against the owner's tables and the set's own (pure)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.references import resolve_references
from dmb_contracts.rules import check_aggregate_children
from dmb_contracts.table_order import ReferenceCycle, parents_first


def plan_set(
    tables: Sequence[tuple[uuid.UUID, TableSpec]], owner_tables: Mapping[str, TableSpec]
) -> list[tuple[uuid.UUID, TableSpec]]:
    """The set's tables parents first, resolved. SpecError (naming the table) when a foreign key cannot be
    resolved, a name is already the owner's, or tables of the set reference each other in a circle."""
    specs = [spec for _, spec in tables]
    for spec in specs:
        if spec.table_name in owner_tables:
            raise SpecError("table_name", "unique", f"a table named {spec.table_name!r} already exists")
    try:
        order = parents_first(specs, cycles="refuse")
    except ReferenceCycle as exc:
        message = (
            str(exc)
            .replace("the batch's tables", "the tables")
            .replace(
                "no parent can be filled before its children; fill one of them on its own first",
                "none of them can be created first; leave one of those foreign keys out and add it after",
            )
        )
        raise SpecError(None, "references", message) from exc
    known = dict(owner_tables)
    planned: list[tuple[uuid.UUID, TableSpec]] = []
    for index in order:
        table_id, spec = tables[index]
        try:
            resolved = resolve_references(spec, known)
        except SpecError as exc:
            raise SpecError(exc.field, exc.rule, f"{spec.table_name}: {exc.message}") from exc
        known[spec.table_name] = resolved
        planned.append((table_id, resolved))
    for _, spec in planned:
        problems = check_aggregate_children(spec, known)
        if problems:
            raise SpecError(None, "rules", f"{spec.table_name}: {problems[0]}")
    return planned
