"""Parents first: the order a batch fills its tables in (cycles refused) and a workbook's sheet order (cycles keep
the caller's order)."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from itertools import product
from typing import Any

import pytest
from dmb_contracts.fields import TableSpec
from dmb_contracts.table_order import CyclePolicy, ReferenceCycle, parents_first
from hypothesis import given
from hypothesis import strategies as st

POLICIES: list[CyclePolicy] = ["refuse", "keep_given_order", "break_nullable"]


def table(name: str, *parents: str) -> TableSpec:
    fields: list[dict[str, Any]] = [{"name": "id", "type": "integer", "primary_key": True}]
    fields += [
        {
            "name": f"{parent}_id",
            "type": "foreign_key",
            "nullable": True,
            "references": {"table": parent, "field": "id"},
        }
        for parent in parents
    ]
    return TableSpec.model_validate({"table_name": name, "fields": fields})


def names(specs: list[TableSpec], cycles: CyclePolicy) -> list[str]:
    return [specs[index].table_name for index in parents_first(specs, cycles=cycles)]


@pytest.mark.parametrize("cycles", POLICIES)
def test_parents_come_before_the_tables_that_reference_them(cycles: CyclePolicy) -> None:
    specs = [
        table("order_lines", "orders", "products"),
        table("orders", "customers"),
        table("products"),
        table("customers"),
    ]
    assert names(specs, cycles) == ["products", "customers", "orders", "order_lines"]


@pytest.mark.parametrize("cycles", POLICIES)
def test_tables_without_references_between_them_keep_the_callers_order(cycles: CyclePolicy) -> None:
    assert names([table("b"), table("a"), table("c")], cycles) == ["b", "a", "c"]


@pytest.mark.parametrize("cycles", POLICIES)
def test_a_parent_outside_the_list_and_a_self_reference_impose_nothing(cycles: CyclePolicy) -> None:
    specs = [table("employees", "employees", "departments"), table("teams")]
    assert names(specs, cycles) == ["employees", "teams"]


@pytest.mark.parametrize("cycles", POLICIES)
def test_the_earliest_table_that_is_ready_goes_next(cycles: CyclePolicy) -> None:
    specs = [
        table("line_items", "orders", "products"),
        table("extras"),  # ready from the start: first, although listed after line_items
        table("orders", "customers", "warehouses"),
        table("customers", "customers"),
        table("products"),
    ]
    assert names(specs, cycles) == ["extras", "customers", "orders", "products", "line_items"]
    assert names(specs[1:], cycles) == ["extras", "customers", "orders", "products"]


def test_a_cycle_is_refused_naming_its_tables() -> None:
    specs = [table("authors", "books"), table("books", "authors"), table("genres")]
    with pytest.raises(ReferenceCycle, match="'authors', 'books' reference each other in a cycle"):
        parents_first(specs, cycles="refuse")


def test_tables_in_a_cycle_keep_the_callers_order_when_asked() -> None:
    specs = [table("a", "b"), table("b", "a"), table("c", "a"), table("d", "e"), table("e")]
    assert names(specs, "keep_given_order") == ["a", "b", "c", "e", "d"]


def test_a_reference_into_a_cycle_still_puts_the_cycle_first() -> None:
    # c is on no cycle: it still waits for a (on the cycle with b) and for d.
    specs = [table("c", "a", "d"), table("a", "b"), table("b", "a"), table("d")]
    assert names(specs, "keep_given_order") == ["a", "b", "d", "c"]


def test_a_cycle_waits_for_what_any_of_its_tables_references_outside_it() -> None:
    # b alone references nothing outside the cycle, but a references z: the cycle goes after z, in the given order.
    specs = [table("a", "b", "z"), table("b", "a"), table("z")]
    assert names(specs, "keep_given_order") == ["z", "a", "b"]


@st.composite
def tables(draw: st.DrawFn) -> list[TableSpec]:
    """Up to eight tables in a random caller's order, each referencing a few of them (itself included) and maybe
    a table outside the list."""
    listed = draw(st.permutations([f"t{number}" for number in range(draw(st.integers(1, 8)))]))
    parents = st.lists(st.sampled_from([*listed, "elsewhere"]), unique=True, max_size=3)
    return [table(name, *draw(parents)) for name in listed]


def references(specs: list[TableSpec]) -> dict[str, set[str]]:
    """Each table's parents among the list, self-references left out: what the order must honour."""
    listed = {spec.table_name for spec in specs}
    return {
        spec.table_name: {
            field.references.table
            for field in spec.fields
            if field.references is not None and field.references.table in listed - {spec.table_name}
        }
        for spec in specs
    }


