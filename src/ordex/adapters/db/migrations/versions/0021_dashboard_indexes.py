"""dashboard indexes: cases by opening and closing time, orders by arrival

Revision ID: 0021
Revises: 0020

The dashboards (docs/web.md, "Dashboards") count cases opened in a period per day and code,
cases closed in a period per code (cycle-time percentiles) and orders received per day: each
a range scan on these indexes instead of a scan of the whole table.
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_cases_opened_at_code", "cases", ["opened_at", "code"]),
    ("ix_cases_state_closed_at", "cases", ["state", "closed_at"]),
    ("ix_orders_received_at", "orders", ["received_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
