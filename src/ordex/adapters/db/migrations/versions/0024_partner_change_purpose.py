"""EDI: the BAK01 a trading partner expects in an 855 change (04 change, 05 replace)

Revision ID: 0024
Revises: 0023

docs/edi-x12.md, "855 change". Existing partners keep 04, what every 855 change carried before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trading_partners") as batch:
        batch.add_column(sa.Column("change_purpose", sa.String(2), nullable=False,
                                   server_default="04"))


def downgrade() -> None:
    with op.batch_alter_table("trading_partners") as batch:
        batch.drop_column("change_purpose")
