"""One entry point for every export format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_contracts.fields import TableSpec

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.delimited import CSV_CONTENT_TYPE, write_csv
from dmb_exporter.domain.jsonl import JSONL_CONTENT_TYPE, write_jsonl
from dmb_exporter.domain.values import EXCEL_MAX_DATA_ROWS
from dmb_exporter.domain.xlsx import XLSX_CONTENT_TYPE, write_workbook

CONTENT_TYPES = {
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.CSV: CSV_CONTENT_TYPE,
    ExportFormat.JSONL: JSONL_CONTENT_TYPE,
}


@dataclass(frozen=True)
class ExportResult:
    """What an export file holds and how to serve it."""

    rows: int
    truncated_cells: int
    content_type: str
    extension: str


def write_export(
    fmt: ExportFormat,
    rows: Iterable[Sequence[object]],
    spec: TableSpec,
    about: ExportAbout,
    path: Path,
    *,
    csv_excel_bom: bool = False,
    max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS,
) -> ExportResult:
    """Write `rows` (values in spec.fields order) to `path` in format `fmt`."""
    fmt = ExportFormat(fmt)
    truncated = 0
    match fmt:
        case ExportFormat.XLSX:
            stats = write_workbook(rows, spec, about, path, max_rows_per_sheet=max_rows_per_sheet)
            count, truncated = stats.rows, stats.truncated_cells
        case ExportFormat.CSV:
            count = write_csv(rows, spec, path, excel_bom=csv_excel_bom)
        case ExportFormat.JSONL:
            count = write_jsonl(rows, spec, path)
    return ExportResult(rows=count, truncated_cells=truncated, content_type=CONTENT_TYPES[fmt], extension=fmt.value)
