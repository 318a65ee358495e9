"""Whether the job's table held rows when the job started: its unique values are then kept apart from them.

Revision ID: 0007_import_data_appending
Revises: 0006_early_cancels
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_import_data_appending"
down_revision = "0006_early_cancels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("appending", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("jobs", "appending")
