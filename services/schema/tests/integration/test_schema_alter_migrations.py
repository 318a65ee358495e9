"""Altering a table is one migration on the datasets database: all of it or none of it, on PostgreSQL and
SQLite, with the version history and the migration log kept in the schema service's own database."""

from __future__ import annotations

import asyncio
import copy
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_contracts.events import TableAltered, TableRejected
from dmb_schema import handlers
from dmb_schema.adapters import alter
from dmb_schema.models import Definition, DefinitionVersion, MigrationRecord

PEOPLE: dict[str, Any] = {
    "table_name": "people",
    "description": "People we know",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "email", "type": "email", "unique": True},
        {"name": "name", "type": "string", "max_length": 20, "description": "Full name"},
        {"name": "code", "type": "text", "nullable": True},
        {"name": "score", "type": "integer"},
        {"name": "amount", "type": "decimal", "precision": 8, "scale": 2, "nullable": True},
    ],
}
ROWS = [
    {"id": 1, "email": "a@example.com", "name": "Ada", "code": "12", "score": 5, "amount": Decimal("1.50")},
    {"id": 2, "email": "b@example.com", "name": "Bob", "code": None, "score": 5, "amount": None},
    {"id": 3, "email": "c@example.com", "name": "Cy", "code": "abc", "score": 7, "amount": Decimal("-3.00")},
]


def changed(**changes: Any) -> dict[str, Any]:
    """PEOPLE with some fields replaced ({name: new field dict or None to drop}), and table-level keys."""
    spec = copy.deepcopy(PEOPLE)
    fields = changes.pop("fields", {})
    spec["fields"] = [fields.get(f["name"], f) for f in spec["fields"] if fields.get(f["name"], f) is not None]
    spec["fields"] += [
        f for name, f in fields.items() if f is not None and name not in {x["name"] for x in PEOPLE["fields"]}
    ]
    spec.update(changes)
    return spec


async def people(rig: Any) -> Any:
    table_id = await rig.create(PEOPLE)
    rig.insert("people", ROWS)
    return table_id


async def migration_log(rig: Any, table_id: Any) -> list[MigrationRecord]:
    async with rig.runtime.sessions() as session:
        query = sa.select(MigrationRecord).where(MigrationRecord.table_id == table_id).order_by(MigrationRecord.id)
        return list((await session.scalars(query)).all())


async def version_of(rig: Any, table_id: Any) -> int:
    async with rig.runtime.sessions() as session:
        definition = await session.get(Definition, table_id)
        assert definition is not None
        return definition.version


async def test_compatible_alters_keep_existing_rows(rig: Any, snapshot: Any) -> None:
    table_id = await people(rig)
    spec = changed(
        table_name="persons",
        description="People, renamed",
        fields={
            "name": {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200},
            "email": {"name": "email", "type": "email"},  # no longer unique
            "score": {"name": "score", "type": "big_integer"},
            "code": None,  # dropped
            "nickname": {"name": "nickname", "type": "string", "nullable": True, "unique": True},
        },
    )
    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert (event.version, event.previous_version) == (2, 1)
    assert all(field.renamed_from is None for field in event.spec.fields)
    assert "table renamed from people to persons" in event.changes
    assert "field code dropped" in event.changes
    assert any(line.startswith("field full_name: renamed from name") for line in event.changes), event.changes
    assert rig.rows("persons") == [
        {
            "id": r["id"],
            "email": r["email"],
            "full_name": r["name"],
            "score": r["score"],
            "amount": r["amount"],
            "nickname": None,
        }
        for r in ROWS
    ]
    with rig.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert not inspector.has_table("people", schema=rig.schema)
        columns = {c["name"]: c for c in inspector.get_columns("persons", schema=rig.schema)}
    assert columns["full_name"]["type"].length == 200
    assert isinstance(columns["score"]["type"], sa.BigInteger)
    # The new field is unique, the one that stopped being unique is not.
    rig.insert("persons", [{"id": 4, "email": "a@example.com", "full_name": "X", "score": 1, "nickname": "x"}])
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("persons", [{"id": 5, "email": "e@example.com", "full_name": "Y", "score": 1, "nickname": "x"}])

    async with rig.runtime.sessions() as session:
        stored = await session.get(DefinitionVersion, (table_id, 2))
        assert stored is not None
        assert stored.spec == event.spec.model_dump(mode="json")
        assert stored.created_by is not None
    (_, log) = await migration_log(rig, table_id)
    assert (log.from_version, log.to_version, log.status, log.error) == (1, 2, "applied", None)
    assert log.operations, "the statements run are recorded"
    created, altered = await rig.migrations(table_id)
    assert (created.action, created.to_version, created.status) == ("create", 1, "applied")
    assert "field id added (integer, primary key, required)" in created.changes
    assert "field code added (text, can be empty)" in created.changes
    assert (altered.action, altered.from_version, altered.to_version) == ("alter", 1, 2)
    assert (altered.status, altered.reason, altered.changes) == ("applied", None, event.changes)
    assert not any("CREATE" in line or "ALTER" in line for line in created.changes + altered.changes)


