"""Several tables in one workbook: a sheet (or more) per table in the given order, unique Excel-safe titles,
and an About sheet with a part per table; read back with openpyxl and python-calamine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dmb_contracts.commands import ExportFormat, ExportTable, RequestExport
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.formats import write_export
from dmb_exporter.adapters.xlsx_package import write_tables_workbook
from dmb_exporter.domain import ExportAbout, WorkbookTable
from dmb_exporter.handlers import file_stem
from openpyxl import load_workbook
from pydantic import ValidationError
from python_calamine import CalamineWorkbook


def one_column(name: str, column: str = "n", kind: str = "integer") -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": [{"name": column, "type": kind}]})


def numbers(count: int) -> list[tuple[int]]:
    return [(n,) for n in range(1, count + 1)]


def rows_of(path: Path, title: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True)
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


def test_each_table_gets_its_own_sheets_in_order_and_its_part_of_the_about_sheet(tmp_path: Path) -> None:
    first, second = one_column("many"), one_column("many_2", "label", "string")  # "many_2" clashes with a
    path = tmp_path / "two.xlsx"  # continuation title of "many"
    tables = [
        WorkbookTable(numbers(5), first, ExportAbout.for_spec(first, seed=11, definition_version=2)),
        WorkbookTable([("x",), ("y" * 40_000,)], second, ExportAbout.for_spec(second, row_count=2)),
    ]

    stats = write_tables_workbook(tables, path, max_rows_per_sheet=2)

    assert stats.sheets == ("many", "many_2", "many_3", "many_2_2")
    assert (stats.rows, stats.table_rows, stats.truncated_cells) == (7, (5, 2), 1)
    assert load_workbook(path, read_only=True).sheetnames == [*stats.sheets, "About"]
    assert rows_of(path, "many_3") == [("n",), (5,)]
    assert rows_of(path, "many_2_2") == [("label",), ("x",), ("y" * 32_767,)]
    calamine = CalamineWorkbook.from_path(str(path))
    assert calamine.get_sheet_by_name("many_2").to_python() == [["n"], [3.0], [4.0]]

    about = rows_of(path, "About")
    assert about[0][0] == "2 tables"
    assert about[2:4] == [("many", 5, "many, many_2, many_3"), ("many_2", 2, "many_2_2")]
    parts = [row[1] for row in about if row and row[0] in ("Table", "Seed", "Definition version", "Data sheets")]
    assert parts == ["many", 2, "11", "many, many_2, many_3", "many_2", None, None, "many_2_2"]
    truncated = [row[1] for row in about if row and row[0] == "Truncated cells"]
    assert truncated == ["1 cell(s) cut to Excel's limit of 32,767 characters"]  # on the second table's part


def test_titles_of_long_table_names_sharing_their_start_stay_unique(tmp_path: Path) -> None:
    left, right = one_column("a" * 40 + "_left"), one_column("a" * 40 + "_right")
    path = tmp_path / "long.xlsx"

    stats = write_tables_workbook(
        [
            WorkbookTable(numbers(1), left, ExportAbout.for_spec(left)),
            WorkbookTable(numbers(2), right, ExportAbout.for_spec(right)),
        ],
        path,
    )

    assert stats.sheets == ("a" * 31, "a" * 29 + "_2")
    assert rows_of(path, "a" * 29 + "_2") == [("n",), (1,), (2,)]


def test_a_failing_table_leaves_no_workbook_behind(tmp_path: Path) -> None:
    good, bad = one_column("good"), one_column("bad")

    def broken() -> Iterator[tuple[int]]:
        yield (1,)
        raise OSError("the connection was lost")

    path = tmp_path / "out" / "broken.xlsx"
    path.parent.mkdir()
    with pytest.raises(OSError, match="connection was lost"):
        write_tables_workbook(
            [
                WorkbookTable(numbers(3), good, ExportAbout.for_spec(good)),
                WorkbookTable(broken(), bad, ExportAbout.for_spec(bad)),
            ],
            path,
        )
    assert list(path.parent.iterdir()) == []


def test_only_a_workbook_holds_several_tables(tmp_path: Path) -> None:
    first, second = one_column("primary_table"), one_column("secondary_table")
    extra = WorkbookTable(numbers(1), second, ExportAbout.for_spec(second))
    with pytest.raises(ValueError, match="not a csv file"):
        write_export(
            ExportFormat.CSV, numbers(1), first, ExportAbout.for_spec(first), tmp_path / "x.csv", more_tables=[extra]
        )
    with pytest.raises(ValidationError, match="not a jsonl file"):
        request(first, [second], ExportFormat.JSONL)


def request(spec: TableSpec, more: list[TableSpec], fmt: ExportFormat = ExportFormat.XLSX) -> RequestExport:
    return RequestExport(
        export_id=uuid.uuid4(),
        table_id=uuid.uuid4(),
        table_version=1,
        spec=spec,
        format=fmt,
        more_tables=[ExportTable(table_id=uuid.uuid4(), table_version=1, spec=other) for other in more],
    )


def test_a_multi_table_file_is_named_after_its_tables() -> None:
    assert file_stem(request(one_column("customers"), [])) == "customers"
    assert file_stem(request(one_column("customers"), [one_column("orders")])) == "customers-orders"
    many = [one_column(f"table_with_a_long_name_{n}") for n in range(6)]
    assert file_stem(request(one_column("customers"), many)) == "customers-and-6-more"


def test_a_table_cannot_appear_twice_in_one_export() -> None:
    table_id = uuid.uuid4()
    spec = one_column("customers")
    with pytest.raises(ValidationError, match="a table appears twice"):
        RequestExport(
            export_id=uuid.uuid4(),
            table_id=table_id,
            table_version=1,
            spec=spec,
            more_tables=[ExportTable(table_id=table_id, table_version=1, spec=spec)],
        )
