"""The benchmark table generates valid rows (its speed is measured by bench/generate_insert.py)."""

from __future__ import annotations

from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import generate_chunk


def test_reference_table_rows_satisfy_every_constraint(reference_spec: TableSpec, check: Any) -> None:
    rows = [
        row
        for chunk in range(4)
        for row in generate_chunk(reference_spec, seed=11, chunk_index=chunk, first_row=chunk * 2500, rows=2500)
    ]
    for index, field in enumerate(reference_spec.fields):
        check(field, [row[index] for row in rows])
    assert [row[0] for row in rows] == list(range(1, 10_001))
