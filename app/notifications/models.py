"""The event log and each person's notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.extensions import Model

_NOT_FANNED_OUT = sa.text("fanned_out_at IS NULL")
_UNREAD = sa.text("read_at IS NULL")
_IN_NEXT_DIGEST = sa.text("mail = 'digest'")


class Event(Model):
    """Something that happened, once, whoever hears of it (append-only).

    Where the change left a step on a public timeline (``initiative_events``,
    ``question_events``, ``reply_events``), the event names that step (``source``) and takes
    its note from there; it keeps no third copy of the text.
    """

    __tablename__ = "events"
    __table_args__ = (
        sa.Index(
            "ix_events_to_fan_out",
            "id",
            postgresql_where=_NOT_FANNED_OUT,
            sqlite_where=_NOT_FANNED_OUT,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: What happened, e.g. ``question.answered`` (app.notifications.kinds).
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The item it happened to: ``initiative``, ``question`` or ``reply`` and its id.
    item_type: Mapped[str] = mapped_column(sa.String(20))
    item_id: Mapped[int]
    #: The timeline step it comes from (``initiative_event``, ``question_event``,
    #: ``reply_event``) and its id, if it has one.
    source_type: Mapped[str | None] = mapped_column(sa.String(20))
    source_id: Mapped[int | None]
    #: Who acted: they are not told of their own act.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: For events the clock makes (due soon, overdue): the same one is recorded once however
    #: often the cron command runs.
    once_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    #: The fan-out's progress: the last recipient's user id done, and when it finished.
    fanned_up_to: Mapped[int] = mapped_column(default=0)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)
    #: Failed batches so far, when to try again, and the last failure in one line: an event
    #: that cannot be told (a broken translation) waits and then is given up, and holds back
    #: neither the other events nor the mail.
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.item_type}:{self.item_id}>"


class Mail(enum.StrEnum):
    """What e-mail a notification brought."""

    NONE = "none"  # no confirmed address, or e-mail turned off
    QUEUED = "queued"  # its own message is in the outbox
    DIGEST = "digest"  # waits for the next daily digest
    DIGESTED = "digested"  # went out in a digest


class Notification(Model):
    """One event for one person: a line in their list, and at most one e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The fan-out's guarantee: one notification, so one message, per event and person,
        # however many of their follows the event matches and however often a batch is retried.
        sa.UniqueConstraint("event_id", "user_id"),
        # A person's list, newest first: by when it happened (the demo's history and a backlog
        # are told out of order), then by id.
        sa.Index("ix_notifications_user", "user_id", "created_at", "id"),
        # The header's unread count and the digest's look-up read only what they need.
        sa.Index(
            "ix_notifications_unread", "user_id", postgresql_where=_UNREAD, sqlite_where=_UNREAD
        ),
        sa.Index(
            "ix_notifications_digest",
            "user_id",
            "id",
            postgresql_where=_IN_NEXT_DIGEST,
            sqlite_where=_IN_NEXT_DIGEST,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail: Mapped[Mail] = mapped_column(enum_type(Mail), default=Mail.NONE)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} event={self.event_id} user={self.user_id}>"


# Nobody's notifications are on a public page (app/core/pagecache.py).
pagecache.tags_for(Event)
pagecache.tags_for(Notification)
