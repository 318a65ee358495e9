"""The schema service's use cases: one function per command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from dmb_bus.uow import UnitOfWork
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.commands import AlterTable, CreateTable, DropTable, RestoreTable
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import TableAltered, TableCreated, TableDropped
from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.references import referencing_tables, resolve_references
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_schema.adapters.datasets_ddl import DatasetsDDL, MigrationFailed, MigrationOutcome
from dmb_schema.domain.diff import creation_changes, plan_alter
from dmb_schema.models import Definition, DefinitionVersion
from dmb_schema.rejection import Rejected
from dmb_schema.repository import Definitions, MigrationAction, migration_recorded

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
        with _rejections(uow, cmd):
            await _create_table(uow, cmd, deps)
        await uow.commit()


async def _create_table(uow: UnitOfWork, cmd: CreateTable, deps: SchemaDeps) -> None:
    if await _name_taken(uow.session, cmd.owner_id, cmd.spec.table_name, cmd.table_id):
        raise Rejected(f"you already have a table named {cmd.spec.table_name!r}", "table_name", "unique")
    if await uow.session.get(Definition, cmd.table_id) is not None:
        return  # already created by an earlier delivery that lost its inbox mark
    try:
        spec = await _with_references(uow.session, cmd.spec, cmd.owner_id, cmd.table_id, None)
    except SpecError as exc:
        raise Rejected.of(exc) from exc
    try:
        outcome = await asyncio.to_thread(deps.ddl.create_table, spec, cmd.owner_id)
    except MigrationFailed as exc:
        _log_migration(uow, cmd, (None, 1), [], creation_changes(spec), "failed", 0.0, str(exc))
        raise Rejected(str(exc), exc.field, exc.rule) from exc
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
            spec=spec.model_dump(mode="json"),
            created_by=cmd.owner_id,
            created_at=now,
        )
    )
    changes = ["table adopted as it was"] if outcome.adopted else creation_changes(spec)
    status = "adopted" if outcome.adopted else "applied"
    _log_migration(uow, cmd, (None, 1), outcome.operations, changes, status, outcome.seconds, None)
    uow.emit(TableCreated(table_id=cmd.table_id, version=1, spec=spec, migration_seconds=outcome.seconds), cmd)


async def drop_table(cmd: DropTable, deps: SchemaDeps) -> None:
    async with deps.table_locks[cmd.table_id], deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        with _rejections(uow, cmd):
            await _drop_table(uow, cmd, deps)
        await uow.commit()


async def _drop_table(uow: UnitOfWork, cmd: DropTable, deps: SchemaDeps) -> None:
    definition = await uow.session.get(Definition, cmd.table_id)
    if definition is None or definition.dropped:
        uow.emit(TableDropped(table_id=cmd.table_id), cmd)  # dropping twice is not an error
        return
    current = await uow.session.get(DefinitionVersion, (cmd.table_id, definition.version))
    assert current is not None
    spec = TableSpec.model_validate(current.spec)
    children = referencing_tables(spec.table_name, await _owner_tables(uow.session, definition.owner_id, cmd.table_id))
    if children:
        reason = (
            f"{spec.table_name!r} cannot be dropped while {', '.join(children)} reference it; "
            "drop or change those first"
        )
        raise Rejected(reason, None, "references")
    dropped = [f"table {spec.table_name} dropped"]
    try:
        outcome: MigrationOutcome = await asyncio.to_thread(deps.ddl.drop_table, spec, definition.owner_id)
    except MigrationFailed as exc:
        _log_migration(uow, cmd, (definition.version, None), [], dropped, "failed", 0.0, str(exc))
        raise Rejected(str(exc), None, "migration") from exc
    definition.dropped = True
    definition.updated_at = utcnow()
    _log_migration(uow, cmd, (definition.version, None), outcome.operations, dropped, "applied", outcome.seconds, None)
    uow.emit(TableDropped(table_id=cmd.table_id), cmd)


async def alter_table(cmd: AlterTable, deps: SchemaDeps) -> None:
    """A new version of a table: optimistic versioning, then the difference applied as one migration."""

    async def requested(_session: AsyncSession, _definition: Definition) -> TableSpec:
        return cmd.spec

    await _new_version(cmd, deps, requested)


async def restore_table(cmd: RestoreTable, deps: SchemaDeps) -> None:
    """An earlier version's definition back, as a reverse migration recorded as a new version. Fields
    renamed since then are renamed back (their rows stay); the rest is planned like any alter."""

    async def requested(session: AsyncSession, definition: Definition) -> TableSpec:
        return await restored_spec(session, definition, cmd.version)

    await _new_version(cmd, deps, requested, restored_from=cmd.version)


async def restored_spec(session: AsyncSession, definition: Definition, version: int) -> TableSpec:
    """Version `version`'s spec as a change from the current version: each field that was renamed after it
    says `renamed_from` its current name. SpecError when there is no such earlier version."""
    if version == definition.version:
        raise SpecError(None, "version", f"version {version} is the current version; there is nothing to restore")
    target = await session.get(DefinitionVersion, (definition.table_id, version))
    if target is None or version > definition.version:
        raise SpecError(None, "version", f"the table has no version {version} (it is at {definition.version})")
    later = (
        await session.scalars(
            sa.select(DefinitionVersion)
            .where(DefinitionVersion.table_id == definition.table_id, DefinitionVersion.version > version)
            .order_by(DefinitionVersion.version.desc())
        )
    ).all()
    current = TableSpec.model_validate(later[0].spec)
    then: dict[str, str] = {field.name: field.name for field in current.fields}  # current name → name at `version`
    for step in later:
        renames = step.renames or {}
        then = {now: renames.get(old, old) for now, old in then.items()}
    back = {old: now for now, old in then.items() if old != now}
    try:
        spec = TableSpec.model_validate(target.spec)
        fields = [field.model_copy(update={"renamed_from": back.get(field.name)}) for field in spec.fields]
        return TableSpec.model_validate(spec.model_dump() | {"fields": [field.model_dump() for field in fields]})
    except ValidationError as exc:
        # Rules can get stricter after a version was stored (e.g. a word that became reserved).
        detail = exc.errors()[0]["msg"]
        raise SpecError(None, "version", f"version {version} no longer passes today's rules: {detail}") from exc


async def _new_version(
    cmd: AlterTable | RestoreTable,
    deps: SchemaDeps,
    requested: Callable[[AsyncSession, Definition], Awaitable[TableSpec]],
    restored_from: int | None = None,
) -> None:
    async with deps.table_locks[cmd.table_id], deps.runtime.uow() as uow:
        if not await uow.claim(cmd):
            return
        with _rejections(uow, cmd):
            await _apply_new_version(uow, cmd, deps, requested, restored_from)
        await uow.commit()


async def _apply_new_version(
    uow: UnitOfWork,
    cmd: AlterTable | RestoreTable,
    deps: SchemaDeps,
    requested: Callable[[AsyncSession, Definition], Awaitable[TableSpec]],
    restored_from: int | None,
) -> None:
    definition = await uow.session.get(Definition, cmd.table_id, with_for_update=True)
    if definition is None or definition.dropped:
        raise Rejected("there is no such table (it was never created, or it was dropped)", None, "not_found")
    if cmd.expected_version != definition.version:
        reason = (
            f"conflict: the table is at version {definition.version}, but this change was made against "
            f"version {cmd.expected_version}; reload the table and make the change again"
        )
        raise Rejected(reason, None, "conflict")
    try:
        spec = await requested(uow.session, definition)
        spec = await _with_references(uow.session, spec, definition.owner_id, cmd.table_id, definition.table_name)
    except SpecError as exc:
        raise Rejected.of(exc) from exc
    if await _name_taken(uow.session, definition.owner_id, spec.table_name, cmd.table_id):
        raise Rejected(f"you already have a table named {spec.table_name!r}", "table_name", "unique")
    current = await uow.session.get(DefinitionVersion, (cmd.table_id, definition.version))
    assert current is not None
    previous = definition.version
    try:
        plan = plan_alter(TableSpec.model_validate(current.spec), spec)
    except SpecError as exc:
        raise Rejected.of(exc) from exc
    changes = plan.changes()
    if restored_from is not None:
        changes.insert(0, f"restored version {restored_from}")
    try:
        outcome = await asyncio.to_thread(deps.ddl.alter_table, plan, definition.owner_id)
    except MigrationFailed as exc:
        _log_migration(uow, cmd, (previous, previous + 1), [], changes, "failed", 0.0, str(exc))
        raise Rejected(str(exc), exc.field, exc.rule) from exc
    now = utcnow()
    definition.version, definition.table_name, definition.updated_at = previous + 1, plan.new.table_name, now
    uow.session.add(
        DefinitionVersion(
            table_id=cmd.table_id,
            version=previous + 1,
            spec=plan.new.model_dump(mode="json"),
            renames={change.new.name: change.old.name for change in plan.kept if change.renamed} or None,
            created_by=cmd.owner_id,
            created_at=now,
        )
    )
    status = "adopted" if outcome.adopted else "applied"
    _log_migration(uow, cmd, (previous, previous + 1), outcome.operations, changes, status, outcome.seconds, None)
    altered = TableAltered(
        table_id=cmd.table_id,
        version=previous + 1,
        previous_version=previous,
        spec=plan.new,
        changes=changes,
        migration_seconds=outcome.seconds,
        restored_from=restored_from,
    )
    uow.emit(altered, cmd)


async def move_tables_into_namespaces(deps: SchemaDeps) -> dict[uuid.UUID, list[str]]:
    """At start: every owner's live tables made before namespaces move under their physical names (see
    DatasetsDDL.move_into_namespace); a no-op once done. Returns the names moved, per owner."""
    async with deps.runtime.sessions() as session:
        rows = await session.execute(
            sa.select(Definition.owner_id, DefinitionVersion.spec)
            .join(
                DefinitionVersion,
                sa.and_(
                    Definition.table_id == DefinitionVersion.table_id, Definition.version == DefinitionVersion.version
                ),
            )
            .where(Definition.dropped.is_(False), Definition.owner_id.is_not(None))
        )
        by_owner: defaultdict[uuid.UUID, list[TableSpec]] = defaultdict(list)
        for owner_id, spec in rows:
            by_owner[owner_id].append(TableSpec.model_validate(spec))
    moved = {}
    for owner_id, specs in by_owner.items():
        names = await asyncio.to_thread(deps.ddl.move_into_namespace, specs, owner_id)
        if names:
            log.info("moved %d table(s) of owner %s into their namespace", len(names), owner_id)
            moved[owner_id] = names
    return moved


async def _owner_tables(session: AsyncSession, owner_id: uuid.UUID | None, exclude: uuid.UUID) -> dict[str, TableSpec]:
    """The owner's live tables other than `exclude`, by name, at their current versions."""
    owner = Definition.owner_id.is_(None) if owner_id is None else Definition.owner_id == owner_id
    rows = await session.execute(
        sa.select(DefinitionVersion.spec)
        .join(
            Definition,
            sa.and_(Definition.table_id == DefinitionVersion.table_id, Definition.version == DefinitionVersion.version),
        )
        .where(owner, Definition.dropped.is_(False), Definition.table_id != exclude)
    )
    specs = (TableSpec.model_validate(spec) for spec in rows.scalars())
    return {spec.table_name: spec for spec in specs}


