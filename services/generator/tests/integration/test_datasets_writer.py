"""Chunks land in real databases exactly once, and read back as generated."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import psycopg.sql
import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import StorageType, TableSpec
from dmb_generator.adapters.datasets_writer import (
    RowsRefused,
    _binary_types,
    chunk_rows_written,
    count_rows,
    insert_chunk,
)
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.context import ParentKeys


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


#: A field of every storage type (the foreign key points at this table's own key).
EVERY_TYPE = TableSpec.model_validate(
    {
        "table_name": "every_type",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            *(
                {"name": f"f_{kind.value}", "type": kind.value, "nullable": True, "null_percentage": 20}
                for kind in StorageType
                if kind not in (StorageType.FOREIGN_KEY, StorageType.INTEGER)
            ),
            {"name": "f_integer", "type": "integer", "nullable": True, "null_percentage": 20},
            {
                "name": "f_parent",
                "type": "foreign_key",
                "nullable": True,
                "null_percentage": 100,
                "references": {"table": "every_type", "field": "id", "key_type": "integer"},
            },
        ],
    }
)


def test_postgresql_copies_every_storage_type_in_binary(postgres_url: str) -> None:
    engine = create_datasets_engine(postgres_url)
    table = make_table(engine, EVERY_TYPE, None)
    no_parent = {"f_parent": ParentKeys("every_type", [], 300)}  # the table is empty: the key is left null
    rows = generate_chunk(EVERY_TYPE, seed=3, chunk_index=0, first_row=0, rows=300, parents=no_parent)
    assert {field.type for field in EVERY_TYPE.fields} == set(StorageType)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        assert _binary_types(raw, psycopg.sql.Identifier(table.name), table) is not None  # no text fallback

    assert insert_chunk(engine, table, rows, job_id=uuid.uuid4(), chunk_index=0)

    with engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]
    engine.dispose()
    assert stored == sorted(rows, key=lambda row: row[0])  # type: ignore[arg-type, return-value]


def test_sqlite_stores_every_storage_type_exactly_as_sqlalchemys_insert_would(tmp_path: Path) -> None:
    # The SQLite bulk path sends positional tuples through the column types' bind processors itself (no
    # per-row dictionaries): the bytes SQLite stores must be those of SQLAlchemy's own insert(), every type.
    engine = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    fast = make_table(engine, EVERY_TYPE, None)
    reference = table_for(EVERY_TYPE.model_copy(update={"table_name": "every_type_reference"}))
    reference.metadata.create_all(engine)
    no_parent = {"f_parent": ParentKeys("every_type", [], 300)}
    rows = generate_chunk(EVERY_TYPE, seed=3, chunk_index=0, first_row=0, rows=300, parents=no_parent)
    assert {field.type for field in EVERY_TYPE.fields} == set(StorageType)

    assert insert_chunk(engine, fast, rows, job_id=uuid.uuid4(), chunk_index=0)
    names = [column.name for column in reference.columns]
    with engine.begin() as conn:
        conn.execute(sa.insert(reference), [dict(zip(names, row, strict=True)) for row in rows])

    def raw(table: sa.Table) -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY rowid')
            return [tuple(row) for row in result]

    try:
        assert raw(fast) == raw(reference)
        with engine.connect() as conn:
            stored = [tuple(row) for row in conn.execute(sa.select(fast).order_by(fast.c.id))]
        assert stored == sorted(rows, key=lambda row: row[0])  # type: ignore[arg-type, return-value]
    finally:
        engine.dispose()


def test_postgresql_falls_back_to_text_copy_for_a_type_without_a_binary_dumper(postgres_url: str) -> None:
    # A column the generator writes as text, but which the database holds as a type psycopg cannot send in
    # binary (a table altered outside dmb, or imported): the chunk still lands, through text COPY.
    engine = create_datasets_engine(postgres_url)
    spec = TableSpec.model_validate(
        {
            "table_name": "odd",
            "fields": [{"name": "id", "type": "integer", "primary_key": True}, {"name": "words", "type": "text"}],
        }
    )
    table = make_table(engine, spec, None)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE odd ALTER COLUMN words TYPE tsvector USING to_tsvector(words)")
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        assert _binary_types(raw, psycopg.sql.Identifier("odd"), table) is None
    rows = [(1, "fast data"), (2, "slow data")]

    assert insert_chunk(engine, table, rows, job_id=uuid.uuid4(), chunk_index=0)

    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT id, words::text FROM odd ORDER BY id").all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [(1, "'data' 'fast'"), (2, "'data' 'slow'")]


def test_a_chunk_repeating_the_tables_keys_is_refused_in_words_without_its_values_and_writes_nothing(
    reference_spec: TableSpec, target: tuple[sa.Engine, str | None]
) -> None:
    # Two jobs with the same sequence key on one table: the second one's rows collide (COPY on PostgreSQL
    # raises psycopg's error unwrapped, the INSERT path SQLAlchemy's; both become one plain refusal).
    engine, schema = target
    table = make_table(engine, reference_spec, schema)
    rows = generate_chunk(reference_spec, seed=5, chunk_index=0, first_row=0, rows=50)
    assert insert_chunk(engine, table, rows, job_id=uuid.uuid4(), chunk_index=0)
    again = generate_chunk(reference_spec, seed=6, chunk_index=0, first_row=0, rows=50)
    second_job = uuid.uuid4()
    with pytest.raises(RowsRefused) as refused:
        insert_chunk(engine, table, again, job_id=second_job, chunk_index=0)
    assert "repeat a unique value the table already holds" in refused.value.problem
    assert str(again[0][1]) not in refused.value.problem
    assert "VALUES" not in refused.value.problem
    assert count_rows(engine, table) == 50
    assert chunk_rows_written(engine, schema, second_job) == 0  # the ledger row went with the rollback
