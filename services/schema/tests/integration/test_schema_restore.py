"""Restoring an earlier version is a reverse migration recorded as a new version, with the guarantees of any
alter: all or nothing on the datasets database, on PostgreSQL and SQLite."""

from __future__ import annotations

import copy
from typing import Any

from dmb_contracts.events import TableAltered, TableRejected
from dmb_schema.models import DefinitionVersion

from .test_schema_alter_migrations import PEOPLE, ROWS, migration_log, people, version_of


def renamed_and_reshaped() -> dict[str, Any]:
    spec = copy.deepcopy(PEOPLE)
    spec["table_name"] = "persons"
    spec["fields"] = [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "email", "type": "email", "unique": True},
        {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200},
        {"name": "score", "type": "integer"},
        {"name": "amount", "type": "decimal", "precision": 8, "scale": 2, "nullable": True},
        {"name": "nickname", "type": "string", "nullable": True},
    ]
    spec["indexes"] = [{"fields": ["score"]}]
    return spec


async def test_restoring_version_1_renames_back_and_records_a_new_version(rig: Any) -> None:
    table_id = await people(rig)
    assert isinstance(await rig.alter(table_id, 1, renamed_and_reshaped()), TableAltered)
    third = renamed_and_reshaped() | {"description": "v3"}
    third["fields"][2] = {"name": "display_name", "renamed_from": "full_name", "type": "string", "max_length": 200}
    assert isinstance(await rig.alter(table_id, 2, third), TableAltered)

    event = await rig.restore(table_id, 3, 1)

    assert isinstance(event, TableAltered), event
    assert (event.version, event.previous_version, event.restored_from) == (4, 3, 1)
    assert event.changes[0] == "restored version 1"
    assert "table renamed from persons to people" in event.changes
    assert event.spec.model_dump() == type(event.spec).model_validate(PEOPLE).model_dump()
    rows = rig.rows("people")
    # The renamed field came back with its rows under its old name; the dropped one came back empty.
    assert [(r["id"], r["email"], r["name"], r["score"], r["amount"]) for r in rows] == [
        (r["id"], r["email"], r["name"], r["score"], r["amount"]) for r in ROWS
    ]
    assert [r["code"] for r in rows] == [None, None, None]
    assert "nickname" not in rows[0]
    async with rig.runtime.sessions() as session:
        stored = await session.get(DefinitionVersion, (table_id, 4))
        assert stored is not None
        assert stored.renames == {"name": "display_name"}
    assert (await migration_log(rig, table_id))[-1].status == "applied"


async def test_a_restore_the_rows_do_not_fit_is_refused_and_changes_nothing(rig: Any, snapshot: Any) -> None:
    table_id = await people(rig)
    as_text = copy.deepcopy(PEOPLE)
    as_text["fields"][4] = {"name": "score", "type": "text"}
    assert isinstance(await rig.alter(table_id, 1, as_text), TableAltered)
    rig.insert("people", [{"id": 9, "email": "z@example.com", "name": "Zed", "score": "lots"}])
    before = snapshot(rig.engine, rig.schema)

    event = await rig.restore(table_id, 2, 1)

    assert isinstance(event, TableRejected), event
    assert (event.problems[0].field, event.problems[0].rule) == ("score", "type")
    assert "'lots' (not a number)" in event.reason
    assert snapshot(rig.engine, rig.schema) == before
    assert await version_of(rig, table_id) == 2


async def test_restoring_the_current_an_unknown_or_a_stale_version_is_refused(rig: Any, snapshot: Any) -> None:
    table_id = await people(rig)
    assert isinstance(await rig.alter(table_id, 1, PEOPLE | {"description": "v2"}), TableAltered)
    before = snapshot(rig.engine, rig.schema)

    current = await rig.restore(table_id, 2, 2)
    unknown = await rig.restore(table_id, 2, 7)
    stale = await rig.restore(table_id, 1, 1)

    assert isinstance(current, TableRejected)
    assert "version 2 is the current version" in current.reason
    assert isinstance(unknown, TableRejected)
    assert "has no version 7" in unknown.reason
    assert isinstance(stale, TableRejected)
    assert stale.problems[0].rule == "conflict"
    assert snapshot(rig.engine, rig.schema) == before
    assert await version_of(rig, table_id) == 2


async def test_a_restored_version_can_itself_be_undone(rig: Any) -> None:
    table_id = await people(rig)
    assert isinstance(await rig.alter(table_id, 1, renamed_and_reshaped()), TableAltered)
    assert isinstance(await rig.restore(table_id, 2, 1), TableAltered)

    event = await rig.restore(table_id, 3, 2)

    assert isinstance(event, TableAltered), event
    assert [f.name for f in event.spec.fields] == [f["name"] for f in renamed_and_reshaped()["fields"]]
    assert [r["full_name"] for r in rig.rows("persons")] == [r["name"] for r in ROWS]


async def test_a_version_that_breaks_todays_rules_is_refused_not_crashed(rig: Any, snapshot: Any) -> None:
    import sqlalchemy as sa

    table_id = await people(rig)
    assert isinstance(await rig.alter(table_id, 1, PEOPLE | {"description": "v2"}), TableAltered)
    old = copy.deepcopy(PEOPLE)
    old["fields"][4]["name"] = "rank"  # stored when "rank" was not yet a reserved word
    async with rig.runtime.sessions() as session:
        await session.execute(
            sa.update(DefinitionVersion)
            .where(DefinitionVersion.table_id == table_id, DefinitionVersion.version == 1)
            .values(spec=old)
        )
        await session.commit()
    before = snapshot(rig.engine, rig.schema)

    event = await rig.restore(table_id, 2, 1)

    assert isinstance(event, TableRejected), event
    assert (event.problems[0].rule, event.problems[0].field) == ("version", None)
    assert "version 1 no longer passes today's rules" in event.reason
    assert "reserved SQL word" in event.reason
    assert snapshot(rig.engine, rig.schema) == before
