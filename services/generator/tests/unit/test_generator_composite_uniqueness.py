"""Unique indexes over fields that are not unique on their own: combinations never repeat, by construction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

NOW = dt.datetime(2026, 1, 15, 12, 0, 0)
ROWS = 20_000
CHUNK = 1_500


def table(fields: list[dict[str, Any]], *indexes: list[str]) -> TableSpec:
    return TableSpec.model_validate(
        {
            "table_name": "t",
            "fields": fields,
            "indexes": [{"fields": names, "unique": True} for names in indexes],
        }
    )


def all_rows(spec: TableSpec, total: int = ROWS, seed: int = 42) -> list[tuple[object, ...]]:
    """The job's rows, its chunks generated in reverse order as independent workers might."""
    starts = list(range(0, total, CHUNK))
    out: dict[int, list[tuple[object, ...]]] = {}
    for chunk_index in reversed(range(len(starts))):
        first = starts[chunk_index]
        out[chunk_index] = generate_chunk(
            spec, seed=seed, chunk_index=chunk_index, first_row=first, rows=min(CHUNK, total - first), now=NOW
        )
    return [row for chunk_index in sorted(out) for row in out[chunk_index]]


def repeated(spec: TableSpec, rows: list[tuple[object, ...]], names: list[str]) -> dict[tuple[object, ...], int]:
    positions = [spec.fields.index(spec.field(name)) for name in names]
    combos = Counter(tuple(row[position] for position in positions) for row in rows)
    return {combo: count for combo, count in combos.items() if count > 1 and None not in combo}


FINITE_FIELDS: list[dict[str, Any]] = [
    {"name": "region", "type": "string", "choices": ["north", "south", "east", "west"]},
    {"name": "active", "type": "boolean"},
    {"name": "grade", "type": "integer", "min": 1, "max": 50},
    {"name": "day", "type": "date", "min": "2025-01-01", "max": "2025-03-31", "nullable": True, "null_percentage": 5},
    {"name": "note", "type": "text", "generator": {"kind": "faker", "provider": "word"}},
]


def test_finite_fields_never_repeat_a_combination_across_chunks() -> None:
    spec = table(FINITE_FIELDS, ["region", "active", "grade", "day"])

    rows = all_rows(spec)

    assert len(rows) == ROWS
    assert repeated(spec, rows, ["region", "active", "grade", "day"]) == {}
    regions = Counter(row[0] for row in rows)
    assert set(regions) == {"north", "south", "east", "west"}
    assert all(1 <= row[2] <= 50 for row in rows)  # type: ignore[operator]
    days = [row[3] for row in rows if row[3] is not None]
    assert 0 < len(rows) - len(days) < ROWS // 10  # the nulls asked for are still there
    assert all(dt.date(2025, 1, 1) <= day <= dt.date(2025, 3, 31) for day in days)  # type: ignore[operator]


def test_a_field_without_finite_values_carries_the_uniqueness() -> None:
    fields = [
        {"name": "category", "type": "string", "choices": ["a", "b", "c"]},
        {"name": "title", "type": "string", "max_length": 40, "generator": {"kind": "faker", "provider": "word"}},
    ]
    spec = table(fields, ["category", "title"])

    rows = all_rows(spec)

    assert repeated(spec, rows, ["category", "title"]) == {}
    assert len({row[1] for row in rows}) == ROWS  # the title carries it: each title is unique on its own
    assert {row[0] for row in rows} == {"a", "b", "c"}
    assert all(len(str(row[1])) <= 40 for row in rows)


def test_overlapping_unique_indexes_are_all_kept() -> None:
    fields = [
        {"name": "a", "type": "integer", "min": 0, "max": 199},
        {"name": "b", "type": "integer", "min": 0, "max": 199},
        {"name": "c", "type": "integer", "min": 0, "max": 29_999},
    ]
    spec = table(fields, ["a", "b"], ["b", "c"], ["a", "c"])

    rows = all_rows(spec)

    for names in (["a", "b"], ["b", "c"], ["a", "c"]):
        assert repeated(spec, rows, names) == {}


def test_overlapping_indexes_refuse_what_the_shared_fields_leave_too_small() -> None:
    fields = [
        {"name": "a", "type": "integer", "min": 0, "max": 199},
        {"name": "b", "type": "integer", "min": 0, "max": 199},
        {"name": "c", "type": "string", "choices": [f"c{n}" for n in range(200)]},
    ]
    spec = table(fields, ["a", "b"], ["b", "c"])

    # (a, b) takes a and b; (b, c) is then kept unique by c alone, which has 200 values.
    assert check_capacity(spec, 200, now=NOW) == []
    assert check_capacity(spec, 201, now=NOW) == [
        "unique index 'uq_t_b_c': only 200 distinct combinations (200 values of c), 201 rows asked"
    ]


