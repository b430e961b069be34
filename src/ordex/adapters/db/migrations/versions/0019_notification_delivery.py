"""notification delivery: subscriptions, one delivery row per notification and channel,
richer notification rows, a per-user opt-out of personal notices

Revision ID: 0019
Revises: 0018

Rows in `notifications` are what happened (event type, queue, customer, order); a worker routes
each pending one to its channels, writing one `notification_deliveries` row per delivery key
(`<notification>:<target>`, or `digest:<subscription>:<period>` for a digest), and delivers
those with retries like the outbox (docs/notifications.md). `case_id` and `recipient` become
optional: an `order.changed` row concerns an order and a customer, not a case or a person.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("recipient", existing_type=sa.String(100), nullable=True)
        batch.alter_column("case_id", existing_type=sa.String(200), nullable=True)
        batch.add_column(sa.Column("queue", sa.String(40)))
        batch.add_column(sa.Column("routed_at", TS))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("notify_opt_out", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("queue", sa.String(40)),
        sa.Column("customer_id", sa.String(100)),
        sa.Column("target", sa.String(1000), nullable=False),
        sa.Column("secret_env", sa.String(100)),
        sa.Column("digest", sa.String(10)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_subscriptions")))
    op.create_index("ix_subscriptions_event_type", "subscriptions", ["event_type"])
    op.create_table(
        "notification_deliveries",
        sa.Column("delivery_key", sa.String(400), nullable=False),
        sa.Column("notification_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
        sa.Column("digest_key", sa.String(400)),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("target", sa.String(1000), nullable=False),
        sa.Column("subscription_id", sa.String(40)),
        sa.Column("secret_env", sa.String(100)),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("lease_until", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.PrimaryKeyConstraint("delivery_key", name=op.f("pk_notification_deliveries")))
    op.create_index("ix_notification_deliveries_due", "notification_deliveries",
                    ["state", "due_at"])
    op.create_index("ix_notification_deliveries_digest_key", "notification_deliveries",
                    ["digest_key"])


def downgrade() -> None:
    op.drop_table("notification_deliveries")
    op.drop_table("subscriptions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notify_opt_out")
    with op.batch_alter_table("notifications") as batch:
        for name in ("routed_at", "queue"):  # order_id and customer_id are 0018's
            batch.drop_column(name)
        batch.alter_column("case_id", existing_type=sa.String(200), nullable=False)
        batch.alter_column("recipient", existing_type=sa.String(100), nullable=False)
