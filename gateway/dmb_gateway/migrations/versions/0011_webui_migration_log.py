"""The tables' migration logs (MigrationRecorded from the schema service).

Revision ID: 0011_webui_migration_log
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_webui_migration_log"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "table_migrations_view",
        sa.Column("entry_id", sa.Uuid(), primary_key=True),
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_table_migrations_view_table_id", "table_migrations_view", ["table_id"])


def downgrade() -> None:
    op.drop_index("ix_table_migrations_view_table_id", table_name="table_migrations_view")
    op.drop_table("table_migrations_view")
