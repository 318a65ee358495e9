"""Parents first: an order of tables in which each table comes after the tables its foreign keys point at.

The generator fills a batch's tables in this order (a child draws from its parent's keys, so the parent must be
complete first) and the gateway lays out a workbook's sheets in it. One rule serves both: the next table is the
earliest one, in the caller's order, whose parents are all placed. Parents outside the list and self-references
impose nothing. Table names are unique among the specs (an owner's tables are), so a name stands for a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dmb_contracts.fields import TableSpec

#: What tables that reference each other in a circle do. "refuse": raise ReferenceCycle, since none of them can
#: go first (a batch cannot fill them). "keep_given_order": the references inside the circle impose nothing, so
#: its tables keep the caller's order among themselves; every other reference, into or out of it, still holds.
#: "break_nullable": a nullable foreign key inside a circle imposes nothing (it is created and filled last: left
#: empty where its parent comes later), required ones still hold; a circle of required ones is refused.
CyclePolicy = Literal["refuse", "keep_given_order", "break_nullable"]


class ReferenceCycle(ValueError):
    """The tables reference each other in a circle, so none of them can go first."""


def parents_first(specs: Sequence[TableSpec], *, cycles: CyclePolicy) -> list[int]:
    """Indexes of `specs`, parents first. The next table is always the earliest one in the caller's order whose
    parents are placed, so the same list always gives the same order and a list already parents first keeps its
    order. The generator derives each table's seed from its position here: a change to the order of any list
    it accepts changes generated data."""
    names = {spec.table_name for spec in specs}
    parents = [
        {
            field.references.table
            for field in spec.fields
            if field.references is not None
            and field.references.table in names
            and field.references.table != spec.table_name
        }
        for spec in specs
    ]
    if cycles == "keep_given_order":
        parents = _outside_own_cycle(specs, parents)
    elif cycles == "break_nullable":
        parents = _without_nullable_cycle_edges(specs, parents)
    order: list[int] = []
    placed: set[str] = set()
    unplaced = list(range(len(specs)))
    while unplaced:
        ready = next((index for index in unplaced if parents[index] <= placed), None)
        if ready is None:  # only under "refuse": without the references inside cycles, some table is always ready
            stuck = sorted(specs[index].table_name for index in unplaced)
            raise ReferenceCycle(
                "the batch's tables "
                + ", ".join(repr(name) for name in stuck)
                + " reference each other in a cycle, so no parent can be filled before its children; "
                "fill one of them on its own first"
            )
        unplaced.remove(ready)
        order.append(ready)
        placed.add(specs[ready].table_name)
    return order


def _outside_own_cycle(specs: Sequence[TableSpec], parents: list[set[str]]) -> list[set[str]]:
    """What each table waits for once references inside a cycle impose nothing. A table of a cycle waits for
    everything its cycle references outside itself, so the cycle's tables become ready together and then go in
    the caller's order; a table on no cycle waits for its own parents, as before."""
    references = {spec.table_name: own for spec, own in zip(specs, parents, strict=True)}
    reachable = {name: _reachable_from(name, references) for name in references}
    waits_for = []
    for spec in specs:
        name = spec.table_name
        cycle = {name} | {other for other in reachable[name] if name in reachable[other]}
        waits_for.append(set().union(*(references[member] for member in cycle)) - cycle)
    return waits_for


def _reachable_from(start: str, references: dict[str, set[str]]) -> set[str]:
    """Every table reached from `start` by following references, one or more steps."""
    seen: set[str] = set()
    todo = list(references[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(references[name])
    return seen


def _without_nullable_cycle_edges(specs: Sequence[TableSpec], parents: list[set[str]]) -> list[set[str]]:
    """What each table waits for once its nullable foreign keys into its own circle impose nothing."""
    references = {spec.table_name: own for spec, own in zip(specs, parents, strict=True)}
    waits_for = []
    for spec, own in zip(specs, parents, strict=True):
        required = {
            field.references.table for field in spec.fields if field.references is not None and not field.nullable
        }
        waits_for.append(
            {
                parent
                for parent in own
                if parent in required or spec.table_name not in _reachable_from(parent, references) | {parent}
            }
        )
    return waits_for
