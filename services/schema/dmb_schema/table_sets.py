"""Creating a set of tables (an imported schema) in one action: every table, or none."""

from __future__ import annotations

import asyncio

from dmb_contracts.commands import CreateTableSet
from dmb_contracts.envelope import Message
from dmb_contracts.events import TableCreated
from dmb_contracts.fields import SpecError

from dmb_schema.adapters.datasets_ddl import DatasetsDDL, MigrationFailed
from dmb_schema.domain.diff import creation_changes
from dmb_schema.domain.table_sets import plan_set
from dmb_schema.handlers import SchemaDeps
from dmb_schema.rejection import Rejected
from dmb_schema.repository import Definitions, migration_recorded


async def create_table_set(cmd: CreateTableSet, deps: SchemaDeps) -> None:
    """Each table gets TableCreated, or (any one refused) each gets TableRejected with the same reason."""
    async with deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        definitions = Definitions(uow.session)
        log: list[Message] = []  # the migration log's entries, applied or rolled back
        try:
            events: list[Message] = await _create(cmd, definitions, deps.ddl, log)
        except Rejected as refusal:
            events = [refusal.event(table.table_id) for table in cmd.tables]
        for event in [*events, *log]:
            uow.emit(event, cmd)
        await uow.commit()


async def _create(cmd: CreateTableSet, definitions: Definitions, ddl: DatasetsDDL, log: list[Message]) -> list[Message]:
    ids = [table.table_id for table in cmd.tables]
    if await definitions.existing(ids):
        return []  # created by an earlier delivery (its events left with it) that lost its inbox mark
    for table in cmd.tables:
        if await definitions.name_taken(table.spec.table_name, cmd.owner_id, ids):
            raise Rejected(f"you already have a table named {table.spec.table_name!r}", "table_name", "unique")
    try:
        planned = plan_set(
            [(t.table_id, t.spec) for t in cmd.tables], await definitions.owner_tables(cmd.owner_id, ids)
        )
    except SpecError as exc:
        raise Rejected.of(exc) from exc
    try:
        outcome = await asyncio.to_thread(ddl.create_tables, [spec for _, spec in planned], cmd.owner_id)
    except MigrationFailed as exc:
        for table_id, spec in planned:
            definitions.log_migration(table_id, (None, 1), [], "failed", 0.0, str(exc))
            log.append(
                migration_recorded(table_id, "create", (None, 1), creation_changes(spec), "failed", 0.0, str(exc))
            )
        raise Rejected(str(exc), exc.field, exc.rule) from exc
    events: list[Message] = []
    for (table_id, spec), operations in zip(planned, outcome.per_table, strict=True):
        definitions.add_created(table_id, cmd.owner_id, spec)
        definitions.log_migration(table_id, (None, 1), operations, "applied", outcome.seconds)
        changes = creation_changes(spec)
        log.append(migration_recorded(table_id, "create", (None, 1), changes, "applied", outcome.seconds, None))
        events.append(TableCreated(table_id=table_id, version=1, spec=spec, migration_seconds=outcome.seconds))
    return events
