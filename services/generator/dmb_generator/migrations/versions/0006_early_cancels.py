"""Cancels that overtook their job's GenerateRows, so the job is created cancelled and never runs.

Revision ID: 0006_early_cancels
Revises: 0005_chunks_released
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_early_cancels"
down_revision = "0005_chunks_released"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_cancels",
        sa.Column("job_id", sa.Uuid, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("early_cancels")
