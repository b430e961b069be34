"""chain placeholder: no schema change

Revision ID: 0017
Revises: 0016

Holds the place of revision 0017, which another line of work adds, so that 0018 can name it
as its parent; dropped when the revisions are chained at merge.
"""

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change."""


def downgrade() -> None:
    """Nothing to change."""