def has_cycle(specs: list[TableSpec]) -> bool:
    try:
        tuple(TopologicalSorter(references(specs)).static_order())
    except CycleError:
        return True
    return False


def reaches(specs: list[TableSpec]) -> dict[tuple[str, str], bool]:
    """(a, b) → a reaches b through references, one step or more (transitive closure, Warshall)."""
    parents = references(specs)
    listed = list(parents)
    closure = {(a, b): b in parents[a] for a, b in product(listed, listed)}
    for middle, a, b in product(listed, listed, listed):
        closure[a, b] = closure[a, b] or (closure[a, middle] and closure[middle, b])
    return closure


@given(tables())
def test_refuse_raises_exactly_when_the_tables_reference_each_other_in_a_cycle(specs: list[TableSpec]) -> None:
    if has_cycle(specs):
        with pytest.raises(ReferenceCycle):
            parents_first(specs, cycles="refuse")
    else:
        parents_first(specs, cycles="refuse")


@given(tables())
def test_without_a_cycle_every_parent_comes_before_its_children_earliest_ready_first(specs: list[TableSpec]) -> None:
    if has_cycle(specs):
        return
    order = parents_first(specs, cycles="refuse")
    assert sorted(order) == list(range(len(specs)))
    assert parents_first(specs, cycles="keep_given_order") == order
    parents = references(specs)
    placed: set[str] = set()
    for index in order:
        # What pins the generator's seeds: each next table is the earliest one whose parents are placed.
        ready = [other for other in range(len(specs)) if other not in order[: len(placed)]]
        ready = [other for other in ready if parents[specs[other].table_name] <= placed]
        assert index == ready[0]
        placed.add(specs[index].table_name)


@given(tables())
def test_keep_given_order_never_raises_and_honours_every_reference_outside_a_cycle(specs: list[TableSpec]) -> None:
    order = parents_first(specs, cycles="keep_given_order")
    assert sorted(order) == list(range(len(specs)))
    position = {specs[index].table_name: place for place, index in enumerate(order)}
    given_position = {spec.table_name: place for place, spec in enumerate(specs)}
    closure = reaches(specs)
    for child, parents in references(specs).items():
        for parent in parents:
            if not closure[parent, child]:  # the reference is on no cycle
                assert position[parent] < position[child]
    for (a, b), a_reaches_b in closure.items():
        if a != b and a_reaches_b and closure[b, a]:  # on a cycle together: the caller's order
            assert (position[a] < position[b]) == (given_position[a] < given_position[b])


@given(tables(), st.sampled_from(POLICIES))
def test_an_order_given_back_comes_back_unchanged(specs: list[TableSpec], cycles: CyclePolicy) -> None:
    try:
        order = parents_first(specs, cycles=cycles)
    except ReferenceCycle:
        return
    reordered = [specs[index] for index in order]
    assert parents_first(reordered, cycles=cycles) == list(range(len(specs)))


def test_a_cycle_is_ordered_by_its_required_foreign_keys_when_nullable_ones_may_break_it() -> None:
    required = {"name": "authors_id", "type": "foreign_key", "references": {"table": "authors", "field": "id"}}
    books = table("books").model_copy(
        update={"fields": [*table("books").fields, TableSpec.model_validate(
            {"table_name": "x", "fields": [required]}).fields[0]]}
    )  # fmt: skip
    specs = [books, table("authors", "books"), table("genres", "books")]
    assert names(specs, "break_nullable") == ["authors", "books", "genres"]
    both_nullable = [table("a", "b"), table("b", "a")]
    assert names(both_nullable, "break_nullable") == ["a", "b"]
