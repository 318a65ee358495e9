"""Chunks land in real databases exactly once, and read back as generated."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.datasets_writer import chunk_rows_written, count_rows, insert_chunk
from dmb_generator.domain import generate_chunk


def make_table(engine: sa.Engine, spec: TableSpec, schema: str | None) -> sa.Table:
    table = table_for(spec, schema=schema)
    table.metadata.create_all(engine)
    return table


def test_chunks_are_written_once_and_read_back_equal(
    reference_spec: TableSpec, target: tuple[sa.Engine, str | None]
) -> None:
    engine, schema = target
    table = make_table(engine, reference_spec, schema)
    job = uuid.uuid4()
    chunks = [generate_chunk(reference_spec, seed=5, chunk_index=k, first_row=k * 300, rows=300) for k in range(3)]
    assert [insert_chunk(engine, table, rows, job_id=job, chunk_index=k) for k, rows in enumerate(chunks)] == [True] * 3

    assert insert_chunk(engine, table, chunks[1], job_id=job, chunk_index=1) is False  # a redelivery
    assert count_rows(engine, table) == 900
    assert chunk_rows_written(engine, schema, job) == 900
    assert chunk_rows_written(engine, schema, uuid.uuid4()) == 0

    with engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]
    assert stored == [row for rows in chunks for row in rows]


def test_nulls_and_every_type_survive_the_bulk_path(target: tuple[sa.Engine, str | None]) -> None:
    engine, schema = target
    spec = TableSpec.model_validate(
        {
            "table_name": "mixed",
            "fields": [
                {"name": "id", "type": "big_integer", "primary_key": True},
                {"name": "note", "type": "text", "nullable": True, "null_percentage": 40},
                {"name": "ratio", "type": "float", "nullable": True, "null_percentage": 40},
                {"name": "code", "type": "string", "unique": True, "max_length": 8},
                {"name": "quote", "type": "string", "generator": {"kind": "constant", "value": 'a\ttab, "quote"\n\\'}},
                {"name": "price", "type": "decimal", "precision": 12, "scale": 4},
                {"name": "flag", "type": "boolean", "nullable": True, "null_percentage": 50},
            ],
        }
    )
    table = make_table(engine, spec, schema)
    rows = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=200)
    assert insert_chunk(engine, table, rows, job_id=uuid.uuid4(), chunk_index=0)
    with engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]
    assert stored == sorted(rows, key=lambda row: row[0])  # type: ignore[arg-type, return-value]


def test_an_empty_chunk_is_recorded_once(target: tuple[sa.Engine, str | None], reference_spec: TableSpec) -> None:
    engine, schema = target
    table = make_table(engine, reference_spec, schema)
    job = uuid.uuid4()
    assert insert_chunk(engine, table, [], job_id=job, chunk_index=0) is True
    assert insert_chunk(engine, table, [], job_id=job, chunk_index=0) is False
    assert count_rows(engine, table) == 0
