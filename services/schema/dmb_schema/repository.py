"""The schema service's queries on its own records, on the unit of work's session (it never commits)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Literal

import sqlalchemy as sa
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import MigrationRecorded
from dmb_contracts.fields import TableSpec
from sqlalchemy.ext.asyncio import AsyncSession

from dmb_schema.models import Definition, DefinitionVersion, MigrationRecord

MigrationAction = Literal["create", "alter", "restore", "drop"]


def migration_recorded(
    table_id: uuid.UUID,
    action: MigrationAction,
    versions: tuple[int | None, int | None],
    changes: list[str],
    status: str,
    seconds: float,
    error: str | None,
) -> MigrationRecorded:
    """The event for one migration log entry (a failed migration was rolled back as a whole)."""
    return MigrationRecorded(
        table_id=table_id,
        action=action,
        from_version=versions[0],
        to_version=versions[1],
        status="rolled_back" if status == "failed" else "adopted" if status == "adopted" else "applied",
        changes=changes,
        reason=error,
        seconds=seconds,
    )


class Definitions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing(self, table_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these tables have a definition (created, or created and dropped since)."""
        ids = list(table_ids)
        found = await self.session.scalars(sa.select(Definition.table_id).where(Definition.table_id.in_(ids)))
        return set(found)

    async def name_taken(self, table_name: str, owner_id: uuid.UUID | None, other_than: Iterable[uuid.UUID]) -> bool:
        """Whether a live table of this owner other than these already has this name (names are per owner)."""
        owner = Definition.owner_id.is_(None) if owner_id is None else Definition.owner_id == owner_id
        clash = await self.session.scalar(
            sa.select(Definition.table_id).where(
                owner,
                Definition.table_name == table_name,
                Definition.dropped.is_(False),
                Definition.table_id.not_in(list(other_than)),
            )
        )
        return clash is not None

    async def owner_tables(self, owner_id: uuid.UUID | None, other_than: Iterable[uuid.UUID]) -> dict[str, TableSpec]:
        """The owner's live tables other than these, by name, at their current versions."""
        owner = Definition.owner_id.is_(None) if owner_id is None else Definition.owner_id == owner_id
        rows = await self.session.execute(
            sa.select(DefinitionVersion.spec)
            .join(
                Definition,
                sa.and_(
                    Definition.table_id == DefinitionVersion.table_id, Definition.version == DefinitionVersion.version
                ),
            )
            .where(owner, Definition.dropped.is_(False), Definition.table_id.not_in(list(other_than)))
        )
        specs = (TableSpec.model_validate(spec) for spec in rows.scalars())
        return {spec.table_name: spec for spec in specs}

    def add_created(self, table_id: uuid.UUID, owner_id: uuid.UUID | None, spec: TableSpec) -> None:
        """A new table at version 1."""
        now = utcnow()
        self.session.add(
            Definition(
                table_id=table_id,
                owner_id=owner_id,
                table_name=spec.table_name,
                version=1,
                dropped=False,
                created_at=now,
                updated_at=now,
            )
        )
        self.session.add(
            DefinitionVersion(
                table_id=table_id, version=1, spec=spec.model_dump(mode="json"), created_by=owner_id, created_at=now
            )
        )

    def log_migration(
        self,
        table_id: uuid.UUID,
        versions: tuple[int | None, int | None],
        operations: list[str],
        status: str,
        seconds: float,
        error: str | None = None,
    ) -> None:
        self.session.add(
            MigrationRecord(
                table_id=table_id,
                from_version=versions[0],
                to_version=versions[1],
                operations=operations,
                status=status,
                seconds=seconds,
                error=error,
                created_at=utcnow(),
            )
        )
