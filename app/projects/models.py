"""Projects, their traffic light and public timeline, and the commitments made in replies.

A project is the municipality's own record of a piece of work (a crossing lit, a school
extended): its responsible unit keeps it up to date, and everyone sees how it goes. What made
other dashboards useless is designed out here:

- **The original plan stays beside the current one.** ``original_*`` columns are written once,
  when the project is created (or first imported), and never again: the page shows how much
  later and dearer the project became, not only where it stands now.
- **Nothing changes silently.** Every change of the light, progress, spending, budget, dates or
  milestones is a ``ProjectUpdate`` row with the values before and after (the public timeline)
  and an audit entry; a light of amber or red, and every delay, carries a public reason.
- **Neglect shows.** ``updated_at`` is the time of the last timeline entry; a project not done
  and not updated for ``PROJECT_STALE_DAYS`` is shown as stale, whatever its light says.

Money is in integer cents (SQLite would turn a decimal into a float); the totals of the years
are kept on the project, in step with ``ProjectYear`` in the same transaction, so that lists
sort and filter by budget without adding rows up.

A commitment is a promise a reply letter makes ("the crossing will be lit before the school
year"): recorded with the letter by its issuing unit, owned by the unit that must keep it, due
on a date, tracked to done, and shown late when it is not done by then.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.extensions import Model
from app.initiatives.lemmas import keep_lemma_texts
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity, Topic

#: A project's code: what the municipality's own records call it (``OB-2026-014``). Letters,
#: digits and ``. _ / -``, starting with a letter or digit; kept as written, compared as such.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,29}")
CODE_MAX = 30
#: The largest amount one year's budget or spending may hold: 10 billion euros, in cents
#: (above any municipality's budget, and far inside a 64-bit integer).
MAX_CENTS = 10_000_000_000 * 100
#: The years a budget line may be for.
FIRST_YEAR, LAST_YEAR = 1990, 2100


class Light(enum.StrEnum):
    """The traffic light of a project."""

    GREEN = "green"  # on track
    AMBER = "amber"  # at risk
    RED = "red"  # delayed or stopped
    DONE = "done"


LIGHT_LABELS = {
    Light.GREEN: _l("On track"),
    Light.AMBER: _l("At risk"),
    Light.RED: _l("Delayed or stopped"),
    Light.DONE: _l("Done"),
}
#: The colour word of each light, for those who read the colour's name (and screen readers).
LIGHT_COLOURS = {
    Light.GREEN: _l("green"),
    Light.AMBER: _l("amber"),
    Light.RED: _l("red"),
    Light.DONE: _l("done"),
}
#: Lights that must say why.
NEEDS_REASON = (Light.AMBER, Light.RED)


class UpdateKind(enum.StrEnum):
    """What one entry of a project's timeline changed."""

    CREATED = "created"
    STATUS = "status"  # the light and/or the progress
    SCHEDULE = "schedule"  # the start or the end
    BUDGET = "budget"  # a year's budget or spending
    MILESTONE = "milestone"  # added, moved or done
    DETAILS = "details"  # title, summary, description, unit, topic, community, place
    LINK = "link"  # an initiative, question or reply linked or unlinked
    COMMITMENT = "commitment"  # a commitment of a reply tracked on the project


UPDATE_KIND_LABELS = {
    UpdateKind.CREATED: _l("Project recorded"),
    UpdateKind.STATUS: _l("Status"),
    UpdateKind.SCHEDULE: _l("Schedule"),
    UpdateKind.BUDGET: _l("Budget and spending"),
    UpdateKind.MILESTONE: _l("Milestone"),
    UpdateKind.DETAILS: _l("Details"),
    UpdateKind.LINK: _l("Links"),
    UpdateKind.COMMITMENT: _l("Commitment"),
}


