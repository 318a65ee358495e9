"""uuid, json, time and foreign_key values: valid, reproducible from the seed, unique by construction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec
from dmb_contracts.generator_defaults import DEFAULT_GENERATORS, infer_generator
from dmb_generator.domain import check_capacity, generate_chunk
from dmb_generator.domain.conform import CONVERTERS
from dmb_generator.domain.context import ParentKeys
from dmb_generator.domain.references import empty_parent_notes, reference_problems
from hypothesis import given, settings
from hypothesis import strategies as st


def _spec(*fields: dict[str, Any], name: str = "things") -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": list(fields)})


def _column(spec: TableSpec, index: int, rows: int, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    first = 0
    for chunk, size in enumerate(_chunks(rows, kwargs.pop("chunk", rows))):
        out += [
            row[index] for row in generate_chunk(spec, seed=7, chunk_index=chunk, first_row=first, rows=size, **kwargs)
        ]
        first += size
    return out


def _chunks(rows: int, size: int) -> list[int]:
    return [min(size, rows - start) for start in range(0, rows, size)]


def test_every_storage_type_has_a_converter_and_a_default_generator() -> None:
    assert set(CONVERTERS) == set(StorageType)
    assert set(DEFAULT_GENERATORS) == set(StorageType)


def test_default_generators_of_the_new_types() -> None:
    kinds = {
        kind: infer_generator(FieldSpec.model_validate({"name": "x", "type": kind, **extra})).kind
        for kind, extra in {
            "uuid": {},
            "json": {},
            "time": {},
            "foreign_key": {"references": {"table": "p", "field": "id"}},
        }.items()
    }
    assert kinds == {"uuid": "faker", "json": "json_object", "time": "range", "foreign_key": "reference"}


def test_uuids_are_version_4_and_the_same_for_the_same_seed() -> None:
    spec = _spec({"name": "ref", "type": "uuid"})
    first, again = _column(spec, 0, 300), _column(spec, 0, 300)
    assert first == again
    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in first)
    assert len(set(first)) == 300


def test_unique_uuids_do_not_depend_on_how_the_job_is_chunked() -> None:
    spec = _spec({"name": "id", "type": "uuid", "primary_key": True})
    whole = _column(spec, 0, 1000)
    split = _column(spec, 0, 1000, chunk=137)
    assert whole == split
    assert len(set(whole)) == 1000
    assert all(value.version == 4 and value.variant == uuid.RFC_4122 for value in whole)
    assert check_capacity(spec, 1_000_000) == []


@settings(max_examples=40, deadline=None)
@given(
    low=st.times().map(lambda t: t.replace(microsecond=0)),
    span=st.integers(0, 86_399),
    unique=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_times_stay_within_their_bounds(low: dt.time, span: int, unique: bool, seed: int) -> None:
    seconds = low.hour * 3600 + low.minute * 60 + low.second
    high_seconds = min(86_399, seconds + span)
    high = dt.time(high_seconds // 3600, high_seconds // 60 % 60, high_seconds % 60)
    spec = _spec({"name": "at", "type": "time", "min": low.isoformat(), "max": high.isoformat(), "unique": unique})
    rows = min(50, high_seconds - seconds + 1)
    values = [row[0] for row in generate_chunk(spec, seed=seed, chunk_index=0, first_row=0, rows=rows)]
    assert all(type(value) is dt.time and low <= value <= high for value in values)
    if unique:
        assert len(set(values)) == rows


def test_unique_times_spread_over_the_day_and_run_out_at_86400() -> None:
    spec = _spec({"name": "at", "type": "time", "unique": True})
    values = _column(spec, 0, 500)
    assert len(set(values)) == 500
    assert min(values) < dt.time(6)
    assert max(values) > dt.time(18)
    assert check_capacity(spec, 86_400) == []
    assert check_capacity(spec, 86_401) == [
        "field 'at': unique time between 00:00:00 and 23:59:59 has only 86400 values, 86401 rows asked"
    ]


def test_faker_times_and_choices_become_times() -> None:
    spec = _spec(
        {"name": "a", "type": "time", "generator": {"kind": "faker", "provider": "time"}},
        {"name": "b", "type": "time", "choices": ["08:00", "12:30:15"]},
    )
    rows = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=50)
    assert all(type(a) is dt.time for a, _ in rows)
    assert {b for _, b in rows} == {dt.time(8), dt.time(12, 30, 15)}


def test_json_objects_are_documents_with_the_keys_asked_for() -> None:
    spec = _spec(
        {"name": "doc", "type": "json"},
        {"name": "attrs", "type": "json", "generator": {"kind": "json_object", "keys": ["color", "tags", "count"]}},
    )
    rows = generate_chunk(spec, seed=3, chunk_index=0, first_row=0, rows=100)
    assert rows == generate_chunk(spec, seed=3, chunk_index=0, first_row=0, rows=100)
    for doc, attrs in rows:
        assert isinstance(doc, dict)
        assert doc
        assert json.loads(json.dumps(doc, allow_nan=False)) == doc
        assert list(attrs) == ["color", "tags", "count"]
        assert isinstance(attrs["count"], int)
        assert isinstance(attrs["tags"], list)
    assert len({json.dumps(doc, sort_keys=True) for doc, _ in rows}) > 90


def test_json_choices_and_constants_holding_objects_are_stored_as_documents() -> None:
    spec = _spec(
        {"name": "a", "type": "json", "choices": ['{"plan": "pro"}', "[1, 2]", "plain text", 5]},
        {"name": "b", "type": "json", "generator": {"kind": "constant", "value": '{"v": 1}'}},
    )
    rows = generate_chunk(spec, seed=3, chunk_index=0, first_row=0, rows=200)
    assert {json.dumps(a) for a, _ in rows} == {'{"plan": "pro"}', "[1, 2]", '"plain text"', "5"}
    assert {json.dumps(b) for _, b in rows} == {'{"v": 1}'}


def _child(**field: Any) -> TableSpec:
    return _spec(
        {"name": "id", "type": "integer", "primary_key": True},
        {
            "name": "customer",
            "type": "foreign_key",
            "references": {"table": "customers", "field": "id", "key_type": "integer"},
            **field,
        },
        name="orders",
    )


def test_foreign_keys_are_drawn_from_the_parent_keys_reproducibly() -> None:
    spec = _child()
    parents = {"customer": ParentKeys("customers", [10, 20, 30, 40], 400)}
    values = _column(spec, 1, 400, parents=parents, chunk=150)
    assert values == _column(spec, 1, 400, parents=parents, chunk=150)  # chunk k always has the same seed
    assert set(values) == {10, 20, 30, 40}
    assert max(Counter(values).values()) < 160  # uniform: no key takes most of the rows


@settings(max_examples=30, deadline=None)
@given(parents=st.integers(1, 40), low=st.integers(0, 4), extra=st.integers(1, 4), data=st.data())
def test_children_per_parent_stay_in_range_and_add_up_to_the_rows(
    parents: int, low: int, extra: int, data: Any
) -> None:
    high = low + extra
    rows = data.draw(st.integers(max(1, parents * low), parents * high))
    spec = _child(generator={"kind": "reference", "children_per_parent": {"min": low, "max": high}})
    keys = {"customer": ParentKeys("customers", list(range(100, 100 + parents)), rows)}
    assert reference_problems(spec, rows, keys) == []
    values = _column(spec, 1, rows, parents=keys, chunk=7)
    counts = Counter(values)
    assert sum(counts.values()) == rows
    assert all(low <= counts.get(key, 0) <= high for key in range(100, 100 + parents))
    assert values == _column(spec, 1, rows, parents=keys, chunk=rows)


@pytest.mark.parametrize(
    ("distribution", "rows", "share_of_parents"),
    [
        # normal around 5: most parents get 3..7 rows (uniform would give 5 of 11 counts, 45%)
        ("normal", 10_000, lambda counts: sum(3 <= c <= 7 for c in counts) / len(counts) > 0.7),
        # exponential from 0: fewer parents the more rows, and a long tail (uniform, moved to an average of 2,
        # never reaches 9 and is flat over 1..5)
        (
            "exponential",
            4_000,
            lambda counts: counts.count(1) > counts.count(3) > counts.count(5) > 0 and max(counts) >= 9,
        ),
    ],
)
def test_children_per_parent_follow_their_distribution_and_add_up(
    distribution: str, rows: int, share_of_parents: Any
) -> None:
    parents = list(range(2_000))
    spec = _child(
        generator={"kind": "reference", "children_per_parent": {"min": 0, "max": 10, "distribution": distribution}}
    )
    keys = {"customer": ParentKeys("customers", parents, rows)}
    values = _column(spec, 1, rows, parents=keys, chunk=rows)
    counts = [Counter(values).get(key, 0) for key in parents]
    assert sum(counts) == rows
    assert all(0 <= count <= 10 for count in counts)
    assert share_of_parents(counts)
    assert values == _column(spec, 1, rows, parents=keys, chunk=rows)


def test_a_unique_foreign_key_uses_each_parent_once() -> None:
    spec = _child(unique=True)
    keys = {"customer": ParentKeys("customers", list(range(50)), 50)}
    values = _column(spec, 1, 50, parents=keys, chunk=16)
    assert sorted(values) == list(range(50))
    assert reference_problems(spec, 51, {"customer": ParentKeys("customers", list(range(50)), 51)}) == [
        "field 'customer': a unique foreign key needs a parent key per row, but 'customers' has 50 keys for 51 rows"
    ]


def test_impossible_child_counts_and_empty_parents_are_refused_up_front() -> None:
    spec = _child(generator={"kind": "reference", "children_per_parent": {"min": 2, "max": 3}})
    keys = {"customer": ParentKeys("customers", [1, 2], 10)}
    assert reference_problems(spec, 10, keys) == [
        "field 'customer': 2 parents with 2..3 rows each make 4..6 rows, 10 asked"
    ]
    assert reference_problems(_child(), 10, {"customer": ParentKeys("customers", [], 10)}) == [
        "field 'customer': the parent table 'customers' has no rows; generate its rows first"
    ]
    with pytest.raises(ValueError, match="'customers' has no rows"):
        generate_chunk(_child(), seed=1, chunk_index=0, first_row=0, rows=5)


def test_a_nullable_foreign_key_to_an_empty_parent_is_left_empty_and_reported() -> None:
    spec = _child(nullable=True)
    keys = {"customer": ParentKeys("customers", [], 5)}
    assert reference_problems(spec, 5, keys) == []
    assert empty_parent_notes(spec, keys) == [
        "field 'customer': 'customers' had no rows when the job started; left empty"
    ]
    assert _column(spec, 1, 5, parents=keys) == [None] * 5
