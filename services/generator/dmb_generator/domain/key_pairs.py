"""Many-to-many: a composite primary key or unique index made only of foreign keys (a junction table such as
playlist_track) is unique as a combination, not field by field.

Its capacity is the product of the parents' key counts. Row r gets the combination at a keyed permutation slot
of r over that product, decoded digit by digit (mixed radix), so distinct rows get distinct combinations and
every parent gets about the same number of rows. When the first field has `children_per_parent`, each of its
parents gets that many rows (the layout of references.py) and, within a parent's rows, the other key takes
distinct values of its parent through a permutation keyed by that parent: the rule holds and no pair repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from dmb_contracts.fields import ChildrenPerParent, ReferenceGenerator, TableSpec

from dmb_generator.domain.context import ParentKeys
from dmb_generator.domain.permutation import Permutation


def unique_alone(spec: TableSpec) -> frozenset[str]:
    """The fields unique on their own: `unique` ones and a single-field primary key (a composite key is unique
    as a combination only)."""
    names = {field.name for field in spec.fields if field.unique}
    if len(spec.primary_key) == 1:
        names.add(spec.primary_key[0])
    return frozenset(names)


def unique_combinations(spec: TableSpec) -> list[tuple[str, list[str]]]:
    """(name, fields) of every combination that must be unique: a composite primary key, then unique indexes."""
    found: list[tuple[str, list[str]]] = []
    if len(spec.primary_key) > 1:
        found.append((f"the primary key of {spec.table_name}", list(spec.primary_key)))
    for index in spec.indexes:
        if index.unique:
            found.append((index.name or index.default_name(spec.table_name), list(index.fields)))
    return found


@dataclass(frozen=True)
class KeyPairs:
    """A unique combination of foreign keys, filled from the parents' keys."""

    name: str
    fields: tuple[str, ...]
    children: ChildrenPerParent | None

    def capacity(self, parents: Mapping[str, ParentKeys]) -> int:
        size = 1
        for name in self.fields:
            size *= len(parents[name].keys) if name in parents else 0
        return size

    def problems(self, parents: Mapping[str, ParentKeys], total_rows: int) -> list[str]:
        counts = [len(parents[name].keys) if name in parents else 0 for name in self.fields]
        if 0 in counts:
            return []  # reference_problems names the empty parent
        problems = []
        if self.capacity(parents) < total_rows:
            shown = " x ".join(str(count) for count in counts)
            problems.append(
                f"{self.name}: only {self.capacity(parents)} distinct combinations of ({', '.join(self.fields)}) "
                f"({shown} parent keys), {total_rows} rows asked"
            )
        if self.children is not None and len(self.fields) == 2 and self.children.max > counts[1]:
            problems.append(
                f"{self.name}: {self.children.max} rows per {self.fields[0]} need as many distinct "
                f"{self.fields[1]} keys, and its parent has {counts[1]}"
            )
        return problems

    def columns(self, seed: int, rows: range, parents: Mapping[str, ParentKeys]) -> dict[str, list[Any]]:
        keys = [parents[name].keys for name in self.fields]
        if self.children is not None and len(self.fields) == 2:
            return self._laid_out(seed, rows, parents, keys)
        size = self.capacity(parents)
        permutation = Permutation.keyed(size, seed, "key pairs", self.name)
        columns: dict[str, list[Any]] = {name: [] for name in self.fields}
        for row in rows:
            slot = permutation.slot(row)
            for name, own in zip(self.fields, keys, strict=True):
                slot, digit = divmod(slot, len(own))
                columns[name].append(own[digit])
        return columns

    def _laid_out(
        self, seed: int, rows: range, parents: Mapping[str, ParentKeys], keys: list[Sequence[Any]]
    ) -> dict[str, list[Any]]:
        from dmb_generator.domain.references import child_layout  # the same layout as a plain reference

        first, second = self.fields
        assert self.children is not None
        total = parents[first].total_rows
        order, cumulative = child_layout(seed, first, len(keys[0]), total, self.children)
        spread = Permutation.keyed(total, seed, first, "children")
        slots = np.fromiter((spread.slot(row) for row in rows), dtype=np.int64, count=len(rows))
        owners = np.searchsorted(cumulative, slots, side="right")
        starts = np.concatenate(([0], cumulative[:-1]))
        columns: dict[str, list[Any]] = {first: [], second: []}
        for slot, owner in zip(slots.tolist(), owners.tolist(), strict=True):
            parent = int(order[owner])
            within = Permutation.keyed(len(keys[1]), seed, "key pairs", self.name, str(parent))
            columns[first].append(keys[0][parent])
            columns[second].append(keys[1][within.slot(slot - int(starts[owner]))])
        return columns


def key_pairs(spec: TableSpec) -> list[KeyPairs]:
    """The table's unique combinations made only of (two or more) foreign keys."""
    fields = {field.name: field for field in spec.fields}
    alone = unique_alone(spec)
    found = []
    for name, members in unique_combinations(spec):
        if len(members) < 2 or set(members) & alone:
            continue
        if all(fields[member].references is not None for member in members):
            generator = fields[members[0]].generator
            children = generator.children_per_parent if isinstance(generator, ReferenceGenerator) else None
            found.append(KeyPairs(name, tuple(members), children))
    return found