async def test_text_to_integer_converts_numeric_text(rig: Any, snapshot: Any) -> None:
    table_id = await rig.create(PEOPLE)
    rig.insert("people", [r | {"code": "42" if r["code"] else None} for r in ROWS])
    event = await rig.alter(
        table_id, 1, changed(fields={"code": {"name": "code", "type": "integer", "nullable": True}})
    )
    assert isinstance(event, TableAltered), event
    assert [row["code"] for row in rig.rows("people")] == [42, None, 42]


@pytest.mark.parametrize(
    ("fields", "where", "rule", "words"),
    [
        ({"code": {"name": "code", "type": "integer", "nullable": True}}, "code", "type", "'abc' (not a number)"),
        (
            {"name": {"name": "name", "type": "string", "max_length": 2}},
            "name",
            "type",
            "3 characters is longer than 2",
        ),
        (
            {"amount": {"name": "amount", "type": "decimal", "precision": 8, "scale": 2}},
            "amount",
            "nullable",
            "1 rows have no value",
        ),
        ({"score": {"name": "score", "type": "integer", "unique": True}}, "score", "unique", "appear more than once"),
        ({"extra": {"name": "extra", "type": "integer"}}, "extra", "nullable", "must be nullable"),
    ],
)
async def test_incompatible_change_is_refused_and_changes_nothing(
    rig: Any, snapshot: Any, fields: dict[str, Any], where: str, rule: str, words: str
) -> None:
    table_id = await people(rig)
    before = snapshot(rig.engine, rig.schema)
    event = await rig.alter(table_id, 1, changed(table_name="renamed_people", fields=fields))

    assert isinstance(event, TableRejected), event
    assert words in event.reason
    assert (event.problems[0].field, event.problems[0].rule) == (where, rule)
    assert snapshot(rig.engine, rig.schema) == before
    assert await version_of(rig, table_id) == 1
    (_, log) = await migration_log(rig, table_id)
    assert (log.status, log.to_version) == ("failed", 2)
    assert log.error is not None
    assert words in log.error


