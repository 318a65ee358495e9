"""A set of tables (an imported schema) is created in one action, parents first, on PostgreSQL, SQLite and
MariaDB: every table, or, when any one is refused, none (MariaDB commits DDL on its own, so there the tables
made before the failure are dropped again)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_contracts.commands import CreateTableSet, SetTable
from dmb_contracts.events import TableCreated, TableRejected
from dmb_contracts.fields import TableSpec
from dmb_schema.table_sets import create_table_set

from ..conftest import Rig

KEY = {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}}


def fk(name: str, table: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "foreign_key", "references": {"table": table, "field": "id"}} | extra


#: Children before parents on purpose: the set is created in foreign-key order whatever the order given.
MUSIC: list[dict[str, Any]] = [
    {
        "table_name": "playlist_track",
        "fields": [fk("playlist_id", "playlist", primary_key=True), fk("track_id", "track", primary_key=True)],
    },
    {"table_name": "track", "fields": [KEY, {"name": "name", "type": "string"}, fk("genre_id", "genre")]},
    {"table_name": "playlist", "fields": [KEY, {"name": "name", "type": "string"}]},
    {
        "table_name": "genre",
        "fields": [KEY, {"name": "name", "type": "string"}, fk("parent_id", "genre", nullable=True)],
    },
]


#: The sets' owner: their tables live in the datasets database under the owner's physical names.
OWNER = uuid.UUID("5e7a5e7a-0000-4000-8000-000000000001")


def physical(*names: str) -> set[str]:
    return {physical_name(OWNER, name) for name in names}


async def send(rig: Rig, specs: list[dict[str, Any]]) -> tuple[CreateTableSet, list[Any]]:
    cmd = CreateTableSet(
        set_id=uuid.uuid4(),
        tables=[SetTable(table_id=uuid.uuid4(), spec=TableSpec.model_validate(spec)) for spec in specs],
        owner_id=OWNER,
    )
    await create_table_set(cmd, rig.deps)
    return cmd, await rig.answers(cmd)


def tables_in(rig: Rig) -> set[str]:
    with rig.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names(schema=rig.schema))


async def test_a_set_is_created_parents_first_with_every_foreign_key(rig: Rig) -> None:
    cmd, events = await send(rig, MUSIC)

    assert [type(event) for event in events] == [TableCreated] * 4
    created = {event.table_id: event.spec.table_name for event in events}
    assert [created[event.table_id] for event in events] == ["playlist", "genre", "track", "playlist_track"]
    assert {table.table_id for table in cmd.tables} == set(created)
    track = next(table.table_id for table in cmd.tables if table.spec.table_name == "track")
    (logged,) = await rig.migrations(track)
    assert (logged.action, logged.status, logged.to_version) == ("create", "applied", 1)
    assert "field genre_id added (references genre.id, required)" in logged.changes
    assert tables_in(rig) >= physical("genre", "track", "playlist", "playlist_track")
    with rig.engine.connect() as conn:
        keys = sa.inspect(conn).get_foreign_keys(physical_name(OWNER, "playlist_track"), schema=rig.schema)
    assert {key["referred_table"] for key in keys} == physical("playlist", "track")
    rig.insert(physical_name(OWNER, "genre"), [{"id": 1, "name": "Rock", "parent_id": None}])
    rig.insert(physical_name(OWNER, "track"), [{"id": 1, "name": "One", "genre_id": 1}])
    rig.insert(physical_name(OWNER, "playlist"), [{"id": 1, "name": "Mine"}])
    rig.insert(physical_name(OWNER, "playlist_track"), [{"playlist_id": 1, "track_id": 1}])


async def test_a_set_whose_last_table_the_database_refuses_leaves_no_table_of_the_set(rig: Rig) -> None:
    with rig.engine.begin() as conn:  # made outside the platform, with other columns: the database refuses
        table = sa.Table(
            physical_name(OWNER, "playlist_track"), sa.MetaData(), sa.Column("other", sa.Integer), schema=rig.schema
        )
        table.create(conn)
    before = tables_in(rig)

    _, events = await send(rig, MUSIC)

    assert [type(event) for event in events] == [TableRejected] * 4
    assert all("'playlist_track' already exists in the datasets database" in event.reason for event in events)
    assert tables_in(rig) == before


async def test_a_set_with_a_foreign_key_to_no_table_is_refused_whole_naming_the_table(rig: Rig) -> None:
    before = tables_in(rig)

    _, events = await send(rig, [*MUSIC[1:], {"table_name": "review", "fields": [KEY, fk("album_id", "album")]}])

    assert [type(event) for event in events] == [TableRejected] * 4
    assert events[0].reason.startswith("review: there is no table 'album' to reference")
    assert tables_in(rig) == before


async def test_a_set_delivered_twice_is_created_once(rig: Rig) -> None:
    cmd, first = await send(rig, MUSIC[2:])
    await create_table_set(cmd.model_copy(update={"message_id": uuid.uuid4()}), rig.deps)

    again = [event for event in await rig.events() if event.causation_id != cmd.message_id]
    assert [type(event) for event in first] == [TableCreated] * 2
    assert again == []
