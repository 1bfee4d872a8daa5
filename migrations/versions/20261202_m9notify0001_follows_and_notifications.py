"""Following, the event log and notifications; each person's notification settings.

- ``follows``: one row per person and followed thing (unique), with the fan-out's index
  (target, target_id, user_id).
- ``events``: the append-only event log; a step of a timeline is named (``source_type``,
  ``source_id``), not copied. ``once_key`` makes the clock's events once-only; the partial
  index finds the events still to fan out.
- ``notifications``: one per event and person (unique), with partial indexes for the unread
  count and the next digest.
- ``users``: ``email_frequency``, ``email_refused_at``/``_reason``, ``follow_automatically``,
  added with plain ``ADD COLUMN`` (a batch rebuild of a table others reference would be
  wrong on SQLite).
- Data: everyone follows what they already proposed, asked or support (as they would have
  automatically), so the answers after the upgrade reach them.

Revision ID: m9notify0001
Revises: l8rsearch0001
Create Date: 2026-12-02 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "m9notify0001"
down_revision = "l8rsearch0001"
branch_labels = None
depends_on = None

_TARGETS = ("initiative", "question", "reply", "councillor", "session", "topic", "community")
_REASONS = ("chosen", "own", "supported", "adopted")
_MAIL = ("none", "queued", "digest", "digested")
_FREQUENCIES = ("immediate", "daily", "never")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target", _enum(_TARGETS, "target"), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", _enum(_REASONS, "reason"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint(
            "user_id", "target", "target_id", name=op.f("uq_follows_user_id_target_target_id")
        ),
    )
    op.create_index("ix_follows_target", "follows", ["target", "target_id", "user_id"])

    not_fanned_out = sa.text("fanned_out_at IS NULL")
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("once_key", sa.String(length=120), nullable=True),
        sa.Column("fanned_up_to", sa.Integer(), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("once_key", name=op.f("uq_events_once_key")),
    )
    op.create_index(
        "ix_events_to_fan_out",
        "events",
        ["id"],
        postgresql_where=not_fanned_out,
        sqlite_where=not_fanned_out,
    )

    unread = sa.text("read_at IS NULL")
    in_next_digest = sa.text("mail = 'digest'")
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail", _enum(_MAIL, "mail"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_notifications_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("event_id", "user_id", name=op.f("uq_notifications_event_id_user_id")),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "created_at", "id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        postgresql_where=unread,
        sqlite_where=unread,
    )
    op.create_index(
        "ix_notifications_digest",
        "notifications",
        ["user_id", "id"],
        postgresql_where=in_next_digest,
        sqlite_where=in_next_digest,
    )

    op.add_column(
        "users",
        sa.Column(
            "email_frequency",
            _enum(_FREQUENCIES, "emailfrequency"),
            nullable=False,
            server_default="immediate",
        ),
    )
    op.add_column("users", sa.Column("email_refused_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("email_refused_reason", sa.String(length=200)))
    op.add_column(
        "users",
        sa.Column("follow_automatically", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    _follow_what_people_already_have()


#: What Glas held before it could follow: each person then follows what they proposed, asked
#: or support, as they would have automatically, so an answer to an initiative supported last
#: month reaches its supporters. (target, reason, a SELECT of user id and target id.)
_EXISTING = (
    ("initiative", "own", "SELECT author_id AS user_id, id AS target_id FROM initiatives"),
    (
        "initiative",
        "supported",
        "SELECT user_id, initiative_id AS target_id FROM initiative_supports",
    ),
    (
        "question",
        "own",
        "SELECT author_id AS user_id, id AS target_id FROM questions WHERE author_id IS NOT NULL",
    ),
    ("question", "supported", "SELECT user_id, question_id AS target_id FROM question_supports"),
    (
        "question",
        "own",
        "SELECT g.user_id AS user_id, a.question_id AS target_id FROM question_authors a"
        " JOIN role_grants g ON g.person_id = a.person_id AND g.role = 'councillor'",
    ),
)


def _follow_what_people_already_have():
    for target, reason, source in _EXISTING:
        # ON CONFLICT: one follow however many ways a person came to it (the WHERE lets
        # SQLite tell the upsert clause from a join's ON).
        # The SELECTs are this module's constants; the values are bound.
        sql = (
            "INSERT INTO follows (user_id, target, target_id, reason, created_at) "  # noqa: S608
            "SELECT s.user_id, :target, s.target_id, :reason, CURRENT_TIMESTAMP "
            f"FROM ({source}) AS s JOIN users u ON u.id = s.user_id "
            "WHERE u.deleted_at IS NULL "
            "ON CONFLICT (user_id, target, target_id) DO NOTHING"
        )
        statement = sa.text(sql)
        op.get_bind().execute(statement, {"target": target, "reason": reason})


def downgrade():
    op.drop_column("users", "follow_automatically")
    op.drop_column("users", "email_refused_reason")
    op.drop_column("users", "email_refused_at")
    op.drop_column("users", "email_frequency")
    op.drop_index("ix_notifications_digest", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_events_to_fan_out", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_follows_target", table_name="follows")
    op.drop_table("follows")
