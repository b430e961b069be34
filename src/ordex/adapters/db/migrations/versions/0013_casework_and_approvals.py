"""working a case: comments, file references, overrides and approval chains

Revision ID: 0013
Revises: 0012

Four new tables (docs/casework.md); no existing row changes. The new case states
(assigned, awaiting_approval) fit the existing `cases.state` column.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(18, 6, asdecimal=True)


def _who(key: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(key, sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("case_id", sa.String(200), nullable=False),
            sa.Column("at", TS, nullable=False),
            sa.Column("actor", sa.String(100), nullable=False)]


def upgrade() -> None:
    op.create_table("case_comments", *_who("comment_id"),
                    sa.Column("text", sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_case_comments")))
    op.create_table("case_attachments", *_who("attachment_id"),
                    sa.Column("name", sa.String(200), nullable=False),
                    sa.Column("reference", sa.String(2000), nullable=False),
                    sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_case_attachments")))
    op.create_table("case_overrides", *_who("override_id"),
                    sa.Column("code", sa.String(40), nullable=False),
                    sa.Column("queue", sa.String(40), nullable=False),
                    sa.Column("recommended", sa.String(40), nullable=True),
                    sa.Column("chosen", sa.String(40), nullable=False),
                    sa.Column("kind", sa.String(20), nullable=False),
                    sa.Column("reason", sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint("override_id", name=op.f("pk_case_overrides")))
    op.create_index("ix_case_overrides_queue_chosen", "case_overrides", ["queue", "chosen"])
    op.create_table(
        "approvals",
        sa.Column("approval_id", sa.String(240), nullable=False),
        sa.Column("chain_id", sa.String(230), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("queue", sa.String(50), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("approval_id", name=op.f("pk_approvals")))
    op.create_index("ix_approvals_queue_state_due", "approvals", ["queue", "state", "due_at"])
    for table in ("case_comments", "case_attachments", "case_overrides", "approvals"):
        op.create_index(f"ix_{table}_case_id", table, ["case_id"])


def downgrade() -> None:
    for table in ("approvals", "case_overrides", "case_attachments", "case_comments"):
        op.drop_table(table)
