"""A person's notifications as their list shows them: a fixed number of queries a page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g

from app.auth.models import User
from app.core import pagination
from app.extensions import db
from app.initiatives.models import Initiative
from app.notifications import audience, messages
from app.notifications.models import Event, Notification
from app.questions.models import Question
from app.replies.models import Reply

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
    """The header's number: once per request, from the partial index of unread ones."""
    if "unread_notifications" not in g:
        g.unread_notifications = int(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            )
            or 0
        )
    return int(g.unread_notifications)


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
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events.values():
        wanted[event.item_type].add(event.item_id)
    items: dict[tuple[str, int], Initiative | Question | Reply] = {}
    if wanted["initiative"]:
        found = db.session.scalars(
            sa.select(Initiative).where(Initiative.id.in_(sorted(wanted["initiative"])))
        )
        items.update({("initiative", row.id): row for row in found})
    if wanted["question"]:
        asked = db.session.scalars(
            sa.select(Question).where(Question.id.in_(sorted(wanted["question"])))
        )
        items.update({("question", row.id): row for row in asked})
    if wanted["reply"]:
        letters = db.session.scalars(sa.select(Reply).where(Reply.id.in_(sorted(wanted["reply"]))))
        items.update({("reply", row.id): row for row in letters})
    shown = []
    for notification in page.items:
        event = events[notification.event_id]
        item = items.get((event.item_type, event.item_id))
        shown.append(Shown(notification, messages.describe(event, item) if item else None))
    return page, shown


def shown(notification: Notification) -> Shown:
    event = notification.event
    item = audience.item_of(event)
    return Shown(notification, messages.describe(event, item) if item else None)