@pytest.mark.parametrize("failing", ["not null over existing nulls", "unique over duplicates"])
async def test_failed_migration_leaves_schema_unchanged(
    rig: Any, snapshot: Any, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Without the row checks the database itself refuses, part-way through the statements: the rename,
    drop, add and (on SQLite) the table copy before it must all be rolled back."""
    monkeypatch.setattr(alter, "check_rows", lambda *_: None)
    table_id = await people(rig)
    before = snapshot(rig.engine, rig.schema)
    breaking = (
        {"amount": {"name": "amount", "type": "decimal", "precision": 8, "scale": 2}}
        if failing.startswith("not null")
        else {"score": {"name": "score", "type": "integer", "unique": True}}
    )
    spec = changed(
        table_name="persons",
        fields={
            "name": {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200},
            "code": None,
            "nickname": {"name": "nickname", "type": "string", "nullable": True},
            **breaking,
        },
    )
    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableRejected), event
    assert "the database refused to alter 'people'" in event.reason
    assert snapshot(rig.engine, rig.schema) == before
    assert await version_of(rig, table_id) == 1
    assert (await migration_log(rig, table_id))[-1].status == "failed"
    rolled_back = (await rig.migrations(table_id))[-1]
    assert (rolled_back.action, rolled_back.status, rolled_back.to_version) == ("alter", "rolled_back", 2)
    assert rolled_back.reason == event.reason
    assert "table renamed from people to persons" in rolled_back.changes
    assert "field nickname added (string(255))" in rolled_back.changes, rolled_back.changes


async def test_stale_expected_version_is_a_conflict(rig: Any, snapshot: Any) -> None:
    table_id = await people(rig)
    first = await rig.alter(table_id, 1, changed(description="v2"))
    assert isinstance(first, TableAltered)
    before = snapshot(rig.engine, rig.schema)

    stale = await rig.alter(table_id, 1, changed(description="also v2"))

    assert isinstance(stale, TableRejected)
    assert stale.reason.startswith("conflict: the table is at version 2")
    assert stale.problems[0].rule == "conflict"
    assert snapshot(rig.engine, rig.schema) == before


async def test_concurrent_alters_one_wins_the_other_gets_a_conflict(rig: Any, snapshot: Any) -> None:
    table_id = await people(rig)
    # Two service instances (no shared in-process lock): the definition's row lock serialises them on
    # PostgreSQL; on SQLite (embedded, one process) the instances share one lock.
    other = rig.deps if rig.engine.dialect.name == "sqlite" else handlers.SchemaDeps(rig.runtime, rig.ddl)
    results = await asyncio.gather(
        rig.alter(table_id, 1, changed(fields={"extra_a": {"name": "extra_a", "type": "integer", "nullable": True}})),
        rig.alter(
            table_id, 1, changed(fields={"extra_b": {"name": "extra_b", "type": "integer", "nullable": True}}), other
        ),
    )
    altered = [e for e in results if isinstance(e, TableAltered)]
    rejected = [e for e in results if isinstance(e, TableRejected)]
    assert len(altered) == 1
    assert len(rejected) == 1
    assert rejected[0].reason.startswith("conflict: the table is at version 2")
    winner = next(f.name for f in altered[0].spec.fields if f.name.startswith("extra"))
    assert set(rig.rows("people")[0]) == {f["name"] for f in PEOPLE["fields"]} | {winner}


async def test_a_redelivered_alter_adopts_a_migration_that_already_ran(rig: Any, snapshot: Any) -> None:
    """A crash after the datasets commit but before the bookkeeping: the retried command records it."""
    from dmb_contracts.fields import TableSpec
    from dmb_schema.domain.diff import plan_alter

    table_id = await people(rig)
    spec = changed(fields={"extra": {"name": "extra", "type": "integer", "nullable": True}})
    rig.ddl.alter_table(plan_alter(TableSpec.model_validate(PEOPLE), TableSpec.model_validate(spec)), None)

    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert (await migration_log(rig, table_id))[-1].status == "adopted"
    assert len(rig.rows("people")) == len(ROWS)


async def test_unknown_or_unchanged_tables_are_refused(rig: Any, snapshot: Any) -> None:
    import uuid

    missing = await rig.alter(uuid.uuid4(), 1, PEOPLE)
    assert isinstance(missing, TableRejected)
    assert missing.problems[0].rule == "not_found"
    table_id = await people(rig)
    same = await rig.alter(table_id, 1, PEOPLE)
    assert isinstance(same, TableRejected)
    assert same.problems[0].rule == "unchanged"
