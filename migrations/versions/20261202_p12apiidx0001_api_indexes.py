"""The indexes the open-data API's lists page by, over keys that never change: public reply
letters by publication time and id (``ix_replies_public_published_at``; the site's list orders
by the letter's date), projects and commitments by when they were recorded and id.

Revision ID: p12apiidx0001
Revises: o11psearch0001
Create Date: 2026-12-02 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "p12apiidx0001"
down_revision = "o11psearch0001"
branch_labels = None
depends_on = None

_PUBLIC = "state IN ('published', 'corrected', 'retracted')"


def upgrade():
    # Not in a batch: on SQLite a batch could rebuild the table, and its search triggers
    # (l8rsearch0001) with it; an index needs no rebuild.
    op.create_index(
        "ix_replies_public_published_at",
        "replies",
        ["published_at", "id"],
        unique=False,
        postgresql_where=sa.text(_PUBLIC),
        sqlite_where=sa.text(_PUBLIC),
    )
    op.create_index("ix_projects_created_at", "projects", ["created_at", "id"], unique=False)
    op.create_index("ix_commitments_created_at", "commitments", ["created_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_commitments_created_at", table_name="commitments")
    op.drop_index("ix_projects_created_at", table_name="projects")
    op.drop_index("ix_replies_public_published_at", table_name="replies")
