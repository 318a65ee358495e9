"""MariaDB/MySQL as the datasets database: it commits every DDL statement on its own, so a plan is applied
as ONE ALTER TABLE, which the server carries out completely or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_bus.inprocess import InProcessBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import build_runtime
from dmb_contracts.events import TableAltered
from dmb_schema import handlers
from dmb_schema.adapters.datasets_ddl import DatasetsDDL
from dmb_schema.bootstrap import MIGRATIONS, NAME
from dmb_schema.models import Base

from ..conftest import Rig
from .test_schema_alter_migrations import PEOPLE, ROWS, changed, migration_log, people


@pytest.fixture
async def maria(mariadb_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    runtime = await build_runtime(
        NAME, f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}", Base.metadata, MIGRATIONS, InProcessBus()
    )
    ddl = DatasetsDDL(create_datasets_engine(mariadb_url), None)
    await asyncio.to_thread(ddl.ensure_schema)
    try:
        yield Rig(runtime, ddl, handlers.SchemaDeps(runtime, ddl))
    finally:
        await runtime.engine.dispose()
        ddl.engine.dispose()


async def test_a_plan_of_many_changes_is_one_alter_table_statement(maria: Rig) -> None:
    table_id = await people(maria)
    spec = changed(
        table_name="persons",
        description="It's a \\ 'quoted' % description",
        fields={
            "name": {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200},
            "code": None,
            "email": {"name": "email", "type": "email"},
            "nickname": {"name": "nickname", "type": "text", "nullable": True},
        },
        indexes=[{"fields": ["nickname"]}, {"fields": ["full_name", "score"], "unique": True}],
    )

    event = await maria.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    (log,) = (await migration_log(maria, table_id))[1:]
    assert len(log.operations) == 1
    assert log.operations[0].startswith("ALTER TABLE people DROP INDEX uq_people_email, DROP COLUMN code, CHANGE")
    with maria.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert inspector.get_table_comment("persons")["text"] == "It's a \\ 'quoted' % description"
        indexes = {index["name"]: index for index in inspector.get_indexes("persons")}
    assert indexes["ix_persons_nickname"]["column_names"] == ["nickname"]
    assert bool(indexes["uq_persons_full_name_score"]["unique"])
    assert [row["full_name"] for row in maria.rows("persons")] == [row["name"] for row in ROWS]


async def test_a_failing_statement_leaves_the_table_as_it_was(
    maria: Rig, snapshot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server itself refuses the last clause (duplicates under a new unique index): the rename, drop and
    add before it in the same statement did not happen."""
    from dmb_schema.adapters import alter

    monkeypatch.setattr(alter, "check_rows", lambda *_: None)
    table_id = await people(maria)
    before = snapshot(maria.engine, None)
    spec = changed(
        table_name="persons",
        fields={"code": None, "extra": {"name": "extra", "type": "integer", "nullable": True}},
        indexes=[{"fields": ["score"], "unique": True}],
    )

    event = await maria.alter(table_id, 1, spec)

    assert "Duplicate entry" in getattr(event, "reason", "")
    assert snapshot(maria.engine, None) == before


async def test_tables_are_created_and_dropped_in_mariadb(maria: Rig) -> None:
    table_id = await maria.create(PEOPLE | {"indexes": [{"fields": ["code"]}]})
    with maria.engine.connect() as conn:
        assert "people" in sa.inspect(conn).get_table_names()
    from dmb_contracts.commands import DropTable

    await handlers.drop_table(DropTable(table_id=table_id), maria.deps)
    with maria.engine.connect() as conn:
        assert "people" not in sa.inspect(conn).get_table_names()
