"""The bulk read path (the driver's cursor, fetched in batches, SQLAlchemy's result processors applied per column)
gives exactly the values SQLAlchemy's own rows give, on PostgreSQL, SQLite and MariaDB: NULLs, decimals, dates,
naive and time-zone-aware timestamps, times, UUIDs, JSON documents, booleans, unicode, quotes and newlines."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_batches, stream_rows

SPEC = TableSpec.model_validate(
    {
        "table_name": "every_type",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 100, "nullable": True},
            {"name": "notes", "type": "text", "nullable": True},
            {"name": "big", "type": "big_integer", "nullable": True},
            {"name": "price", "type": "decimal", "precision": 12, "scale": 3, "nullable": True},
            {"name": "ratio", "type": "float", "nullable": True},
            {"name": "flag", "type": "boolean", "nullable": True},
            {"name": "born", "type": "date", "nullable": True},
            {"name": "seen", "type": "datetime", "nullable": True},
            {"name": "at", "type": "time", "nullable": True},
            {"name": "ref", "type": "uuid", "nullable": True},
            {"name": "doc", "type": "json", "nullable": True},
            {"name": "mail", "type": "email", "nullable": True},
        ],
    }
)
ROWS = [
    (
        1,
        'Zoë "the quote" O\'Brien',
        "line one\nline two\r\nand, a comma; 日本語 ✓",
        9_007_199_254_740_993,
        Decimal("-123456789.125"),
        0.1,
        True,
        dt.date(1899, 12, 31),
        dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
        dt.time(23, 59, 59, 500000),
        uuid.UUID("12345678-1234-4234-8234-123456789abc"),
        {"n": 1.5, "ok": True, "tags": ["a", "ü"], "none": None},
        "zoe@example.com",
    ),
    (2, None, None, None, None, None, None, None, None, None, None, None, None),
    (
        3,
        "=1+1",
        "",
        -1,
        Decimal("0.000"),
        -2.5e-300,
        False,
        dt.date(2000, 1, 1),
        dt.datetime(1970, 1, 1),
        dt.time(0, 0),
        uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"),
        [1, "two", {"x": None}],
        "x@y.z",
    ),
]
#: A column of the time-zone-aware kind (not one dmb makes, but the reader takes any table).
STAMPS = [
    (1, dt.datetime(2024, 6, 1, 12, 30, tzinfo=dt.UTC)),
    (2, None),
    (3, dt.datetime(1999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
]


@pytest.fixture
def engine(datasets_engine: sa.Engine) -> sa.Engine:
    """An empty datasets database in each dialect (dmb_testing's `datasets_engine`: PostgreSQL, SQLite, MariaDB)."""
    return datasets_engine


def _sqlalchemy_rows(engine: sa.Engine, table: sa.Table) -> list[tuple[object, ...]]:
    """What the exporter read before: SQLAlchemy's own rows, as tuples."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(*table.columns).order_by(*table.primary_key.columns))]


def test_every_type_reads_back_as_sqlalchemy_reads_it(engine: sa.Engine) -> None:
    table = table_for(SPEC)
    table.create(engine)
    names = [field.name for field in SPEC.fields]
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in ROWS])

    expected = _sqlalchemy_rows(engine, table)
    got = list(stream_rows(engine, table, batch_size=2))

    assert got == expected
    assert [[type(value) for value in row] for row in got] == [[type(value) for value in row] for row in expected]
    first, empty, third = got
    assert empty[1:] == (None,) * (len(SPEC.fields) - 1)
    assert first[1:3] == ROWS[0][1:3]
    assert first[4] == Decimal("-123456789.125")
    assert isinstance(first[4], Decimal)
    assert first[6] is True
    assert third[6] is False
    assert first[10] == ROWS[0][10]
    assert isinstance(first[10], uuid.UUID)
    assert first[11] == ROWS[0][11]
    assert third[11] == ROWS[2][11]
    assert third[1] == "=1+1"
    assert third[2] == ""
    assert first[7] == dt.date(1899, 12, 31)
    assert third[8] == dt.datetime(1970, 1, 1)


def test_time_zone_aware_timestamps_read_back_as_sqlalchemy_reads_them(engine: sa.Engine) -> None:
    table = sa.Table(
        "stamps",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": key, "at": at} for key, at in STAMPS])

    got = list(stream_rows(engine, table))

    assert got == _sqlalchemy_rows(engine, table)
    assert got[1] == (2, None)
    if engine.dialect.name == "postgresql":  # the one of the three that stores the instant with its zone
        assert got[0][1] == STAMPS[0][1]
        assert got[2][1] == STAMPS[2][1]
        assert isinstance(got[0][1], dt.datetime)
        assert got[0][1].tzinfo is not None


def test_rows_come_in_batches_of_the_asked_size_in_key_order(engine: sa.Engine) -> None:
    spec = TableSpec.model_validate(
        {"table_name": "numbers", "fields": [{"name": "n", "type": "integer", "primary_key": True}]}
    )
    table = table_for(spec)
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"n": n} for n in reversed(range(1, 26))])

    batches = list(stream_batches(engine, table, batch_size=10))

    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert [row[0] for batch in batches for row in batch] == list(range(1, 26))
    with pytest.raises(ValueError, match="batch_size"):
        next(stream_batches(engine, table, batch_size=0))
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
