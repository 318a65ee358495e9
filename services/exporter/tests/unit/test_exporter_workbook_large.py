"""Workbooks at Excel's real limits, and the writer's speed on the benchmark table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.xlsx_package import write_workbook
from dmb_exporter.domain import EXCEL_MAX_DATA_ROWS, ExportAbout
from python_calamine import CalamineWorkbook

#: Cells per second the xlsx writer must sustain on the reference table (the project's stated floor).
REQUIRED_CELLS_PER_SECOND = 120_000


@pytest.mark.slow
def test_more_rows_than_one_excel_sheet_holds_continue_on_a_second_sheet(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "many", "fields": [{"name": "n", "type": "integer"}]})
    total = EXCEL_MAX_DATA_ROWS + 5

    def rows() -> Iterator[tuple[int]]:
        for n in range(1, total + 1):
            yield (n,)

    path = tmp_path / "many.xlsx"
    stats = write_workbook(rows(), spec, ExportAbout.for_spec(spec), path)

    assert stats.rows == total
    assert stats.sheets == ("many", "many_2")
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["many", "many_2", "About"]
    first = workbook.get_sheet_by_name("many").to_python()
    assert len(first) == 1_048_576  # Excel's last row, header included
    assert first[0] == ["n"]
    assert first[1] == [1.0]
    assert first[-1] == [float(EXCEL_MAX_DATA_ROWS)]
    second = workbook.get_sheet_by_name("many_2").to_python()
    assert second == [["n"], *([float(n)] for n in range(EXCEL_MAX_DATA_ROWS + 1, total + 1))]
