"""The Excel workbook: every value comes back with its type, through openpyxl and through python-calamine."""

from __future__ import annotations

import datetime as dt
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dmb_contracts.commands import RequestExport
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.xlsx_package import write_workbook, write_xlsx
from dmb_exporter.domain import EXCEL_MAX_CELL_CHARS, ExportAbout
from dmb_exporter.domain.xlsx import data_sheet_title, plain_duration
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

TYPED_SPEC = TableSpec.model_validate(
    {
        "table_name": "typed_values",
        "display_name": "Typed values",
        "description": '=HYPERLINK("http://evil") is only text here',
        "fields": [
            {"name": "id", "type": "big_integer", "primary_key": True},
            {"name": "label", "type": "text", "nullable": True},
            {"name": "day", "type": "date", "nullable": True},
            {"name": "moment", "type": "datetime", "nullable": True},
            {"name": "amount", "type": "decimal", "precision": 12, "scale": 3, "nullable": True},
            {"name": "ratio", "type": "float", "nullable": True},
            {"name": "flag", "type": "boolean", "nullable": True},
        ],
    }
)
TYPED_ROWS: list[tuple[object, ...]] = [
    (1, "plain", dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 14, 15, 250_000), Decimal("1234.567"), 0.25, True),
    (2, "Ünïcödé ✓ 😀", dt.date(1900, 1, 1), dt.datetime(1900, 2, 28, 23, 59, 59), Decimal("-0.001"), -1e-300, False),
    (
        3,
        "a & b < c > d \"q\" 'a'",
        dt.date(1900, 3, 1),
        dt.datetime(9999, 12, 31, 23, 59, 59),
        Decimal("0.000"),
        1e300,
        True,
    ),
    (4, None, None, None, None, None, None),
    (
        5,
        "line one\nline two",
        dt.date(9999, 12, 31),
        dt.datetime(1970, 1, 1, 0, 0, 1),
        Decimal("999999999.999"),
        -2.5,
        False,
    ),
]
FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://x","y")', "+33 1 23 45", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned"]


def _about(spec: TableSpec, **provenance: Any) -> ExportAbout:
    return ExportAbout.for_spec(spec, **provenance)


def _openpyxl_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()


