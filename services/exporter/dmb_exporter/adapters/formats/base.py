"""What every export format provides: one registration naming its content type, extension and file writer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dmb_contracts.commands import ExportFormat, SqlDialect
from dmb_exporter.domain.values import EXCEL_MAX_DATA_ROWS
from dmb_exporter.domain.xlsx import WorkbookTable

#: One table of an export: its rows (values in spec.fields order), its spec and its provenance.
ExportTable = WorkbookTable


@dataclass(frozen=True)
class ExportOptions:
    """The per-format options of an export request; each format reads the ones that concern it."""

    csv_excel_bom: bool = False
    max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS
    sql_dialect: SqlDialect = SqlDialect.POSTGRES
    sql_copy: bool = False


@dataclass(frozen=True)
class FileStats:
    """What writing one export file produced."""

    rows: int
    #: Rows of each table, in the file's order.
    table_rows: tuple[int, ...]
    truncated_cells: int = 0


#: Writes the tables (all of them; only multi-table formats get more than one) to the path.
FileWriter = Callable[[Sequence[ExportTable], Path, ExportOptions], FileStats]


@dataclass(frozen=True)
class FileFormat:
    """One export format: adding a format is one module defining this plus one line in the registry."""

    format: ExportFormat
    content_type: str
    extension: str
    write: FileWriter
    #: Whether one file can hold several tables (a workbook's sheets, a script's tables).
    multi_table: bool = False


def single_table(tables: Sequence[ExportTable], fmt: ExportFormat) -> ExportTable:
    """The one table of a single-table format's export."""
    if len(tables) != 1:
        raise ValueError(f"a {fmt.value} file holds one table, not {len(tables)}")
    return tables[0]
