"""audit chain: every audit entry sealed on the one before it in its stream, stream heads kept

Revision ID: 0012
Revises: 0011

Entries written before this revision are sealed here, in the order they were written (by
entry id within each case), so `ordex audit verify` checks a database that was upgraded the
same way as one that started with the chain.
"""

import sqlalchemy as sa
from alembic import op

from ordex.domain.audit import GENESIS, seal

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FIELDS = ("at", "actor", "action", "from_state", "to_state", "reason")


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_heads",
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_audit_heads")))
    _seal_existing(op.get_bind())
    with op.batch_alter_table("audit_log") as batch:
        for name in ("seq", "prev_hash", "hash"):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint("uq_audit_log_stream_seq", ["case_id", "seq"])


def _seal_existing(conn: sa.Connection) -> None:
    log = sa.table("audit_log", sa.column("entry_id"), sa.column("case_id"), sa.column("seq"),
                   sa.column("prev_hash"), sa.column("hash"),
                   sa.column("at", sa.DateTime(timezone=True)),
                   *[sa.column(f) for f in FIELDS if f != "at"])
    heads_table = sa.table("audit_heads", sa.column("stream"), sa.column("seq"),
                           sa.column("hash"))
    rows = conn.execute(sa.select(log).order_by(log.c.case_id, log.c.entry_id)).mappings()
    heads: dict[str, tuple[int, str]] = {}
    sealed: list[dict[str, object]] = []
    for row in rows:
        sealed_entry = seal(row["case_id"], row, after=heads.get(row["case_id"], (0, GENESIS)))
        heads[row["case_id"]] = (sealed_entry.seq, sealed_entry.hash)
        sealed.append({"id": row["entry_id"], "s": sealed_entry.seq,
                       "p": sealed_entry.prev_hash, "h": sealed_entry.hash})
    if sealed:
        conn.execute(log.update().where(log.c.entry_id == sa.bindparam("id")).values(
            seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")), sealed)
        conn.execute(heads_table.insert(), [{"stream": s, "seq": n, "hash": h}
                                            for s, (n, h) in heads.items()])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_stream_seq", type_="unique")
        for name in ("hash", "prev_hash", "seq"):
            batch.drop_column(name)
    op.drop_table("audit_heads")
