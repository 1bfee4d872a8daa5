"""The follow: one person, one thing they want to hear about."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.extensions import Model


class Target(enum.StrEnum):
    """What can be followed; the value is also the word in a follow button's address."""

    INITIATIVE = "initiative"
    QUESTION = "question"
    REPLY = "reply"
    COUNCILLOR = "councillor"  # a person of the council (app.council.models.Person)
    SESSION = "session"
    TOPIC = "topic"
    COMMUNITY = "community"  # a local community
    PROJECT = "project"  # a project of the municipality (app.projects.models.Project)


TARGET_LABELS = {
    Target.INITIATIVE: _l("Initiative"),
    Target.QUESTION: _l("Question"),
    Target.REPLY: _l("Reply letter"),
    Target.COUNCILLOR: _l("Councillor"),
    Target.SESSION: _l("Session"),
    Target.TOPIC: _l("Topic"),
    Target.COMMUNITY: _l("Local community"),
    Target.PROJECT: _l("Project"),
}


class Reason(enum.StrEnum):
    """Why the follow exists: chosen with the button, or made automatically."""

    CHOSEN = "chosen"
    OWN = "own"  # one's own initiative or question
    SUPPORTED = "supported"
    ADOPTED = "adopted"  # a councillor's question that took up what one supported


class Follow(Model):
    __tablename__ = "follows"
    __table_args__ = (
        # One follow per person and thing, however many ways it was made: the database
        # decides when two requests race.
        sa.UniqueConstraint("user_id", "target", "target_id"),
        # The fan-out's lookup: everyone following one thing, in the order of their ids.
        sa.Index("ix_follows_target", "target", "target_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    target: Mapped[Target] = mapped_column(enum_type(Target))
    #: The followed row's id; no foreign key, as it names a row of one of eight tables.
    target_id: Mapped[int]
    reason: Mapped[Reason] = mapped_column(enum_type(Reason), default=Reason.CHOSEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Follow {self.user_id} {self.target}:{self.target_id}>"


#: The cached page that shows a target's number of followers, by its tag.
_PAGE_TAG = {
    Target.INITIATIVE: "initiative",
    Target.QUESTION: "question",
    Target.REPLY: "reply",
    Target.COUNCILLOR: "councillor",
    Target.SESSION: "session",
    Target.PROJECT: "project",
}


def page_tags(target: Target, target_id: int) -> tuple[str, ...]:
    """The page a follow changes: its target's, which says how many follow (topics and
    communities have no page of their own)."""
    tag = _PAGE_TAG.get(target)
    return (f"{tag}:{target_id}",) if tag else ()


pagecache.tags_for(Follow, lambda f: page_tags(f.target, f.target_id), bulk=())
