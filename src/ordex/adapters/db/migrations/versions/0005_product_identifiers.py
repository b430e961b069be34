"""product identifiers: item GTIN and manufacturer part, cross-reference qualifier, line ids

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _cross_references(name: str, with_qualifier: bool) -> sa.Table:
    """The cross-reference table, with or without the qualifier in its primary key."""
    key = ("customer_id", "qualifier", "buyer_part") if with_qualifier else (
        "customer_id", "buyer_part")
    columns = [sa.Column("customer_id", sa.String(100), nullable=False),
               sa.Column("buyer_part", sa.String(100), nullable=False),
               sa.Column("item_id", sa.String(100), nullable=False)]
    if with_qualifier:
        columns.insert(1, sa.Column("qualifier", sa.String(3), nullable=False,
                                    server_default=""))
    return op.create_table(name, *columns,
                           sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"))


def _swap(with_qualifier: bool) -> None:
    """Rebuild item_cross_references (a primary key change, the same on SQLite and PostgreSQL)."""
    _cross_references("item_cross_references_new", with_qualifier)
    copy = "customer_id, buyer_part, item_id"
    where = "" if with_qualifier else " WHERE qualifier = ''"
    op.execute(f"INSERT INTO item_cross_references_new ({copy}) "
               f"SELECT {copy} FROM item_cross_references{where}")
    op.drop_table("item_cross_references")
    op.rename_table("item_cross_references_new", "item_cross_references")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE item_cross_references RENAME CONSTRAINT "
                   "pk_item_cross_references_new TO pk_item_cross_references")


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("gtin", sa.String(14), nullable=False, server_default=""))
        batch.add_column(sa.Column("mfr_part", sa.String(100), nullable=False,
                                   server_default=""))
    op.create_index("ix_items_gtin", "items", ["gtin"])
    op.create_index("ix_items_mfr_part", "items", ["mfr_part"])
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("identifiers", sa.JSON(), nullable=True))
    _swap(with_qualifier=True)


def downgrade() -> None:
    _swap(with_qualifier=False)
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("identifiers")
    op.drop_index("ix_items_mfr_part", "items")
    op.drop_index("ix_items_gtin", "items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("mfr_part")
        batch.drop_column("gtin")
