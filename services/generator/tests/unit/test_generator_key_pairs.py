"""A junction table (a composite primary key or unique index made only of foreign keys) is unique as a pair:
with 20 playlists and 50 tracks it takes up to 1000 rows, each pair once, spread over the parents."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from dmb_generator.domain.context import ParentKeys
from dmb_generator.domain.key_pairs import key_pairs
from dmb_generator.domain.references import reference_problems


def junction(children: dict[str, Any] | None = None, *, index: bool = False) -> TableSpec:
    playlist: dict[str, Any] = {"name": "playlist_id", "type": "foreign_key"}
    playlist["references"] = {"table": "playlist", "field": "id", "key_type": "integer"}
    if children is not None:
        playlist["generator"] = {"kind": "reference", "children_per_parent": children}
    track = {
        "name": "track_id",
        "type": "foreign_key",
        "references": {"table": "track", "field": "id", "key_type": "integer"},
    }
    fields: list[dict[str, Any]] = [playlist, track]
    if index:  # the same rule as a unique index beside a surrogate key
        fields.insert(0, {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}})
        return TableSpec.model_validate(
            {
                "table_name": "playlist_track",
                "fields": fields,
                "indexes": [{"fields": ["playlist_id", "track_id"], "unique": True}],
            }
        )
    for field in fields:
        field["primary_key"] = True
    return TableSpec.model_validate({"table_name": "playlist_track", "fields": fields})


def parents(rows: int) -> dict[str, ParentKeys]:
    return {
        "playlist_id": ParentKeys("playlist", list(range(1, 21)), rows),
        "track_id": ParentKeys("track", list(range(101, 151)), rows),
    }


def rows_of(
    spec: TableSpec, total: int, chunk: int = 300, *, seed: int = 5, held: list[int] | None = None
) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    held_pairs = {pair.name: held for pair in key_pairs(spec)} if held is not None else None
    for index, first in enumerate(range(0, total, chunk)):
        size = min(chunk, total - first)
        out += generate_chunk(
            spec,
            seed=seed,
            chunk_index=index,
            first_row=first,
            rows=size,
            parents=parents(total),
            held_pairs=held_pairs,
        )
    return out


def held_after(spec: TableSpec, rows: list[tuple[Any, ...]], total: int) -> list[int]:
    """The slots of `rows`' pairs, as the job start reads them from the table."""
    (pair,) = key_pairs(spec)
    return pair.held_slots(rows, parents(total))


def test_a_composite_key_of_two_foreign_keys_holds_the_product_of_the_parents_keys() -> None:
    spec = junction()

    rows = rows_of(spec, 1000)

    assert check_capacity(spec, 1000) == []
    assert reference_problems(spec, 1000, parents(1000)) == []
    assert len(set(rows)) == 1000
    assert Counter(playlist for playlist, _ in rows) == {playlist: 50 for playlist in range(1, 21)}


def test_a_unique_index_of_two_foreign_keys_is_kept_unique_the_same_way() -> None:
    rows = rows_of(junction(index=True), 600)

    assert len({(playlist, track) for _, playlist, track in rows}) == 600


def test_more_rows_than_pairs_are_refused_naming_the_counts() -> None:
    assert reference_problems(junction(), 1001, parents(1001)) == [
        "the primary key of playlist_track: only 1000 distinct combinations of (playlist_id, track_id) "
        "(20 x 50 parent keys), 1001 rows asked"
    ]


def test_children_per_parent_spreads_the_pairs_and_no_pair_repeats() -> None:
    spec = junction({"min": 5, "max": 40})

    rows = rows_of(spec, 400)

    assert reference_problems(spec, 400, parents(400)) == []
    assert len(set(rows)) == 400
    per_playlist = Counter(playlist for playlist, _ in rows)
    assert set(per_playlist) == set(range(1, 21))
    assert all(5 <= count <= 40 for count in per_playlist.values())
    assert {track for _, track in rows} <= set(range(101, 151))


def test_a_pair_layout_does_not_depend_on_the_chunking() -> None:
    spec = junction({"min": 5, "max": 40})

    assert rows_of(spec, 400, chunk=400) == rows_of(spec, 400, chunk=77)


def test_an_appended_job_takes_only_pairs_the_table_does_not_hold_yet_whatever_the_seed() -> None:
    spec = junction()
    first = rows_of(spec, 600, seed=5)
    held = held_after(spec, first, 300)

    for seed in (5, 6):  # the same seed would repeat every pair
        appended = rows_of(spec, 300, seed=seed, held=held)

        assert len(set(appended)) == 300
        assert not set(appended) & set(first)


def test_an_appended_job_can_take_exactly_the_pairs_left_and_its_rows_do_not_depend_on_the_chunking() -> None:
    spec = junction()
    first = rows_of(spec, 700)
    held = held_after(spec, first, 300)

    assert reference_problems(spec, 300, parents(300), {key_pairs(spec)[0].name: held}) == []
    appended = rows_of(spec, 300, seed=9, held=held, chunk=300)

    assert set(appended) | set(first) == {(p, t) for p in range(1, 21) for t in range(101, 151)}
    assert rows_of(spec, 300, seed=9, held=held, chunk=41) == appended


def test_asking_for_more_pairs_than_are_left_is_refused_saying_how_many_remain() -> None:
    spec = junction()
    held = held_after(spec, rows_of(spec, 900), 101)

    assert reference_problems(spec, 101, parents(101), {key_pairs(spec)[0].name: held}) == [
        "the primary key of playlist_track: only 100 combinations of (playlist_id, track_id) are left: "
        "20 x 50 parent keys make 1000, and the table already holds 900; 101 rows asked"
    ]


def test_children_per_parent_with_pairs_already_held_skips_them_per_parent() -> None:
    spec = junction({"min": 5, "max": 10})
    first = rows_of(spec, 150)
    held = held_after(spec, first, 150)

    assert reference_problems(spec, 150, parents(150), {key_pairs(spec)[0].name: held}) == []
    appended = rows_of(spec, 150, seed=7, held=held)

    assert len(set(appended)) == 150
    assert not set(appended) & set(first)
    assert all(5 <= count <= 10 for count in Counter(playlist for playlist, _ in appended).values())


def test_children_per_parent_refuses_when_a_parent_has_too_few_keys_left_to_pair() -> None:
    spec = junction({"min": 40, "max": 45})
    held = held_after(spec, rows_of(spec, 800), 800)

    problems = reference_problems(spec, 800, parents(800), {key_pairs(spec)[0].name: held})

    assert any(
        "45 rows per playlist_id need as many distinct track_id keys not yet paired with it" in p for p in problems
    )
