"""The order a batch fills its tables in, and the seeds its tables get."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import TableSpec
from dmb_generator.batch_order import ReferenceCycle, batch_order, table_seed


def table(name: str, *parents: str, nullable: bool = False) -> TableSpec:
    fields: list[dict[str, Any]] = [{"name": "id", "type": "integer", "primary_key": True}]
    fields += [
        {
            "name": f"{parent}_id",
            "type": "foreign_key",
            "nullable": nullable,
            "references": {"table": parent, "field": "id"},
        }
        for parent in parents
    ]
    return TableSpec.model_validate({"table_name": name, "fields": fields})


def names(specs: list[TableSpec]) -> list[str]:
    return [specs[index].table_name for index in batch_order(specs)]


def test_parents_come_before_the_tables_that_reference_them() -> None:
    specs = [
        table("order_lines", "orders", "products"),
        table("orders", "customers"),
        table("products"),
        table("customers"),
    ]
    assert names(specs) == ["products", "customers", "orders", "order_lines"]


def test_tables_without_references_between_them_keep_the_callers_order() -> None:
    assert names([table("b"), table("a"), table("c")]) == ["b", "a", "c"]


def test_a_parent_outside_the_batch_and_a_self_reference_impose_nothing() -> None:
    specs = [table("employees", "employees", "departments", nullable=True), table("teams")]
    assert names(specs) == ["employees", "teams"]


def test_a_cycle_is_refused_naming_its_tables() -> None:
    specs = [table("authors", "books", nullable=True), table("books", "authors"), table("genres")]
    with pytest.raises(ReferenceCycle, match="'authors', 'books' reference each other in a cycle"):
        batch_order(specs)


def test_each_position_has_its_own_seed_fixed_by_the_batch_seed() -> None:
    seeds = [table_seed(42, position) for position in range(5)]
    assert seeds == [table_seed(42, position) for position in range(5)]
    assert len(set(seeds)) == 5
    assert table_seed(43, 0) != seeds[0]
    assert all(0 <= seed < 2**63 for seed in seeds)
