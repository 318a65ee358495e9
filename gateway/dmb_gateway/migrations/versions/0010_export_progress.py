"""An export's progress while it runs: rows written so far of rows in all.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exports_view", sa.Column("rows_written", sa.BigInteger(), nullable=True))
    op.add_column("exports_view", sa.Column("rows_total", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("exports_view", "rows_total")
    op.drop_column("exports_view", "rows_written")
