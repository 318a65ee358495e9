"""Jobs, finished chunks, and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from dmb_bus.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, nullable=True),
        sa.Column("table_id", sa.Uuid, nullable=False, index=True),
        sa.Column("table_version", sa.Integer, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("locale", sa.String(20), nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("generator_version", sa.String(20), nullable=False),
        sa.Column("ai_pools", sa.JSON, nullable=False),
        sa.Column("fallbacks", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "job_chunks",
        sa.Column("job_id", sa.Uuid, sa.ForeignKey("jobs.job_id"), primary_key=True),
        sa.Column("chunk_index", sa.Integer, primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_chunks")
    op.drop_table("jobs")
    drop_messaging_tables(op)
