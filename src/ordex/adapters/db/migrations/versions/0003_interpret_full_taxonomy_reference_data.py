"""interpret full taxonomy reference data

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

QTY = sa.Numeric(18, 6, asdecimal=True)


def _new_columns() -> list[tuple[str, sa.Column]]:
    """Columns added to existing tables (fresh objects: a Column belongs to one table)."""
    return [
        ("customers", sa.Column("default_ship_via", sa.String(50), nullable=False,
                                server_default="")),
        ("customers", sa.Column("freight_terms_required", sa.Boolean(), nullable=False,
                                server_default=sa.false())),
        ("customers", sa.Column("tax_exempt", sa.Boolean(), nullable=False,
                                server_default=sa.false())),
        ("items", sa.Column("weight", QTY, nullable=False, server_default="0")),
        ("items", sa.Column("licence_type", sa.String(50), nullable=False, server_default="")),
        ("items", sa.Column("hazmat_class", sa.String(20), nullable=False, server_default="")),
        ("items", sa.Column("export_restricted", sa.Boolean(), nullable=False,
                            server_default=sa.false())),
        ("items", sa.Column("successor_id", sa.String(100), nullable=False, server_default="")),
        ("warehouses", sa.Column("lead_time_days", sa.Integer(), nullable=False,
                                 server_default="0")),
        ("orders", sa.Column("freight_terms", sa.String(30), nullable=True)),
    ]


def upgrade() -> None:
    for table, column in _new_columns():
        with op.batch_alter_table(table) as batch:
            batch.add_column(column)
    op.create_table(
        "tax_rules",
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("state", sa.String(50), nullable=False),
        sa.Column("rate", sa.Numeric(9, 6, asdecimal=True), nullable=False),
        sa.PrimaryKeyConstraint("country", "state", name=op.f("pk_tax_rules")),
    )
    op.create_table(
        "tax_exemptions",
        sa.Column("certificate_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("state", sa.String(50), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_tax_exemptions")),
    )
    op.create_index("ix_tax_exemptions_customer_id", "tax_exemptions", ["customer_id"])
    op.create_table(
        "customer_licences",
        sa.Column("licence_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("licence_type", sa.String(50), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_customer_licences")),
    )
    op.create_index("ix_customer_licences_customer_id", "customer_licences", ["customer_id"])
    op.create_table(
        "carrier_services",
        sa.Column("carrier_id", sa.String(100), nullable=False),
        sa.Column("service", sa.String(50), nullable=False),
        sa.Column("max_weight", QTY, nullable=True),
        sa.Column("hazmat_allowed", sa.Boolean(), nullable=False),
        sa.Column("states", sa.String(500), nullable=False),
        sa.Column("cutoff", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("carrier_id", "service", name=op.f("pk_carrier_services")),
    )
    op.create_table(
        "item_cross_references",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("buyer_part", sa.String(100), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "buyer_part",
                                name=op.f("pk_item_cross_references")),
    )
    op.create_table(
        "order_history",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("base_qty", QTY, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_order_history")),
    )
    op.create_index("ix_order_history_customer_item", "order_history",
                    ["customer_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_order_history_customer_item", table_name="order_history")
    op.drop_table("order_history")
    op.drop_table("item_cross_references")
    op.drop_table("carrier_services")
    op.drop_index("ix_customer_licences_customer_id", table_name="customer_licences")
    op.drop_table("customer_licences")
    op.drop_index("ix_tax_exemptions_customer_id", table_name="tax_exemptions")
    op.drop_table("tax_exemptions")
    op.drop_table("tax_rules")
    for table, column in reversed(_new_columns()):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column.name)
