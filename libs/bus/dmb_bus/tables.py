"""The outbox and inbox tables every service keeps in its own database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations


def _outbox_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _inbox_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    ]


OUTBOX = "dmb_outbox"
INBOX = "dmb_inbox"


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The (outbox, inbox) tables in `metadata` (a service's own MetaData)."""
    outbox = metadata.tables.get(OUTBOX)
    if outbox is None:
        outbox = sa.Table(OUTBOX, metadata, *_outbox_columns())
    inbox = metadata.tables.get(INBOX)
    if inbox is None:
        inbox = sa.Table(INBOX, metadata, *_inbox_columns())
    return outbox, inbox


def create_messaging_tables(op: Operations) -> None:
    """For a service's first Alembic revision."""
    op.create_table(OUTBOX, *_outbox_columns())
    op.create_table(INBOX, *_inbox_columns())


def drop_messaging_tables(op: Operations) -> None:
    op.drop_table(INBOX)
    op.drop_table(OUTBOX)
