"""A person's notifications as their list shows them: a fixed number of queries a page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import pagination
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeEvent
from app.notifications import audience, messages
from app.notifications.models import Event, Notification
from app.projects.models import Commitment, Project, ProjectUpdate
from app.questions.models import Question, QuestionEvent
from app.replies.models import Reply, ReplyEvent

PAGE_SIZE = 30
_KEYS = (
    pagination.Key(Notification.__table__.c.created_at, True, lambda n: n.created_at),
    pagination.Key(Notification.__table__.c.id, True, lambda n: n.id),
)


@dataclass(frozen=True)
class Shown:
    notification: Notification
    #: ``None``: its item is gone (a draft deleted since); the line says so.
    message: messages.Message | None


def unread_count(user: User) -> int:
    """How many the person has not read, exactly (the header's number stops at 100 and comes
    with the signed-in session, ``app.auth.sessions.load_session``)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def page_for(user: User, cursor: str | None) -> tuple[pagination.Page[Notification], list[Shown]]:
    """One page, newest first: the notifications, their events, and their items by kind."""
    page = pagination.keyset(
        sa.select(Notification).where(Notification.user_id == user.id),
        keys=_KEYS,
        size=PAGE_SIZE,
        cursor=cursor,
    )
    events = {
        e.id: e
        for e in db.session.scalars(
            sa.select(Event).where(Event.id.in_([n.event_id for n in page.items]))
        )
    }
    said = describe_all(list(events.values()))
    return page, [Shown(n, said.get(n.event_id)) for n in page.items]


def describe_all(events: list[Event]) -> dict[int, messages.Message]:
    """What each event says, in the current locale, by event id (an event whose item is gone
    is left out). A fixed number of queries: the items by kind, their steps by kind."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        wanted[event.item_type].add(event.item_id)
    items: dict[tuple[str, int], audience.Item] = {}
    if wanted["initiative"]:
        found = db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.id.in_(sorted(wanted["initiative"])))
            .options(selectinload(Initiative.rejection_reason))
        )
        items.update({("initiative", row.id): row for row in found})
    if wanted["question"]:
        asked = db.session.scalars(
            sa.select(Question)
            .where(Question.id.in_(sorted(wanted["question"])))
            .options(selectinload(Question.rejection_reason))
        )
        items.update({("question", row.id): row for row in asked})
    if wanted["reply"]:
        letters = db.session.scalars(sa.select(Reply).where(Reply.id.in_(sorted(wanted["reply"]))))
        items.update({("reply", row.id): row for row in letters})
    if wanted["project"]:
        projects = db.session.scalars(
            sa.select(Project).where(Project.id.in_(sorted(wanted["project"])))
        )
        items.update({("project", row.id): row for row in projects})
    if wanted["commitment"]:
        promised = db.session.scalars(
            sa.select(Commitment).where(Commitment.id.in_(sorted(wanted["commitment"])))
        )
        items.update({("commitment", row.id): row for row in promised})
    # Held while the messages are made: the session's identity map keeps objects weakly.
    steps = _load_steps(events)
    said = {}
    for event in events:
        item = items.get((event.item_type, event.item_id))
        if item is not None:
            said[event.id] = messages.describe(event, item)
    del steps
    return said


def shown(notification: Notification) -> Shown:
    event = notification.event
    item = audience.item_of(event)
    return Shown(notification, messages.describe(event, item) if item else None)


def _load_steps(events: Iterable[Event]) -> list[object]:
    """The timeline steps the messages take their notes from, one query per kind of step:
    loaded into the session, ``audience.source_of`` then finds each without a query."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.source_type and event.source_id is not None:
            wanted[event.source_type].add(event.source_id)
    loaded: list[object] = []
    for source_type, model in (
        ("initiative_event", InitiativeEvent),
        ("question_event", QuestionEvent),
        ("reply_event", ReplyEvent),
        ("project_update", ProjectUpdate),
    ):
        if wanted[source_type]:
            query = sa.select(model).where(model.id.in_(sorted(wanted[source_type])))
            loaded.extend(db.session.scalars(query))
    return loaded
