"""Appending to a table that already has rows: unique values that are not sequences stay unique against the
rows already there (pure; the handler reads which of a chunk's values the table holds).

A job's unique values are a one-to-one function of the global row index (uniqueness.py), but a second job —
another seed, or the same one — may make values the table already holds. The chunk's repeats are replaced by
the values of *reserve rows*: round k gives row r of the chunk the value of global row k·rows + r of the same
job (same seed, same construction). Reserve rows of different rounds and chunks are distinct row indexes, so
their values never repeat each other nor the job's own rows, with no coordination between chunks or workers;
the result depends only on the job (seed, rows) and on the rows the table held, so it is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from typing import Any

from dmb_contracts.fields import StorageType, TableSpec

from dmb_generator.domain.key_pairs import unique_alone
from dmb_generator.domain.sequence_starts import sequence_fields

#: Reserve rounds before a job gives up (each round is one more chunk's worth of generated values).
MAX_ROUNDS = 8


class NoUniqueValuesLeft(ValueError):
    pass


def fields_kept_apart(spec: TableSpec) -> list[str]:
    """The fields unique on their own whose values are not a sequence (sequences continue after the table's
    largest value instead) nor a foreign key (a key drawn from the parent's keys)."""
    sequences = set(sequence_fields(spec))
    alone = unique_alone(spec)
    return [
        field.name
        for field in spec.fields
        if field.name in alone and field.name not in sequences and field.type is not StorageType.FOREIGN_KEY
    ]


def keep_apart(
    spec: TableSpec,
    rows: list[tuple[Any, ...]],
    held: Callable[[str, Sequence[Any]], Set[Any]],
    reserve: Callable[[int], list[tuple[Any, ...]]],
) -> list[tuple[Any, ...]]:
    """`rows` with every value of a kept-apart field that the table already holds (`held(field, values)`)
    replaced by a reserve row's value; `reserve(k)` makes the chunk's rows again as global rows k·job_rows
    + first_row onwards. NoUniqueValuesLeft when MAX_ROUNDS rounds leave a repeat."""
    names = fields_kept_apart(spec)
    if not names or not rows:
        return rows
    positions = {field.name: index for index, field in enumerate(spec.fields)}
    out = [list(row) for row in rows]
    for name in names:
        column = positions[name]
        pending = _repeats(out, column, held(name, [row[column] for row in out]))
        round_ = 0
        while pending:
            round_ += 1
            if round_ > MAX_ROUNDS:
                raise NoUniqueValuesLeft(
                    f"field {name!r}: the table already holds the unique values this job would write, and no "
                    "others are left for it; replace the table's rows, or widen the field's values"
                )
            try:
                spare = reserve(round_)
            except ValueError as exc:  # past the field's value space: a permutation has no such row
                raise NoUniqueValuesLeft(
                    f"field {name!r}: too few unique values are left besides those the table holds ({exc})"
                ) from None
            for index in pending:
                out[index][column] = spare[index][column]
            again = held(name, [out[index][column] for index in pending])
            pending = [index for index in pending if _held(out[index][column], again)]
    return [tuple(row) for row in out]


def _repeats(rows: list[list[Any]], column: int, held: Set[Any]) -> list[int]:
    return [index for index, row in enumerate(rows) if _held(row[column], held)]


def _held(value: Any, held: Set[Any]) -> bool:
    return value is not None and value in held


def reserve_first_row(round_: int, job_rows: int, first_row: int) -> int:
    return round_ * job_rows + first_row
