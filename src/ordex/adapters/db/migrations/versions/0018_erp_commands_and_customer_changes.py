"""ERP commands and customer follow-ups: the sandbox ERP's own record, what each customer was
last told per line, and order.changed notifications

Revision ID: 0018
Revises: 0017

`erp_sandbox_orders` keeps the sandbox ERP's record of each order as its commands left it
(docs/erp.md, "The sandbox ERP"). `customer_line_states` keeps, per order line, the state the
customer was last told (by an 855 or an `order.changed` notification), so no update repeats
or contradicts it (docs/notifications.md). `notifications` gains the order and customer an
`order.changed` row is about, and a natural key that is written once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erp_sandbox_orders",
        sa.Column("order_id", sa.String(100), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_erp_sandbox_orders")))
    op.create_table(
        "customer_line_states",
        sa.Column("order_id", sa.String(100), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_customer_line_states")))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("order_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("customer_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_notifications_dedupe_key", ["dedupe_key"])
        batch.create_index("ix_notifications_order_id", ["order_id"])


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_order_id")
        batch.drop_constraint("uq_notifications_dedupe_key", type_="unique")
        batch.drop_column("dedupe_key")
        batch.drop_column("customer_id")
        batch.drop_column("order_id")
    op.drop_table("customer_line_states")
    op.drop_table("erp_sandbox_orders")
