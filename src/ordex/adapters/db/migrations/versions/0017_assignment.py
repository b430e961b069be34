"""assignment: people's absences, each queue's round-robin turn, cases by assignee

Revision ID: 0017
Revises: 0016

Two new tables (docs/assignment.md) and an index on `cases (assignee, state)`: the open-case
count of each person a batch of cases may go to is read in one grouped query.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("absence_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("reason", sa.String(500), server_default="", nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("absence_id", name=op.f("pk_absences")))
    op.create_index("ix_absences_user_id", "absences", ["user_id"])
    op.create_table(
        "assignment_turns",
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("queue", name=op.f("pk_assignment_turns")))
    op.create_index("ix_cases_assignee_state", "cases", ["assignee", "state"])


def downgrade() -> None:
    op.drop_index("ix_cases_assignee_state", table_name="cases")
    op.drop_table("assignment_turns")
    op.drop_index("ix_absences_user_id", table_name="absences")
    op.drop_table("absences")
