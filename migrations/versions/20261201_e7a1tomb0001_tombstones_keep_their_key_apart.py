"""A deleted account keeps its key apart: a returning person gets a new account.

Until now a tombstone kept ``subject_key``, and signing in again brought the same row back,
with the old initiatives and supports under the new public name. Now the tombstone's key
moves to ``former_subject_key`` (used only to refuse a second support) and its
``subject_key`` becomes ``deleted:<id>``, which no sign-in can match.

Only columns are added and rows updated: no table is rebuilt, because on SQLite dropping the
old ``users`` table would cascade onto the sessions and role grants that refer to it.

Revision ID: e7a1tomb0001
Revises: f1search0001
Create Date: 2026-12-01 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a1tomb0001"
down_revision = "f1search0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("former_subject_key", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_users_former_subject_key"), "users", ["former_subject_key"], unique=False
    )
    op.execute(
        "UPDATE users SET former_subject_key = subject_key, subject_key = 'deleted:' || id "
        "WHERE deleted_at IS NOT NULL"
    )


def downgrade():
    # The old schema has one key per row: each person's latest tombstone gets the key back,
    # unless the person has a live account again (it keeps the key; the tombstone stays void).
    op.execute(
        "UPDATE users SET subject_key = former_subject_key "
        "WHERE deleted_at IS NOT NULL AND former_subject_key IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM users AS holder "
        "WHERE holder.subject_key = users.former_subject_key) "
        "AND id = (SELECT max(latest.id) FROM users AS latest "
        "WHERE latest.former_subject_key = users.former_subject_key)"
    )
    op.drop_index(op.f("ix_users_former_subject_key"), table_name="users")
    op.drop_column("users", "former_subject_key")
