"""Composite uniqueness by construction: unique indexes over fields that are not unique on their own.

The plan is a function of the spec alone (and the job's `now`), so every chunk and every worker agrees on it:

- When every field of the index has a finite value space (choices or a constant, a boolean, or a number, date,
  datetime or time drawn from a range), the combination of row r is a keyed permutation of r over the product
  of those spaces, decoded digit by digit (mixed radix): distinct rows get distinct combinations, nothing is
  retried. Each field's values then spread uniformly over its space (weights and distributions yield to the
  index, as they do for a unique field). Once the product of the first fields exceeds any job (2^63), the
  remaining fields keep their ordinary values: the enumerated ones already tell the rows apart.
- Otherwise one field of the index carries the uniqueness: it gets the single-field unique construction
  (uniqueness.unique_values), as if it were `unique: true`. A sequence, one-to-one already, is the carrier
  when there is one (and the job is refused if it would leave the field's range, where it would fold back);
  otherwise the field with the largest unique capacity (unbounded first), the earliest in the index on a tie.
  A foreign key carries it only when nothing else can, since its capacity is the parent's row count.

A composite primary key is such an index too (its fields are not unique one by one); one made only of foreign
keys is filled from the parents' keys instead (key_pairs.py). An index that contains a field already unique on its own (a unique or primary key field, a field another index
made carry its uniqueness) or a combination already enumerated is unique without doing anything. When an
index shares fields with one enumerated before it, only its other fields are enumerated (their combination
alone tells its rows apart); the capacity check names the index if that leaves too few combinations.
Rows with a null in one of the fields are not compared (SQL semantics), so nulls are added as usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dmb_contracts.fields import (
    ChoicesGenerator,
    ConstantGenerator,
    FieldSpec,
    GeneratorSpec,
    RangeGenerator,
    SequenceGenerator,
    StorageType,
    TableSpec,
)

from dmb_generator.domain.bounds import STEPPED_TYPES, from_steps, step_bounds
from dmb_generator.domain.key_pairs import key_pairs, unique_alone, unique_combinations
from dmb_generator.domain.permutation import Permutation
from dmb_generator.domain.uniqueness import Capacity, capacity, distinct_values

#: More combinations than any job can ask for: enumerating further fields would change nothing.
_BEYOND_ANY_JOB = 2**63


@dataclass(frozen=True)
class _Space:
    """The finite values of one field: a list, or the steps low..high of a stepped type."""

    field: FieldSpec
    values: tuple[Any, ...] | None
    low: int
    size: int

    def value(self, digit: int) -> Any:
        if self.values is not None:
            return self.values[digit]
        return from_steps(self.field, [self.low + digit])[0]


@dataclass(frozen=True)
class EnumeratedIndex:
    """An index whose combinations are a permutation of the row index over the product of `spaces`."""

    name: str
    spaces: tuple[_Space, ...]
    size: int

    def columns(self, seed: int, rows: range) -> dict[str, list[Any]]:
        permutation = Permutation.keyed(self.size, seed, "index", self.name)
        columns: dict[str, list[Any]] = {space.field.name: [] for space in self.spaces}
        for row in rows:
            slot = permutation.slot(row)
            for space in self.spaces:
                slot, digit = divmod(slot, space.size)
                columns[space.field.name].append(space.value(digit))
        return columns


@dataclass(frozen=True)
class CompositePlan:
    """How the table's unique indexes are kept unique: fields made unique on their own, enumerated indexes,
    and what each index can hold (None: more than any job)."""

    carriers: frozenset[str]
    enumerated: tuple[EnumeratedIndex, ...]
    capacities: tuple[tuple[str, Capacity], ...]
    problems: tuple[str, ...]

    def enumerated_columns(self, seed: int, rows: range) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {}
        for index in self.enumerated:
            columns.update(index.columns(seed, rows))
        return columns


def _space(field: FieldSpec, generator: GeneratorSpec, now: dt.datetime) -> _Space | None:
    if isinstance(generator, ChoicesGenerator | ConstantGenerator):
        values = tuple(distinct_values(field, generator))
        return _Space(field, values, 0, len(values)) if values else None
    if field.type is StorageType.BOOLEAN:
        return _Space(field, (False, True), 0, 2)
    if field.type in STEPPED_TYPES and isinstance(generator, RangeGenerator):
        low, high = step_bounds(field, generator, now)
        assert high is not None  # default=True always closes the range
        return _Space(field, None, low, high - low + 1)
    return None


def _carrier_rank(field: FieldSpec, available: Capacity, position: int) -> tuple[int, int, int]:
    if field.type is StorageType.FOREIGN_KEY:
        return (0, 0, -position)
    count = available.count
    return (2, 0, -position) if count is None else (1, count, -position)


def plan_unique_indexes(spec: TableSpec, generators: Mapping[str, GeneratorSpec], now: dt.datetime) -> CompositePlan:
    """The construction that keeps every unique index of `spec` unique (see the module's docstring)."""
    fields = {field.name: field for field in spec.fields}
    alone = set(unique_alone(spec))
    pairs = {pair.name for pair in key_pairs(spec)}  # filled from the parents' keys (key_pairs.py)
    carriers: set[str] = set()
    claimed: list[frozenset[str]] = []  # field sets whose combination is already unique
    enumerated: list[EnumeratedIndex] = []
    capacities: list[tuple[str, Capacity]] = []
    problems: list[str] = []
    for name, index_fields in unique_combinations(spec):
        members = set(index_fields)
        if name in pairs or members & (alone | carriers) or any(group <= members for group in claimed):
            continue
        taken = set().union(*claimed) if claimed else set()
        free = [fields[field_name] for field_name in index_fields if field_name not in taken]
        if not free:
            problems.append(
                f"index {name!r}: its fields are all enumerated for other unique indexes, so their "
                "combinations cannot also be kept unique here; give one of its fields a wider range or make it unique"
            )
            continue
        spaces = [_space(field, generators[field.name], now) for field in free]
        if all(space is not None for space in spaces):
            chosen: list[_Space] = []
            size = 1
            for space in spaces:
                assert space is not None
                chosen.append(space)
                size *= space.size
                if size >= _BEYOND_ANY_JOB:
                    break
            enumerated.append(EnumeratedIndex(name, tuple(chosen), size))
            claimed.append(frozenset(space.field.name for space in chosen))
            described = " x ".join(str(space.size) for space in chosen)
            count = None if size >= _BEYOND_ANY_JOB else size
            capacities.append(
                (name, Capacity(count, f"{described} values of {', '.join(space.field.name for space in chosen)}"))
            )
            continue
        ranked: list[tuple[tuple[int, int, int], FieldSpec, Capacity]] = []
        sequences = [field for field in free if isinstance(generators[field.name], SequenceGenerator)]
        # A sequence is one-to-one already; as the carrier it is also refused when it would leave its range.
        for position, field in enumerate(sequences or free):
            try:
                available = capacity(field, generators[field.name], now)
            except ValueError:
                continue
            ranked.append((_carrier_rank(field, available, position), field, available))
        if not ranked:
            problems.append(f"index {name!r}: none of its fields can take unique values")
            continue
        _, carrier, available = max(ranked, key=lambda entry: entry[0])
        carriers.add(carrier.name)
        capacities.append(
            (name, Capacity(available.count, f"field {carrier.name!r} carries it: {available.description}"))
        )
    return CompositePlan(frozenset(carriers), tuple(enumerated), tuple(capacities), tuple(problems))


def index_capacity_problems(plan: CompositePlan, total_rows: int) -> list[str]:
    """Why `total_rows` rows cannot all have distinct combinations (empty when they can)."""
    problems = list(plan.problems)
    for name, available in plan.capacities:
        if available.count is not None and available.count < total_rows:
            problems.append(
                f"unique index {name!r}: only {available.count} distinct combinations ({available.description}), "
                f"{total_rows} rows asked"
            )
    return problems
