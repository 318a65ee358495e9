"""A job asking more unique values than a field can hold is refused before it starts."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_generator.domain import check_capacity


def table(*fields: dict[str, Any]) -> TableSpec:
    return TableSpec(table_name="t", fields=[FieldSpec.model_validate(field) for field in fields])


def test_small_integer_range_is_refused_with_a_clear_message() -> None:
    problems = check_capacity(table({"name": "code", "type": "integer", "unique": True, "min": 1, "max": 10}), 1000)
    assert problems == ["field 'code': unique integer between 1 and 10 has only 10 values, 1000 rows asked"]


def test_enough_values_pass() -> None:
    assert check_capacity(table({"name": "code", "type": "integer", "unique": True, "min": 1, "max": 10}), 10) == []


@pytest.mark.parametrize(
    "field",
    [
        {"name": "d", "type": "date", "unique": True, "min": "2020-01-01", "max": "2020-01-10"},
        {"name": "p", "type": "decimal", "unique": True, "precision": 1, "scale": 0},
        {"name": "c", "type": "string", "unique": True, "choices": ["a", "b", "c"]},
        {"name": "s", "type": "string", "unique": True, "pattern": r"[ab]\d"},
        {"name": "k", "type": "string", "primary_key": True, "generator": {"kind": "constant", "value": "x"}},
        {"name": "e", "type": "email", "unique": True, "max_length": 12},
        {
            "name": "q",
            "type": "integer",
            "unique": True,
            "max": 2**31 - 5,
            "generator": {"kind": "sequence", "start": 2**31 - 10},
        },
    ],
)
def test_too_small_spaces_are_refused(field: dict[str, Any]) -> None:
    problems = check_capacity(table(field), 100)
    assert problems
    assert problems[0].startswith(f"field {field['name']!r}")


def test_non_unique_fields_are_never_refused() -> None:
    assert check_capacity(table({"name": "flag", "type": "integer", "min": 1, "max": 2}), 10**6) == []


def test_reference_table_holds_a_million_rows(reference_spec: TableSpec) -> None:
    assert check_capacity(reference_spec, 1_000_000) == []
