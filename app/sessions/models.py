"""Sessions of the council and their agenda."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.council.models import CouncilBody, Term
from app.extensions import Model


class SessionKind(enum.StrEnum):
    REGULAR = "regular"  # redna seja
    EXTRAORDINARY = "extraordinary"  # izredna seja
    CORRESPONDENCE = "correspondence"  # dopisna seja: decided in writing, not held in a room


SESSION_KIND_LABELS = {
    SessionKind.REGULAR: _l("Regular session"),
    SessionKind.EXTRAORDINARY: _l("Extraordinary session"),
    SessionKind.CORRESPONDENCE: _l("Correspondence session"),
}


class CouncilSession(Model):
    """A numbered session of a body: "the 16th regular session of 20 April 2016".

    Sessions are numbered within their kind and term (the 16th regular and the 3rd
    extraordinary session of the same term), as the council's minutes number them.
    """

    __tablename__ = "council_sessions"
    __table_args__ = (
        sa.UniqueConstraint("body_id", "term_id", "kind", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        # "By the next regular session": the first regular session of the body after a day.
        sa.Index("ix_council_sessions_body_kind_held_on", "body_id", "kind", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_bodies.id", ondelete="RESTRICT"), index=True
    )
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_terms.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind))
    number: Mapped[int]
    #: The day it is or was held (for a correspondence session, the day voting closed).
    held_on: Mapped[date] = mapped_column(index=True)
    #: Public notes: where it is held, a link to the materials.
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[CouncilBody] = relationship()
    term: Mapped[Term] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<CouncilSession {self.id} {self.kind} {self.number}>"


class AgendaItem(Model):
    """A point of a session's agenda ("Vprašanja in pobude svetnikov" …)."""

    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_sessions.id", ondelete="CASCADE"), index=True
    )
    #: Its number on the agenda (1, 2, 3 …).
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))

    session: Mapped[CouncilSession] = relationship(back_populates="agenda")


def page_tags(session_id: int) -> tuple[str, ...]:
    return (f"session:{session_id}", "sessions")


# A session shows on its page, the list of sessions, and wherever a question posed at it is:
# its page (which carries the tag ``sessions``), and every card of it, in the lists of
# questions and search (``questions``). Its agenda only on its own page.
pagecache.tags_for(
    CouncilSession, lambda s: (*page_tags(s.id), "questions"), bulk=("sessions", "questions")
)
pagecache.tags_for(AgendaItem, lambda a: page_tags(a.session_id), bulk=("sessions",))