def _calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _sheet_xml(path: Path, index: int) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_every_value_reads_back_with_its_type_through_openpyxl(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    assert write_xlsx(TYPED_ROWS, TYPED_SPEC, _about(TYPED_SPEC), path) == len(TYPED_ROWS)

    rows = _openpyxl_rows(path, "typed_values")

    assert rows[0] == ("id", "label", "day", "moment", "amount", "ratio", "flag")
    assert len(rows) == 1 + len(TYPED_ROWS)
    # openpyxl shows date cells as datetimes at midnight and decimals as floats; Excel keeps milliseconds.
    expected = [
        tuple(
            dt.datetime.combine(v, dt.time()) if type(v) is dt.date else float(v) if isinstance(v, Decimal) else v
            for v in row
        )
        for row in TYPED_ROWS
    ]
    assert rows[1:] == expected
    assert [type(v) for v in rows[1]] == [int, str, dt.datetime, dt.datetime, float, float, bool]


def test_every_value_reads_back_with_its_type_through_calamine(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    write_xlsx(TYPED_ROWS, TYPED_SPEC, _about(TYPED_SPEC), path)

    rows = _calamine_rows(path, "typed_values")

    assert rows[0] == ["id", "label", "day", "moment", "amount", "ratio", "flag"]
    # calamine reads every number as a float and an empty cell as "".
    expected = [
        ["" if v is None else float(v) if isinstance(v, int | Decimal) and not isinstance(v, bool) else v for v in row]
        for row in TYPED_ROWS
    ]
    assert rows[1:] == expected
    assert type(rows[1][2]) is dt.date
    assert type(rows[1][3]) is dt.datetime


def test_cells_carry_number_formats_for_dates_datetimes_and_decimal_scale(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    write_xlsx(TYPED_ROWS, TYPED_SPEC, _about(TYPED_SPEC), path)

    ws = load_workbook(path)["typed_values"]

    assert [ws.cell(2, column).number_format for column in range(1, 8)] == [
        "General",
        "General",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm:ss",
        "#,##0.000",
        "General",
        "General",
    ]
    assert [ws.cell(2, column).data_type for column in range(1, 8)] == ["n", "s", "d", "d", "n", "n", "b"]


def test_nulls_are_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    write_xlsx(TYPED_ROWS, TYPED_SPEC, _about(TYPED_SPEC), path)

    assert _openpyxl_rows(path, "typed_values")[4] == (4, None, None, None, None, None, None)
    assert '<row r="5"><c r="A5"><v>4</v></c></row>' in _sheet_xml(path, 1)


def test_formula_like_text_stays_literal_text_and_is_never_a_formula(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "risky", "fields": [{"name": "value", "type": "string"}]})
    path = tmp_path / "risky.xlsx"
    write_xlsx([(text,) for text in FORMULA_LIKE], spec, _about(spec), path)

    ws = load_workbook(path)["risky"]
    cells = [ws.cell(row, 1) for row in range(2, 2 + len(FORMULA_LIKE))]
    assert [cell.value for cell in cells] == FORMULA_LIKE
    assert {cell.data_type for cell in cells} == {"s"}
    # quotePrefix: Excel keeps the cell text even when a user edits it.
    assert all(cell.quotePrefix for cell in cells)
    assert [row[0] for row in _calamine_rows(path, "risky")[1:]] == FORMULA_LIKE
    assert "<f>" not in _sheet_xml(path, 1)


def test_error_code_lookalikes_stay_text(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "codes", "fields": [{"name": "value", "type": "string"}]})
    path = tmp_path / "codes.xlsx"
    write_xlsx([("#N/A",), ("#DIV/0!",)], spec, _about(spec), path)

    ws = load_workbook(path)["codes"]
    assert [(ws.cell(row, 1).value, ws.cell(row, 1).data_type) for row in (2, 3)] == [("#N/A", "s"), ("#DIV/0!", "s")]


def test_header_is_styled_frozen_filtered_and_columns_are_sized(tmp_path: Path, reference_spec: TableSpec) -> None:
    rows = [
        (
            1,
            "Ann",
            "Lee",
            "a.rather.long.address@example.com",
            dt.date(2000, 1, 1),
            Decimal("12345.60"),
            True,
            "Co",
            "https://x.example/",
            dt.datetime(2024, 5, 6, 7, 8, 9),
        )
    ]
    path = tmp_path / "styled.xlsx"
    write_xlsx(rows, reference_spec, _about(reference_spec), path)

    ws = load_workbook(path)["reference_people"]

    header = [ws.cell(1, column) for column in range(1, 11)]
    assert all(cell.font.b for cell in header)
    assert {cell.font.color.rgb for cell in header} == {"FFFFFFFF"}
    assert {cell.fill.fill_type for cell in header} == {"solid"}
    assert all(cell.border.bottom.style == "thin" for cell in header)
    assert {cell.style for cell in header} == {"DMB header"}
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J2"
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDEFGHIJ"}
    assert widths["D"] >= len("a.rather.long.address@example.com")  # email sized by its value
    assert widths["E"] >= len("yyyy-mm-dd")
    assert widths["J"] >= len("yyyy-mm-dd hh:mm:ss")
    assert widths["G"] < widths["D"]
    assert all(8 <= width <= 60 for width in widths.values())


def test_rows_past_the_sheet_limit_continue_on_numbered_sheets_each_with_a_header(
    tmp_path: Path, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    rows = list(make_reference_rows(8))
    path = tmp_path / "rollover.xlsx"

    stats = write_workbook(rows, reference_spec, _about(reference_spec), path, max_rows_per_sheet=3)

    assert stats.rows == 8
    assert stats.sheets == ("reference_people", "reference_people_2", "reference_people_3")
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == [*stats.sheets, "About"]
    header = tuple(field.name for field in reference_spec.fields)
    ids = []
    for title, expected in zip(stats.sheets, (3, 3, 2), strict=True):
        sheet_rows = list(workbook[title].iter_rows(values_only=True))
        assert sheet_rows[0] == header
        assert len(sheet_rows) == 1 + expected
        ids += [row[0] for row in sheet_rows[1:]]
    workbook.close()
    assert ids == list(range(1, 9))
    assert [row[0] for row in _calamine_rows(path, "reference_people_3")[1:]] == [7.0, 8.0]
    ws = load_workbook(path)["reference_people_3"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J3"


def test_a_full_last_sheet_adds_no_empty_sheet(
    tmp_path: Path, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    stats = write_workbook(
        make_reference_rows(6), reference_spec, _about(reference_spec), tmp_path / "x.xlsx", max_rows_per_sheet=3
    )
    assert stats.sheets == ("reference_people", "reference_people_2")


def test_an_empty_table_gives_a_header_only_sheet(tmp_path: Path, reference_spec: TableSpec) -> None:
    path = tmp_path / "empty.xlsx"
    assert write_xlsx([], reference_spec, _about(reference_spec), path) == 0
    assert _openpyxl_rows(path, "reference_people") == [tuple(field.name for field in reference_spec.fields)]


def test_text_longer_than_excel_allows_is_truncated_and_counted(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "long_text", "fields": [{"name": "content", "type": "text"}]})
    emoji = "😀" * 20_000  # 40,000 UTF-16 units: Excel counts those, not code points
    rows = [("x" * 40_000,), ("y" * EXCEL_MAX_CELL_CHARS,), (emoji,)]
    path = tmp_path / "long.xlsx"

    stats = write_workbook(rows, spec, _about(spec), path)

    assert stats.truncated_cells == 2
    values = [row[0] for row in _openpyxl_rows(path, "long_text")[1:]]
    assert values == ["x" * EXCEL_MAX_CELL_CHARS, "y" * EXCEL_MAX_CELL_CHARS, "😀" * (EXCEL_MAX_CELL_CHARS // 2)]
    about = {row[0]: row[1] for row in _openpyxl_rows(path, "About") if len(row) > 1 and row[0]}
    assert "2 cell(s) cut" in about["Truncated cells"]


def test_text_keeps_whitespace_and_line_breaks_and_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "texts", "fields": [{"name": "content", "type": "text"}]})
    rows = [("  padded  ",), ("a\r\nb\nc",), ("bell\x07 and nul-less\x1f",), ("",)]
    path = tmp_path / "texts.xlsx"
    write_xlsx(rows, spec, _about(spec), path)

    expected = ["  padded  ", "a\r\nb\nc", "bell and nul-less", ""]
    assert [row[0] for row in _openpyxl_rows(path, "texts")[1:]] == expected
    assert [row[0] for row in _calamine_rows(path, "texts")[1:]] == expected


def test_values_excel_cannot_hold_exactly_are_written_as_text(tmp_path: Path) -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "edges",
            "fields": [
                {"name": "big", "type": "big_integer"},
                {"name": "ratio", "type": "float", "nullable": True},
                {"name": "day", "type": "date", "nullable": True},
                {"name": "moment", "type": "datetime", "nullable": True},
                {"name": "amount", "type": "decimal", "nullable": True},
            ],
        }
    )
    aware = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rows = [
        (2**62, float("nan"), dt.date(1899, 12, 31), dt.datetime(1800, 1, 1, 6, 0), Decimal("NaN")),
        (-(10**15), float("inf"), None, aware, None),
        (10**15 - 1, float("-inf"), None, None, None),
    ]
    path = tmp_path / "edges.xlsx"
    write_xlsx(rows, spec, _about(spec), path)

    assert _openpyxl_rows(path, "edges")[1:] == [
        (str(2**62), "NaN", "1899-12-31", "1800-01-01 06:00:00", "NaN"),
        (str(-(10**15)), "Infinity", None, dt.datetime(2024, 1, 1, 10, 0), None),  # aware → UTC
        (10**15 - 1, "-Infinity", None, None, None),
    ]


def test_about_sheet_shows_the_provenance_and_the_field_list(
    tmp_path: Path, reference_spec: TableSpec, reference_about: ExportAbout, make_reference_rows: Any
) -> None:
    path = tmp_path / "about.xlsx"
    write_xlsx(make_reference_rows(5), reference_spec, reference_about, path)

    rows = _openpyxl_rows(path, "About")
    pairs = {row[0]: row[1] for row in rows if len(row) > 1 and row[0] is not None}
    assert rows[0][0] == "Reference people"
    assert pairs["Table"] == "reference_people"
    assert pairs["Description"] == reference_spec.description
    assert pairs["Definition version"] == 3
    assert pairs["Seed"] == str(2**62 + 1)  # exact, as text
    assert pairs["Locale"] == "de_DE"
    assert pairs["Rows exported"] == 5
    assert pairs["Generator version"] == "1.4.0"
    assert pairs["Created at"] == "2026-01-02T03:04:05+00:00"
    assert pairs["Time: generation"] == "1.2 s"
    assert pairs["Data sheets"] == "reference_people"
    flat = [value for row in rows for value in row if value is not None]
    assert "email: 5 unique values" in flat
    field_rows = {row[0]: row for row in rows if row and row[0] in {f.name for f in reference_spec.fields}}
    assert field_rows["salary"][1:4] == (
        "decimal",
        "required; range 0 … 999999.99; precision 10, scale 2",
        "range (field bounds)",
    )
    assert field_rows["id"][2] == "primary key; required"
    assert field_rows["id"][3] == "sequence from 1, step 1"
    assert field_rows["email"][2] == "unique; required"


def test_about_sheet_shows_the_jobs_time_split_and_its_generation_notes(
    tmp_path: Path, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    note = "field 'manager_id': 'people' had no rows when the job started; left empty"
    request = RequestExport(
        export_id=uuid.uuid4(),
        table_id=uuid.uuid4(),
        table_version=1,
        spec=reference_spec,
        generation_seconds=2.5,
        rows_seconds=2.0,
        report_seconds=0.5,
        fallbacks=[note, "AI values unavailable, Faker used instead: timeout"],
    )
    path = tmp_path / "about.xlsx"
    write_xlsx(make_reference_rows(5), reference_spec, ExportAbout.for_request(request, rows=5), path)

    rows = _openpyxl_rows(path, "About")
    pairs = {row[0]: row[1] for row in rows if len(row) > 1 and row[0] is not None}
    assert (pairs["Time: generation"], pairs["Time: generation, rows"]) == ("2.5 s", "2.0 s")
    assert pairs["Time: generation, constraint report"] == "500 ms"
    heading = next(index for index, row in enumerate(rows) if row and row[0] == "Generation notes")
    assert [row[1] for row in rows[heading + 1 : heading + 3]] == [
        note,
        "AI values unavailable, Faker used instead: timeout",
    ]


def test_an_export_without_a_job_has_no_generation_notes_or_times(
    tmp_path: Path, reference_spec: TableSpec, make_reference_rows: Any
) -> None:
    request = RequestExport(export_id=uuid.uuid4(), table_id=uuid.uuid4(), table_version=1, spec=reference_spec)
    path = tmp_path / "about.xlsx"
    write_xlsx(make_reference_rows(2), reference_spec, ExportAbout.for_request(request, rows=2), path)

    labels = [row[0] for row in _openpyxl_rows(path, "About") if row]
    assert "Generation notes" not in labels
    assert not [label for label in labels if isinstance(label, str) and label.startswith("Time: generation")]


def test_about_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "about.xlsx"
    write_xlsx(TYPED_ROWS, TYPED_SPEC, _about(TYPED_SPEC), path)

    ws = load_workbook(path)["About"]
    description = next(row[1] for row in ws.iter_rows() if row[0].value == "Description")
    assert description.value == TYPED_SPEC.description
    assert description.data_type == "s"


def test_sheet_titles_are_excel_safe() -> None:
    long_name = "a" * 63
    assert data_sheet_title(long_name, 1) == "a" * 31
    assert data_sheet_title(long_name, 12) == "a" * 28 + "_12"
    assert data_sheet_title("about", 1) == "about_data"  # the About sheet keeps its name
    assert data_sheet_title("history", 2) == "history_data_2"  # Excel reserves "History"


def test_a_row_of_the_wrong_width_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    with pytest.raises(ValueError, match="2 values for 7 fields"):
        write_xlsx([(1, "x")], TYPED_SPEC, _about(TYPED_SPEC), path)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(st.characters(exclude_categories=["Cs"]), max_size=40), min_size=1, max_size=30))
def test_any_text_reads_back_unchanged_but_for_characters_xml_forbids(tmp_path: Path, texts: list[str]) -> None:
    spec = TableSpec.model_validate({"table_name": "fuzz", "fields": [{"name": "value", "type": "text"}]})
    path = tmp_path / "fuzz.xlsx"
    write_xlsx([(text,) for text in texts], spec, _about(spec), path)

    forbidden = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]}
    expected = ["".join(ch for ch in text if ch not in forbidden) for text in texts]
    got = [row[0] for row in _openpyxl_rows(path, "fuzz")[1:]]
    assert [value if value is not None else "" for value in got] == expected
    assert [row[0] for row in _calamine_rows(path, "fuzz")[1:]] == expected


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.0004, "1 ms"), (0.042, "42 ms"), (1.25, "1.2 s"), (59.94, "59.9 s"), (184, "3 min 4 s"), (3725, "1 h 2 min")],
)
def test_about_times_read_in_plain_units(seconds: float, shown: str) -> None:
    assert plain_duration(seconds) == shown
