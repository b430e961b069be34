"""outbox dead letters: when a message was dead-lettered, and how often it was replayed

Revision ID: 0014
Revises: 0013

A message that fails as often as the delivery policy allows (or permanently) moves to the
state `dead` with `dead_at`; a replay puts it back to `pending` and counts `replays`, which
names the INTEGRATION_FAILURE case of a later dead-lettering (docs/erp.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("replays", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("replays")
        batch.drop_column("dead_at")
