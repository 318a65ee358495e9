"""The schema service on real databases: its own database, the datasets database, and the events it emits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_bus.inprocess import InProcessBus
from dmb_bus.tables import OUTBOX
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import ServiceRuntime, build_runtime
from dmb_contracts.commands import AlterTable, CreateTable, RestoreTable
from dmb_contracts.envelope import Message
from dmb_contracts.events import MigrationRecorded
from dmb_contracts.fields import TableSpec
from dmb_contracts.registry import parse_message
from dmb_schema import handlers
from dmb_schema.adapters.datasets_ddl import DatasetsDDL
from dmb_schema.bootstrap import MIGRATIONS, NAME
from dmb_schema.models import Base


@dataclass
class Rig:
    """One schema service (handlers called directly) on a service database and a datasets database."""

    runtime: ServiceRuntime
    ddl: DatasetsDDL
    deps: handlers.SchemaDeps

    @property
    def engine(self) -> sa.Engine:
        return self.ddl.engine

    @property
    def schema(self) -> str | None:
        return self.ddl.schema

    def table(self, name: str) -> sa.Table:
        return sa.Table(name, sa.MetaData(), schema=self.schema, autoload_with=self.engine)

    async def create(self, spec: dict[str, Any]) -> uuid.UUID:
        table_id = uuid.uuid4()
        await handlers.create_table(CreateTable(table_id=table_id, spec=TableSpec.model_validate(spec)), self.deps)
        return table_id

    async def alter(
        self,
        table_id: uuid.UUID,
        expected_version: int,
        spec: dict[str, Any],
        deps: handlers.SchemaDeps | None = None,
    ) -> Message:
        """Send AlterTable; returns the event it produced (TableAltered or TableRejected)."""
        cmd = AlterTable(
            table_id=table_id,
            expected_version=expected_version,
            spec=TableSpec.model_validate(spec),
            owner_id=uuid.uuid4(),
        )
        await handlers.alter_table(cmd, deps or self.deps)
        (event,) = await self.answers(cmd)
        return event

    async def restore(self, table_id: uuid.UUID, expected_version: int, version: int) -> Message:
        """Send RestoreTable; returns the event it produced (TableAltered or TableRejected)."""
        cmd = RestoreTable(table_id=table_id, expected_version=expected_version, version=version, owner_id=uuid.uuid4())
        await handlers.restore_table(cmd, self.deps)
        (event,) = await self.answers(cmd)
        return event

    async def answers(self, cmd: Message) -> list[Message]:
        """The events `cmd` caused, apart from the migration log's entries (MigrationRecorded)."""
        events = await self.events()
        return [e for e in events if e.causation_id == cmd.message_id and not isinstance(e, MigrationRecorded)]

    async def migrations(self, table_id: uuid.UUID) -> list[MigrationRecorded]:
        """The migration log's entries of a table, as the gateway receives them."""
        return [e for e in await self.events() if isinstance(e, MigrationRecorded) and e.table_id == table_id]

    async def events(self) -> list[Message]:
        async with self.runtime.engine.connect() as conn:
            bodies = (await conn.execute(sa.text(f"SELECT body FROM {OUTBOX} ORDER BY id"))).scalars().all()
        return [parse_message(body) for body in bodies]

    def insert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        table = self.table(name)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(table), list(rows))

    def rows(self, name: str, order_by: str = "id") -> list[dict[str, Any]]:
        table = self.table(name)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(table).order_by(table.c[order_by]))]


@pytest.fixture(params=["postgresql", "sqlite", "mariadb"])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        service_url, datasets_url, schema = url, url, "datasets"
    elif request.param == "mariadb":
        # The users' tables in MariaDB (a database of their own), the service's records in SQLite.
        service_url = f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"
        datasets_url, schema = request.getfixturevalue("mariadb_url"), None
    else:
        service_url = f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"
        datasets_url, schema = f"sqlite:///{tmp_path / 'datasets.db'}", None
    runtime = await build_runtime(NAME, service_url, Base.metadata, MIGRATIONS, InProcessBus())
    ddl = DatasetsDDL(create_datasets_engine(datasets_url), schema)
    await asyncio.to_thread(ddl.ensure_schema)
    try:
        yield Rig(runtime, ddl, handlers.SchemaDeps(runtime, ddl))
    finally:
        await runtime.engine.dispose()
        ddl.engine.dispose()


@pytest.fixture
def snapshot() -> Any:
    return take_snapshot


def take_snapshot(engine: sa.Engine, schema: str | None) -> dict[str, Any]:
    """Everything a user could observe about the datasets database: every table's reflected columns (name,
    type, nullability, default, comment), keys, unique constraints, indexes, and all of its rows."""
    state: dict[str, Any] = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in sorted(inspector.get_table_names(schema=schema)):
            columns = [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
                for c in inspector.get_columns(name, schema=schema)
            ]
            table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
            state[name] = {
                "columns": columns,
                "primary_key": inspector.get_pk_constraint(name, schema=schema),
                "unique": sorted(map(repr, inspector.get_unique_constraints(name, schema=schema))),
                "indexes": sorted(map(repr, inspector.get_indexes(name, schema=schema))),
                "checks": sorted(map(repr, inspector.get_check_constraints(name, schema=schema))),
                "comment": inspector.get_table_comment(name, schema=schema)
                if engine.dialect.supports_comments
                else None,
                "count": conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
                "rows": sorted(map(repr, conn.execute(sa.select(table)).all())),
            }
    return state
