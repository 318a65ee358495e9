"""The constraint report's figures, computed by each database from rows written on purpose: nulls, distinct
values (nulls not counted), min, max, rows breaking the field's rules, and the unique-index lines."""

from __future__ import annotations

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.column_report import column_report

FIELDS = [
    {"name": "id", "type": "integer", "primary_key": True},
    {"name": "code", "type": "string", "max_length": 4, "nullable": True},
    {"name": "score", "type": "integer", "min": 0, "max": 10, "nullable": True},
    {"name": "flag", "type": "boolean", "nullable": True},
]
#: The table is created from these loose rules, so rows breaking STRICT's rules can be written at all.
LOOSE = TableSpec.model_validate(
    {
        "table_name": "report_probe",
        "fields": [
            FIELDS[0],
            {**FIELDS[1], "max_length": 20},
            {k: v for k, v in FIELDS[2].items() if k not in ("min", "max")},
            FIELDS[3],
        ],
    }
)
STRICT = TableSpec.model_validate(
    {
        "table_name": "report_probe",
        "fields": [FIELDS[0], {**FIELDS[1], "nullable": False}, FIELDS[2], FIELDS[3]],
        "indexes": [{"fields": ["code", "score"], "unique": True, "name": "uq_code_score"}],
    }
)
ROWS = [
    (1, "ab", 3, True),
    (2, "ab", 3, False),  # repeats (code, score) of row 1
    (3, "toolong", 11, None),  # too long, above max, and a null flag
    (4, None, None, True),  # a null code breaks STRICT's not-null rule
    (5, "cd", -1, True),  # below min
    (6, "cd", None, False),
]


def test_report_counts_what_the_database_holds(engine: sa.Engine) -> None:
    table = table_for(LOOSE)
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [dict(zip(("id", "code", "score", "flag"), row, strict=True)) for row in ROWS])

    made = column_report(engine, table_for(STRICT), STRICT)
    report = {line.name: line for line in made.lines}

    assert made.rows == len(ROWS)
    assert list(report) == ["id", "code", "score", "flag", "unique index uq_code_score"]
    assert (report["id"].nulls, report["id"].distinct, report["id"].min, report["id"].max) == (0, 6, 1, 6)
    assert report["id"].violations == 0
    code = report["code"]
    assert (code.nulls, code.distinct, code.min, code.max) == (1, 3, "ab", "toolong")
    assert code.violations == 2  # "toolong" is over 4 characters; the null breaks not-null
    score = report["score"]
    assert (score.nulls, score.distinct, score.min, score.max, score.violations) == (2, 3, -1, 11, 2)
    flag = report["flag"]
    assert (flag.nulls, flag.distinct, flag.min, flag.max, flag.violations) == (1, 2, None, None, 0)
    pair = report["unique index uq_code_score"]
    # Rows with a null in code or score are not compared (rows 4 and 6); of the other four, row 2 repeats row 1.
    assert (pair.nulls, pair.distinct, pair.violations) == (2, 3, 1)


def test_report_of_an_empty_table(engine: sa.Engine) -> None:
    table = table_for(STRICT)
    table.create(engine)

    report = column_report(engine, table, STRICT)

    assert report.rows == 0
    assert [(line.nulls, line.distinct, line.violations) for line in report.lines] == [(0, 0, 0)] * 5
    assert all(line.min is None and line.max is None for line in report.lines)