def test_an_index_with_a_unique_field_is_left_as_generated() -> None:
    fields = [
        {"name": "id", "type": "integer", "primary_key": True},
        {
            "name": "kind",
            "type": "string",
            "choices": ["x", "y"],
            "generator": {"kind": "choices", "values": ["x", "y"], "weights": [9, 1]},
        },
    ]
    spec = table(fields, ["id", "kind"])

    rows = all_rows(spec, total=4_000)

    share_x = sum(row[1] == "x" for row in rows) / len(rows)
    assert 0.85 < share_x < 0.95  # the weights still hold: nothing was enumerated


def test_too_few_combinations_are_refused_naming_the_index() -> None:
    fields = [
        {"name": "size", "type": "string", "choices": ["S", "M", "L"]},
        {"name": "active", "type": "boolean"},
    ]
    spec = table(fields, ["size", "active"])

    assert check_capacity(spec, 6, now=NOW) == []
    assert check_capacity(spec, 7, now=NOW) == [
        "unique index 'uq_t_size_active': only 6 distinct combinations (3 x 2 values of size, active), 7 rows asked"
    ]


def test_a_carrier_with_too_few_values_is_refused_naming_the_index_and_the_field() -> None:
    fields = [
        {"name": "code", "type": "string", "pattern": r"[AB]\d"},
        {"name": "label", "type": "string", "generator": {"kind": "sequence", "start": 1}, "max_length": 2},
    ]
    spec = table(fields, ["code", "label"])

    problems = check_capacity(spec, 150, now=NOW)

    assert len(problems) == 1
    assert problems == [
        "unique index 'uq_t_code_label': only 99 distinct combinations "
        "(field 'label' carries it: a sequence of at most 2 characters), 150 rows asked"
    ]


def test_a_unique_index_over_one_field_makes_its_values_distinct() -> None:
    fields = [
        {"name": "amount", "type": "decimal", "precision": 6, "scale": 2, "min": 0, "max": 500},
        {"name": "joined", "type": "datetime", "min": "2024-01-01T00:00:00", "max": "2024-01-02T00:00:00"},
    ]
    spec = table(fields, ["amount"], ["joined"])

    rows = all_rows(spec)

    assert len({row[0] for row in rows}) == ROWS
    assert len({row[1] for row in rows}) == ROWS
    assert check_capacity(spec, 50_001, now=NOW) == []
    assert check_capacity(spec, 86_402, now=NOW) == [
        "unique index 'uq_t_amount': only 50001 distinct combinations (50001 values of amount), 86402 rows asked",
        "unique index 'uq_t_joined': only 86401 distinct combinations (86401 values of joined), 86402 rows asked",
    ]


def test_an_index_whose_fields_other_indexes_all_enumerate_is_refused_naming_it() -> None:
    fields = [{"name": name, "type": "integer", "min": 0, "max": 9} for name in "abcd"]
    spec = table(fields, ["a", "b"], ["c", "d"], ["a", "c"])

    problems = check_capacity(spec, 10, now=NOW)

    assert len(problems) == 1
    assert problems[0].startswith("index 'uq_t_a_c': its fields are all enumerated for other unique indexes")


MEMBERS: list[dict[str, Any]] = [
    {"type": "string", "choices": ["a", "b", "c"]},
    {"type": "boolean", "nullable": True, "null_percentage": 10},
    {"type": "integer", "min": -3, "max": 3},
    {"type": "decimal", "precision": 3, "scale": 1, "min": 0, "max": 2},
    {"type": "date", "min": "2024-02-27", "max": "2024-03-02"},
    {"type": "time", "min": "12:00", "max": "12:00:09"},
    {"type": "integer", "generator": {"kind": "faker", "provider": "pyint", "args": {"min_value": 0, "max_value": 5}}},
    {"type": "string", "max_length": 3, "generator": {"kind": "regex", "pattern": "[xy]"}},
    {"type": "float", "min": 0, "max": 1},
    {"type": "integer", "generator": {"kind": "sequence", "start": 7, "step": -2}},
    {"type": "integer", "choices": [1, 2], "unique": True},
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(range(len(MEMBERS))), min_size=1, max_size=4),
    chunks=st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True),
    seed=st.integers(-(2**63), 2**63),
)
def test_any_unique_index_never_repeats_a_combination(kinds: list[int], chunks: list[int], seed: int) -> None:
    fields = [{"name": f"f{position}", **MEMBERS[kind]} for position, kind in enumerate(kinds)]
    names = [field["name"] for field in fields]
    try:
        spec = table(fields, names)
    except ValidationError:  # e.g. a unique index over one boolean, refused by the contract
        assume(False)
        raise
    rows_per_chunk = 20
    assume(not check_capacity(spec, (max(chunks) + 1) * rows_per_chunk, now=NOW))

    rows = [
        row
        for chunk in chunks
        for row in generate_chunk(
            spec, seed=seed, chunk_index=chunk, first_row=chunk * rows_per_chunk, rows=rows_per_chunk, now=NOW
        )
    ]

    assert repeated(spec, rows, names) == {}
