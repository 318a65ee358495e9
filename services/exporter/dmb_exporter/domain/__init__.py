"""The exporter's pure logic: turning rows of a table into files (no database, no object store)."""

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.delimited import CSV_CONTENT_TYPE, write_csv
from dmb_exporter.domain.jsonl import JSONL_CONTENT_TYPE, write_jsonl
from dmb_exporter.domain.values import EXCEL_MAX_CELL_CHARS, EXCEL_MAX_DATA_ROWS
from dmb_exporter.domain.xlsx import XLSX_CONTENT_TYPE, WorkbookStats, WorkbookTable

__all__ = [
    "CSV_CONTENT_TYPE",
    "EXCEL_MAX_CELL_CHARS",
    "EXCEL_MAX_DATA_ROWS",
    "JSONL_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "ExportAbout",
    "WorkbookStats",
    "WorkbookTable",
    "write_csv",
    "write_jsonl",
]
