"""The batched, column-wise row encoder of the data sheets writes exactly the cells the per-cell encoders do
(each column's own encoder, the one kept for values off the fast path), for every type and odd value."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from dmb_contracts.fields import TableSpec
from dmb_exporter.domain.xlsx import RowEncoder, StyleIds, column_letter

SPEC = TableSpec.model_validate(
    {
        "table_name": "every_type",
        "fields": [
            {"name": name, "type": kind, "nullable": True, **extra}
            for name, kind, extra in [
                ("s", "string", {}), ("t", "text", {}), ("e", "email", {}), ("u", "url", {}), ("i", "integer", {}),
                ("b", "big_integer", {}), ("d", "decimal", {"precision": 12, "scale": 3}), ("f", "float", {}),
                ("flag", "boolean", {}), ("day", "date", {}), ("at", "datetime", {}), ("clock", "time", {}),
                ("ref", "uuid", {}), ("doc", "json", {}),
            ]
        ],
    }
)  # fmt: skip
STRANGE: list[object] = [
    None, "", " ", " x", "x ", "=SUM(A1)", "+1", "-5", "@x", "\tx", "\rx", "a\r\nb", "a&b<c>", 'q"q', "l\nl",
    "ü 日本", "\x00bad\x1f", "nb\u00a0sp", "x" * 40_000, "y" * 16_000, 0, -7, 10**20, 10**15 - 1, -(10**15), True, False,
    Decimal("1E+2"), Decimal("-0.000001"), Decimal("NaN"), Decimal("12.500"), 0.1, -0.0, float("nan"), float("inf"),
    1e16, dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 1, 2, 3, 456), dt.datetime(1900, 2, 28, 23, 59), dt.datetime(1900, 3, 1),
    dt.datetime(1899, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.time(23, 59, 59, 999999),
    dt.time(1, 2, tzinfo=dt.UTC), uuid.UUID(int=5), {"a": [1, "ü"]}, ["=x"], b"\x00\xff",
]  # fmt: skip
STYLES = StyleIds(header=1, date=2, datetime=3, time=4, quoted_text=5, decimals={3: 6})


def _cell_by_cell(encoder: RowEncoder, row: tuple[object, ...], number: int) -> str:
    """A row as the per-cell encoders write it (NULL: no cell)."""
    cells = "".join(
        "" if value is None else encode(value, f"{letter}{number}")
        for (encode, letter), value in zip(encoder._columns, row, strict=True)
    )
    return f'<row r="{number}">{cells}</row>'


def test_batched_rows_are_the_per_cell_encoders_cells() -> None:
    rows = [
        tuple(STRANGE[(offset + column) % len(STRANGE)] for column in range(len(SPEC.fields)))
        for offset in range(len(STRANGE))
    ]
    # All-text batches take the whole-column escape, mixed ones the per-cell fast path: both are checked.
    clean = [tuple(f"<{offset}&{column}>" for column in range(len(SPEC.fields))) for offset in range(20)]
    batched, single = RowEncoder(SPEC, STYLES), RowEncoder(SPEC, STYLES)

    for batch in (rows, clean):
        assert batched.rows(batch, 2) == "".join(_cell_by_cell(single, row, n) for n, row in enumerate(batch, 2))
    assert batched.truncated == single.truncated > 0
    assert '<c r="A2" t="inlineStr"><is><t>&lt;0&amp;0&gt;</t></is></c>' in batched.rows(clean, 2)


def test_column_letters_run_as_excel_names_them() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703, 16_384)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip
