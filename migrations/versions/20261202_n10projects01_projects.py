"""Projects and their traffic light, their years of money, milestones and public timeline; the
links to initiatives, questions and replies; the commitments made in replies.

See ``app.projects.models``. Money is in integer cents (``BIGINT``); the checks keep progress a
percentage, the end after the start, and no amount negative, whatever writes the rows.

Revision ID: n10projects01
Revises: m9notify0001
Create Date: 2026-12-02 13:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "n10projects01"
down_revision = "m9notify0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("original_starts_on", sa.Date(), nullable=False),
        sa.Column("original_ends_on", sa.Date(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("original_budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column(
            "light",
            sa.Enum("green", "amber", "red", "done", name="light", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("light_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title_lemmas", sa.Text(), server_default="", nullable=False),
        sa.Column("summary_lemmas", sa.Text(), server_default="", nullable=False),
        sa.Column("description_lemmas", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "budget_cents >= 0 AND original_budget_cents >= 0 AND spent_cents >= 0",
            name=op.f("ck_projects_money_not_negative"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_projects_ends_after_start")),
        sa.CheckConstraint(
            "original_ends_on >= original_starts_on",
            name=op.f("ck_projects_planned_end_after_start"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_projects_progress_is_a_percentage")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["local_communities.id"],
            name=op.f("fk_projects_community_id_local_communities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_projects_topic_id_topics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_projects_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index("ix_projects_ends_on", ["ends_on", "id"], unique=False)
        batch_op.create_index(
            "ix_projects_light_updated_at", ["light", "updated_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_topic_id"), ["topic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_projects_updated_at", ["updated_at", "id"], unique=False)

    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "open", "done", "dropped", name="commitmentstate", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state = 'open') = (closed_on IS NULL)",
            name=op.f("ck_commitments_closed_when_not_open"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_commitments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["org_units.id"],
            name=op.f("fk_commitments_owner_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_commitments_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["replies.id"],
            name=op.f("fk_commitments_reply_id_replies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index("ix_commitments_due_on", ["due_on", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commitments_owner_unit_id"), ["owner_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commitments_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitments_reply_id"), ["reply_id"], unique=False)
        batch_op.create_index(
            "ix_commitments_state_due_on", ["state", "due_on", "id"], unique=False
        )

    op.create_table(
        "project_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "target",
            sa.Enum(
                "initiative", "question", "reply", name="linktarget", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum("led_to", "speaks_of", name="linkrelation", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_links_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_links")),
        sa.UniqueConstraint(
            "project_id",
            "target",
            "target_id",
            name=op.f("uq_project_links_project_id_target_target_id"),
        ),
    )
    with op.batch_alter_table("project_links", schema=None) as batch_op:
        batch_op.create_index("ix_project_links_target", ["target", "target_id"], unique=False)

    op.create_table(
        "project_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("original_planned_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_milestones_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_milestones")),
    )
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_milestones_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "status",
                "schedule",
                "budget",
                "milestone",
                "details",
                "link",
                "commitment",
                name="updatekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_project_updates_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_updates_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_project_updates_unit_id_org_units"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_updates")),
    )
    with op.batch_alter_table("project_updates", schema=None) as batch_op:
        batch_op.create_index("ix_project_updates_project", ["project_id", "id"], unique=False)

    op.create_table(
        "project_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("original_budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("spent_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "budget_cents >= 0 AND original_budget_cents >= 0 AND spent_cents >= 0",
            name=op.f("ck_project_years_money_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_years_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_years")),
        sa.UniqueConstraint("project_id", "year", name=op.f("uq_project_years_project_id_year")),
    )


def downgrade():
    op.drop_table("project_years")
    with op.batch_alter_table("project_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_project_updates_project")

    op.drop_table("project_updates")
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_milestones_project_id"))

    op.drop_table("project_milestones")
    with op.batch_alter_table("project_links", schema=None) as batch_op:
        batch_op.drop_index("ix_project_links_target")

    op.drop_table("project_links")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index("ix_commitments_state_due_on")
        batch_op.drop_index(batch_op.f("ix_commitments_reply_id"))
        batch_op.drop_index(batch_op.f("ix_commitments_project_id"))
        batch_op.drop_index(batch_op.f("ix_commitments_owner_unit_id"))
        batch_op.drop_index("ix_commitments_due_on")

    op.drop_table("commitments")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_updated_at")
        batch_op.drop_index(batch_op.f("ix_projects_unit_id"))
        batch_op.drop_index(batch_op.f("ix_projects_topic_id"))
        batch_op.drop_index("ix_projects_light_updated_at")
        batch_op.drop_index("ix_projects_ends_on")
        batch_op.drop_index(batch_op.f("ix_projects_community_id"))

    op.drop_table("projects")
