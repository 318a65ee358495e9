"""The schema service's own records: table definitions, every version of them, and the migration log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from dmb_bus.tables import messaging_tables
from dmb_common.db import new_metadata
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging_tables(Base.metadata)


class Definition(Base):
    __tablename__ = "definitions"

    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    table_name: Mapped[str] = mapped_column(sa.String(63), index=True)
    version: Mapped[int]
    dropped: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class DefinitionVersion(Base):
    __tablename__ = "definition_versions"

    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("definitions.table_id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: The fields this version renamed, new name → name in the version before (None: none, or not recorded).
    renames: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class MigrationRecord(Base):
    __tablename__ = "migration_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    operations: Mapped[list[str]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20))
    seconds: Mapped[float]
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
