"""Table-level modelling: composite primary keys, indexes and composite unique constraints are validated
with messages naming the index and the rule, and unnamed indexes get a stable derived name."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import IndexSpec, SpecError, TableSpec
from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH, identifier_problem
from pydantic import ValidationError

FIELDS: list[dict[str, Any]] = [
    {"name": "shop", "type": "integer", "primary_key": True},
    {"name": "number", "type": "integer", "primary_key": True},
    {"name": "customer", "type": "string"},
    {"name": "day", "type": "date"},
    {"name": "email", "type": "email", "unique": True},
    {"name": "paid", "type": "boolean"},
]


def table(*indexes: dict[str, Any], name: str = "orders") -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": FIELDS, "indexes": list(indexes)})


def test_several_primary_key_fields_make_a_composite_key_and_count_as_one_unique_set() -> None:
    spec = table({"fields": ["customer", "day"], "unique": True})
    assert spec.primary_key == ["shop", "number"]
    assert spec.unique_sets == [["shop", "number"], ["email"], ["customer", "day"]]


def test_an_unnamed_index_gets_a_derived_name_that_is_stored_and_stable() -> None:
    spec = table({"fields": ["customer", "day"], "unique": True}, {"fields": ["day"]})
    assert [index.name for index in spec.indexes] == ["uq_orders_customer_day", "ix_orders_day"]
    again = TableSpec.model_validate_json(spec.model_dump_json())
    assert again == spec
    # The stored name survives a table rename: the index is the same one.
    renamed = TableSpec.model_validate(spec.model_dump() | {"table_name": "purchases"})
    assert [index.name for index in renamed.indexes] == ["uq_orders_customer_day", "ix_orders_day"]


def test_long_derived_names_are_shortened_distinctly_and_stay_valid() -> None:
    long_table = "t" * 60
    fields = [{"name": f"{letter * 60}", "type": "integer"} for letter in "abc"]
    spec = TableSpec.model_validate(
        {
            "table_name": long_table,
            "fields": fields,
            "indexes": [{"fields": ["a" * 60, "b" * 60]}, {"fields": ["a" * 60, "c" * 60]}],
        }
    )
    names = [index.name for index in spec.indexes]
    assert len(set(names)) == 2
    for name in names:
        assert name is not None
        assert len(name) <= MAX_IDENTIFIER_LENGTH
        assert identifier_problem(name) is None


@pytest.mark.parametrize(
    ("indexes", "where", "rule", "words"),
    [
        ([{"name": "ix_x", "fields": ["nope"]}], "ix_x", "index", "'nope' is not a field of the table"),
        ([{"name": "ix_x", "fields": ["day", "day"]}], None, None, "appears twice in the index"),
        ([{"name": "ix_x", "fields": []}], None, None, "at least 1 item"),
        ([{"name": "orders", "fields": ["day"]}], "orders", "index", "cannot have the table's name"),
        (
            [{"name": "ix_x", "fields": ["day"]}, {"name": "ix_x", "fields": ["customer"]}],
            "ix_x",
            "duplicate",
            "already used by index 'ix_x'",
        ),
        (
            [{"name": "uq_orders_email", "fields": ["day"]}],
            "uq_orders_email",
            "duplicate",
            "the unique constraint of field 'email'",
        ),
        (
            [{"name": "a", "fields": ["day", "customer"]}, {"name": "b", "fields": ["day", "customer"]}],
            "b",
            "duplicate",
            "the same as index 'a'",
        ),
        ([{"fields": ["number", "shop"], "unique": True}], "uq_orders_number_shop", "unique", "the primary key"),
        ([{"fields": ["email"], "unique": True}], "uq_orders_email", "duplicate", "already used"),
        ([{"name": "u", "fields": ["email"], "unique": True}], "u", "unique", "'email', which is already unique"),
        ([{"name": "u", "fields": ["paid"], "unique": True}], "u", "unique", "boolean field has only two values"),
        ([{"name": "Bad Name", "fields": ["day"]}], None, None, "not a valid name"),
        ([{"name": "select", "fields": ["day"]}], None, None, "reserved SQL word"),
        ([{"fields": ["day"], "where": "x"}], None, None, "Extra inputs are not permitted"),
        ([{"fields": [f"f{i}" for i in range(17)]}], None, None, "at most 16 items"),
    ],
)
def test_contradictory_or_duplicate_indexes_are_refused_naming_the_index(
    indexes: list[dict[str, Any]], where: str | None, rule: str | None, words: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        table(*indexes)
    assert words in str(raised.value)
    if rule is not None:
        (error,) = raised.value.errors()
        cause = error["ctx"]["error"]
        assert isinstance(cause, SpecError)
        assert (cause.field, cause.rule) == (where, rule)


def test_index_names_are_compared_case_sensitively_as_stored_lowercase() -> None:
    # Names are lower-case identifiers, so a case-insensitive clash cannot be written at all.
    with pytest.raises(ValidationError, match="not a valid name"):
        IndexSpec.model_validate({"name": "IX_Day", "fields": ["day"]})


def test_a_spec_without_indexes_is_still_valid() -> None:
    spec = TableSpec.model_validate({"table_name": "orders", "fields": FIELDS})
    assert spec.indexes == []
