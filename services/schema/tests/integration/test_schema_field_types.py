"""Tables with uuid, json, time and foreign-key fields, created and changed on real databases (PostgreSQL,
SQLite, MariaDB); foreign keys resolved against the owner's tables and enforced by the database."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.commands import DropTable
from dmb_contracts.events import TableAltered, TableCreated, TableDropped, TableRejected
from dmb_contracts.fields import StorageType, TableSpec
from dmb_schema import handlers
from sqlalchemy.exc import IntegrityError

TEAMS: dict[str, Any] = {
    "table_name": "teams",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "code", "type": "string", "max_length": 8, "unique": True},
        {"name": "settings", "type": "json", "nullable": True},
        {"name": "standup", "type": "time", "min": "08:00", "max": "11:00"},
    ],
}
PLAYERS: dict[str, Any] = {
    "table_name": "players",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {
            "name": "team",
            "type": "foreign_key",
            "references": {"table": "teams", "field": "id", "on_delete": "cascade"},
        },
        {
            "name": "team_code",
            "type": "foreign_key",
            "nullable": True,
            "references": {"table": "teams", "field": "code", "on_delete": "set null"},
        },
    ],
}
TEAM = uuid.UUID("6f1c2a4e-0d5b-4c3a-9e8f-7a6b5c4d3e2f")


def _insert(rig: Any, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
    # Through the spec's own table (reflection cannot tell a uuid or json column on SQLite or MariaDB).
    with rig.engine.begin() as conn:
        conn.execute(sa.insert(table_for(spec, rig.schema)), rows)


def _rows(rig: Any, spec: TableSpec) -> list[dict[str, Any]]:
    table = table_for(spec, rig.schema)
    with rig.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(table).order_by(table.c.id))]


async def _event(rig: Any, table_id: uuid.UUID) -> Any:
    return [event for event in await rig.events() if getattr(event, "table_id", None) == table_id][-1]


async def test_new_types_and_foreign_keys_become_real_columns_and_constraints(rig: Any) -> None:
    teams = await rig.create(TEAMS)
    assert isinstance(await _event(rig, teams), TableCreated)
    players = await rig.create(PLAYERS)
    created = await _event(rig, players)
    assert isinstance(created, TableCreated), created
    team, code = created.spec.field("team").references, created.spec.field("team_code").references
    assert (team.key_type, code.key_type, code.key_max_length) == (StorageType.UUID, StorageType.STRING, 8)

    with rig.engine.connect() as conn:
        inspector = sa.inspect(conn)
        keys = {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys("players", schema=rig.schema)
        }
    assert keys == {(("team",), "teams", ("id",)), (("team_code",), "teams", ("code",))}

    teams_spec = (await _event(rig, teams)).spec
    team_row = {"id": TEAM, "code": "RED", "settings": {"plan": "pro", "seats": [1, 2]}, "standup": dt.time(9, 30)}
    _insert(rig, teams_spec, [team_row])
    _insert(rig, created.spec, [{"id": 1, "team": TEAM, "team_code": "RED"}])
    assert _rows(rig, teams_spec) == [team_row]
    assert _rows(rig, created.spec) == [{"id": 1, "team": TEAM, "team_code": "RED"}]
    with pytest.raises(IntegrityError):
        _insert(rig, created.spec, [{"id": 2, "team": uuid.uuid4(), "team_code": None}])


async def test_a_foreign_key_to_a_table_that_does_not_exist_is_rejected_and_nothing_is_created(rig: Any) -> None:
    players = await rig.create(PLAYERS)
    rejected = await _event(rig, players)
    assert isinstance(rejected, TableRejected)
    assert rejected.problems[0].field == "team"
    assert "there is no table 'teams' to reference" in rejected.reason
    with rig.engine.connect() as conn:
        assert not sa.inspect(conn).has_table("players", schema=rig.schema)


async def test_a_referenced_table_cannot_be_dropped_or_renamed_until_its_children_are_gone(rig: Any) -> None:
    teams = await rig.create(TEAMS)
    players = await rig.create(PLAYERS)
    await handlers.drop_table(DropTable(table_id=teams), rig.deps)
    refused = await _event(rig, teams)
    assert isinstance(refused, TableRejected)
    assert "'teams' cannot be dropped while players.team, players.team_code reference it" in refused.reason
    renamed = await rig.alter(teams, 1, TEAMS | {"table_name": "squads"})
    assert isinstance(renamed, TableRejected)
    assert "'teams' cannot be renamed while players.team, players.team_code reference it" in renamed.reason

    await handlers.drop_table(DropTable(table_id=players), rig.deps)
    await handlers.drop_table(DropTable(table_id=teams), rig.deps)
    assert isinstance(await _event(rig, teams), TableDropped)


async def test_altering_and_restoring_a_parent_keeps_the_rows_of_its_cascading_children(rig: Any) -> None:
    teams = await rig.create(TEAMS)
    players = await rig.create(PLAYERS)
    teams_spec, players_spec = (await _event(rig, teams)).spec, (await _event(rig, players)).spec
    _insert(rig, teams_spec, [{"id": TEAM, "code": "RED", "settings": None, "standup": dt.time(9)}])
    _insert(rig, players_spec, [{"id": n, "team": TEAM, "team_code": "RED"} for n in (1, 2, 3)])
    renamed = [
        f | {"name": "daily", "renamed_from": "standup"} if f["name"] == "standup" else f for f in TEAMS["fields"]
    ]
    altered = await rig.alter(teams, 1, TEAMS | {"fields": renamed})
    assert isinstance(altered, TableAltered), altered
    restored = await rig.restore(teams, 2, 1)
    assert isinstance(restored, TableAltered), restored

    assert [row["id"] for row in _rows(rig, players_spec)] == [1, 2, 3]
    with pytest.raises(IntegrityError):  # and the foreign keys are still enforced
        _insert(rig, players_spec, [{"id": 4, "team": uuid.uuid4(), "team_code": None}])


async def test_an_altered_table_can_gain_a_foreign_key(rig: Any) -> None:
    await rig.create(TEAMS)
    players = await rig.create(
        {"table_name": "players", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}
    )
    rig.insert("players", [{"id": 1}])
    altered = await rig.alter(
        players,
        1,
        {
            "table_name": "players",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {
                    "name": "team",
                    "type": "foreign_key",
                    "nullable": True,
                    "references": {"table": "teams", "field": "id"},
                },
            ],
        },
    )
    assert isinstance(altered, TableAltered), altered
    assert altered.spec.field("team").value_type is StorageType.UUID
    assert _rows(rig, altered.spec) == [{"id": 1, "team": None}]
    with pytest.raises(IntegrityError):
        _insert(rig, altered.spec, [{"id": 2, "team": uuid.uuid4()}])
