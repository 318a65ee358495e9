"""Cells cut to Excel's limit, and the moment an export's file was deleted by the retention sweep.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.add_column(sa.Column("truncated_cells", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        # The sweep looks for completed exports finished before a cut-off.
        batch.create_index("ix_exports_status_finished_at", ["status", "finished_at"])


def downgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.drop_index("ix_exports_status_finished_at")
        batch.drop_column("expired_at")
        batch.drop_column("truncated_cells")
