"""keep_apart: a chunk's unique values that the table already holds are replaced by reserve rows' values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from dmb_contracts.fields import TableSpec
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.unique_append import NoUniqueValuesLeft, fields_kept_apart, keep_apart, reserve_first_row

SPEC = TableSpec.model_validate(
    {
        "table_name": "members",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
            {"name": "code", "type": "integer", "unique": True, "generator": {"kind": "range", "min": 1, "max": 400}},
            {"name": "nick", "type": "string", "max_length": 30, "unique": True},
            {"name": "note", "type": "string", "max_length": 30},
        ],
    }
)


def make(first_row: int, rows: int = 100) -> list[tuple[Any, ...]]:
    return generate_chunk(SPEC, seed=5, chunk_index=0, first_row=first_row, rows=rows)


def test_only_unique_fields_that_are_not_sequences_are_kept_apart() -> None:
    assert fields_kept_apart(SPEC) == ["code", "nick"]


def test_values_the_table_holds_are_replaced_reproducibly_and_stay_distinct() -> None:
    existing = make(0)  # the table holds exactly what this job would write first
    held_by = {name: {row[index] for row in existing} for index, name in enumerate(["id", "code", "nick", "note"])}

    def held(name: str, values: Sequence[Any]) -> set[Any]:
        return {value for value in values if value in held_by[name]}

    def reserve(round_: int) -> list[tuple[Any, ...]]:
        return make(reserve_first_row(round_, 100, 0))

    kept = keep_apart(SPEC, make(0), held, reserve)

    assert kept == keep_apart(SPEC, make(0), held, reserve)
    for column, name in ((1, "code"), (2, "nick")):
        values = [row[column] for row in kept]
        assert len(set(values)) == 100
        assert not set(values) & held_by[name]
    assert [row[3] for row in kept] == [row[3] for row in existing]  # other fields untouched


def test_nothing_held_changes_nothing() -> None:
    rows = make(0)
    assert keep_apart(SPEC, rows, lambda name, values: set(), lambda round_: make(round_ * 100)) == rows


def test_no_values_left_is_a_plain_error() -> None:
    with pytest.raises(NoUniqueValuesLeft, match="field 'code'"):
        keep_apart(SPEC, make(0), lambda name, values: set(values), lambda round_: make(round_ * 100))
