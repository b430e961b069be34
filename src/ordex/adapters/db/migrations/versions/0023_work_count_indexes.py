"""work count indexes: active cases by queue with every column the queue counts filter on;
orders by warehouse

Revision ID: 0023
Revises: 0022

The "My work" page's queue tabs count the active cases per queue under the page's filters
(docs/web.md, "Server time"). With a partial index on the active states that leads with the
queue and holds the columns those filters read (state, code, customer, opening time, the SLA
targets, the order), the count is an index-only scan of the active cases, grouped in index
order, without reading a case row. The warehouse filter becomes a semi-join on the order ids
of one warehouse, read from an index on (warehouse_id, order_id) instead of joining orders.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('open', 'assigned', 'in_progress', 'awaiting_approval', 'paused')")
COUNTED = ["queue", "state", "code", "customer_id", "opened_at", "sla_due_at",
           "response_due_at", "responded_at", "order_id"]


def upgrade() -> None:
    op.create_index("ix_cases_active_counts", "cases", COUNTED,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("ix_orders_warehouse", "orders", ["warehouse_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_warehouse", table_name="orders")
    op.drop_index("ix_cases_active_counts", table_name="cases")
