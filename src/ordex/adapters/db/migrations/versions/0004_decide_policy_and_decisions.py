"""decide policy and decisions

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 6, asdecimal=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "item_substitutes",
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("substitute_id", sa.String(100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "substitute_id", name="pk_item_substitutes"),
    )
    op.create_table(
        "freight_lanes",
        sa.Column("warehouse_id", sa.String(50), nullable=False),
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("cost_per_shipment", MONEY, nullable=False),
        sa.Column("cost_per_unit", MONEY, nullable=False),
        sa.Column("transit_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("warehouse_id", "region", name="pk_freight_lanes"),
    )
    op.create_table(
        "service_terms",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("allows_substitutes", sa.Boolean(), nullable=False),
        sa.Column("strategic", sa.Boolean(), nullable=False),
        sa.Column("late_penalty_pct_per_day", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_service_terms"),
    )
    op.create_table(
        "policies",
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("effective_from", TS, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("activated_at", TS, nullable=False),
        sa.Column("activated_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_policies"),
    )
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("order_id", sa.String(100)),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("auto_applied", sa.Boolean(), nullable=False),
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("decide_ms", sa.Numeric(12, 3), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])
    op.create_index("ix_decisions_order_id", "decisions", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_decisions_order_id", "decisions")
    op.drop_index("ix_decisions_case_id", "decisions")
    for table in ("decisions", "policies", "service_terms", "freight_lanes", "item_substitutes"):
        op.drop_table(table)
