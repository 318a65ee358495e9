"""CSV and JSON Lines exports, and the one dispatcher over every format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dmb_contracts.commands import ExportFormat
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.formats import FORMATS, write_export
from dmb_exporter.domain import ExportAbout, write_csv, write_jsonl
from openpyxl import load_workbook

SPEC = TableSpec.model_validate(
    {
        "table_name": "mixed",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "note", "type": "text", "nullable": True},
            {"name": "amount", "type": "decimal", "precision": 12, "scale": 2, "nullable": True},
            {"name": "ratio", "type": "float", "nullable": True},
            {"name": "day", "type": "date", "nullable": True},
            {"name": "moment", "type": "datetime", "nullable": True},
            {"name": "flag", "type": "boolean", "nullable": True},
        ],
    }
)
ROWS: list[tuple[object, ...]] = [
    (
        1,
        'comma, "quote"\nnewline',
        Decimal("-12.50"),
        -0.5,
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 8, 9, 10),
        True,
    ),
    (-2, "=SUM(A1:A9)", Decimal("0.10"), 1e-7, dt.date(1850, 1, 1), dt.datetime(2024, 1, 1, 0, 0, 0, 123456), False),
    (3, None, None, None, None, None, None),
    (4, "Grüße ✓", Decimal("1E+2"), float("nan"), None, None, None),
]


def _read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def test_csv_has_a_header_crlf_line_ends_and_rfc4180_quoting(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(ROWS, SPEC, path) == len(ROWS)

    raw = path.read_bytes()
    assert raw.startswith(b"id,note,amount,ratio,day,moment,flag\r\n")
    assert b'"comma, ""quote""\nnewline"' in raw
    rows = _read_csv(path)
    assert rows[0] == ["id", "note", "amount", "ratio", "day", "moment", "flag"]
    assert rows[1] == ["1", 'comma, "quote"\nnewline', "-12.50", "-0.5", "2024-02-29", "2024-02-29 08:09:10", "true"]
    assert rows[3] == ["3", "", "", "", "", "", ""]
    assert rows[4] == ["4", "Grüße ✓", "100", "NaN", "", "", ""]


def test_csv_escapes_formula_like_text_but_not_numbers(tmp_path: Path) -> None:
    spec = TableSpec.model_validate(
        {"table_name": "risky", "fields": [{"name": "text", "type": "string"}, {"name": "n", "type": "integer"}]}
    )
    texts = ["=1+1", "+33", "-2", "@x", "\tTab", "\rCR", "safe", "a=b"]
    path = tmp_path / "risky.csv"
    write_csv([(text, -7) for text in texts], spec, path)

    rows = _read_csv(path)[1:]
    assert [row[0] for row in rows] == ["'=1+1", "'+33", "'-2", "'@x", "'\tTab", "'\rCR", "safe", "a=b"]
    assert {row[1] for row in rows} == {"-7"}  # negative numbers are numbers, not injections


def test_csv_dates_and_decimals_are_exact_iso_and_fixed_point(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(ROWS, SPEC, path)
    row = _read_csv(path)[2]
    assert row[2] == "0.10"
    assert row[4] == "1850-01-01"
    assert row[5] == "2024-01-01 00:00:00.123456"
    assert float(row[3]) == 1e-7


@pytest.mark.parametrize("bom", [True, False])
def test_csv_starts_with_a_bom_only_for_excel(tmp_path: Path, bom: bool) -> None:
    path = tmp_path / "out.csv"
    write_csv(ROWS[:1], SPEC, path, excel_bom=bom)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    assert _read_csv(path, "utf-8-sig")[0][0] == "id"


def test_jsonl_writes_one_object_per_row_keyed_by_field_name(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert write_jsonl(ROWS, SPEC, path) == len(ROWS)

    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    assert len(lines) == len(ROWS) + 1
    objects = [json.loads(line) for line in lines[:-1]]
    assert list(objects[0]) == [field.name for field in SPEC.fields]
    assert objects[0] == {
        "id": 1,
        "note": 'comma, "quote"\nnewline',
        "amount": "-12.50",  # decimals as strings: exact, scale kept
        "ratio": -0.5,
        "day": "2024-02-29",
        "moment": "2024-02-29T08:09:10",
        "flag": True,
    }
    assert objects[1]["moment"] == "2024-01-01T00:00:00.123456"
    assert objects[2] == {name: (3 if name == "id" else None) for name in objects[2]}
    assert objects[3]["ratio"] == "NaN"
    assert objects[3]["amount"] == "100"
    assert "Grüße ✓" in lines[3]  # UTF-8, not \u escapes


def test_a_row_of_the_wrong_width_is_refused_by_every_text_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1 values for 7 fields"):
        write_csv([(1,)], SPEC, tmp_path / "x.csv")
    with pytest.raises(ValueError, match="1 values for 7 fields"):
        write_jsonl([(1,)], SPEC, tmp_path / "x.jsonl")


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        (ExportFormat.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ExportFormat.CSV, "text/csv; charset=utf-8"),
        (ExportFormat.JSONL, "application/x-ndjson"),
    ],
)
def test_write_export_dispatches_on_the_format(tmp_path: Path, fmt: ExportFormat, content_type: str) -> None:
    path = tmp_path / f"out.{fmt.value}"
    result = write_export(fmt, iter(ROWS), SPEC, ExportAbout.for_spec(SPEC), path)

    assert (result.rows, result.truncated_cells, result.content_type, result.extension) == (
        len(ROWS),
        0,
        content_type,
        fmt.value,
    )
    content = path.read_bytes()
    checks: dict[ExportFormat, Any] = {
        ExportFormat.XLSX: lambda: load_workbook(io.BytesIO(content), read_only=True).sheetnames == ["mixed", "About"],
        ExportFormat.CSV: lambda: content.startswith(b"id,note"),
        ExportFormat.JSONL: lambda: json.loads(content.splitlines()[0])["id"] == 1,
    }
    assert checks[fmt]()


def test_write_export_reports_truncated_cells(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "t", "fields": [{"name": "content", "type": "text"}]})
    result = write_export(ExportFormat.XLSX, [("z" * 40_000,)], spec, ExportAbout.for_spec(spec), tmp_path / "t.xlsx")
    assert result.truncated_cells == 1


def test_every_export_format_has_one_registration_with_its_own_extension() -> None:
    assert set(FORMATS) == set(ExportFormat)
    assert len({each.extension for each in FORMATS.values()}) == len(FORMATS)
    assert {fmt for fmt, each in FORMATS.items() if each.multi_table} == {ExportFormat.XLSX, ExportFormat.SQL}


EVERY_TYPE = TableSpec.model_validate(
    {
        "table_name": "every_type",
        "fields": [
            {"name": name, "type": kind, "nullable": True}
            for name, kind in [
                ("s", "string"), ("t", "text"), ("e", "email"), ("u", "url"), ("i", "integer"),
                ("b", "big_integer"), ("d", "decimal"), ("f", "float"), ("flag", "boolean"), ("day", "date"),
                ("at", "datetime"), ("clock", "time"), ("ref", "uuid"), ("doc", "json"),
            ]
        ],
    }
)  # fmt: skip


def _old_csv(rows: list[tuple[object, ...]], spec: TableSpec) -> bytes:
    """The value-by-value writer the columnar one replaced: csv_text of every value, one row at a time."""
    from dmb_exporter.domain.delimited import csv_text

    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([field.name for field in spec.fields])
    writer.writerows([csv_text(value) for value in row] for row in rows)
    return out.getvalue().encode()


def test_the_columnar_csv_writer_is_byte_identical_to_value_by_value_csv_text(tmp_path: Path) -> None:
    import uuid

    strange: list[object] = [
        None, "", " ", "=SUM(A1)", "+1", "-5", "@x", "\tx", "\rx", "a,b", 'q"q', "l\nl", "ü 日本", 0, -7, 10**20,
        True, False, Decimal("1E+2"), Decimal("-0.000001"), Decimal("NaN"), Decimal("12.50"), 0.1, -0.0,
        float("nan"), float("inf"), float("-inf"), 1e16, 5e-324, dt.date(1899, 12, 31), dt.datetime(2024, 2, 29, 1, 2),
        dt.datetime(2024, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC), dt.time(23, 59, 59, 999999), dt.time(0, 0),
        uuid.UUID(int=0), {"a": [1, "ü"]}, ["=x"], b"\x00\xff", bytearray(b"ab"),
    ]  # fmt: skip
    # Every value in every column (drivers can return surprising types), several batches long.
    rows = [
        tuple(strange[(offset + column) % len(strange)] for column in range(len(EVERY_TYPE.fields)))
        for offset in range(len(strange))
    ] * 300
    path = tmp_path / "every.csv"

    assert write_csv(rows, EVERY_TYPE, path) == len(rows)
    assert path.read_bytes() == _old_csv(rows, EVERY_TYPE)
    write_csv(rows, EVERY_TYPE, path, excel_bom=True)
    assert path.read_bytes() == b"\xef\xbb\xbf" + _old_csv(rows, EVERY_TYPE)


def test_a_one_column_csv_quotes_its_empty_fields_as_the_csv_module_does(tmp_path: Path) -> None:
    spec = TableSpec.model_validate({"table_name": "one", "fields": [{"name": "v", "type": "text", "nullable": True}]})
    rows: list[tuple[object, ...]] = [("",), (None,), ("a",), ('x"y',), ("a,b",), ("l\r\nl",), ("=1",)]
    path = tmp_path / "one.csv"

    write_csv(rows, spec, path)

    assert path.read_bytes() == _old_csv(rows, spec)
    assert path.read_bytes().split(b"\r\n")[1:3] == [b'""', b'""']  # a blank line would be no row at all
