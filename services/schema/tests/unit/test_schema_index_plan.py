"""Indexes in the alter plan: kept by name, added, dropped, or rebuilt around a field that is renamed or
retyped."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import SpecError, TableSpec
from dmb_schema.domain.diff import plan_alter

FIELDS: list[dict[str, Any]] = [
    {"name": "shop", "type": "integer", "primary_key": True},
    {"name": "number", "type": "integer", "primary_key": True},
    {"name": "customer", "type": "string", "max_length": 50},
    {"name": "day", "type": "date"},
]
OLD = TableSpec.model_validate(
    {
        "table_name": "orders",
        "fields": FIELDS,
        "indexes": [{"fields": ["customer", "day"], "unique": True}, {"fields": ["day"]}],
    }
)


def new(indexes: list[dict[str, Any]], fields: list[dict[str, Any]] = FIELDS, name: str = "orders") -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": fields, "indexes": indexes})


def test_an_added_index_is_planned_and_described() -> None:
    plan = plan_alter(OLD, new([*OLD.model_dump()["indexes"], {"fields": ["shop", "day"]}]))
    assert [index.name for index in plan.added_indexes] == ["ix_orders_shop_day"]
    assert plan.dropped_indexes == []
    assert plan.needs_ddl
    assert plan.changes() == ["index ix_orders_shop_day added (shop, day)"]


def test_a_removed_index_is_dropped() -> None:
    plan = plan_alter(OLD, new([OLD.model_dump()["indexes"][1]]))
    assert [index.name for index in plan.dropped_indexes] == ["uq_orders_customer_day"]
    assert plan.changes() == ["index uq_orders_customer_day dropped"]


def test_an_index_made_unique_under_the_same_name_is_dropped_and_added_again() -> None:
    plan = plan_alter(
        OLD, new([OLD.model_dump()["indexes"][0], {"name": "ix_orders_day", "fields": ["day"], "unique": True}])
    )
    assert [index.name for index in plan.dropped_indexes] == ["ix_orders_day"]
    assert [(index.name, index.unique) for index in plan.added_indexes] == [("ix_orders_day", True)]


def test_renaming_an_indexed_field_keeps_the_index_and_rebuilds_it_over_the_new_name() -> None:
    fields = [
        *FIELDS[:2],
        {"name": "client", "renamed_from": "customer", "type": "string", "max_length": 50},
        FIELDS[3],
    ]
    indexes = [
        {"name": "uq_orders_customer_day", "fields": ["client", "day"], "unique": True},
        {"name": "ix_orders_day", "fields": ["day"]},
    ]
    plan = plan_alter(OLD, new(indexes, fields, name="purchases"))
    assert plan.added_indexes == plan.dropped_indexes == []
    ((before, after),) = plan.rebuilt_indexes
    assert (before.fields, after.fields) == (["customer", "day"], ["client", "day"])
    # A table rename keeps the stored index names.
    assert [index.name for index in plan.new.indexes] == ["uq_orders_customer_day", "ix_orders_day"]
    assert not any(line.startswith("index") for line in plan.changes())


def test_dropping_an_indexed_field_needs_the_index_dropped_too() -> None:
    with pytest.raises(ValueError, match="'customer' is not a field of the table"):
        new(OLD.model_dump()["indexes"], [f for f in FIELDS if f["name"] != "customer"])
    plan = plan_alter(OLD, new([{"fields": ["day"]}], [f for f in FIELDS if f["name"] != "customer"]))
    assert [index.name for index in plan.dropped_indexes] == ["uq_orders_customer_day"]


def test_the_composite_primary_key_cannot_change() -> None:
    fields = [{**FIELDS[0], "primary_key": False}, *FIELDS[1:]]
    with pytest.raises(SpecError) as raised:
        plan_alter(OLD, new(OLD.model_dump()["indexes"], fields))
    assert (raised.value.field, raised.value.rule) == ("shop", "primary_key")


def test_an_unnamed_index_after_a_table_rename_is_a_new_index_under_the_new_name() -> None:
    plan = plan_alter(OLD, new([OLD.model_dump()["indexes"][0], {"fields": ["day"]}], name="purchases"))
    assert [index.name for index in plan.dropped_indexes] == ["ix_orders_day"]
    assert [index.name for index in plan.added_indexes] == ["ix_purchases_day"]
