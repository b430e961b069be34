"""file processing: a stored file's state, outbound documents by natural key, a control counter

Revision ID: 0009
Revises: 0008

Files stored before this revision were processed by the code of their day: they are marked
`processed` (nothing resumes them). The outbound control counter starts after the highest
ISA13 already sent (or the number of documents, whichever is higher), so no number is reused.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
UNPROCESSED = sa.text("state <> 'processed'")


def upgrade() -> None:
    with op.batch_alter_table("raw_payloads") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False,
                                   server_default="processed"))
        batch.add_column(sa.Column("progress_at", TS, nullable=True))
        batch.add_column(sa.Column("profile", sa.JSON(), nullable=True))
    op.create_index("ix_raw_payloads_unprocessed", "raw_payloads", ["state"],
                    sqlite_where=UNPROCESSED, postgresql_where=UNPROCESSED)
    with op.batch_alter_table("edi_outbound") as batch:
        batch.add_column(sa.Column("doc_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("control_number", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint("uq_edi_outbound_doc_key", ["doc_key"])
    op.create_table(
        "edi_counters",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_edi_counters")))
    op.execute(sa.text("INSERT INTO edi_counters (name, value) VALUES ('outbound', :n)")
               .bindparams(n=_highest_control_sent()))


def _highest_control_sent() -> int:
    """The highest ISA13 of the stored documents, or their number if higher (old counter)."""
    conn = op.get_bind()
    count = conn.execute(sa.text("SELECT count(*) FROM edi_outbound")).scalar_one()
    highest = 0
    heads = conn.execute(sa.text("SELECT substr(body, 1, 128) FROM edi_outbound"),
                         execution_options={"stream_results": True, "yield_per": 5000})
    for (head,) in heads:
        parts = head.split(head[3]) if head.startswith("ISA") and len(head) > 3 else []
        if len(parts) > 13 and parts[13].strip().isdigit():
            highest = max(highest, int(parts[13]))
    return max(int(count), highest)


def downgrade() -> None:
    op.drop_table("edi_counters")
    with op.batch_alter_table("edi_outbound") as batch:
        batch.drop_constraint("uq_edi_outbound_doc_key", type_="unique")
        batch.drop_column("control_number")
        batch.drop_column("doc_key")
    op.drop_index("ix_raw_payloads_unprocessed", table_name="raw_payloads")
    with op.batch_alter_table("raw_payloads") as batch:
        for name in ("profile", "progress_at", "state"):
            batch.drop_column(name)
