"""Indexes that serve the public list's orders, so a page reads 20 rows, not every row.

The default list shows five states (published, awaiting a response, answered, completed,
expired) newest first or most supported first. The indexes on (state, …) cannot give one
order across five states, so PostgreSQL read and sorted every public row for each page. These
partial indexes hold only the listed rows in the order of the list (read backwards for the
descending sorts, which a B-tree does as well as forwards).

Revision ID: g3listidx0001
Revises: f2search0002
Create Date: 2026-12-02 00:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "g3listidx0001"
down_revision = "f2search0002"
branch_labels = None
depends_on = None

# The states of the default list (queries.StateFilter.ALL), as in the model's indexes.
LISTED = "state IN ('published', 'awaiting_response', 'answered', 'completed', 'expired')"


def upgrade():
    where = sa.text(LISTED)
    op.create_index(
        "ix_initiatives_listed_newest",
        "initiatives",
        ["published_at", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )
    op.create_index(
        "ix_initiatives_listed_supported",
        "initiatives",
        ["support_count", "published_at", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade():
    op.drop_index("ix_initiatives_listed_supported", table_name="initiatives")
    op.drop_index("ix_initiatives_listed_newest", table_name="initiatives")
