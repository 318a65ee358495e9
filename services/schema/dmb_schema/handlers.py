"""The schema service's use cases: one function per command."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from dmb_bus.uow import UnitOfWork
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.commands import AlterTable, CreateTable, DropTable
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import Problem, TableAltered, TableCreated, TableDropped, TableRejected
from dmb_contracts.fields import SpecError, TableSpec
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_schema.adapters.datasets_ddl import DatasetsDDL, MigrationFailed, MigrationOutcome
from dmb_schema.domain.diff import plan_alter
from dmb_schema.models import Definition, DefinitionVersion, MigrationRecord

log = logging.getLogger(__name__)


@dataclass
class SchemaDeps:
    runtime: ServiceRuntime
    ddl: DatasetsDDL
    #: One change at a time per table in this process (the row lock does it across PostgreSQL processes).
    table_locks: defaultdict[uuid.UUID, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))


async def create_table(cmd: CreateTable, deps: SchemaDeps) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        clash = await uow.session.scalar(
            sa.select(Definition.table_id).where(
                Definition.table_name == cmd.spec.table_name,
                Definition.dropped.is_(False),
                Definition.table_id != cmd.table_id,
            )
        )
        if clash is not None:
            _reject(uow, cmd, f"a table named {cmd.spec.table_name!r} already exists", "table_name", "unique")
            await uow.commit()
            return
        if await uow.session.get(Definition, cmd.table_id) is not None:
            await uow.commit()  # already created by an earlier delivery that lost its inbox mark
            return
        try:
            outcome = await asyncio.to_thread(deps.ddl.create_table, cmd.spec)
        except MigrationFailed as exc:
            _log_migration(uow.session, cmd, None, 1, [], "failed", 0.0, str(exc))
            _reject(uow, cmd, str(exc), None, "migration")
            await uow.commit()
            return
        now = utcnow()
        uow.session.add(
            Definition(
                table_id=cmd.table_id,
                owner_id=cmd.owner_id,
                table_name=cmd.spec.table_name,
                version=1,
                dropped=False,
                created_at=now,
                updated_at=now,
            )
        )
        uow.session.add(
            DefinitionVersion(
                table_id=cmd.table_id,
                version=1,
                spec=cmd.spec.model_dump(mode="json"),
                created_by=cmd.owner_id,
                created_at=now,
            )
        )
        _log_migration(uow.session, cmd, None, 1, outcome.operations, "applied", outcome.seconds, None)
        uow.emit(TableCreated(table_id=cmd.table_id, version=1, spec=cmd.spec, migration_seconds=outcome.seconds), cmd)
        await uow.commit()


async def drop_table(cmd: DropTable, deps: SchemaDeps) -> None:
    async with deps.table_locks[cmd.table_id], deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        definition = await uow.session.get(Definition, cmd.table_id)
        if definition is None or definition.dropped:
            uow.emit(TableDropped(table_id=cmd.table_id), cmd)  # dropping twice is not an error
            await uow.commit()
            return
        current = await uow.session.get(DefinitionVersion, (cmd.table_id, definition.version))
        assert current is not None
        spec = TableSpec.model_validate(current.spec)
        try:
            outcome: MigrationOutcome = await asyncio.to_thread(deps.ddl.drop_table, spec)
        except MigrationFailed as exc:
            _log_migration(uow.session, cmd, definition.version, None, [], "failed", 0.0, str(exc))
            _reject(uow, cmd, str(exc), None, "migration")
            await uow.commit()
            return
        definition.dropped = True
        definition.updated_at = utcnow()
        _log_migration(uow.session, cmd, definition.version, None, outcome.operations, "applied", outcome.seconds, None)
        uow.emit(TableDropped(table_id=cmd.table_id), cmd)
        await uow.commit()


async def alter_table(cmd: AlterTable, deps: SchemaDeps) -> None:
    """A new version of a table: optimistic versioning, then the difference applied as one migration."""
    async with deps.table_locks[cmd.table_id], deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        definition = await uow.session.get(Definition, cmd.table_id, with_for_update=True)
        if definition is None or definition.dropped:
            _reject(uow, cmd, "there is no such table (it was never created, or it was dropped)", None, "not_found")
            await uow.commit()
            return
        if cmd.expected_version != definition.version:
            reason = (
                f"conflict: the table is at version {definition.version}, but this change was made against "
                f"version {cmd.expected_version}; reload the table and make the change again"
            )
            _reject(uow, cmd, reason, None, "conflict")
            await uow.commit()
            return
        clash = await uow.session.scalar(
            sa.select(Definition.table_id).where(
                Definition.table_name == cmd.spec.table_name,
                Definition.dropped.is_(False),
                Definition.table_id != cmd.table_id,
            )
        )
        if clash is not None:
            _reject(uow, cmd, f"a table named {cmd.spec.table_name!r} already exists", "table_name", "unique")
            await uow.commit()
            return
        current = await uow.session.get(DefinitionVersion, (cmd.table_id, definition.version))
        assert current is not None
        previous = definition.version
        try:
            plan = plan_alter(TableSpec.model_validate(current.spec), cmd.spec)
        except SpecError as exc:
            _reject(uow, cmd, exc.message, exc.field, exc.rule)
            await uow.commit()
            return
        try:
            outcome = await asyncio.to_thread(deps.ddl.alter_table, plan)
        except MigrationFailed as exc:
            _log_migration(uow.session, cmd, previous, previous + 1, [], "failed", 0.0, str(exc))
            _reject(uow, cmd, str(exc), exc.field, exc.rule)
            await uow.commit()
            return
        now = utcnow()
        definition.version, definition.table_name, definition.updated_at = previous + 1, plan.new.table_name, now
        uow.session.add(
            DefinitionVersion(
                table_id=cmd.table_id,
                version=previous + 1,
                spec=plan.new.model_dump(mode="json"),
                created_by=cmd.owner_id,
                created_at=now,
            )
        )
        status = "adopted" if outcome.adopted else "applied"
        _log_migration(uow.session, cmd, previous, previous + 1, outcome.operations, status, outcome.seconds, None)
        altered = TableAltered(
            table_id=cmd.table_id,
            version=previous + 1,
            previous_version=previous,
            spec=plan.new,
            changes=plan.changes(),
            migration_seconds=outcome.seconds,
        )
        uow.emit(altered, cmd)
        await uow.commit()


SchemaCommand = CreateTable | AlterTable | DropTable


def _reject(uow: UnitOfWork, cmd: SchemaCommand, reason: str, field: str | None, rule: str) -> None:
    problem = Problem(field=field, rule=rule, message=reason)
    uow.emit(TableRejected(table_id=cmd.table_id, reason=reason, problems=[problem]), cmd)


def _log_migration(
    session: AsyncSession,
    cmd: SchemaCommand,
    from_version: int | None,
    to_version: int | None,
    operations: list[str],
    status: str,
    seconds: float,
    error: str | None,
) -> None:
    session.add(
        MigrationRecord(
            table_id=cmd.table_id,
            from_version=from_version,
            to_version=to_version,
            operations=operations,
            status=status,
            seconds=seconds,
            error=error,
            created_at=utcnow(),
        )
    )
