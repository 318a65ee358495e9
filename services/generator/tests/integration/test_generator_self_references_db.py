"""A self-reference's hierarchy goes into PostgreSQL (COPY), SQLite and MariaDB (executemany) under the
real FOREIGN KEY, chunks written in reverse order each in its own transaction: a row only ever points at a
row older than the job or at an earlier row of its own chunk, which the same statement inserts first."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.column_report import column_report
from dmb_generator.adapters.datasets_writer import RowsRefused, insert_chunk
from dmb_generator.adapters.parent_keys import keys_as_values, read_parent_keys
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.context import ParentKeys
from dmb_testing.trees import depths as tree_depths

CHUNK = 5_000


def employees(first_id: int) -> TableSpec:
    return TableSpec.model_validate(
        {
            "table_name": "employees",
            "fields": [
                {
                    "name": "id",
                    "type": "integer",
                    "primary_key": True,
                    "generator": {"kind": "sequence", "start": first_id},
                },
                {"name": "name", "type": "string", "max_length": 40},
                {
                    "name": "manager_id",
                    "type": "foreign_key",
                    "nullable": True,
                    "null_percentage": 5,
                    "references": {"table": "employees", "field": "id", "key_type": "integer"},
                },
            ],
        }
    )


def _job_chunks(spec: TableSpec, parents: dict[str, ParentKeys], sizes: list[int]) -> list[list[tuple[Any, ...]]]:
    starts = [sum(sizes[:index]) for index in range(len(sizes))]
    return [
        generate_chunk(spec, seed=17, chunk_index=index, first_row=start, rows=size, parents=parents)
        for index, (start, size) in enumerate(zip(starts, sizes, strict=True))
    ]


def _managers(engine: sa.Engine, table: sa.Table) -> dict[int, int | None]:
    with engine.connect() as conn:
        return {key: manager for key, manager in conn.execute(sa.select(table.c.id, table.c.manager_id))}


def test_a_hierarchy_written_chunk_by_chunk_in_reverse_order_holds_the_foreign_key(engine: sa.Engine) -> None:
    table = table_for(employees(1))
    table.create(engine)
    # Rows older than the job: an earlier job into the empty table, itself a hierarchy.
    older_spec = employees(1)
    older = generate_chunk(
        older_spec, seed=3, chunk_index=0, first_row=0, rows=50, parents={"manager_id": ParentKeys("employees", [], 50)}
    )
    assert insert_chunk(engine, table, older, job_id=uuid.uuid4(), chunk_index=0)

    spec = employees(1_000_000)
    keys = keys_as_values(spec, read_parent_keys(engine, table, spec, limit=1_000))
    assert keys == {"manager_id": list(range(1, 51))}
    sizes = [CHUNK, CHUNK, 1_500]
    parents = {"manager_id": ParentKeys("employees", keys["manager_id"], sum(sizes))}
    chunks = _job_chunks(spec, parents, sizes)
    job = uuid.uuid4()
    for index in reversed(range(len(chunks))):
        assert insert_chunk(engine, table, chunks[index], job_id=job, chunk_index=index)

    managers = _managers(engine, table)
    assert len(managers) == 50 + sum(sizes)
    new = {key: manager for key, manager in managers.items() if key >= 1_000_000}
    assert sum(manager is not None for manager in new.values()) > 0.9 * len(new)
    assert any(manager is not None and manager < 1_000_000 for manager in new.values())  # older rows are parents
    tree_depths(managers)  # fails on a cycle or a manager that is no row
    report = {line.name: line for line in column_report(engine, table, spec).lines}
    assert all(line.violations == 0 for line in report.values())
    assert report["manager_id"].nulls == sum(manager is None for manager in managers.values())


def test_the_database_refuses_a_row_pointing_at_a_chunk_not_written_yet(engine: sa.Engine) -> None:
    # The control: the constraint is real and checked per chunk, so pointing only backwards is what holds.
    spec = employees(1)
    table = table_for(spec)
    table.create(engine)
    first, last = _job_chunks(spec, {"manager_id": ParentKeys("employees", [], 400)}, [200, 200])
    forward = [
        (key, name, first[5][0]) if index == 10 else (key, name, manager)
        for index, (key, name, manager) in enumerate(last)
    ]
    # COPY runs on the driver's own connection; either way the refusal arrives as one plain RowsRefused.
    with pytest.raises(RowsRefused, match="the database refused its rows"):
        insert_chunk(engine, table, forward, job_id=uuid.uuid4(), chunk_index=1)
    assert _managers(engine, table) == {}
