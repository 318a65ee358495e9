"""The SQL export's options (dialect, COPY), kept with the export so a retry asks for the same script again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exports_view", sa.Column("sql_dialect", sa.String(20), nullable=True))
    op.add_column("exports_view", sa.Column("sql_copy", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("exports_view", "sql_copy")
    op.drop_column("exports_view", "sql_dialect")
