"""The exporter's own records: one row per export, whatever its outcome."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from dmb_bus.tables import messaging_tables
from dmb_common.db import new_metadata
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging_tables(Base.metadata)


class ExportRecord(Base):
    __tablename__ = "exports"
    # The retention sweep looks for completed exports finished before a cut-off.
    __table_args__ = (sa.Index("ix_exports_status_finished_at", "status", "finished_at"),)

    export_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    format: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20))
    object_key: Mapped[str | None] = mapped_column(sa.String(500))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    rows: Mapped[int | None] = mapped_column(sa.BigInteger)
    seconds: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    truncated_cells: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    expired_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
