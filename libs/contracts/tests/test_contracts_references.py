"""Resolving foreign keys against the owner's tables, and refusing the ones that cannot work."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import SpecError, StorageType, TableSpec
from dmb_contracts.references import referencing_tables, resolve_references


def _table(name: str, *fields: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": list(fields)})


def _fk(name: str, table: str, field: str = "id", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "foreign_key", "references": {"table": table, "field": field}, **extra}


CUSTOMERS = _table(
    "customers",
    {"name": "id", "type": "uuid", "primary_key": True},
    {"name": "code", "type": "string", "max_length": 12, "unique": True},
    {"name": "name", "type": "string"},
    {"name": "doc", "type": "json"},
)


def test_a_foreign_key_takes_the_type_and_length_of_the_key_it_points_at() -> None:
    spec = _table(
        "orders",
        {"name": "id", "type": "integer", "primary_key": True},
        _fk("customer", "customers"),
        _fk("code", "customers", "code"),
    )
    resolved = resolve_references(spec, {"customers": CUSTOMERS})
    customer, code = resolved.field("customer").references, resolved.field("code").references
    assert customer is not None
    assert code is not None
    assert (customer.key_type, customer.key_max_length) == (StorageType.UUID, None)
    assert (code.key_type, code.key_max_length) == (StorageType.STRING, 12)
    assert resolved.field("customer").value_type is StorageType.UUID


@pytest.mark.parametrize(
    ("field", "tables", "words"),
    [
        (_fk("c", "nobody"), {"customers": CUSTOMERS}, "there is no table 'nobody' to reference"),
        (_fk("c", "customers", "missing"), {"customers": CUSTOMERS}, "'customers' has no field 'missing'"),
        (
            _fk("c", "customers", "name"),
            {"customers": CUSTOMERS},
            "neither the primary key of 'customers' nor a unique",
        ),
        (
            _fk("c", "customers", "doc"),
            {"customers": CUSTOMERS},
            "customers.doc is a json field, which cannot be a key",
        ),
    ],
)
def test_a_reference_that_cannot_work_is_refused(
    field: dict[str, Any], tables: dict[str, TableSpec], words: str
) -> None:
    spec = _table("orders", {"name": "id", "type": "integer", "primary_key": True}, field)
    with pytest.raises(SpecError, match=words) as raised:
        resolve_references(spec, tables)
    assert (raised.value.field, raised.value.rule) == ("c", "references")


def test_a_cycle_of_required_foreign_keys_is_refused_and_a_nullable_one_accepted() -> None:
    a = resolve_references(
        _table("a", {"name": "id", "type": "integer", "primary_key": True}, _fk("b_id", "b")),
        {"b": _table("b", {"name": "id", "type": "integer", "primary_key": True})},
    )
    b_required = _table("b", {"name": "id", "type": "integer", "primary_key": True}, _fk("a_id", "a"))
    with pytest.raises(SpecError, match="the tables b → a → b reference each other through required foreign keys"):
        resolve_references(b_required, {"a": a})
    b_optional = _table("b", {"name": "id", "type": "integer", "primary_key": True}, _fk("a_id", "a", nullable=True))
    assert resolve_references(b_optional, {"a": a}).field("a_id").references is not None


def test_a_self_reference_resolves_from_the_table_itself() -> None:
    spec = _table(
        "staff", {"name": "id", "type": "big_integer", "primary_key": True}, _fk("boss", "staff", nullable=True)
    )
    reference = resolve_references(spec, {}).field("boss").references
    assert reference is not None
    assert reference.key_type is StorageType.BIG_INTEGER


def test_referencing_tables_names_each_child_field() -> None:
    orders = _table("orders", {"name": "id", "type": "integer", "primary_key": True}, _fk("customer", "customers"))
    assert referencing_tables("customers", {"orders": orders, "customers": CUSTOMERS}) == ["orders.customer"]
    assert referencing_tables("orders", {"orders": orders, "customers": CUSTOMERS}) == []
