"""The uuid, json, time and foreign_key field types: what a definition may say, and what it is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from dmb_contracts.fields import (
    DEFAULT_MAX_LENGTH,
    NUMERIC_TYPES,
    REFERENCEABLE_TYPES,
    TEMPORAL_TYPES,
    TEXTUAL_TYPES,
    TYPE_TRAITS,
    FieldSpec,
    StorageType,
    TableSpec,
    parse_time,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError


def test_every_storage_type_is_registered_with_its_traits() -> None:
    assert set(TYPE_TRAITS) == set(StorageType)
    assert all(traits.description for traits in TYPE_TRAITS.values())


def test_derived_type_families_keep_their_members() -> None:
    assert {StorageType.STRING, StorageType.TEXT, StorageType.EMAIL, StorageType.URL} == TEXTUAL_TYPES
    assert {StorageType.INTEGER, StorageType.BIG_INTEGER, StorageType.DECIMAL, StorageType.FLOAT} == NUMERIC_TYPES
    assert {StorageType.DATE, StorageType.DATETIME, StorageType.TIME} == TEMPORAL_TYPES
    assert DEFAULT_MAX_LENGTH == {StorageType.STRING: 255, StorageType.EMAIL: 254, StorageType.URL: 2048}
    assert StorageType.UUID in REFERENCEABLE_TYPES
    assert StorageType.JSON not in REFERENCEABLE_TYPES


def test_time_bounds_are_times_of_day() -> None:
    field = FieldSpec(name="opens", type="time", min="08:00", max="17:30:15")
    assert field.bounds() == (dt.time(8, 0), dt.time(17, 30, 15))


@pytest.mark.parametrize("bound", ["8:00", "24:00", "12:60", "noon", "08:00:00.5", 800])
def test_a_time_bound_that_is_not_hh_mm_is_refused(bound: object) -> None:
    with pytest.raises(ValidationError, match="time of day"):
        FieldSpec(name="opens", type="time", min=bound)


def test_time_min_after_max_is_refused() -> None:
    with pytest.raises(ValidationError, match="min 18:00 is greater than max 09:00"):
        FieldSpec(name="opens", type="time", min="18:00", max="09:00")


@given(st.times().map(lambda t: t.replace(microsecond=0)))
def test_any_time_written_hh_mm_ss_parses_back(moment: dt.time) -> None:
    assert parse_time(moment.isoformat()) == moment


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ({"type": "json", "unique": True}, "a json field cannot be unique"),
        ({"type": "json", "primary_key": True}, "a json field cannot be unique"),
        ({"type": "uuid", "max_length": 36}, "min_length/max_length apply to text fields"),
        ({"type": "uuid", "min": 1}, "min/max do not apply to uuid"),
        ({"type": "json", "pattern": "a+"}, "a pattern applies to text fields"),
        ({"type": "string", "generator": {"kind": "json_object"}}, "the json_object generator is for json fields"),
        ({"type": "integer", "generator": {"kind": "reference"}}, "the reference generator is for foreign_key"),
        ({"type": "integer", "references": {"table": "a", "field": "id"}}, "references applies to foreign_key"),
        ({"type": "foreign_key"}, "a foreign_key field needs references"),
        (
            {"type": "foreign_key", "references": {"table": "a", "field": "id"}, "generator": {"kind": "sequence"}},
            "takes its values from the parent's keys",
        ),
        (
            {"type": "foreign_key", "references": {"table": "a", "field": "id"}, "choices": [1, 2]},
            "not choices",
        ),
        (
            {"type": "foreign_key", "references": {"table": "a", "field": "id", "on_delete": "set null"}},
            'on_delete "set null" needs nullable',
        ),
        (
            {
                "type": "foreign_key",
                "unique": True,
                "references": {"table": "a", "field": "id"},
                "generator": {"kind": "reference", "children_per_parent": {"min": 1, "max": 2}},
            },
            "a unique foreign key gives each parent at most one row",
        ),
        (
            {"type": "foreign_key", "references": {"table": "a", "field": "id", "key_type": "json"}},
            "a foreign key cannot point at a json field",
        ),
        (
            {
                "type": "foreign_key",
                "references": {"table": "a", "field": "id"},
                "generator": {"kind": "reference", "children_per_parent": {"min": 3, "max": 2}},
            },
            "min 3 is greater than max 2",
        ),
        ({"type": "foreign_key", "references": {"table": "drop table", "field": "id"}}, "not a valid name"),
    ],
)
def test_rules_of_the_new_types_refuse_with_a_clear_message(field: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        FieldSpec.model_validate({"name": "f", **field})


def test_a_foreign_key_field_takes_the_resolved_key_type() -> None:
    field = FieldSpec.model_validate(
        {
            "name": "customer",
            "type": "foreign_key",
            "references": {"table": "customers", "field": "code", "key_type": "string", "key_max_length": 12},
        }
    )
    assert field.value_type is StorageType.STRING
    assert field.references is not None
    key = field.references.key_field("customer")
    assert (key.type, key.length_limit) == (StorageType.STRING, 12)
    assert field.references.on_delete == "restrict"


def test_an_unresolved_foreign_key_keeps_its_own_type_and_says_so() -> None:
    field = FieldSpec.model_validate({"name": "c", "type": "foreign_key", "references": {"table": "t", "field": "id"}})
    assert field.value_type is StorageType.FOREIGN_KEY
    assert field.references is not None
    with pytest.raises(ValueError, match="not resolved yet"):
        field.references.key_field("c")


def _self_referencing(**parent: object) -> dict[str, object]:
    return {
        "table_name": "employees",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "manager", "type": "foreign_key", "references": {"table": "employees", "field": "id"}, **parent},
        ],
    }


def test_a_nullable_self_reference_to_the_primary_key_is_accepted() -> None:
    spec = TableSpec.model_validate(_self_referencing(nullable=True))
    assert spec.field("manager").references is not None


def test_a_required_self_reference_is_refused() -> None:
    with pytest.raises(ValidationError, match="a foreign key to the table itself must be nullable"):
        TableSpec.model_validate(_self_referencing())


def test_a_self_reference_to_a_field_that_is_not_a_key_is_refused() -> None:
    spec = _self_referencing(nullable=True)
    spec["fields"] = [*spec["fields"], {"name": "name", "type": "string"}]  # type: ignore[list-item]
    spec["fields"][1]["references"]["field"] = "name"  # type: ignore[index]
    with pytest.raises(ValidationError, match="'name' is not the primary key or a unique field of this table"):
        TableSpec.model_validate(spec)
