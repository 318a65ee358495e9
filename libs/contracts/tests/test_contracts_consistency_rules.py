"""Consistency rules in a table's definition: validated with the table, checked against child tables,
inferred from names on import."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.rules import AggregateRule, DateOrderRule, check_aggregate_children, field_rules
from dmb_contracts.rules_inference import infer_rules
from pydantic import ValidationError

ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "order_id", "type": "integer", "primary_key": True},
        {"name": "ordered_at", "type": "datetime"},
        {"name": "shipped_at", "type": "datetime", "nullable": True},
        {"name": "delivered_on", "type": "date", "nullable": True},
        {"name": "total", "type": "decimal", "precision": 12, "scale": 2},
        {"name": "line_count", "type": "integer"},
        {"name": "note", "type": "string"},
    ],
}
LINES: dict[str, Any] = {
    "table_name": "order_lines",
    "fields": [
        {"name": "line_id", "type": "integer", "primary_key": True},
        {"name": "order_id", "type": "foreign_key", "references": {"table": "orders", "field": "order_id"}},
        {"name": "unit_price", "type": "decimal", "precision": 10, "scale": 2},
        {"name": "quantity", "type": "integer"},
    ],
}


def orders(*rules: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate({**ORDERS, "rules": list(rules)})


def test_rules_are_part_of_the_definition_and_say_what_they_mean() -> None:
    spec = orders(
        {"kind": "date_order", "earlier": "ordered_at", "later": "shipped_at", "max_days": 14},
        {"kind": "aggregate", "field": "total", "function": "sum", "child_table": "order_lines",
         "child_key": "order_id", "child_field": "unit_price", "times_field": "quantity"},
    )  # fmt: skip

    assert [rule.describe() for rule in spec.rules] == [
        "shipped_at >= ordered_at (at most 14 days later)",
        "total = Σ order_lines.unit_price * quantity (by order_id)",
    ]
    assert field_rules(spec, spec.field("shipped_at")) == ["shipped_at >= ordered_at (at most 14 days later)"]
    assert TableSpec.model_validate(spec.model_dump(mode="json")) == spec


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "date_order", "earlier": "ordered_at", "later": "missing"}, "'missing' is not a field"),
        ({"kind": "date_order", "earlier": "ordered_at", "later": "note"}, "'note' is of type string"),
        ({"kind": "date_order", "earlier": "ordered_at", "later": "ordered_at"}, "cannot come after itself"),
        ({"kind": "date_order", "earlier": "ordered_at", "later": "shipped_at", "min_days": 5, "max_days": 2},
         "max_days is below min_days"),
        ({"kind": "date_order", "earlier": "ordered_at", "later": "order_id"}, "'order_id' is of type integer"),
        ({"kind": "aggregate", "field": "note", "function": "count", "child_table": "t", "child_key": "k"},
         "'note' is of type string, not a number"),
        ({"kind": "aggregate", "field": "total", "function": "sum", "child_table": "t", "child_key": "k"},
         "a sum needs child_field"),
        ({"kind": "aggregate", "field": "order_id", "function": "count", "child_table": "t", "child_key": "k"},
         "'order_id' is unique"),
        ({"kind": "sometimes"}, "does not match any of the expected tags"),
    ],
)  # fmt: skip
def test_a_rule_that_cannot_hold_is_refused_with_what_and_where(rule: dict[str, Any], message: str) -> None:
    with pytest.raises((ValidationError, SpecError), match=message):
        orders(rule)


def test_a_rule_declared_twice_is_refused() -> None:
    rule = {"kind": "date_order", "earlier": "ordered_at", "later": "shipped_at"}
    with pytest.raises(ValidationError, match="declared twice"):
        orders(rule, rule)


def test_an_aggregate_is_checked_against_its_child_table_when_known() -> None:
    good = orders(
        {"kind": "aggregate", "field": "line_count", "function": "count", "child_table": "order_lines",
         "child_key": "order_id"},
    )  # fmt: skip
    bad = orders(
        {"kind": "aggregate", "field": "total", "function": "sum", "child_table": "order_lines",
         "child_key": "quantity", "child_field": "missing"},
    )  # fmt: skip
    lines = TableSpec.model_validate(LINES)

    assert check_aggregate_children(good, {"order_lines": lines}) == []
    assert check_aggregate_children(good, {}) == []  # not created yet: nothing to check
    assert check_aggregate_children(bad, {"order_lines": lines}) == [
        "aggregate 'total': order_lines.quantity is not a foreign key to orders",
        "aggregate 'total': order_lines.missing is not a numeric field",
    ]


def test_obvious_rules_are_inferred_from_names_and_declared_ones_kept() -> None:
    declared = DateOrderRule(earlier="ordered_at", later="shipped_at", max_days=3)
    spec = orders(declared.model_dump())
    lines = TableSpec.model_validate(LINES)

    inferred, same_lines = infer_rules([spec, lines])

    assert same_lines == lines
    assert inferred.rules == [
        declared,
        DateOrderRule(earlier="ordered_at", later="delivered_on"),
        DateOrderRule(earlier="shipped_at", later="delivered_on"),
        AggregateRule(field="total", function="sum", child_table="order_lines", child_key="order_id",
                      child_field="unit_price", times_field="quantity"),
        AggregateRule(field="line_count", function="count", child_table="order_lines", child_key="order_id"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("earlier", "later", "strict", "min_days"),
    [
        ("start_date", "end_date", True, 0),
        ("rental_start", "rental_end", True, 0),
        ("valid_from", "valid_to", True, 0),
        ("created_at", "updated_at", False, 0),
        ("date_of_birth", "hire_date", False, 6575),
        ("admitted_at", "discharged_at", False, 0),
    ],
)
def test_date_pairs_by_name(earlier: str, later: str, strict: bool, min_days: float) -> None:
    spec = TableSpec.model_validate(
        {"table_name": "t", "fields": [{"name": earlier, "type": "date"}, {"name": later, "type": "date"}]}
    )
    assert infer_rules([spec])[0].rules == [
        DateOrderRule(earlier=earlier, later=later, strict=strict, min_days=min_days)
    ]


def test_unrelated_dates_get_no_rule() -> None:
    spec = TableSpec.model_validate(
        {"table_name": "t", "fields": [{"name": "paid_on", "type": "date"}, {"name": "end_date", "type": "date"}]}
    )
    assert infer_rules([spec])[0].rules == []
