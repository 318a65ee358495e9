"""Unique fields stay unique across many chunks, by construction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_generator.domain import generate_chunk

CHUNKS, ROWS = 20, 250
UNIQUE_FIELDS: list[dict[str, Any]] = [
    {"name": "code", "type": "integer", "unique": True, "min": 1, "max": 6000},
    {"name": "ref", "type": "big_integer", "unique": True},
    {"name": "price", "type": "decimal", "unique": True, "precision": 6, "scale": 2, "min": 0, "max": 60},
    {"name": "weight", "type": "float", "unique": True, "min": 0, "max": 1},
    {"name": "day", "type": "date", "unique": True, "min": "2000-01-01", "max": "2015-01-01"},
    {"name": "moment", "type": "datetime", "unique": True, "min": "2024-01-01T00:00:00", "max": "2024-01-02T00:00:00"},
    {"name": "email", "type": "email", "unique": True, "max_length": 30},
    {"name": "website", "type": "url", "unique": True, "max_length": 40},
    {"name": "first_name", "type": "string", "unique": True, "max_length": 12},
    {"name": "tiny", "type": "string", "unique": True, "max_length": 4},
    {"name": "bio", "type": "text", "unique": True},
    {"name": "sku", "type": "string", "unique": True, "pattern": r"[A-Z]{2}-\d{4}"},
    {"name": "colour", "type": "string", "unique": True, "choices": [f"c{i}" for i in range(5000)]},
    {"name": "slot", "type": "integer", "unique": True, "generator": {"kind": "sequence", "start": 100, "step": -1}},
    {
        "name": "nick",
        "type": "string",
        "unique": True,
        "nullable": True,
        "null_percentage": 20,
        "generator": {"kind": "choices", "values": ["a", "b"]},
    },
]


@pytest.mark.parametrize("field", UNIQUE_FIELDS, ids=[field["name"] for field in UNIQUE_FIELDS])
def test_unique_field_has_no_duplicate_across_chunks(field: dict[str, Any], check: Any) -> None:
    spec = TableSpec(table_name="t", fields=[FieldSpec.model_validate(field)])
    if field["name"] == "nick":
        # Two choices hold only two rows; the capacity check refuses more (see test_generator_capacity).
        rows = generate_chunk(spec, seed=9, chunk_index=0, first_row=0, rows=2)
        check(spec.fields[0], [row[0] for row in rows])
        return
    values: list[object] = []
    for chunk in range(CHUNKS):
        rows = generate_chunk(
            spec, seed=9, chunk_index=chunk, first_row=chunk * ROWS, rows=ROWS, now=dt.datetime(2026, 1, 1)
        )
        values.extend(row[0] for row in rows)
    check(spec.fields[0], values)
    assert len(set(values)) == CHUNKS * ROWS


def test_chunk_split_does_not_change_unique_values() -> None:
    spec = TableSpec(table_name="t", fields=[FieldSpec(name="code", type="integer", unique=True, min=1, max=10**6)])
    whole = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=100)
    halves = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=50) + generate_chunk(
        spec, seed=1, chunk_index=1, first_row=50, rows=50
    )
    assert whole == halves


def test_unique_values_spread_over_the_range() -> None:
    spec = TableSpec(table_name="t", fields=[FieldSpec(name="code", type="integer", unique=True, min=1, max=10**6)])
    values: list[Any] = [row[0] for row in generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=100)]
    assert max(values) - min(values) > 10**5