class Project(Model):
    """A project of the municipality, with its light, plan, money and milestones."""

    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_is_a_percentage"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint(
            "original_ends_on >= original_starts_on", name="planned_end_after_start"
        ),
        sa.CheckConstraint(
            "budget_cents >= 0 AND original_budget_cents >= 0 AND spent_cents >= 0",
            name="money_not_negative",
        ),
        # The default list, and the board: by light, most recently updated first.
        sa.Index("ix_projects_light_updated_at", "light", "updated_at", "id"),
        sa.Index("ix_projects_updated_at", "updated_at", "id"),
        sa.Index("ix_projects_ends_on", "ends_on", "id"),
        # The open-data API's order: by when it was recorded (migration p12apiidx0001).
        sa.Index("ix_projects_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_MAX), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(400))
    #: Markdown as the official wrote it, and sanitised HTML rendered once on save.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("topics.id", ondelete="RESTRICT"), index=True
    )
    #: ``None``: the whole municipality.
    community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("local_communities.id", ondelete="RESTRICT"), index=True
    )
    location: Mapped[str | None] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    original_starts_on: Mapped[date]
    original_ends_on: Mapped[date]
    #: The sums of the years (``ProjectYear``), kept in step by the services.
    budget_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    original_budget_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    progress: Mapped[int] = mapped_column(default=0)
    light: Mapped[Light] = mapped_column(enum_type(Light), default=Light.GREEN)
    #: Why the light is what it is (required for amber and red), public.
    light_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The time of the last entry of the timeline: "last updated", and what "stale" reads.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the light was set to done.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    unit: Mapped[OrgUnit] = relationship()
    topic: Mapped[Topic] = relationship()
    community: Mapped[LocalCommunity | None] = relationship()
    years: Mapped[list[ProjectYear]] = relationship(
        back_populates="project", order_by="ProjectYear.year", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project",
        order_by=lambda: (Milestone.planned_on, Milestone.id),
        cascade="all, delete-orphan",
    )
    updates: Mapped[list[ProjectUpdate]] = relationship(
        back_populates="project",
        order_by="ProjectUpdate.id.desc()",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Project {self.code} {self.light}>"

    @property
    def delay_days(self) -> int:
        """How many days later than first planned the project ends (0 if not later)."""
        return max(0, (self.ends_on - self.original_ends_on).days)

    @property
    def overrun_cents(self) -> int:
        """How much dearer than first planned (0 if not dearer)."""
        return max(0, self.budget_cents - self.original_budget_cents)


#: Each searchable text of a project and the column of its lemma text.
SEARCHABLE_TEXT = {
    "title": "title_lemmas",
    "summary": "summary_lemmas",
    "description": "description_lemmas",
}
keep_lemma_texts(Project, SEARCHABLE_TEXT)


class ProjectYear(Model):
    """One year of a project's money: its budget (now and as first planned) and spending."""

    __tablename__ = "project_years"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "year"),
        sa.CheckConstraint(
            "budget_cents >= 0 AND original_budget_cents >= 0 AND spent_cents >= 0",
            name="money_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    year: Mapped[int]
    budget_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The year's budget when it was first planned; never changed afterwards.
    original_budget_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    project: Mapped[Project] = relationship(back_populates="years")


class Milestone(Model):
    """A step of a project with its planned date (and the first one planned) and when done."""

    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    planned_on: Mapped[date]
    original_planned_on: Mapped[date]
    #: The actual date; ``None`` while not done.
    done_on: Mapped[date | None]

    project: Mapped[Project] = relationship(back_populates="milestones")

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def delay_days(self) -> int:
        """Days later than first planned: done late, or planned later since."""
        actual = self.done_on or self.planned_on
        return max(0, (actual - self.original_planned_on).days)


class ProjectUpdate(Model):
    """One dated entry of a project's public timeline: what changed, from what, and why.

    ``before`` and ``after`` hold the changed fields only (``{"light": "green"}`` →
    ``{"light": "amber"}``), in stored form (codes, cents, ISO dates), so that the timeline
    can say what a value was without a second table per field.
    """

    __tablename__ = "project_updates"
    __table_args__ = (sa.Index("ix_project_updates_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[UpdateKind] = mapped_column(enum_type(UpdateKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The official who made it; shown publicly by their unit only.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The unit the update was made in (the project's unit at the time).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id", ondelete="SET NULL"))
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The public reason (required for amber, red and every delay) or note.
    reason: Mapped[str | None] = mapped_column(sa.Text)

    project: Mapped[Project] = relationship(back_populates="updates")
    unit: Mapped[OrgUnit | None] = relationship()


class LinkTarget(enum.StrEnum):
    INITIATIVE = "initiative"
    QUESTION = "question"
    REPLY = "reply"


class LinkRelation(enum.StrEnum):
    LED_TO = "led_to"  # the project exists because of it
    SPEAKS_OF = "speaks_of"  # it asks about or answers for the project


LINK_RELATION_LABELS = {
    LinkRelation.LED_TO: _l("Led to the project"),
    LinkRelation.SPEAKS_OF: _l("Speaks of the project"),
}


class ProjectLink(Model):
    """An initiative, question or reply that led to a project or speaks of it."""

    __tablename__ = "project_links"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "target", "target_id"),
        # The other way: the projects of an initiative, a question or a letter.
        sa.Index("ix_project_links_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    target: Mapped[LinkTarget] = mapped_column(enum_type(LinkTarget))
    target_id: Mapped[int]
    relation: Mapped[LinkRelation] = mapped_column(enum_type(LinkRelation))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()


class CommitmentState(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    #: Given up, with a public reason: a promise broken is shown, not deleted.
    DROPPED = "dropped"


COMMITMENT_STATE_LABELS = {
    CommitmentState.OPEN: _l("Open"),
    CommitmentState.DONE: _l("Kept"),
    CommitmentState.DROPPED: _l("Given up"),
}


class Commitment(Model):
    """A promise made in a reply letter, owned by a unit, due on a date, tracked to done."""

    __tablename__ = "commitments"
    __table_args__ = (
        sa.CheckConstraint("(state = 'open') = (closed_on IS NULL)", name="closed_when_not_open"),
        sa.Index("ix_commitments_state_due_on", "state", "due_on", "id"),
        sa.Index("ix_commitments_due_on", "due_on", "id"),
        sa.Index("ix_commitments_created_at", "created_at", "id"),  # the API's order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="RESTRICT"), index=True
    )
    #: What was promised, in the letter's words (or close to them).
    text: Mapped[str] = mapped_column(sa.String(500))
    owner_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[date]
    #: The project that carries it out, if there is one.
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[CommitmentState] = mapped_column(
        enum_type(CommitmentState), default=CommitmentState.OPEN
    )
    #: When it was kept or given up (the actual date), and the public note saying how or why.
    closed_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    owner_unit: Mapped[OrgUnit] = relationship()
    project: Mapped[Project | None] = relationship()

    def is_late(self, on: date) -> bool:
        """Open past its due date, or kept after it."""
        if self.state is CommitmentState.OPEN:
            return on > self.due_on
        kept_on = self.closed_on if self.state is CommitmentState.DONE else None
        return kept_on is not None and kept_on > self.due_on


# --- what a change invalidates among the cached pages (app/core/pagecache.py) -------------


def page_tags(project_id: int) -> tuple[str, ...]:
    """The tags of a project's page and card (for a bulk statement's ``pagecache.TAGS``)."""
    return (f"project:{project_id}", "projects")


def _on_its_project(row: ProjectYear | Milestone | ProjectUpdate) -> tuple[str, ...]:
    return page_tags(row.project_id)


def _link_tags(link: ProjectLink) -> tuple[str, ...]:
    # A link shows on both pages: the project's and the initiative's, question's or letter's.
    return (*page_tags(link.project_id), f"{link.target.value}:{link.target_id}")


def _commitment_tags(commitment: Commitment) -> tuple[str, ...]:
    tags = [f"reply:{commitment.reply_id}", "commitments", "accountability"]
    if commitment.project_id is not None:
        tags.extend(page_tags(commitment.project_id))
    return tuple(tags)


_EVERY_PROJECT = ("project", "projects")
pagecache.tags_for(Project, lambda project: page_tags(project.id), bulk=_EVERY_PROJECT)
pagecache.tags_for(ProjectYear, _on_its_project, bulk=_EVERY_PROJECT)
pagecache.tags_for(Milestone, _on_its_project, bulk=_EVERY_PROJECT)
pagecache.tags_for(ProjectUpdate, _on_its_project, bulk=_EVERY_PROJECT)
pagecache.tags_for(
    ProjectLink, _link_tags, bulk=(*_EVERY_PROJECT, "initiative", "question", "reply")
)
pagecache.tags_for(
    Commitment,
    _commitment_tags,
    bulk=(*_EVERY_PROJECT, "commitments", "reply", "accountability"),
)
