"""Streaming a user's table out of real PostgreSQL, and on into a workbook."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Generator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.xlsx_package import write_xlsx
from dmb_exporter.domain import ExportAbout
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy.engine import Engine

SCHEMA = "datasets"


@pytest.fixture
def datasets_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_datasets_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(SCHEMA))
    try:
        yield engine
    finally:
        engine.dispose()


def _create_and_fill(engine: Engine, spec: TableSpec, rows: list[tuple[object, ...]]) -> sa.Table:
    table = table_for(spec, SCHEMA)
    table.metadata.create_all(engine)
    names = [field.name for field in spec.fields]
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
    return table


def test_rows_stream_in_primary_key_order_with_database_types(
    datasets_engine: Engine, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    rows = list(make_reference_rows(1000))
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)  # inserted out of order: the export still comes out by id
    table = _create_and_fill(datasets_engine, reference_spec, shuffled)

    streamed = list(stream_rows(datasets_engine, table, batch_size=64))

    assert streamed == rows
    assert [type(value) for value in streamed[0]] == [int, str, str, str, dt.date, Decimal, bool, str, str, dt.datetime]


def test_rows_are_read_through_a_server_side_cursor(
    datasets_engine: Engine, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    table = _create_and_fill(datasets_engine, reference_spec, list(make_reference_rows(300)))
    stream = stream_rows(datasets_engine, table, batch_size=100)
    assert next(stream)[0] == 1
    # psycopg's named cursor, still open on the server: its session's last statement fetched one batch only.
    with datasets_engine.connect() as watcher:
        statements = watcher.execute(
            sa.text("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).scalars()
        assert [query for query in statements if query.startswith("FETCH FORWARD 100 FROM")]
    assert len(list(stream)) == 299


def test_a_table_without_primary_key_streams_every_row(datasets_engine: Engine) -> None:
    spec = TableSpec.model_validate(
        {"table_name": "no_key", "fields": [{"name": "word", "type": "string"}, {"name": "n", "type": "integer"}]}
    )
    rows: list[tuple[object, ...]] = [("b", 2), ("a", 1), ("c", 3)]
    table = _create_and_fill(datasets_engine, spec, rows)

    assert sorted(stream_rows(datasets_engine, table)) == sorted(rows)
    assert sorted(stream_rows(datasets_engine, table, order_by_primary_key=False)) == sorted(rows)


def test_stopping_early_gives_the_connection_back(
    datasets_engine: Engine, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    table = _create_and_fill(datasets_engine, reference_spec, list(make_reference_rows(50)))
    stream = stream_rows(datasets_engine, table, batch_size=10)
    assert isinstance(stream, Generator)
    assert next(stream)[0] == 1
    assert datasets_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    stream.close()
    assert datasets_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_table_streams_from_postgres_into_a_workbook_with_every_value_intact(
    tmp_path: Path, datasets_engine: Engine, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    rows = list(make_reference_rows(2500))
    table = _create_and_fill(datasets_engine, reference_spec, rows)
    path = tmp_path / "people.xlsx"

    written = write_xlsx(
        stream_rows(datasets_engine, table, batch_size=1000),
        reference_spec,
        ExportAbout.for_spec(reference_spec, row_count=2500),
        path,
    )

    assert written == 2500
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("reference_people").to_python()
    assert len(sheet) == 2501
    for got, expected in zip(sheet[1:], rows, strict=True):
        assert got[0] == expected[0]
        assert got[1:4] == list(expected[1:4])
        assert got[4] == expected[4]
        assert got[5] == float(expected[5])
        assert got[6] is expected[6]
        assert got[7:9] == list(expected[7:9])
        assert got[9] == expected[9]
    ws = load_workbook(path, read_only=True)["reference_people"]
    last = next(ws.iter_rows(min_row=2501, max_row=2501, values_only=True))
    assert last[0] == 2500
    assert last[4] == dt.datetime.combine(rows[-1][4], dt.time())
