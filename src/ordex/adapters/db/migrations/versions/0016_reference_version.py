"""reference version: a token every write of cached reference data replaces, by trigger;
intake results indexed by order id

Revision ID: 0016
Revises: 0015

The process-level reference cache (adapters/db/reference_cache.py, docs/scaling.md,
"Reference cache") keeps static reference data between units of work. It stays correct
across processes because every INSERT, UPDATE, DELETE (and on PostgreSQL TRUNCATE) of one of
`CACHED_TABLES` replaces the token in `reference_version` inside the same transaction,
whoever writes: ordex's own code, `ordex load-reference`, another process, or SQL by hand.
Tokens are random, so a token of a rolled-back transaction never comes back.

Every unit of work of intake looks its orders up in `intake_results` by idempotency key or
order id; without an index on `order_id` that OR scanned the whole table (one row per order
ever received) on every request.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CACHED_TABLES = ("customers", "ship_tos", "items", "uom_conversions", "warehouses",
                 "price_contracts", "carriers", "tax_rules", "tax_exemptions",
                 "customer_licences", "carrier_services", "item_cross_references",
                 "order_history", "item_substitutes", "freight_lanes", "service_terms",
                 "policies")
"""Must match `reference_cache.CACHED_TABLES` (a test compares them)."""

SQLITE_BUMP = ("INSERT INTO reference_version (id, token) VALUES (1, lower(hex(randomblob(16)))) "
               "ON CONFLICT (id) DO UPDATE SET token = excluded.token")
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ordex_bump_reference_version() RETURNS trigger AS $$
BEGIN
    -- once per transaction: executemany runs one statement per row, and every statement
    -- after the first would only replace a token no other transaction can see yet
    IF current_setting('ordex.reference_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        INSERT INTO reference_version (id, token)
        VALUES (1, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
        PERFORM set_config('ordex.reference_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")))
    op.execute(sa.text("INSERT INTO reference_version (id, token) VALUES (1, 'initial')"))
    op.create_index("ix_intake_results_order_id", "intake_results", ["order_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(PG_FUNCTION))
        for table in CACHED_TABLES:
            op.execute(sa.text(
                f"CREATE TRIGGER trg_{table}_reference_version AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION ordex_bump_reference_version()"))
        return
    for table in CACHED_TABLES:  # SQLite has row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(sa.text(
                f"CREATE TRIGGER trg_{table}_{event.lower()}_reference_version AFTER {event} "
                f"ON {table} BEGIN {SQLITE_BUMP}; END"))


def downgrade() -> None:
    op.drop_index("ix_intake_results_order_id", table_name="intake_results")
    if op.get_bind().dialect.name == "postgresql":
        for table in CACHED_TABLES:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS trg_{table}_reference_version ON {table}"))
        op.execute(sa.text("DROP FUNCTION IF EXISTS ordex_bump_reference_version()"))
    else:
        for table in CACHED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(sa.text(f"DROP TRIGGER IF EXISTS trg_{table}_{event}_reference_version"))
    op.drop_table("reference_version")
