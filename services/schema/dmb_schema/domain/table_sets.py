"""A set of new tables (an imported schema): the order to create them in, each with its foreign keys resolved
against the owner's tables and the set's own (pure)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.references import resolve_references
from dmb_contracts.rules import check_aggregate_children
from dmb_contracts.table_order import parents_first


def plan_set(
    tables: Sequence[tuple[uuid.UUID, TableSpec]], owner_tables: Mapping[str, TableSpec]
) -> list[tuple[uuid.UUID, TableSpec]]:
    """The set's tables parents first, resolved. SpecError (naming the table) when a foreign key cannot be
    resolved or a name is already the owner's.

    Tables that reference each other in a circle (a → b → a) are ordered by their required foreign keys; a
    circle of required ones is refused by resolve_references (no row could be inserted first), so each circle has
    a nullable foreign key, whose constraint is added once both tables exist (back_references) and which a
    multi-table job leaves empty when its parent is filled later."""
    specs = [spec for _, spec in tables]
    for spec in specs:
        if spec.table_name in owner_tables:
            raise SpecError("table_name", "unique", f"a table named {spec.table_name!r} already exists")
    order = parents_first(specs, cycles="break_nullable")
    known = {**owner_tables, **{spec.table_name: spec for spec in specs}}
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


def back_references(specs: Sequence[TableSpec]) -> dict[str, list[str]]:
    """Per table, its foreign-key fields that point at a table of the set created after it (a circle's
    closing edge): their constraints are added once every table exists."""
    later = {spec.table_name: position for position, spec in enumerate(specs)}
    found: dict[str, list[str]] = {}
    for position, spec in enumerate(specs):
        for field in spec.fields:
            reference = field.references
            if reference is not None and later.get(reference.table, -1) > position:
                found.setdefault(spec.table_name, []).append(field.name)
    return found
