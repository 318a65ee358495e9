"""What an export was asked for beyond its first table: the other tables of a multi-table export, and the
CSV byte-order-mark option, so a retry asks for the same again and every table's history lists the export.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Exports made before this revision were asked for without a BOM as far as anyone can tell now.
    op.add_column(
        "exports_view", sa.Column("csv_excel_bom", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "export_more_tables_view",
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["exports_view.export_id"],
            name=op.f("fk_export_more_tables_view_export_id_exports_view"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", "position", name=op.f("pk_export_more_tables_view")),
    )
    op.create_index(
        op.f("ix_export_more_tables_view_table_id"), "export_more_tables_view", ["table_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_export_more_tables_view_table_id"), table_name="export_more_tables_view")
    op.drop_table("export_more_tables_view")
    op.drop_column("exports_view", "csv_excel_bom")
