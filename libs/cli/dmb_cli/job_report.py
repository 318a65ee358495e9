"""A finished job as `dmb generate` prints it under the job's line: the time it took, then its constraint report
as an aligned table (the web UI shows the same, see gateway/dmb_gateway/web/static/job_report.js)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dmb_contracts.events import ColumnReport

#: The report's lines for unique indexes are named so (no field name has a space): they come after the fields.
INDEX_PREFIX = "unique index "

#: A min or max longer than this (a text column's, say) is cut with an ellipsis so the table stays readable.
VALUE_WIDTH = 24

HEADERS = ("field", "nulls", "distinct", "min", "max", "violations")
#: Counts are right-aligned, names and values left-aligned.
RIGHT_ALIGNED = (False, True, True, False, False, True)


def timing_line(job: dict[str, Any]) -> str | None:
    """`in 1.23 s: rows 1.01 s, constraint report 0.22 s`, or just the total when the generator did not
    split it (an older generator); None while the job has no time (not completed)."""
    seconds = job.get("seconds")
    if seconds is None:
        return None
    rows_seconds, report_seconds = job.get("rows_seconds"), job.get("report_seconds")
    if rows_seconds is None or report_seconds is None:
        return f"in {seconds:.2f} s"
    return f"in {seconds:.2f} s: rows {rows_seconds:.2f} s, constraint report {report_seconds:.2f} s"


def reported_rows(job: dict[str, Any], lines: Sequence[ColumnReport]) -> int:
    """How many rows the report counted, for the nulls' percentage: the whole table, which may hold rows of
    earlier jobs. Generators since 1.2 say (`table_rows`); for older jobs each bound below is at most that
    count, and the largest is exact for a table the job filled, or one with a unique index or an
    all-distinct field (a single-field key)."""
    if job.get("table_rows") is not None:
        return int(job["table_rows"])
    bounds = [int(job["rows"])]
    for line in lines:
        counted = line.nulls + (line.distinct or 0)
        # An index line's violations are rows repeating a combination, so they complete its count; a
        # field's are rows breaking a constraint, already counted among its nulls or values.
        bounds.append(counted + line.violations if line.name.startswith(INDEX_PREFIX) else counted)
    return max(bounds)


def _value(value: Any) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _nulls(nulls: int, rows: int) -> str:
    return f"{nulls} ({100 * nulls / rows:.1f}%)" if rows else str(nulls)


def report_table(job: dict[str, Any]) -> list[str]:
    """The constraint report as aligned lines (a header, then a line per field, then per unique index, marked
    "unique index <name>"); no lines when the job has no report (not completed)."""
    lines = [ColumnReport.model_validate(entry) for entry in job.get("report") or []]
    if not lines:
        return []
    rows = reported_rows(job, lines)
    ordered = [line for line in lines if not line.name.startswith(INDEX_PREFIX)]
    ordered += [line for line in lines if line.name.startswith(INDEX_PREFIX)]
    cells = [HEADERS] + [
        (
            line.name,
            _nulls(line.nulls, rows),
            "" if line.distinct is None else str(line.distinct),
            _value(line.min),
            _value(line.max),
            str(line.violations),
        )
        for line in ordered
    ]
    widths = [max(len(row[column]) for row in cells) for column in range(len(HEADERS))]
    return [
        "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, RIGHT_ALIGNED, strict=True)
        ).rstrip()
        for row in cells
    ]
