"""uuid, json, time and foreign-key columns through the bulk path (COPY on PostgreSQL, executemany on
SQLite), read back equal; foreign keys hold against the real FOREIGN KEY constraint."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.column_report import column_report
from dmb_generator.adapters.datasets_writer import insert_chunk
from dmb_generator.adapters.parent_keys import TooManyParentKeys, keys_as_values, read_parent_keys
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.context import ParentKeys
from sqlalchemy.exc import IntegrityError

PARENT = TableSpec.model_validate(
    {
        "table_name": "customers",
        "fields": [
            {"name": "id", "type": "uuid", "primary_key": True},
            {"name": "code", "type": "string", "max_length": 12, "unique": True, "pattern": "C-[0-9]{6}"},
            {"name": "opens", "type": "time", "min": "07:30", "max": "10:00"},
            {"name": "profile", "type": "json", "nullable": True, "null_percentage": 20},
        ],
    }
)


def _child(parent_key_type: str) -> TableSpec:
    return TableSpec.model_validate(
        {
            "table_name": "orders",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {
                    "name": "customer",
                    "type": "foreign_key",
                    "references": {"table": "customers", "field": "id", "key_type": parent_key_type},
                    "generator": {"kind": "reference", "children_per_parent": {"min": 1, "max": 4}},
                },
                {
                    "name": "code",
                    "type": "foreign_key",
                    "nullable": True,
                    "null_percentage": 10,
                    "references": {
                        "table": "customers",
                        "field": "code",
                        "key_type": "string",
                        "key_max_length": 12,
                        "on_delete": "set null",
                    },
                },
                {"name": "at", "type": "time", "unique": True},
                {"name": "extra", "type": "json", "choices": ['{"gift": true}', "[1, 2]", "none"]},
            ],
        }
    )


def _stored(engine: sa.Engine, table: sa.Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]


def test_new_types_and_foreign_keys_survive_the_bulk_path(target: tuple[sa.Engine, str | None]) -> None:
    engine, schema = target
    parent = table_for(PARENT, schema)
    parent.create(engine)
    parent_rows = generate_chunk(PARENT, seed=11, chunk_index=0, first_row=0, rows=40)
    assert insert_chunk(engine, parent, parent_rows, job_id=uuid.uuid4(), chunk_index=0)
    assert sorted(_stored(engine, parent), key=lambda row: str(row[0])) == sorted(parent_rows, key=lambda r: str(r[0]))

    child_spec = _child("uuid")
    child = table_for(child_spec, schema)
    child.create(engine)
    stored_keys = read_parent_keys(engine, child, child_spec, limit=1000)
    assert sorted(stored_keys["customer"]) == sorted(str(row[0]) for row in parent_rows)  # JSON-ready text
    assert stored_keys["code"] == sorted(str(row[1]) for row in parent_rows)
    keys = keys_as_values(child_spec, stored_keys)
    parents = {name: ParentKeys("customers", values, 100) for name, values in keys.items()}
    rows = [
        row
        for k in range(2)
        for row in generate_chunk(child_spec, seed=5, chunk_index=k, first_row=50 * k, rows=50, parents=parents)
    ]
    assert insert_chunk(engine, child, rows[:50], job_id=uuid.uuid4(), chunk_index=0)
    assert insert_chunk(engine, child, rows[50:], job_id=uuid.uuid4(), chunk_index=1)

    stored = _stored(engine, child)
    assert stored == sorted(rows, key=lambda row: row[0])  # type: ignore[arg-type, return-value]
    assert all(isinstance(row[1], uuid.UUID) and isinstance(row[3], dt.time) for row in stored)
    assert {repr(row[4]) for row in stored} == {"{'gift': True}", "[1, 2]", "'none'"}
    report = {column.name: column for column in column_report(engine, child, child_spec).lines}
    assert all(column.violations == 0 for column in report.values())
    assert report["at"].distinct == 100
    assert report["customer"].min is None  # UUIDs have no order to report


def test_the_database_refuses_a_key_that_is_not_the_parents(target: tuple[sa.Engine, str | None]) -> None:
    engine, schema = target
    table_for(PARENT, schema).create(engine)
    child_spec = _child("uuid")
    child = table_for(child_spec, schema)
    child.create(engine)
    row = {"id": 1, "customer": uuid.uuid4(), "code": None, "at": dt.time(9), "extra": [1]}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(child), [row])


def test_too_many_parent_keys_are_refused(target: tuple[sa.Engine, str | None]) -> None:
    engine, schema = target
    parent = table_for(PARENT, schema)
    parent.create(engine)
    insert_chunk(
        engine,
        parent,
        generate_chunk(PARENT, seed=1, chunk_index=0, first_row=0, rows=5),
        job_id=uuid.uuid4(),
        chunk_index=0,
    )
    child_spec = _child("uuid")
    with pytest.raises(TooManyParentKeys, match="'customers' has more than 4 keys"):
        read_parent_keys(engine, table_for(child_spec, schema), child_spec, limit=4)
