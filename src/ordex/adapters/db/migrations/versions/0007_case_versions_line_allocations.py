"""orchestrate: cases carry a version; stock reserved per line and position

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("version", sa.Integer(), nullable=False,
                                     server_default="0"))
    op.create_index("ix_cases_customer_code_state", "cases", ["customer_id", "code", "state"])
    op.create_table(
        "line_allocations",
        sa.Column("order_id", sa.String(100), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.String(100), primary_key=True),
        sa.Column("warehouse_id", sa.String(100), primary_key=True),
        sa.Column("quantity", sa.Numeric(18, 6, asdecimal=True), nullable=False),
    )
    op.create_index("ix_line_allocations_position", "line_allocations",
                    ["item_id", "warehouse_id"])


def downgrade() -> None:
    op.drop_table("line_allocations")
    op.drop_index("ix_cases_customer_code_state", "cases")
    op.drop_column("cases", "version")
