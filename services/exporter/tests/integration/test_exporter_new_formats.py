"""JSON, Parquet and SQL exports of a real PostgreSQL table holding every storage type, NULLs and awkward text,
read back with independent tools: json, pyarrow, DuckDB, and the SQL script loaded into fresh PostgreSQL
(psql, with INSERTs and with COPY), MariaDB (the mariadb client) and SQLite (sqlite3) databases."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.commands import ExportFormat, SqlDialect
from dmb_contracts.fields import StorageType, TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.formats import ExportTable, write_export
from dmb_exporter.domain import ExportAbout
from dmb_testing.servers import mariadb_database, postgres_database

TEAMS = TableSpec.model_validate(
    {
        "table_name": "teams",
        "fields": [{"name": "id", "type": "uuid", "primary_key": True}, {"name": "name", "type": "string"}],
    }
)
SPEC = TableSpec.model_validate(
    {
        "table_name": "people",
        "description": "Everyone's row: quotes ' \" and a backslash \\ in the description",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "nullable": True},
            {"name": "notes", "type": "text", "nullable": True},
            {"name": "big", "type": "big_integer", "nullable": True},
            {"name": "salary", "type": "decimal", "precision": 12, "scale": 3, "nullable": True},
            {"name": "ratio", "type": "float", "nullable": True},
            {"name": "active", "type": "boolean", "nullable": True},
            {"name": "born", "type": "date", "nullable": True},
            {"name": "seen", "type": "datetime", "nullable": True},
            {"name": "email", "type": "email", "nullable": True},
            {"name": "site", "type": "url", "nullable": True},
            {"name": "ref", "type": "uuid", "nullable": True},
            {"name": "doc", "type": "json", "nullable": True},
            {"name": "at", "type": "time", "nullable": True},
            {
                "name": "team",
                "type": "foreign_key",
                "nullable": True,
                "references": {"table": "teams", "field": "id", "key_type": "uuid"},
            },
        ],
    }
)
TEAM = uuid.UUID("6f1c2a4e-0d5b-4c3a-9e8f-7a6b5c4d3e2f")
AWKWARD = 'O\'Brien "quoted" back\\slash\\n tab\tnew\nline\r\nünïcödé 😀 -- ; /* */ \\.'
PEOPLE = [
    (1, AWKWARD, "=1+1", 2**62, Decimal("123456789.125"), 0.1, True, dt.date(1999, 12, 31),
     dt.datetime(2024, 2, 29, 13, 5, 9), "a@b.co", "https://x.io/?a=1&b='2'", uuid.UUID("12345678-1234-4234-8234-123456789abc"),
     {"n": 1.5, "ok": True, "tags": ["a", "ü", "it's"], "path": "C:\\x"}, dt.time(8, 30), TEAM),
    (2, "", "", -(2**62), Decimal("-0.001"), -1e300, False, dt.date(1, 1, 1),
     dt.datetime(1970, 1, 1), "", "", uuid.UUID("00000000-0000-4000-8000-000000000001"),
     [1, {"x": None}, "\\"], dt.time(23, 59, 59), None),
    (3, None, None, None, None, None, None, None, None, None, None, None, None, None, None),
    (4, "NULL", "\\N", 0, Decimal("0.000"), 0.0, True, dt.date(2038, 1, 19),
     dt.datetime(2038, 1, 19, 3, 14, 7), "x@y.z", "http://h", uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"),
     "just a JSON string", dt.time(0, 0), TEAM),
]  # fmt: skip
ABOUT = ExportAbout.for_spec(SPEC, seed=42, definition_version=3, generator_version="dmb 1.2", row_count=len(PEOPLE))


@pytest.fixture(scope="module")
def source() -> Iterator[tuple[sa.Engine, sa.Table, sa.Table]]:
    with postgres_database("dmbfmt") as url:
        engine = create_datasets_engine(url)
        teams, people = table_for(TEAMS), table_for(SPEC)
        teams.create(engine)
        people.create(engine)
        names = [field.name for field in SPEC.fields]
        with engine.begin() as conn:
            conn.execute(sa.insert(teams), [{"id": TEAM, "name": "Blue 'team'"}])
            conn.execute(sa.insert(people), [dict(zip(names, row, strict=True)) for row in PEOPLE])
        yield engine, teams, people
        engine.dispose()


def test_the_source_rows_come_back_unchanged(source: tuple[sa.Engine, sa.Table, sa.Table]) -> None:
    engine, _, people = source
    assert list(stream_rows(engine, people)) == PEOPLE


def test_json_is_one_array_of_row_objects(source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path) -> None:
    engine, _, people = source
    path = tmp_path / "people.json"
    result = write_export(ExportFormat.JSON, stream_rows(engine, people), SPEC, ABOUT, path)
    assert (result.rows, result.content_type, result.extension) == (4, "application/json", "json")
    documents = json.loads(path.read_text(encoding="utf-8"))
    assert [document["id"] for document in documents] == [1, 2, 3, 4]
    assert documents[0]["name"] == AWKWARD
    assert documents[0]["salary"] == "123456789.125"
    assert [document["doc"] for document in documents] == [row[12] for row in PEOPLE]
    assert documents[2] == {field.name: (3 if field.name == "id" else None) for field in SPEC.fields}


def test_json_of_no_rows_is_an_empty_array(tmp_path: Path) -> None:
    write_export(ExportFormat.JSON, [], SPEC, ABOUT, tmp_path / "empty.json")
    assert json.loads((tmp_path / "empty.json").read_text(encoding="utf-8")) == []


def _with_json_text(row: tuple[object, ...]) -> tuple[object, ...]:
    """A database row with its json document as the compact text Parquet holds (keys in the database's order:
    PostgreSQL's JSONB normalises it)."""
    doc = row[12]
    return (*row[:12], None if doc is None else json.dumps(doc, ensure_ascii=False, separators=(",", ":")), *row[13:])


def test_parquet_has_the_logical_types_the_about_metadata_and_every_value(
    source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path
) -> None:
    engine, _, people = source
    path = tmp_path / "people.parquet"
    result = write_export(ExportFormat.PARQUET, stream_rows(engine, people), SPEC, ABOUT, path)
    assert (result.rows, result.content_type, result.extension) == (4, "application/vnd.apache.parquet", "parquet")

    parquet = pq.ParquetFile(path)
    metadata = {key.decode(): value.decode() for key, value in (parquet.metadata.metadata or {}).items()}
    assert metadata["dmb.table"] == "people"
    assert metadata["dmb.description"] == SPEC.description
    assert (metadata["dmb.seed"], metadata["dmb.definition_version"], metadata["dmb.rows"]) == ("42", "3", "4")
    assert metadata["dmb.generator_version"] == "dmb 1.2"
    table = parquet.read()
    types = dict(zip(table.schema.names, table.schema.types, strict=True))
    assert types["id"] == pa.int32()
    assert types["big"] == pa.int64()
    assert types["salary"] == pa.decimal128(12, 3)
    assert (types["born"], types["seen"], types["at"]) == (pa.date32(), pa.timestamp("us"), pa.time64("us"))
    assert types["active"] == pa.bool_()
    assert types["doc"] == pa.string()
    assert types["ref"] == pa.uuid()
    assert types["team"] == pa.uuid()
    column = str(parquet.schema.column(11).logical_type)
    assert "UUID" in column.upper()
    read = [tuple(row.values()) for row in table.to_pylist()]
    assert read == [_with_json_text(row) for row in stream_rows(engine, people)]


def test_duckdb_reads_the_parquet_file_as_the_database_rows(
    source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path
) -> None:
    engine, _, people = source
    path = tmp_path / "people.parquet"
    write_export(ExportFormat.PARQUET, stream_rows(engine, people), SPEC, ABOUT, path)
    with duckdb.connect() as conn:
        kinds = dict(
            conn.execute(
                f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))"
            ).fetchall()
        )
        rows = conn.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY id").fetchall()
    assert kinds["ref"] == "UUID"
    assert kinds["salary"] == "DECIMAL(12,3)"
    assert kinds["at"] == "TIME"
    assert kinds["id"] == "INTEGER"
    assert kinds["big"] == "BIGINT"
    assert kinds["seen"] == "TIMESTAMP"
    assert rows == [_with_json_text(row) for row in stream_rows(engine, people)]


