"""work page indexes: active cases by priority then SLA due (all queues, and per queue);
orders by customer PO

Revision ID: 0020
Revises: 0019

The "My work" page (docs/web.md) lists active cases most urgent first, 50 at a time: with a
partial index on the active states ordered as the page is, a page is the first rows of an
index scan rather than a sort of every active case. Searching by customer PO alone needs
an index of its own (the existing one leads with the customer).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('open', 'assigned', 'in_progress', 'awaiting_approval', 'paused')")


def upgrade() -> None:
    op.create_index("ix_cases_active_priority", "cases",
                    [sa.text("priority DESC"), "sla_due_at", "case_id"],
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("ix_cases_active_queue", "cases",
                    ["queue", sa.text("priority DESC"), "sla_due_at"],
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("ix_orders_customer_po", "orders", ["customer_po"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer_po", table_name="orders")
    op.drop_index("ix_cases_active_queue", table_name="cases")
    op.drop_index("ix_cases_active_priority", table_name="cases")
