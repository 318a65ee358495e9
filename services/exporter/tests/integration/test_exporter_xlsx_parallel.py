"""A large table's workbook written by worker processes, a slice of rows each (adapters/xlsx_slices.py), reads
back exactly as the single-process workbook: the same values and types in the same order, the same styles,
widths, frozen header, filters and About sheet; a failing worker fails the export plainly and leaves no file.

The threshold is forced low here. Slicing is switched on for SQLite and MariaDB too (in production it is
PostgreSQL's alone, the one database whose workers can share the parent's snapshot): nothing writes to the
table during these tests, and the slices' reading and joining are the same on every dialect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters import xlsx_slices
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.xlsx_package import write_tables_workbook
from dmb_exporter.adapters.xlsx_slices import ExportWorkerFailed
from dmb_exporter.domain import ExportAbout, WorkbookTable
from dmb_exporter.domain.xlsx import RowSource
from python_calamine import CalamineWorkbook

SPEC = TableSpec.model_validate(
    {
        "table_name": "sliced_people",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 200, "nullable": True},
            {"name": "notes", "type": "text", "nullable": True},
            {"name": "price", "type": "decimal", "precision": 12, "scale": 3, "nullable": True},
            {"name": "ratio", "type": "float", "nullable": True},
            {"name": "flag", "type": "boolean", "nullable": True},
            {"name": "born", "type": "date", "nullable": True},
            {"name": "seen", "type": "datetime", "nullable": True},
            {"name": "doc", "type": "json", "nullable": True},
        ],
    }
)
ROWS = 1_300
#: Small sheets, so slices start and end inside sheets and sheets inside slices.
ROWS_PER_SHEET = 317


def _rows() -> Iterator[dict[str, object]]:
    base = dt.datetime(2024, 1, 1)
    for number in range(ROWS):
        # Keys with gaps and a dense run: slices of equal key width hold different numbers of rows.
        key = 1 + number * 7 if number < 400 else 2_800 + number
        yield {
            "id": key,
            "name": ["Zoë", "=1+1", " padded ", "a & b <c>", "x" * 150, None][number % 6],
            "notes": None if number % 5 == 0 else f"line {number}\nline two\r\n日本語 ✓",
            "price": None if number % 9 == 0 else Decimal(number * 37 - 20_000) / 1000,
            "ratio": None if number % 4 == 0 else number / 7,
            "flag": None if number % 10 == 0 else number % 3 == 0,
            "born": dt.date(1899, 12, 30) + dt.timedelta(days=number * 31),
            "seen": None if number % 11 == 0 else base + dt.timedelta(seconds=number * 86_417.5),
            "doc": None if number % 2 else {"n": number, "tags": ["a", "ü"]},
        }


def _fill(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[sa.Engine, sa.Table, str]:
    table = table_for(SPEC)
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), list(_rows()))
    monkeypatch.setattr(xlsx_slices, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(xlsx_slices, "SLICED_DIALECTS", frozenset({"postgresql", "sqlite", "mariadb", "mysql"}))
    monkeypatch.setattr(xlsx_slices, "worker_count", lambda: 2)
    return engine, table, engine.url.render_as_string(hide_password=False)


@pytest.fixture
def filled(datasets_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[sa.Engine, sa.Table, str]:
    """The table in each dialect (PostgreSQL, SQLite, MariaDB)."""
    return _fill(datasets_engine, monkeypatch)


@pytest.fixture
def filled_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[sa.Engine, sa.Table, str]]:
    """The table on PostgreSQL alone, for what does not depend on the dialect (each test starts two processes)."""
    engine = create_datasets_engine(postgres_url)
    yield _fill(engine, monkeypatch)
    engine.dispose()


def _never() -> Iterator[tuple[object, ...]]:
    raise AssertionError("the sliced path reads the rows from the source, not from this iterator")
    yield ()


def _about() -> ExportAbout:
    return ExportAbout.for_spec(SPEC, created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))


def _calamine(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: [row for row in book.get_sheet_by_name(name).to_python() if row[0] != "Time: export"]  # differs
        for name in book.sheet_names
    }


def _styled(path: Path) -> dict[str, object]:
    """What openpyxl sees of each sheet: values, number formats, quote prefixes, widths, panes and filters."""
    book = openpyxl.load_workbook(path)
    seen: dict[str, object] = {}
    for ws in book.worksheets:
        cells = [
            [(cell.value, cell.number_format, cell.quotePrefix, cell.font.b) for cell in row]
            for row in ws.iter_rows()
            if not (ws.title == "About" and row[0].value == "Time: export")  # the one figure that differs
        ]
        widths = {letter: dim.width for letter, dim in ws.column_dimensions.items()}
        seen[ws.title] = (cells, widths, ws.freeze_panes, ws.auto_filter.ref, ws.dimensions)
    return seen


def test_a_sliced_workbook_reads_back_as_the_single_process_one(
    filled: tuple[sa.Engine, sa.Table, str], tmp_path: Path
) -> None:
    engine, table, url = filled
    single, sliced = tmp_path / "single.xlsx", tmp_path / "sliced.xlsx"
    single_stats = write_tables_workbook(
        [WorkbookTable(stream_rows(engine, table), SPEC, _about())], single, max_rows_per_sheet=ROWS_PER_SHEET
    )
    stats = write_tables_workbook(
        [WorkbookTable(_never(), SPEC, _about(), RowSource(url, SPEC))], sliced, max_rows_per_sheet=ROWS_PER_SHEET
    )

    assert stats == single_stats
    assert stats.rows == ROWS
    assert len(stats.sheets) == 5  # 1,300 rows at 317 a sheet
    values = _calamine(sliced)
    assert values == _calamine(single)
    keys = [row[0] for title in stats.sheets for row in values[title][1:]]
    assert keys == [float(cast(int, row["id"])) for row in _rows()]  # every row once, in key order
    assert _styled(sliced) == _styled(single)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".dmb")] == []  # no piece left


def test_a_table_of_several_sources_mixes_sliced_and_streamed_sheets(
    filled_postgres: tuple[sa.Engine, sa.Table, str], tmp_path: Path
) -> None:
    engine, table, url = filled_postgres
    small = table_for(SPEC.model_copy(update={"table_name": "small_people"}))
    small.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(small), list(_rows())[:5])

    def tables(sliced: bool) -> list[WorkbookTable]:
        return [
            WorkbookTable(stream_rows(engine, small), SPEC.model_copy(update={"table_name": "small_people"}), _about()),
            WorkbookTable(
                _never() if sliced else stream_rows(engine, table),
                SPEC,
                _about(),
                RowSource(url, SPEC) if sliced else None,
            ),
        ]

    write_tables_workbook(tables(sliced=False), tmp_path / "single.xlsx")
    write_tables_workbook(tables(sliced=True), tmp_path / "mixed.xlsx")

    assert _calamine(tmp_path / "mixed.xlsx") == _calamine(tmp_path / "single.xlsx")
    assert _styled(tmp_path / "mixed.xlsx") == _styled(tmp_path / "single.xlsx")


def test_progress_hears_every_row_the_workers_wrote(
    filled_postgres: tuple[sa.Engine, sa.Table, str], tmp_path: Path
) -> None:
    _, _, url = filled_postgres
    heard: list[int] = []
    write_tables_workbook(
        [WorkbookTable(_never(), SPEC, _about(), RowSource(url, SPEC, on_rows=heard.append))], tmp_path / "out.xlsx"
    )
    assert sum(heard) == ROWS


def test_a_failing_worker_fails_the_export_plainly_and_leaves_no_file(
    filled_postgres: tuple[sa.Engine, sa.Table, str], tmp_path: Path
) -> None:
    _, _, url = filled_postgres
    # The spec names a column the table does not have: the workers' SELECT fails (the parent reads the key only).
    broken = SPEC.model_copy(update={"fields": [*SPEC.fields, SPEC.fields[1].model_copy(update={"name": "gone"})]})
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(ExportWorkerFailed, match=r"^the datasets database could not be read: .*gone"):
        write_tables_workbook([WorkbookTable(_never(), broken, _about(), RowSource(url, broken))], out / "x.xlsx")

    assert list(out.iterdir()) == []


def test_below_the_threshold_or_off_postgresql_the_rows_stream_in_this_process(
    filled: tuple[sa.Engine, sa.Table, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, table, url = filled
    monkeypatch.setattr(xlsx_slices, "PARALLEL_MIN_ROWS", ROWS + 1)
    about = _about()
    rows_hint = ExportAbout.for_spec(SPEC, row_count=ROWS)
    for each in (about, rows_hint):  # the key span estimates the rows without a count
        stats = write_tables_workbook(
            [WorkbookTable(stream_rows(engine, table), SPEC, each, RowSource(url, SPEC))], tmp_path / "out.xlsx"
        )
        assert stats.rows == ROWS

    monkeypatch.setattr(xlsx_slices, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(xlsx_slices, "SLICED_DIALECTS", frozenset({"postgresql"}))
    stats = write_tables_workbook(
        [WorkbookTable(stream_rows(engine, table), SPEC, about, RowSource(url, SPEC))], tmp_path / "out.xlsx"
    )
    assert stats.rows == ROWS
    assert xlsx_slices.can_slice(RowSource(url, SPEC)) is (engine.dialect.name == "postgresql")
