"""A completed job's time split in two (writing its rows, then checking them for the constraint report), and
the table's row count the report was made of.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Jobs finished before this revision keep only their total time: the split was not recorded.
    op.add_column("jobs_view", sa.Column("rows_seconds", sa.Double(), nullable=True))
    op.add_column("jobs_view", sa.Column("report_seconds", sa.Double(), nullable=True))
    op.add_column("jobs_view", sa.Column("table_rows", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs_view", "table_rows")
    op.drop_column("jobs_view", "report_seconds")
    op.drop_column("jobs_view", "rows_seconds")
