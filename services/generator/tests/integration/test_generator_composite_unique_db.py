"""A table with unique indexes over non-unique fields takes several chunks without a duplicate-key error,
and the constraint report counts no repeated combination."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.column_report import column_report
from dmb_generator.adapters.datasets_writer import insert_chunk
from dmb_generator.domain import check_capacity, generate_chunk
from sqlalchemy.exc import IntegrityError

SPEC = TableSpec.model_validate(
    {
        "table_name": "enrolments",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "term", "type": "string", "choices": ["spring", "summer", "autumn"]},
            {"name": "room", "type": "integer", "min": 1, "max": 40},
            {"name": "slot", "type": "time", "min": "08:00", "max": "08:30", "nullable": True, "null_percentage": 5},
            {"name": "student", "type": "string", "max_length": 60, "generator": {"kind": "faker", "provider": "name"}},
            {"name": "course", "type": "string", "choices": ["math", "art", "law", "bio"]},
        ],
        "indexes": [
            {"fields": ["term", "room", "slot"], "unique": True},
            {"fields": ["student", "course"], "unique": True},
            {"fields": ["course"]},
        ],
    }
)
CHUNK = 1_000
CHUNKS = 5


def test_unique_indexes_hold_across_chunks_and_the_report_counts_no_duplicate(
    target: tuple[sa.Engine, str | None],
) -> None:
    engine, schema = target
    table = table_for(SPEC, schema)
    table.create(engine)
    assert check_capacity(SPEC, CHUNK * CHUNKS) == []
    job = uuid.uuid4()

    for chunk in reversed(range(CHUNKS)):  # any order, as parallel workers would write them
        rows = generate_chunk(SPEC, seed=8, chunk_index=chunk, first_row=chunk * CHUNK, rows=CHUNK)
        assert insert_chunk(engine, table, rows, job_id=job, chunk_index=chunk)

    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == CHUNK * CHUNKS
    report = {line.name: line for line in column_report(engine, table, SPEC).lines}
    slots = report["unique index uq_enrolments_term_room_slot"]
    assert slots.violations == 0
    assert 0 < slots.nulls < CHUNK  # rows with a null slot are not compared, as in SQL
    assert slots.distinct == CHUNK * CHUNKS - slots.nulls
    students = report["unique index uq_enrolments_student_course"]
    assert (students.violations, students.nulls, students.distinct) == (0, 0, CHUNK * CHUNKS)
    assert "unique index ix_enrolments_course" not in report  # a plain index constrains nothing


def test_the_report_counts_duplicates_a_table_without_the_constraint_holds(
    target: tuple[sa.Engine, str | None],
) -> None:
    engine, schema = target
    unconstrained = SPEC.model_copy(update={"indexes": []})
    table = table_for(unconstrained, schema)
    table.create(engine)
    rows = [
        {"id": 1, "term": "spring", "room": 1, "slot": None, "student": "Ann", "course": "art"},
        {"id": 2, "term": "spring", "room": 1, "slot": None, "student": "Ann", "course": "art"},
        {"id": 3, "term": "spring", "room": 1, "slot": None, "student": "Ann", "course": "art"},
        {"id": 4, "term": "summer", "room": 2, "slot": None, "student": "Bob", "course": "art"},
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)

    report = {line.name: line for line in column_report(engine, table_for(SPEC, schema), SPEC).lines}

    students = report["unique index uq_enrolments_student_course"]
    assert (students.violations, students.distinct) == (2, 2)
    slots = report["unique index uq_enrolments_term_room_slot"]
    assert (slots.violations, slots.nulls) == (0, 4)


def test_the_database_still_refuses_a_repeated_combination(target: tuple[sa.Engine, str | None]) -> None:
    engine, schema = target
    table = table_for(SPEC, schema)
    table.create(engine)
    row = {"term": "spring", "room": 1, "slot": None, "student": "Ann", "course": "art"}
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": 1, **row}])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": 2, **row}])
