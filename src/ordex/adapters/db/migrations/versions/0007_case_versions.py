"""orchestrate: cases carry a version; a change of an older version is refused

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


def downgrade() -> None:
    op.drop_index("ix_cases_customer_code_state", "cases")
    op.drop_column("cases", "version")
