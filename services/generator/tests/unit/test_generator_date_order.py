"""Date-order rules in generated rows: every row keeps them, the same seed gives the same rows (a row's fix
depends on its own values only), and rows that already kept them are left as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import generate_chunk

RULES: list[dict[str, Any]] = [
    {"kind": "date_order", "earlier": "ordered_at", "later": "shipped_at", "max_days": 10},
    {"kind": "date_order", "earlier": "shipped_at", "later": "delivered_on", "strict": True},
    {"kind": "date_order", "earlier": "born", "later": "hired", "min_days": 6575},
]
SPEC: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "ordered_at", "type": "datetime"},
        {"name": "shipped_at", "type": "datetime", "nullable": True, "null_percentage": 10},
        {"name": "delivered_on", "type": "date"},
        {"name": "born", "type": "date", "min": "1950-01-01", "max": "2005-12-31"},
        {"name": "hired", "type": "date", "min": "1990-01-01", "max": "2024-12-31"},
    ],
}


def rows(spec: TableSpec, chunks: int, total: int = 2000) -> list[tuple[Any, ...]]:
    size = total // chunks
    out: list[tuple[Any, ...]] = []
    for index in range(chunks):
        out += generate_chunk(spec, seed=3, chunk_index=index, first_row=index * size, rows=size)
    return out


def test_every_row_keeps_every_rule_and_the_same_seed_gives_the_same_rows() -> None:
    spec = TableSpec.model_validate({**SPEC, "rules": RULES})
    made = rows(spec, 4)

    assert made == rows(spec, 4)
    for _, ordered, shipped, delivered, born, hired in made:
        if shipped is not None:
            assert dt.timedelta(0) <= shipped - ordered <= dt.timedelta(days=10)
            assert delivered > shipped.date()
        assert (hired - born).days >= 6575


def test_without_rules_the_rows_break_them_and_with_them_only_those_rows_move() -> None:
    plain = rows(TableSpec.model_validate(SPEC), 1)
    ruled = rows(TableSpec.model_validate({**SPEC, "rules": RULES}), 1)

    broken = [row for row in plain if row[2] is not None and not row[1] <= row[2] <= row[1] + dt.timedelta(days=10)]
    assert len(broken) > 100  # the test would notice a rule not applied
    kept = [i for i, row in enumerate(plain) if row[2] is not None and row[1] <= row[2] <= row[1] + dt.timedelta(10)]
    assert all(plain[i][2] == ruled[i][2] for i in kept)
    assert [row[1] for row in plain] == [row[1] for row in ruled]  # the earlier field never moves