async def _with_references(
    session: AsyncSession, spec: TableSpec, owner_id: uuid.UUID | None, table_id: uuid.UUID, current_name: str | None
) -> TableSpec:
    """`spec` with its foreign keys resolved against the owner's tables; SpecError when one cannot be, or
    when the change would rename a table other tables reference."""
    renamed = current_name is not None and spec.table_name != current_name
    references = any(field.references is not None for field in spec.fields)
    if not renamed and not references:
        # Nothing to resolve or to protect: the owner's other tables (read and validated one by one, a cost
        # that grew with every table the owner has) are not needed — most tables are created so.
        return spec
    tables = await _owner_tables(session, owner_id, table_id)
    if current_name is not None and renamed:
        children = referencing_tables(current_name, tables)
        if children:
            raise SpecError(
                None, "references", f"{current_name!r} cannot be renamed while {', '.join(children)} reference it"
            )
    if not references:
        return spec
    return resolve_references(spec, tables)


async def _name_taken(session: AsyncSession, owner_id: uuid.UUID | None, table_name: str, table_id: uuid.UUID) -> bool:
    """Whether another live table of the same owner already has this name (names are per owner)."""
    owner = Definition.owner_id.is_(None) if owner_id is None else Definition.owner_id == owner_id
    clash = await session.scalar(
        sa.select(Definition.table_id).where(
            owner,
            Definition.table_name == table_name,
            Definition.dropped.is_(False),
            Definition.table_id != table_id,
        )
    )
    return clash is not None


SchemaCommand = CreateTable | AlterTable | RestoreTable | DropTable
_ACTIONS: dict[type[SchemaCommand], MigrationAction] = {
    CreateTable: "create",
    AlterTable: "alter",
    RestoreTable: "restore",
    DropTable: "drop",
}


@contextlib.contextmanager
def _rejections(uow: UnitOfWork, cmd: SchemaCommand) -> Iterator[None]:
    """The one place a refusal becomes TableRejected: a use case raises Rejected where it finds the rule broken,
    and whatever it recorded before (the claim, a failed migration's log) commits with the rejection."""
    try:
        yield
    except Rejected as refusal:
        uow.emit(refusal.event(cmd.table_id), cmd)


def _log_migration(
    uow: UnitOfWork,
    cmd: SchemaCommand,
    versions: tuple[int | None, int | None],
    operations: list[str],
    changes: list[str],
    status: str,
    seconds: float,
    error: str | None,
) -> None:
    """The migration in the service's own log and, in plain words, on the bus (the table page's log)."""
    Definitions(uow.session).log_migration(cmd.table_id, versions, operations, status, seconds, error)
    uow.emit(migration_recorded(cmd.table_id, _ACTIONS[type(cmd)], versions, changes, status, seconds, error), cmd)
