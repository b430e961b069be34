"""KPI index: cases by code and order

Revision ID: 0022
Revises: 0021

The KPI report (docs/kpis.md) counts the distinct orders with a case per code over every
case: an index-only scan of (code, order_id) gives the pairs in order, so grouping them
needs neither a sort nor a hash table spilled to disk (docs/benchmarks.md, "Pages").
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_code_order_id", "cases", ["code", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_code_order_id", table_name="cases")
