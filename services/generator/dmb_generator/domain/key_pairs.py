"""Many-to-many: a composite primary key or unique index made only of foreign keys (a junction table such as
playlist_track) is unique as a combination, not field by field.

Its capacity is the product of the parents' key counts. Row r gets the combination at a keyed permutation slot
of r over that product, decoded digit by digit (mixed radix), so distinct rows get distinct combinations and
every parent gets about the same number of rows. When the first field has `children_per_parent`, each of its
parents gets that many rows (the layout of references.py) and, within a parent's rows, the other key takes
distinct values of its parent through a permutation keyed by that parent: the rule holds and no pair repeats.

Appending to a table that already holds combinations: the job start reads them once, as slots of the product
(`slot_of`), and the job keeps them ("held"). Row r then takes the r-th permutation position whose slot is not
held (the held slots' positions are found through the permutation's inverse, and skipped by rank), so the new
rows never repeat a combination already there nor each other, and every chunk on every worker computes the same
rows from the same job. Capacity left is the product minus the held combinations; a job asking for more is
refused before it writes a row. With `children_per_parent`, each parent's rows skip the other keys already
paired with it the same way.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
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

    def held_slots(self, combinations: Sequence[Sequence[Any]], parents: Mapping[str, ParentKeys]) -> list[int]:
        """The slots in the product (the first field is the lowest digit, as `columns` decodes them) of the
        combinations a table holds, sorted; those with a key the job did not read (or a null) are left out."""
        positions = [{key: index for index, key in enumerate(parents[name].keys)} for name in self.fields]
        slots = set()
        for combination in combinations:
            slot, radix = 0, 1
            for own, key in zip(positions, combination, strict=True):
                index = own.get(key)
                if index is None:
                    break
                slot += index * radix
                radix *= len(own)
            else:
                slots.add(slot)
        return sorted(slots)

    def problems(self, parents: Mapping[str, ParentKeys], total_rows: int, held: Sequence[int] = ()) -> list[str]:
        """Why `total_rows` new rows cannot each get a combination the table does not hold yet (`held` slots)."""
        counts = [len(parents[name].keys) if name in parents else 0 for name in self.fields]
        if 0 in counts:
            return []  # reference_problems names the empty parent
        problems = []
        fields, shown = ", ".join(self.fields), " x ".join(str(count) for count in counts)
        left = self.capacity(parents) - len(held)
        if left < total_rows and held:
            problems.append(
                f"{self.name}: only {left} combinations of ({fields}) are left: {shown} parent keys make "
                f"{self.capacity(parents)}, and the table already holds {len(held)}; {total_rows} rows asked"
            )
        elif left < total_rows:
            problems.append(
                f"{self.name}: only {left} distinct combinations of ({fields}) ({shown} parent keys), "
                f"{total_rows} rows asked"
            )
        if self.children is not None and len(self.fields) == 2:
            first, second = self.fields
            paired = Counter(slot % counts[0] for slot in held)  # per parent of the first field
            most = max(paired.values(), default=0)
            if self.children.max > counts[1] - most:
                problems.append(
                    f"{self.name}: {self.children.max} rows per {first} need as many distinct {second} keys"
                    + (
                        f", and its parent has {counts[1]}"
                        if not most
                        else f" not yet paired with it, and one {first} already has {most} of the {counts[1]}"
                    )
                )
        return problems

    def columns(
        self, seed: int, rows: range, parents: Mapping[str, ParentKeys], held: Sequence[int] = ()
    ) -> dict[str, list[Any]]:
        """The rows' combinations; `held`: the slots of the combinations the table held at job start (sorted)."""
        keys = [parents[name].keys for name in self.fields]
        if self.children is not None and len(self.fields) == 2:
            return self._laid_out(seed, rows, parents, keys, held)
        size = self.capacity(parents)
        permutation = Permutation.keyed(size, seed, "key pairs", self.name)
        skipped = sorted(permutation.row(slot) for slot in held)
        columns: dict[str, list[Any]] = {name: [] for name in self.fields}
        for row in rows:
            slot = permutation.slot(_free_rank(row, skipped))
            for name, own in zip(self.fields, keys, strict=True):
                slot, digit = divmod(slot, len(own))
                columns[name].append(own[digit])
        return columns

    def _laid_out(
        self,
        seed: int,
        rows: range,
        parents: Mapping[str, ParentKeys],
        keys: list[Sequence[Any]],
        held: Sequence[int],
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
        paired: dict[int, list[int]] = {}  # per parent of the first field, the other keys already paired with it
        for slot in held:
            paired.setdefault(slot % len(keys[0]), []).append(slot // len(keys[0]))
        columns: dict[str, list[Any]] = {first: [], second: []}
        skipped_by_parent: dict[int, list[int]] = {}
        for slot, owner in zip(slots.tolist(), owners.tolist(), strict=True):
            parent = int(order[owner])
            within = Permutation.keyed(len(keys[1]), seed, "key pairs", self.name, str(parent))
            skipped = skipped_by_parent.get(parent)
            if skipped is None:
                skipped = skipped_by_parent[parent] = sorted(within.row(other) for other in paired.get(parent, ()))
            columns[first].append(keys[0][parent])
            columns[second].append(keys[1][within.slot(_free_rank(slot - int(starts[owner]), skipped))])
        return columns


def _free_rank(rank: int, skipped: Sequence[int]) -> int:
    """The `rank`-th (from 0) non-negative integer not in `skipped` (sorted, distinct): the smallest x with
    x + 1 - |skipped ≤ x| > rank, found by bisection between rank and rank + |skipped|."""
    if not skipped:
        return rank
    low, high = rank, rank + len(skipped)
    while low < high:
        middle = (low + high) // 2
        if middle + 1 - bisect_right(skipped, middle) > rank:
            high = middle
        else:
            low = middle + 1
    return low


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
