"""A job's AI progress: the values the AI service has made so far, and how many it needs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs_view", sa.Column("ai_values_made", sa.Integer(), nullable=True))
    op.add_column("jobs_view", sa.Column("ai_values_needed", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs_view", "ai_values_needed")
    op.drop_column("jobs_view", "ai_values_made")
