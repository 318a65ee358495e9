"""uuid, json, time and foreign-key columns from a real database into xlsx, CSV and JSON Lines, read back
with openpyxl, python-calamine and the csv/json parsers."""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import StorageType, TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.xlsx_package import write_xlsx
from dmb_exporter.domain import ExportAbout, write_csv, write_jsonl
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

PARENT = TableSpec.model_validate(
    {"table_name": "teams", "fields": [{"name": "id", "type": "uuid", "primary_key": True}]}
)
SPEC = TableSpec.model_validate(
    {
        "table_name": "events",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "ref", "type": "uuid"},
            {"name": "doc", "type": "json", "nullable": True},
            {"name": "at", "type": "time"},
            {
                "name": "team",
                "type": "foreign_key",
                "references": {"table": "teams", "field": "id", "key_type": "uuid"},
            },
        ],
    }
)
TEAM = uuid.UUID("6f1c2a4e-0d5b-4c3a-9e8f-7a6b5c4d3e2f")
ROWS = [
    (1, uuid.UUID("12345678-1234-4234-8234-123456789abc"), {"n": 1.5, "ok": True, "tags": ["a", "ü"]}, dt.time(8, 30), TEAM),
    (2, uuid.UUID("00000000-0000-4000-8000-000000000001"), [1, {"x": None}], dt.time(23, 59, 59), TEAM),
    (3, uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"), None, dt.time(0, 0), TEAM),
    (4, uuid.UUID("abcdefab-cdef-4abc-8def-abcdefabcdef"), "=1+1", dt.time(12, 0, 1), TEAM),
]  # fmt: skip
# Keys in the order PostgreSQL's JSONB keeps them (shorter first): it normalises documents, SQLite does not.
TEXT = [
    ["1", "12345678-1234-4234-8234-123456789abc", '{"n":1.5,"ok":true,"tags":["a","ü"]}', "08:30:00", str(TEAM)],
    ["2", "00000000-0000-4000-8000-000000000001", '[1,{"x":null}]', "23:59:59", str(TEAM)],
    ["3", "ffffffff-ffff-4fff-bfff-ffffffffffff", "", "00:00:00", str(TEAM)],
    ["4", "abcdefab-cdef-4abc-8def-abcdefabcdef", "=1+1", "12:00:01", str(TEAM)],
]


@pytest.fixture(params=["postgresql", "sqlite"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sa.Engine, sa.Table]]:
    if request.param == "postgresql":
        engine = create_datasets_engine(request.getfixturevalue("postgres_url"))
        schema: str | None = "datasets"
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateSchema("datasets"))
    else:
        engine = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
        schema = None
    parent, events = table_for(PARENT, schema), table_for(SPEC, schema)
    parent.create(engine)
    events.create(engine)
    names = [field.name for field in SPEC.fields]
    with engine.begin() as conn:
        conn.execute(sa.insert(parent), [{"id": TEAM}])
        conn.execute(sa.insert(events), [dict(zip(names, row, strict=True)) for row in ROWS])
    yield engine, events
    engine.dispose()


def test_rows_come_back_from_the_database_as_python_values(table: tuple[sa.Engine, sa.Table]) -> None:
    engine, events = table
    assert list(stream_rows(engine, events)) == ROWS


def test_workbook_cells_are_text_json_text_and_excel_times(table: tuple[sa.Engine, sa.Table], tmp_path: Path) -> None:
    engine, events = table
    path = tmp_path / "events.xlsx"
    write_xlsx(stream_rows(engine, events), SPEC, ExportAbout(table_name="events", fields=SPEC.fields), path)

    sheet = load_workbook(path)["events"]
    assert [cell.value for cell in sheet[1]] == [field.name for field in SPEC.fields]
    assert sheet["D2"].number_format == "hh:mm:ss"
    assert sheet["C5"].quotePrefix  # formula-like JSON text stays text in Excel
    opened = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("events").to_python()[1:]
    for read in (opened, calamine):
        assert [[str(int(row[0])), row[1], row[2] or "", row[3].isoformat(), row[4]] for row in read] == TEXT
        assert all(isinstance(row[3], dt.time) for row in read)


def test_csv_and_json_lines_carry_the_same_values(table: tuple[sa.Engine, sa.Table], tmp_path: Path) -> None:
    engine, events = table
    write_csv(stream_rows(engine, events), SPEC, tmp_path / "events.csv")
    with (tmp_path / "events.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [field.name for field in SPEC.fields]
    assert lines[1:] == [[*row[:2], "'=1+1" if row[2] == "=1+1" else row[2], *row[3:]] for row in TEXT]

    write_jsonl(stream_rows(engine, events), SPEC, tmp_path / "events.jsonl")
    documents = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [document["doc"] for document in documents] == [row[2] for row in ROWS]  # nested, not text
    assert [document["ref"] for document in documents] == [row[1] for row in TEXT]
    assert [document["at"] for document in documents] == [row[3] for row in TEXT]
    assert {document["team"] for document in documents} == {str(TEAM)}


def test_every_storage_type_gets_a_typed_cell(tmp_path: Path) -> None:
    """A column of each storage type reads back from the workbook as that type's value, not as its repr."""
    values = {
        StorageType.STRING: ("s", "s"),
        StorageType.TEXT: ("t", "t"),
        StorageType.EMAIL: ("a@b.co", "a@b.co"),
        StorageType.URL: ("https://x.io/", "https://x.io/"),
        StorageType.INTEGER: (5, 5),
        StorageType.BIG_INTEGER: (2**40, 2**40),
        StorageType.DECIMAL: (Decimal("1.25"), 1.25),
        StorageType.FLOAT: (0.5, 0.5),
        StorageType.BOOLEAN: (True, True),
        StorageType.DATE: (dt.date(2024, 2, 29), dt.datetime(2024, 2, 29)),
        StorageType.DATETIME: (dt.datetime(2024, 2, 29, 13, 5), dt.datetime(2024, 2, 29, 13, 5)),
        StorageType.TIME: (dt.time(13, 5, 9), dt.time(13, 5, 9)),
        StorageType.UUID: (TEAM, str(TEAM)),
        StorageType.JSON: ({"a": [1]}, '{"a":[1]}'),
        StorageType.FOREIGN_KEY: (7, 7),
    }
    assert set(values) == set(StorageType)
    fields = [
        {"name": f"c_{kind.value}", "type": kind.value}
        | (
            {"references": {"table": "p", "field": "id", "key_type": "integer"}}
            if kind is StorageType.FOREIGN_KEY
            else {}
        )
        for kind in values
    ]
    spec = TableSpec.model_validate({"table_name": "all_types", "fields": fields})
    path = tmp_path / "all.xlsx"
    write_xlsx(
        [tuple(value for value, _ in values.values())], spec, ExportAbout(table_name="t", fields=spec.fields), path
    )
    (row,) = load_workbook(path)["all_types"].iter_rows(min_row=2, values_only=True)
    assert list(row) == [expected for _, expected in values.values()]
