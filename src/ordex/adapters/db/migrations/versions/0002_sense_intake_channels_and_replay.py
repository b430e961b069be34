"""sense intake channels and replay: chunked raw payloads, trading partners, EDI registry

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("po_key", sa.String(100), nullable=True))
    op.create_index("ix_orders_customer_po_key", "orders", ["customer_id", "po_key"])
    op.create_index("ix_orders_customer_received", "orders", ["customer_id", "received_at"])
    with op.batch_alter_table("raw_payloads") as batch:
        batch.add_column(sa.Column("size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("chunks", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "raw_chunks",
        sa.Column("raw_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("raw_id", "seq", name=op.f("pk_raw_chunks")))
    op.create_table(
        "trading_partners",
        sa.Column("partner_id", sa.String(100), nullable=False),
        sa.Column("isa_qualifier", sa.String(2), nullable=False),
        sa.Column("isa_id", sa.String(15), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("warehouse_id", sa.String(100), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_trading_partners")))
    op.create_table(
        "edi_interchanges",
        sa.Column("sender", sa.String(20), nullable=False),
        sa.Column("control_number", sa.String(20), nullable=False),
        sa.Column("raw_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sender", "control_number", name=op.f("pk_edi_interchanges")))
    op.create_table(
        "edi_outbound",
        sa.Column("doc_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("partner", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(100), nullable=True),
        sa.Column("raw_id", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name=op.f("pk_edi_outbound")))
    op.create_index(op.f("ix_edi_outbound_order_id"), "edi_outbound", ["order_id"])
    op.create_index(op.f("ix_edi_outbound_raw_id"), "edi_outbound", ["raw_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer_received", "orders")
    op.drop_index("ix_orders_customer_po_key", "orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("po_key")
    op.drop_table("edi_outbound")
    op.drop_table("edi_interchanges")
    op.drop_table("trading_partners")
    op.drop_table("raw_chunks")
    with op.batch_alter_table("raw_payloads") as batch:
        batch.drop_column("chunks")
        batch.drop_column("size")
