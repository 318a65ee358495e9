"""The diff between two versions of a definition: what is added, dropped, renamed, converted or refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, SpecError, TableSpec
from dmb_schema.domain.diff import Conversion, plan_alter, value_problem

BASE: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "customer", "type": "string", "max_length": 50},
        {"name": "total", "type": "decimal", "precision": 10, "scale": 2},
        {"name": "note", "type": "text", "nullable": True},
    ],
}


def spec(**fields: dict[str, Any] | None) -> TableSpec:
    """BASE with fields replaced (None drops one) or appended."""
    names = [f["name"] for f in BASE["fields"]]
    out = [fields.get(f["name"], f) for f in BASE["fields"]]
    out += [f for name, f in fields.items() if name not in names]
    return TableSpec.model_validate({"table_name": "orders", "fields": [f for f in out if f is not None]})


OLD = TableSpec.model_validate(BASE)


def test_a_field_with_renamed_from_is_a_rename_not_a_drop_and_an_add() -> None:
    plan = plan_alter(
        OLD, spec(customer={"name": "client", "renamed_from": "customer", "type": "string", "max_length": 50})
    )
    assert plan.added == []
    assert plan.dropped == []
    (renamed,) = [change for change in plan.kept if change.renamed]
    assert (renamed.old.name, renamed.new.name, renamed.conversion) == ("customer", "client", Conversion.NONE)
    assert all(field.renamed_from is None for field in plan.new.fields)
    assert plan.changes() == ["field client: renamed from customer"]


def test_a_new_name_without_renamed_from_drops_and_adds() -> None:
    plan = plan_alter(OLD, spec(customer=None, client={"name": "client", "type": "string", "nullable": True}))
    assert [f.name for f in plan.dropped] == ["customer"]
    assert [f.name for f in plan.added] == ["client"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"type": "string", "max_length": 50}, {"type": "string", "max_length": 80}, Conversion.SAFE),
        ({"type": "string", "max_length": 50}, {"type": "text"}, Conversion.SAFE),
        ({"type": "string", "max_length": 50}, {"type": "string", "max_length": 10}, Conversion.CHECKED),
        ({"type": "string", "max_length": 254}, {"type": "email"}, Conversion.NONE),
        ({"type": "integer"}, {"type": "big_integer"}, Conversion.SAFE),
        ({"type": "big_integer"}, {"type": "integer"}, Conversion.CHECKED),
        ({"type": "text"}, {"type": "integer"}, Conversion.CHECKED),
        (
            {"type": "decimal", "precision": 10, "scale": 2},
            {"type": "decimal", "precision": 12, "scale": 3},
            Conversion.SAFE,
        ),
        (
            {"type": "decimal", "precision": 10, "scale": 2},
            {"type": "decimal", "precision": 10, "scale": 1},
            Conversion.CHECKED,
        ),
        ({"type": "date"}, {"type": "text"}, Conversion.CHECKED),
    ],
)
def test_type_changes_are_classified(old: dict[str, Any], new: dict[str, Any], expected: Conversion) -> None:
    before = spec(customer={"name": "customer", **old})
    plan = plan_alter(before, spec(customer={"name": "customer", "description": "changed", **new}))
    (change,) = [c for c in plan.kept if c.new.name == "customer"]
    assert change.conversion is expected


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"type": "text"}, {"type": "boolean"}),
        ({"type": "date"}, {"type": "integer"}),
        ({"type": "boolean"}, {"type": "float"}),
        ({"type": "json"}, {"type": "text"}),
        ({"type": "string"}, {"type": "json"}),
    ],
)
def test_unsupported_type_changes_are_refused_naming_the_field(old: dict[str, Any], new: dict[str, Any]) -> None:
    with pytest.raises(SpecError) as caught:
        plan_alter(spec(customer={"name": "customer", **old}), spec(customer={"name": "customer", **new}))
    assert (caught.value.field, caught.value.rule) == ("customer", "type")
    assert "add a new field" in caught.value.message


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"id": None}, "id", "primary_key"),
        ({"key2": {"name": "key2", "type": "integer", "primary_key": True}}, "key2", "primary_key"),
        ({"customer": {"name": "client", "renamed_from": "nobody", "type": "string"}}, "client", "renamed_from"),
        (
            {
                "customer": {"name": "note", "renamed_from": "customer", "type": "text", "nullable": True},
                "note": {"name": "customer", "renamed_from": "note", "type": "string", "max_length": 50},
            },
            "note",
            "renamed_from",
        ),
        ({}, None, "unchanged"),
    ],
)
def test_contradictory_or_empty_changes_are_refused(fields: dict[str, Any], field: str | None, rule: str) -> None:
    with pytest.raises(SpecError) as caught:
        plan_alter(OLD, spec(**fields))
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_generation_only_changes_need_no_ddl_but_are_listed() -> None:
    plan = plan_alter(OLD, spec(customer={"name": "customer", "type": "string", "max_length": 50, "min_length": 3}))
    assert not plan.needs_ddl
    assert plan.changes() == ["field customer: min_length"]


@pytest.mark.parametrize(
    ("target", "value", "fits"),
    [
        ({"type": "integer"}, " 42 ", True),
        ({"type": "integer"}, "4.2", False),
        ({"type": "integer"}, "abc", False),
        ({"type": "integer"}, 2**40, False),
        ({"type": "big_integer"}, 2**40, True),
        ({"type": "integer"}, Decimal("3.00"), True),
        ({"type": "float"}, "1e3", True),
        ({"type": "float"}, "1_000", False),
        ({"type": "decimal", "precision": 5, "scale": 2}, "123.45", True),
        ({"type": "decimal", "precision": 5, "scale": 2}, "1.234", False),
        ({"type": "decimal", "precision": 5, "scale": 2}, "1234", False),
        ({"type": "string", "max_length": 3}, "abcd", False),
        ({"type": "string", "max_length": 5}, True, True),
    ],
)
def test_existing_values_are_checked_against_the_new_type(target: dict[str, Any], value: object, fits: bool) -> None:
    field = FieldSpec.model_validate({"name": "x", **target})
    assert (value_problem(field, value) is None) is fits
