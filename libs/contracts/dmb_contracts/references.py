"""Foreign keys between an owner's tables: resolving each reference to its parent key, refusing what cannot
work (pure: callers pass in the owner's current definitions; the schema service and the preview use it)."""

from __future__ import annotations

from collections.abc import Mapping

from dmb_contracts.fields import REFERENCEABLE_TYPES, FieldSpec, SpecError, TableSpec


def resolve_references(spec: TableSpec, tables: Mapping[str, TableSpec]) -> TableSpec:
    """`spec` with every foreign key's key_type/key_max_length taken from the field it points at.

    `tables` are the owner's other tables (created, not dropped) by name. The target must be one of them
    (or `spec` itself), and the field its single-field primary key or a unique field of a type a key can
    have. A cycle of required (non-nullable) foreign keys is refused: no row of it could be inserted first.
    """
    fields = []
    for field in spec.fields:
        reference = field.references
        if reference is None:
            fields.append(field)
            continue
        parent = spec if reference.table == spec.table_name else tables.get(reference.table)
        if parent is None:
            raise SpecError(
                field.name,
                "references",
                f"there is no table {reference.table!r} to reference (create it first; it must be one of yours)",
            )
        key = _key(field, parent)
        resolved = reference.model_copy(update={"key_type": key.type, "key_max_length": key.max_length})
        fields.append(field.model_copy(update={"references": resolved}))
    resolved_spec = spec.model_copy(update={"fields": fields})
    _refuse_required_cycles(resolved_spec, tables)
    return resolved_spec


def _key(field: FieldSpec, parent: TableSpec) -> FieldSpec:
    reference = field.references
    assert reference is not None
    target = next((other for other in parent.fields if other.name == reference.field), None)
    where = f"{reference.table}.{reference.field}"
    if target is None:
        raise SpecError(field.name, "references", f"{reference.table!r} has no field {reference.field!r}")
    if target.type not in REFERENCEABLE_TYPES:
        raise SpecError(field.name, "references", f"{where} is a {target.type.value} field, which cannot be a key")
    if not (target.unique or parent.primary_key == [target.name]):
        raise SpecError(
            field.name, "references", f"{where} is neither the primary key of {reference.table!r} nor a unique field"
        )
    return target


def _refuse_required_cycles(spec: TableSpec, tables: Mapping[str, TableSpec]) -> None:
    """Refuse a path of non-nullable foreign keys that leads from `spec` back to itself."""
    graph = {name: table for name, table in tables.items() if name != spec.table_name}
    graph[spec.table_name] = spec

    def required_parents(table: TableSpec) -> list[tuple[str, str]]:
        return [
            (field.name, field.references.table)
            for field in table.fields
            if field.references is not None and not field.nullable and field.references.table != table.table_name
        ]

    for start_field, first in required_parents(spec):
        path = [spec.table_name, first]
        stack = [(first, path)]
        seen: set[str] = set()
        while stack:
            name, trail = stack.pop()
            if name == spec.table_name:
                raise SpecError(
                    start_field,
                    "references",
                    f"the tables {' → '.join(trail)} reference each other through required foreign keys, so no "
                    "row could be inserted first; make one of these foreign keys nullable",
                )
            if name in seen or name not in graph:
                continue
            seen.add(name)
            stack.extend((parent, [*trail, parent]) for _, parent in required_parents(graph[name]))


def referencing_tables(name: str, tables: Mapping[str, TableSpec]) -> list[str]:
    """`table.field` of every other table whose foreign key points at `name`."""
    return [
        f"{table.table_name}.{field.name}"
        for table in tables.values()
        if table.table_name != name
        for field in table.fields
        if field.references is not None and field.references.table == name
    ]
