"""Date-order rules in generated rows: every row keeps them, the same seed gives the same rows (a row's fix
depends on its own values only), and rows that already kept them are left as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
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


NOW = dt.datetime(2024, 6, 1)


def chunk(spec: dict[str, Any], total: int = 3000, seed: int = 3) -> list[tuple[Any, ...]]:
    return generate_chunk(TableSpec.model_validate(spec), seed=seed, chunk_index=0, first_row=0, rows=total, now=NOW)


def people(born: dict[str, Any], hired: dict[str, Any], **rule: Any) -> dict[str, Any]:
    return {
        "table_name": "people",
        "fields": [{"name": "born", "type": "date", **born}, {"name": "hired", "type": "date", **hired}],
        "rules": [{"kind": "date_order", "earlier": "born", "later": "hired", "min_days": 6575, **rule}],
    }


def test_a_later_date_moved_after_the_earlier_one_stays_within_its_max() -> None:
    # Born up to 2010: born + 18 years would pass hired's max (2024-12-31) for the youngest.
    spec = people({"min": "1990-01-01", "max": "2010-12-31"}, {"min": "2008-01-01", "max": "2024-12-31"})

    made = chunk(spec)

    assert all(dt.date(2008, 1, 1) <= hired <= dt.date(2024, 12, 31) for _, hired in made)
    assert all((hired - born).days >= 6575 for born, hired in made)
    assert all(dt.date(1990, 1, 1) <= born for born, _ in made)


def test_an_earlier_date_too_late_for_any_later_one_in_range_is_pulled_back_and_the_rest_keep_theirs() -> None:
    spec = people({"min": "1990-01-01", "max": "2010-12-31"}, {"min": "2008-01-01", "max": "2024-12-31"})
    plain = chunk({**spec, "rules": []})
    ruled = chunk(spec)
    latest_birth = dt.date(2024, 12, 31) - dt.timedelta(days=6575)

    too_late = [i for i, (born, _) in enumerate(plain) if born > latest_birth]
    assert len(too_late) > 100  # the test would notice no row needing the pull
    assert all(ruled[i][0] <= latest_birth for i in too_late)  # pulled back, within born's range
    assert all(ruled[i][0] == plain[i][0] for i in range(len(plain)) if i not in set(too_late))


def test_range_generators_and_their_relative_bounds_count_as_the_fields_range() -> None:
    spec = {
        "table_name": "orders",
        "fields": [
            {"name": "ordered_at", "type": "datetime", "generator": {"kind": "range", "min": "-1y", "max": "now"}},
            {"name": "shipped_at", "type": "datetime", "generator": {"kind": "range", "min": "-1y", "max": "now"}},
        ],
        "rules": [{"kind": "date_order", "earlier": "ordered_at", "later": "shipped_at", "strict": True}],
    }

    made = chunk(spec)

    assert all(ordered < shipped <= NOW for ordered, shipped in made)  # strictly after, never in the future
    assert all(ordered <= NOW - dt.timedelta(seconds=1) for ordered, _ in made)


def test_the_dated_faker_providers_the_import_gives_count_as_the_fields_range_along_a_chain() -> None:
    between = {"kind": "faker", "provider": "date_time_between", "args": {"start_date": "-2y", "end_date": "now"}}
    spec = {
        "table_name": "rentals",
        "fields": [
            {"name": "rented_at", "type": "datetime", "generator": between},
            {"name": "returned_at", "type": "datetime", "generator": between},
            {"name": "checked_on", "type": "date", "generator": {"kind": "faker", "provider": "date_between"}},
        ],
        "rules": [
            {"kind": "date_order", "earlier": "returned_at", "later": "checked_on", "min_days": 3},
            {"kind": "date_order", "earlier": "rented_at", "later": "returned_at", "min_days": 1, "max_days": 30},
        ],
    }

    made = chunk(spec)

    for rented, returned, checked in made:
        assert NOW - dt.timedelta(days=731) <= rented
        assert dt.timedelta(days=1) <= returned - rented <= dt.timedelta(days=30)
        assert (checked - returned.date()).days >= 3
        assert checked <= NOW.date()  # date_between ends today: nothing lands in the future


def test_an_imported_birth_and_hire_date_pair_keeps_both_ranges() -> None:
    spec = people(
        {"generator": {"kind": "faker", "provider": "date_of_birth", "args": {"minimum_age": 18, "maximum_age": 90}}},
        {
            "generator": {
                "kind": "faker",
                "provider": "date_between",
                "args": {"start_date": "-5y", "end_date": "today"},
            }
        },
    )

    made = chunk(spec)

    assert all(NOW.date() - dt.timedelta(days=5 * 366) <= hired <= NOW.date() for _, hired in made)
    assert all((hired - born).days >= 6575 for born, hired in made)


def test_ranges_that_leave_no_room_for_the_rule_refuse_the_job_in_plain_words() -> None:
    spec = people({"min": "2010-01-01", "max": "2012-12-31"}, {"min": "2015-01-01", "max": "2020-12-31"})

    with pytest.raises(ValueError, match="no born within its range leaves room for a hired within its range"):
        chunk(spec, total=1)


def test_a_largest_gap_and_the_later_dates_max_hold_together() -> None:
    spec = people({"min": "1990-01-01", "max": "2010-12-31"}, {"min": "2008-01-01", "max": "2024-12-31"}, max_days=7000)

    made = chunk(spec)

    assert all(6575 <= (hired - born).days <= 7000 for born, hired in made)
    assert all(dt.date(2008, 1, 1) <= hired <= dt.date(2024, 12, 31) for _, hired in made)
    assert all(dt.date(1990, 1, 1) <= born <= dt.date(2010, 12, 31) for born, _ in made)


def test_a_unique_earlier_date_is_never_moved_and_its_later_date_may_leave_its_generators_interval_only() -> None:
    soft = {"kind": "range", "min": "2008-01-01", "max": "2024-12-31"}  # within the field's own max, 2030
    spec = people({"min": "1990-01-01", "max": "2010-12-31", "unique": True}, {"max": "2030-12-31", "generator": soft})
    plain = chunk({**spec, "rules": []}, total=2000)

    made = chunk(spec, total=2000)

    assert [born for born, _ in made] == [born for born, _ in plain]  # unique, so never moved
    assert len({born for born, _ in made}) == 2000
    assert all((hired - born).days >= 6575 and hired <= dt.date(2030, 12, 31) for born, hired in made)
    assert any(hired > dt.date(2024, 12, 31) for _, hired in made)  # born after 2006: past the interval


def test_a_unique_earlier_date_with_no_room_under_the_later_fields_own_max_leaves_the_later_at_that_max() -> None:
    spec = people({"min": "1990-01-01", "max": "2010-12-31", "unique": True}, {"max": "2024-12-31"})

    made = chunk(spec, total=2000)

    assert all(hired <= dt.date(2024, 12, 31) for _, hired in made)
    too_late = [(born, hired) for born, hired in made if (dt.date(2024, 12, 31) - born).days < 6575]
    assert too_late
    assert all(hired == dt.date(2024, 12, 31) for _, hired in too_late)  # the rule gives way to the field's max
