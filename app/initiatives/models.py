"""Initiatives (pobude), their supports, public timeline and attachments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.attachments.models import StoredFile
from app.auth.models import User
from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.extensions import Model
from app.initiatives.lemmas import keep_lemma_texts
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import slugify


class InitiativeState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for moderation
    PUBLISHED = "published"  # open for support
    AWAITING_RESPONSE = "awaiting_response"  # threshold reached: the municipality must answer
    ANSWERED = "answered"
    COMPLETED = "completed"  # an accepted initiative, carried out
    EXPIRED = "expired"  # the support period ended under the threshold
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"  # not published, with a public reason


STATE_LABELS = {
    InitiativeState.DRAFT: _l("Draft"),
    InitiativeState.SUBMITTED: _l("Waiting for moderation"),
    InitiativeState.PUBLISHED: _l("Open for support"),
    InitiativeState.AWAITING_RESPONSE: _l("Awaiting the municipality's response"),
    InitiativeState.ANSWERED: _l("Answered"),
    InitiativeState.COMPLETED: _l("Carried out"),
    InitiativeState.EXPIRED: _l("Expired"),
    InitiativeState.WITHDRAWN: _l("Withdrawn"),
    InitiativeState.REJECTED: _l("Not published"),
}

#: States in which supporters can still add or withdraw support (until the deadline).
SUPPORTABLE = (InitiativeState.PUBLISHED, InitiativeState.AWAITING_RESPONSE)
#: States the public can see.
PUBLIC = (
    InitiativeState.PUBLISHED,
    InitiativeState.AWAITING_RESPONSE,
    InitiativeState.ANSWERED,
    InitiativeState.COMPLETED,
    InitiativeState.EXPIRED,
    InitiativeState.WITHDRAWN,
    InitiativeState.REJECTED,
)


class ResponseKind(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    REJECTED = "rejected"


RESPONSE_LABELS = {
    ResponseKind.ACCEPTED: _l("Accepted"),
    ResponseKind.PARTLY_ACCEPTED: _l("Partly accepted"),
    ResponseKind.REJECTED: _l("Rejected"),
}


#: The states of the public list's default view ("all"), oldest first in the lifecycle.
LISTED = (
    InitiativeState.PUBLISHED,
    InitiativeState.AWAITING_RESPONSE,
    InitiativeState.ANSWERED,
    InitiativeState.COMPLETED,
    InitiativeState.EXPIRED,
)
_LISTED_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in LISTED) + ")"


class Initiative(Model):
    """A resident's proposal to the municipality."""

    __tablename__ = "initiatives"
    __table_args__ = (
        sa.CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        sa.Index("ix_initiatives_state_published_at", "state", "published_at"),
        sa.Index("ix_initiatives_state_support_count", "state", "support_count"),
        sa.Index("ix_initiatives_state_support_closes_at", "state", "support_closes_at"),
        # The default list (five states) newest and most supported first, read backwards:
        # see migration g3listidx0001. The predicate must match queries.LISTED exactly.
        sa.Index(
            "ix_initiatives_listed_newest",
            "published_at",
            "id",
            postgresql_where=sa.text(_LISTED_SQL),
            sqlite_where=sa.text(_LISTED_SQL),
        ),
        sa.Index(
            "ix_initiatives_listed_supported",
            "support_count",
            "published_at",
            "id",
            postgresql_where=sa.text(_LISTED_SQL),
            sqlite_where=sa.text(_LISTED_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    summary: Mapped[str] = mapped_column(sa.String(400))
    #: Markdown as the author wrote it …
    body: Mapped[str] = mapped_column(sa.Text)
    #: … and as sanitised HTML, rendered once on save (never trust it without sanitising).
    body_html: Mapped[str] = mapped_column(sa.Text)
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("topics.id", ondelete="RESTRICT"), index=True
    )
    #: ``None``: the whole municipality.
    community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("local_communities.id", ondelete="RESTRICT"), index=True
    )
    #: Optional place: an address or a description ("the crossing by the school").
    location: Mapped[str | None] = mapped_column(sa.String(200))
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[InitiativeState] = mapped_column(
        enum_type(InitiativeState),
        default=InitiativeState.DRAFT,
    )
    #: The exact number of supports, kept in step with ``initiative_supports`` in the same
    #: transaction (see services.support): lists sort by it without counting rows.
    support_count: Mapped[int] = mapped_column(default=0)
    #: The threshold that applied when the initiative was published (settings may change).
    threshold: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    support_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Indexed: the accountability figures' years run from the earliest.
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The unit that answers; chosen by a moderator or an official.
    responsible_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="SET NULL"), index=True
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_kind: Mapped[ResponseKind | None] = mapped_column(enum_type(ResponseKind))
    response_text: Mapped[str | None] = mapped_column(sa.Text)
    response_html: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rejection_reasons.id", ondelete="RESTRICT")
    )
    #: The moderator's public words added to the reason.
    rejection_note: Mapped[str | None] = mapped_column(sa.Text)
    #: The lemmas of the title, summary and body (``lemmas.lemma_text``), for the search index:
    #: the database cannot lemmatize, so the application writes them on every flush that
    #: changes the text (``_write_lemmas`` below). A bulk ``UPDATE`` of the text must set them.
    title_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    author: Mapped[User] = relationship()
    topic: Mapped[Topic] = relationship()
    community: Mapped[LocalCommunity | None] = relationship()
    responsible_unit: Mapped[OrgUnit | None] = relationship()
    rejection_reason: Mapped[RejectionReason | None] = relationship()
    events: Mapped[list[InitiativeEvent]] = relationship(
        back_populates="initiative", order_by="InitiativeEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="initiative", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.state}>"


#: Each searchable text of an initiative and the column of its lemma text.
SEARCHABLE_TEXT = {"title": "title_lemmas", "summary": "summary_lemmas", "body": "body_lemmas"}


keep_lemma_texts(Initiative, SEARCHABLE_TEXT)


class Support(Model):
    """One resident's support of one initiative."""

    __tablename__ = "initiative_supports"
    # One support each, even when twenty requests race: the database decides.
    __table_args__ = (sa.UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    #: A deleted account keeps its row (a tombstone), so the support stays counted once.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventKind(enum.StrEnum):
    CREATED = "created"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    THRESHOLD_REACHED = "threshold_reached"
    ANSWERED = "answered"
    PROGRESS = "progress"
    COMPLETED = "completed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    EDITED = "edited"  # a moderator changed the text after publication
    ADOPTED = "adopted"  # a councillor took it up as a councillor's initiative


class InitiativeEvent(Model):
    """A step on the initiative's public timeline."""

    __tablename__ = "initiative_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who acted; shown publicly only for officials (by unit), never for moderators by name.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Public text of the step (a progress report, a moderator's note).
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    initiative: Mapped[Initiative] = relationship(back_populates="events")


class Attachment(StoredFile, Model):
    """An image or PDF added by the author, stored outside the static folder."""

    __tablename__ = "initiative_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    #: What an image shows (its text alternative) or what a document is. After the file's
    #: columns and before ``created_at``, where the table has always had it.
    description: Mapped[str] = mapped_column(sa.String(300), sort_order=1)

    initiative: Mapped[Initiative] = relationship(back_populates="attachments")


# What a change of these rows invalidates among the cached pages (app/core/pagecache.py): its
# initiative's page, and the lists and the home page wherever a card or a count shows it.
def title_slug(title: str) -> str | None:
    """The readable part of an initiative's address (``/initiatives/5-<slug>``), if any."""
    return slugify(title)[:60].strip("-") or None


def page_tags(initiative_id: int) -> tuple[str, ...]:
    """The tags of an initiative's card and page: for a bulk statement's ``pagecache.TAGS``."""
    return (f"initiative:{initiative_id}", "initiatives")


def _on_its_initiative(row: Support | InitiativeEvent | Attachment) -> tuple[str, ...]:
    return (f"initiative:{row.initiative_id}",)


# Its state and dates are the accountability figures' too (a support moves none of them).
pagecache.tags_for(
    Initiative,
    lambda i: (*page_tags(i.id), "accountability"),
    bulk=("initiative", "initiatives", "accountability"),
)
# A support moves the count on every card of the initiative, not only on its page.
pagecache.tags_for(
    Support, lambda s: page_tags(s.initiative_id), bulk=("initiative", "initiatives")
)
pagecache.tags_for(InitiativeEvent, _on_its_initiative, bulk=("initiative",))
pagecache.tags_for(Attachment, _on_its_initiative, bulk=("initiative",))
