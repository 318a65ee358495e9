"""Chunks leave per owner, a few at a time: how many of each job's chunks have been sent to the work queue.

Revision ID: 0005_chunks_released
Revises: 0004_ai_core_ai_progress
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_chunks_released"
down_revision = "0004_ai_core_ai_progress"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("chunks_released", sa.Integer, nullable=False, server_default="0"))
    # Jobs started before this revision sent every chunk at once.
    op.execute("UPDATE jobs SET chunks_released = chunks")


def downgrade() -> None:
    op.drop_column("jobs", "chunks_released")
