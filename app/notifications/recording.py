"""Writing the event log, in the transaction of the change it records.

Steps of the public timelines become events by themselves: a listener sees each new
``InitiativeEvent``, ``QuestionEvent``, ``ReplyEvent`` and ``ProjectUpdate`` (a project's
timeline entry, which also carries a commitment kept or given up on the project) as it is
flushed and adds the event beside it on the same connection. No service has to remember to
notify anyone, and a change that is rolled back takes its event with it, so nothing is ever
told of it.

What has no timeline step (a due date coming close, a verdict, a unit now owing a response)
is recorded with ``record``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, UOWTransaction

from app.auth.models import User
from app.core import upsert
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import InitiativeEvent
from app.notifications import kinds
from app.notifications.kinds import Kind
from app.notifications.models import Event
from app.projects.models import ProjectUpdate
from app.questions.models import QuestionEvent
from app.replies.models import ReplyEvent


def _as_event(obj: object) -> dict[str, Any] | None:
    if isinstance(obj, InitiativeEvent):
        kind = kinds.of_initiative_step(obj.kind, obj.data or {})
        item_type, item_id, source_type = "initiative", obj.initiative_id, "initiative_event"
    elif isinstance(obj, QuestionEvent):
        kind = kinds.of_question_step(obj.kind, obj.data or {})
        item_type, item_id, source_type = "question", obj.question_id, "question_event"
    elif isinstance(obj, ReplyEvent):
        kind = kinds.of_reply_step(obj.kind, obj.data or {})
        item_type, item_id, source_type = "reply", obj.reply_id, "reply_event"
    elif isinstance(obj, ProjectUpdate):
        told = kinds.of_project_update(obj)
        if told is None:
            return None
        kind, item_type, item_id = told
        source_type = "project_update"
    else:
        return None
    if kind is None:
        return None
    return {
        "kind": kind.value,
        "item_type": item_type,
        "item_id": item_id,
        "source_type": source_type,
        "source_id": obj.id,
        "actor_id": obj.actor_id,
        "created_at": obj.created_at or utcnow(),
        "data": {},
        "fanned_up_to": 0,
        "recipients": 0,
        "attempts": 0,
    }


_QUIET = "glas_notifications_quiet"


@contextmanager
def quietly() -> Iterator[None]:
    """Record the steps made in the block as events already told: the log stays complete,
    nobody is notified. For the import of archived letters, whose questions of 2016 are not
    news to anyone following their councillor or session."""
    db.session.info[_QUIET] = db.session.info.get(_QUIET, 0) + 1
    try:
        yield
    finally:
        db.session.info[_QUIET] -= 1


@sa.event.listens_for(Session, "after_flush")
def _events_of_new_steps(session: Session, _context: UOWTransaction) -> None:
    rows = [row for obj in session.new if (row := _as_event(obj)) is not None]
    if rows and session.info.get(_QUIET):
        for row in rows:
            row["fanned_out_at"] = row["created_at"]
    if rows:
        # Core, on the flush's own connection: the rows join the transaction without a
        # second flush, and no page's cache hears of them (they are on no page).
        session.connection().execute(sa.insert(Event.__table__), rows)  # type: ignore[arg-type]


def record(
    kind: Kind,
    item_type: str,
    item_id: int,
    *,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    once_key: str | None = None,
) -> bool:
    """Add an event without a timeline step; whether it was added.

    With ``once_key`` the event is recorded once for good: a cron command that runs every
    five minutes announces "due in three days" a single time (``INSERT … ON CONFLICT DO
    NOTHING`` on the key).
    """
    statement = upsert.insert(Event).values(
        kind=kind.value,
        item_type=item_type,
        item_id=item_id,
        actor_id=actor.id if actor else None,
        data=data or {},
        once_key=once_key,
        created_at=utcnow(),
        fanned_up_to=0,
        recipients=0,
        attempts=0,
    )
    if once_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["once_key"])
    return db.session.scalar(statement.returning(Event.id)) is not None