def test_parquet_streams_row_groups(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "n", "fields": [{"name": "i", "type": "big_integer"}]})
    path = tmp_path / "n.parquet"
    result = write_export(ExportFormat.PARQUET, ((i,) for i in range(120_000)), spec, ExportAbout.for_spec(spec), path)
    parquet = pq.ParquetFile(path)
    assert result.rows == 120_000
    assert parquet.metadata.num_row_groups == 3
    assert parquet.read().column("i").to_pylist() == list(range(120_000))


def _sql_export(
    source: tuple[sa.Engine, sa.Table, sa.Table], path: Path, dialect: SqlDialect, *, copy: bool = False
) -> None:
    engine, teams, people = source
    # The child first: the script puts the parent first itself (foreign-key order).
    result = write_export(
        ExportFormat.SQL,
        stream_rows(engine, people),
        SPEC,
        ABOUT,
        path,
        sql_dialect=dialect,
        sql_copy=copy,
        more_tables=[ExportTable(stream_rows(engine, teams), TEAMS, ExportAbout.for_spec(TEAMS))],
    )
    assert (result.rows, result.table_rows, result.extension) == (5, (4, 1), "sql")
    assert result.content_type.startswith("application/sql")


def _loaded_rows(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    engine = create_datasets_engine(url)
    try:
        return list(stream_rows(engine, table_for(SPEC))), list(stream_rows(engine, table_for(TEAMS)))
    finally:
        engine.dispose()


def _run(command: list[str], script: Path) -> None:
    with script.open("rb") as handle:
        done = subprocess.run(command, stdin=handle, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize("copy", [False, True], ids=["inserts", "copy"])
def test_the_postgres_script_recreates_the_tables_and_rows(
    source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path, copy: bool
) -> None:
    script = tmp_path / "people.sql"
    _sql_export(source, script, SqlDialect.POSTGRES, copy=copy)
    text = script.read_text(encoding="utf-8")
    assert text.startswith("-- Dynamic Model Builder export for PostgreSQL")
    assert "-- Seed: 42" in text
    assert "-- Definition version: 3" in text
    assert text.index("CREATE TABLE teams") < text.index("CREATE TABLE people")
    assert ("COPY people" in text) is copy
    with postgres_database("dmbsql") as url:
        libpq = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        for _ in range(2):  # run twice: the script drops what it recreates
            _run(["psql", libpq, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], script)
        people, teams = _loaded_rows(url)
    assert people == PEOPLE
    assert teams == [(TEAM, "Blue 'team'")]


def test_the_mariadb_script_recreates_the_tables_and_rows(
    source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path
) -> None:
    script = tmp_path / "people.sql"
    _sql_export(source, script, SqlDialect.MYSQL)
    with mariadb_database("dmbsql") as url:
        address = sa.make_url(url)
        command = ["mariadb", "-h", address.host or "127.0.0.1", "-P", str(address.port or 3306)]
        command += ["-u", address.username or "root", address.database or ""]
        for _ in range(2):
            _run(command, script)
        people, teams = _loaded_rows(url)
    assert people == PEOPLE
    assert teams == [(TEAM, "Blue 'team'")]


def test_the_sqlite_script_recreates_the_tables_and_rows(
    source: tuple[sa.Engine, sa.Table, sa.Table], tmp_path: Path
) -> None:
    script = tmp_path / "people.sql"
    _sql_export(source, script, SqlDialect.SQLITE)
    database = tmp_path / "loaded.db"
    with sqlite3.connect(database) as conn:
        conn.executescript(script.read_text(encoding="utf-8"))
        conn.executescript(script.read_text(encoding="utf-8"))
    people, teams = _loaded_rows(f"sqlite:///{database}")
    assert people == PEOPLE
    assert teams == [(TEAM, "Blue 'team'")]


def test_every_storage_type_is_covered() -> None:
    kinds = {field.type for field in SPEC.fields}
    assert kinds == set(StorageType)
