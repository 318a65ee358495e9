"""Self-references: a row points at a row older than the job or at an earlier row of its own chunk, so an
empty table gets a hierarchy (a forest), reproducibly."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from dmb_contracts.fields import TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from dmb_generator.domain.context import ParentKeys
from dmb_generator.domain.references import empty_parent_notes, hierarchical_references, reference_problems
from dmb_testing.trees import depths as tree_depths

CHUNK = 5_000


def employees(manager: dict[str, Any] | None = None, key: dict[str, Any] | None = None) -> TableSpec:
    """The reference is listed before its key, so generating the key first is the generator's doing."""
    return TableSpec.model_validate(
        {
            "table_name": "employees",
            "fields": [
                {
                    "name": "manager_id",
                    "type": "foreign_key",
                    "nullable": True,
                    "null_percentage": 10,
                    "references": {"table": "employees", "field": "id", "key_type": "integer"},
                    **(manager or {}),
                },
                {"name": "id", "type": "integer", "primary_key": True, **(key or {})},
                {"name": "name", "type": "string", "max_length": 40},
            ],
        }
    )


def chunks(
    spec: TableSpec, seed: int, sizes: Sequence[int], existing: Sequence[Any] = ()
) -> list[list[tuple[Any, ...]]]:
    """The job's chunks, each generated on its own as a worker would (chunk_index, first_row)."""
    parents = {"manager_id": ParentKeys("employees", list(existing), sum(sizes))}
    out, first = [], 0
    for index, size in enumerate(sizes):
        out.append(generate_chunk(spec, seed=seed, chunk_index=index, first_row=first, rows=size, parents=parents))
        first += size
    return out


def manager_of(spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> dict[Any, Any]:
    names = [field.name for field in spec.fields]
    key, parent = names.index("id"), names.index("manager_id")
    return {row[key]: row[parent] for row in rows}


@pytest.mark.parametrize("existing", [[], [-3, -2, -1]])
def test_every_manager_is_an_older_row_or_an_earlier_row_of_the_same_chunk(existing: list[int]) -> None:
    spec = employees()
    for chunk in chunks(spec, seed=4, sizes=[CHUNK, CHUNK, 1_234], existing=existing):
        earlier: set[Any] = set(existing)
        for manager, key, _name in chunk:
            assert manager is None or manager in earlier, (manager, key)
            earlier.add(key)


def test_an_empty_table_gets_a_forest_with_depth() -> None:
    spec = employees()
    rows = [row for chunk in chunks(spec, seed=9, sizes=[CHUNK, CHUNK]) for row in chunk]
    managers = manager_of(spec, rows)
    depths = list(tree_depths(managers).values())  # fails on a cycle or a manager that is no row
    assert max(depths) > 3
    assert sum(1 for manager in managers.values() if manager is not None) > 0.8 * len(managers)


def test_the_first_row_of_a_chunk_of_an_empty_table_is_a_root() -> None:
    spec = employees({"null_percentage": 0})
    for chunk in chunks(spec, seed=2, sizes=[300, 300, 300]):
        assert [row[0] is None for row in chunk] == [True] + [False] * 299


def test_a_row_picks_among_older_rows_too() -> None:
    # 3 older rows and j earlier rows of the chunk: row j picks an older row with probability 3 / (3 + j).
    spec = employees({"null_percentage": 0})
    (chunk,) = chunks(spec, seed=5, sizes=[2_000], existing=[-3, -2, -1])
    assert chunk[0][0] in {-3, -2, -1}
    older = sum(1 for manager, _key, _name in chunk if manager is not None and manager < 0)
    expected = sum(3 / (3 + j) for j in range(2_000))  # about 22
    assert 0.5 * expected < older < 1.7 * expected


def test_roots_take_about_the_null_percentage() -> None:
    spec = employees({"null_percentage": 25})
    rows = [row for chunk in chunks(spec, seed=13, sizes=[CHUNK, CHUNK]) for row in chunk]
    roots = sum(1 for row in rows if row[0] is None) / len(rows)
    assert 0.23 < roots < 0.27


def test_the_same_seed_gives_the_same_hierarchy_and_another_seed_another() -> None:
    spec = employees()
    first = chunks(spec, seed=21, sizes=[CHUNK, 700])
    assert first == chunks(spec, seed=21, sizes=[CHUNK, 700])
    # A worker generating only the second chunk gets the same rows.
    parents = {"manager_id": ParentKeys("employees", [], CHUNK + 700)}
    alone = generate_chunk(spec, seed=21, chunk_index=1, first_row=CHUNK, rows=700, parents=parents)
    assert alone == first[1]
    other = chunks(spec, seed=22, sizes=[CHUNK, 700])
    assert [row[0] for row in other[0]] != [row[0] for row in first[0]]


def test_uuid_and_text_keys_point_at_earlier_rows_of_their_type() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "categories",
            "fields": [
                {"name": "id", "type": "uuid", "primary_key": True},
                {"name": "slug", "type": "string", "max_length": 20, "unique": True},
                {
                    "name": "parent",
                    "type": "foreign_key",
                    "nullable": True,
                    "references": {"table": "categories", "field": "id", "key_type": "uuid"},
                },
                {
                    "name": "parent_slug",
                    "type": "foreign_key",
                    "nullable": True,
                    "references": {"table": "categories", "field": "slug", "key_type": "string", "key_max_length": 20},
                },
            ],
        }
    )
    rows = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=200)
    ids, slugs = [row[0] for row in rows], [row[1] for row in rows]
    for j, (_id, _slug, parent, parent_slug) in enumerate(rows):
        assert parent is None or (isinstance(parent, uuid.UUID) and parent in ids[:j])
        assert parent_slug is None or parent_slug in slugs[:j]
    assert sum(row[2] is not None for row in rows) == 199


