"""The benchmark table generates valid rows, and fast."""

from __future__ import annotations

import time
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


def test_reference_table_generates_ten_thousand_rows_well_under_a_second(reference_spec: TableSpec) -> None:
    generate_chunk(reference_spec, seed=1, chunk_index=0, first_row=0, rows=100)  # warm the caches
    started = time.perf_counter()
    generate_chunk(reference_spec, seed=1, chunk_index=1, first_row=0, rows=10_000)
    assert time.perf_counter() - started < 0.8
