"""How `dmb generate` lays out a finished job's time and constraint report (dmb_cli.job_report), on jobs as the
API returns them, without a platform."""

from __future__ import annotations

from typing import Any

from dmb_cli.job_report import report_table, timing_line


def job(**changes: Any) -> dict[str, Any]:
    """A completed job of 4 rows into a table that held 2 rows before (the report counts all 6)."""
    return {
        "rows": 4,
        "status": "completed",
        "report": [
            {"name": "unique index uq_t_a_b", "nulls": 1, "distinct": 4, "min": None, "max": None, "violations": 1},
            {"name": "id", "nulls": 0, "distinct": 6, "min": 1, "max": 6, "violations": 0},
            {"name": "note", "nulls": 3, "distinct": 3, "min": "a\nb", "max": "z" * 30, "violations": 2},
        ],
        "seconds": 1.5,
        "rows_seconds": 1.25,
        "report_seconds": 0.25,
    } | changes


def test_the_timing_is_split_when_the_generator_split_it() -> None:
    assert timing_line(job()) == "in 1.50 s: rows 1.25 s, constraint report 0.25 s"
    assert timing_line(job(rows_seconds=None, report_seconds=None)) == "in 1.50 s"
    assert timing_line(job(status="running", seconds=None)) is None


def test_the_report_lists_fields_then_indexes_aligned_with_nulls_as_a_share_of_the_rows_counted() -> None:
    table = report_table(job())

    assert table == [
        "field                      nulls  distinct  min  max                       violations",
        "id                      0 (0.0%)         6  1    6                                  0",
        "note                   3 (50.0%)         3  a b  zzzzzzzzzzzzzzzzzzzzzzz…           2",
        "unique index uq_t_a_b  1 (16.7%)         4                                          1",
    ]
    assert len({len(line) for line in table}) == 1
    assert table[2].index("a b") == table[0].index("min")


def test_a_job_without_a_report_prints_no_table() -> None:
    assert report_table(job(report=[])) == []
    assert report_table(job(report=None)) == []


def test_nulls_are_a_share_of_the_table_rows_the_generator_counted() -> None:
    # 6 rows by the figures above, but the generator counted 12 (say, 6 rows without a note and without an id
    # it could tell apart): its count wins over any bound the figures give.
    table = report_table(job(table_rows=12))

    assert table[2].split()[1:3] == ["3", "(25.0%)"]
    assert report_table(job(table_rows=None))[2].split()[1:3] == ["3", "(50.0%)"]