def test_a_hierarchical_self_reference_is_not_reported_as_left_empty() -> None:
    spec = employees()
    empty = {"manager_id": ParentKeys("employees", [], 10)}
    assert hierarchical_references(spec) == {"manager_id": "id"}
    assert reference_problems(spec, 10, empty) == []
    assert empty_parent_notes(spec, empty) == []


def test_a_unique_self_reference_keeps_to_the_older_rows() -> None:
    # One-to-one: every chunk permutes the same list of older keys, so no key repeats across chunks.
    spec = employees({"unique": True})
    assert hierarchical_references(spec) == {}
    values = [row[0] for chunk in chunks(spec, seed=3, sizes=[20, 20], existing=list(range(-40, 0))) for row in chunk]
    present = [value for value in values if value is not None]
    assert len(set(present)) == len(present)
    assert set(present) <= set(range(-40, 0))
    empty = {"manager_id": ParentKeys("employees", [], 10)}
    assert empty_parent_notes(spec, empty) == [
        "field 'manager_id': 'employees' had no rows when the job started; left empty"
    ]
    assert [row[0] for row in chunks(spec, seed=3, sizes=[10])[0]] == [None] * 10
    assert check_capacity(spec, 10) == []


def test_children_per_parent_on_a_self_reference_spreads_over_the_older_rows_only() -> None:
    spec = employees({"null_percentage": 0, "generator": {"kind": "reference", "children_per_parent": {"max": 3}}})
    assert hierarchical_references(spec) == {}
    (chunk,) = chunks(spec, seed=8, sizes=[25], existing=[-10, -20, -30, -40, -50, -60, -70, -80, -90, -100])
    assert {row[0] for row in chunk} <= {-10, -20, -30, -40, -50, -60, -70, -80, -90, -100}
    assert reference_problems(spec, 10, {"manager_id": ParentKeys("employees", [], 10)}) == [
        "field 'manager_id': children_per_parent spreads the rows over the rows 'employees' had when the job "
        "started, and it had none; drop children_per_parent to build a hierarchy from the new rows"
    ]


def test_a_key_built_from_its_own_reference_keeps_to_the_older_rows() -> None:
    # The key's template reads the reference, so the key cannot come first: the reference draws as before.
    spec = TableSpec.model_validate(
        {
            "table_name": "nodes",
            "fields": [
                {
                    "name": "code",
                    "type": "string",
                    "max_length": 40,
                    "unique": True,
                    "generator": {"kind": "template", "template": "n-{up}"},
                },
                {
                    "name": "up",
                    "type": "foreign_key",
                    "nullable": True,
                    "references": {"table": "nodes", "field": "code", "key_type": "string", "key_max_length": 40},
                },
            ],
        }
    )
    assert hierarchical_references(spec) == {}
    parents = {"up": ParentKeys("nodes", ["a", "b"], 30)}
    rows = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=30, parents=parents)
    assert {row[1] for row in rows} <= {"a", "b"}
    assert all(str(row[0]).startswith(f"n-{row[1]}") for row in rows)


def test_self_references_whose_keys_read_each_other_stay_generable() -> None:
    # `code` reads `b` and `code2` reads `a`: a after code and b after code2 would need code2 before a
    # before code before b before code2. Only the first self-reference builds a hierarchy; b keeps to the
    # older rows, and every template still finds its fields.
    def key(name: str, reads: str) -> dict[str, Any]:
        template = {"kind": "template", "template": f"k-{{{reads}}}"}
        return {"name": name, "type": "string", "max_length": 40, "unique": True, "generator": template}

    def up(name: str, key_field: str) -> dict[str, Any]:
        target = {"table": "nodes", "field": key_field, "key_type": "string", "key_max_length": 40}
        return {"name": name, "type": "foreign_key", "nullable": True, "references": target}

    spec = TableSpec.model_validate(
        {"table_name": "nodes", "fields": [up("a", "code"), up("b", "code2"), key("code", "b"), key("code2", "a")]}
    )
    assert hierarchical_references(spec) == {"a": "code"}
    parents = {"a": ParentKeys("nodes", [], 40), "b": ParentKeys("nodes", ["old"], 40)}
    rows = generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=40, parents=parents)
    codes = [row[2] for row in rows]
    assert {row[1] for row in rows} == {"old"}
    assert all(row[0] is None or row[0] in codes[:j] for j, row in enumerate(rows))
    assert sum(row[0] is not None for row in rows) == 39
    assert all(str(row[3]).startswith(f"k-{row[0] or ''}") for row in rows)
