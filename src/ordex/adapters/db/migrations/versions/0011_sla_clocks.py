"""SLA clocks: response and resolution due times on cases, pauses, timers by case, notifications

Revision ID: 0011
Revises: 0010

Cases opened before this revision keep their clock-hour `sla_due_at` (the resolution due time)
on the round-the-clock calendar, with no response target; no timers are made for them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("response_due_at", TS, nullable=True))
        batch.add_column(sa.Column("sla_calendar", sa.String(60), nullable=False,
                                   server_default="round_the_clock"))
        batch.add_column(sa.Column("responded_at", TS, nullable=True))
        batch.add_column(sa.Column("paused_at", TS, nullable=True))
        batch.add_column(sa.Column("paused_seconds", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("subject", sa.String(200), nullable=True))
    op.create_index("ix_work_items_subject", "work_items", ["kind", "subject"])
    op.create_table(
        "notifications",
        sa.Column("notification_id", ID, autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notifications")))
    op.create_index("ix_notifications_case_id", "notifications", ["case_id"])
    op.create_index("ix_notifications_state_created", "notifications", ["state", "created_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_index("ix_work_items_subject", table_name="work_items")
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("cases") as batch:
        for name in ("paused_seconds", "paused_at", "responded_at", "sla_calendar",
                     "response_due_at"):
            batch.drop_column(name)
