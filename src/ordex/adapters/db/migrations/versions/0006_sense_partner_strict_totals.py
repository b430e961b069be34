"""sense: trading partners may reject CTT control-total disagreements (strict_totals)

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("trading_partners", sa.Column(
        "strict_totals", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("trading_partners", "strict_totals")
