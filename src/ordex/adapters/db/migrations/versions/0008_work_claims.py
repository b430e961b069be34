"""work claims: work_items for workers, and what outbox delivery by workers needs

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint("kind", "key", name="uq_work_items_kind_key"))
    op.create_index("ix_work_items_claimable", "work_items",
                    ["kind", "state", "not_before", "id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False,
                                   server_default="pending"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", TS, nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("lease_until", TS, nullable=True))
    op.execute("UPDATE outbox SET state = 'sent' WHERE sent_at IS NOT NULL")
    op.create_index("ix_outbox_state_created", "outbox", ["state", "created_at"])
    op.create_index("ix_outbox_order_state", "outbox", ["order_id", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_order_state", table_name="outbox")
    op.drop_index("ix_outbox_state_created", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        for name in ("lease_until", "claimed_by", "last_error", "next_attempt_at",
                     "attempts", "state"):
            batch.drop_column(name)
    op.drop_index("ix_work_items_claimable", table_name="work_items")
    op.drop_table("work_items")
