"""The council office's record of sessions. Services flush, never commit; every change audited.

A session's date decides the due dates of what was posed at it, and a new or moved regular
session decides the due dates of questions due "by the next regular session": every change
recomputes the open questions' due dates (``questions.services.recompute_due_dates``), and
each one that moves says so on its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.core import models as audit
from app.core.time import utcnow
from app.council.models import CouncilBody, Term
from app.extensions import db
from app.questions import permissions
from app.questions import services as questions
from app.sessions.models import AgendaItem, CouncilSession, SessionKind

MAX_AGENDA_ITEMS = 60
AGENDA_ITEM_MAX = 300


class NotAllowed(Exception):
    pass


class InvalidValue(Exception):
    """A value the record cannot take; ``field`` names the form field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class Duplicate(Exception):
    """Another session of the same body, term and kind has this number."""


@dataclass(frozen=True)
class SessionContent:
    body_id: int
    term_id: int
    kind: SessionKind
    number: int
    held_on: date
    note: str | None
    agenda: tuple[str, ...]


def _apply(session: CouncilSession, content: SessionContent) -> None:
    body = db.session.get(CouncilBody, content.body_id)
    if body is None:
        raise InvalidValue("body")
    term = db.session.get(Term, content.term_id)
    if term is None or term.body_id != body.id:
        raise InvalidValue("term")
    if not (
        term.starts_on <= content.held_on
        and (term.ends_on is None or content.held_on <= term.ends_on)
    ):
        raise InvalidValue("held_on")  # a session is held within its term
    if not 0 < content.number < 10_000:
        raise InvalidValue("number")
    items = [" ".join(line.split()) for line in content.agenda]
    items = [item for item in items if item]
    if len(items) > MAX_AGENDA_ITEMS or any(len(item) > AGENDA_ITEM_MAX for item in items):
        raise InvalidValue("agenda")
    clash = db.session.scalar(
        sa.select(CouncilSession.id).where(
            CouncilSession.body_id == body.id,
            CouncilSession.term_id == term.id,
            CouncilSession.kind == content.kind,
            CouncilSession.number == content.number,
            CouncilSession.id != (session.id or 0),
        )
    )
    if clash is not None:
        raise Duplicate
    session.body = body
    session.term = term
    session.kind = content.kind
    session.number = content.number
    session.held_on = content.held_on
    session.note = (content.note or "").strip() or None
    _set_agenda(session, items)
    session.updated_at = utcnow()


def _set_agenda(session: CouncilSession, items: list[str]) -> None:
    """Keep the rows of items that stay (questions may point at them), renumbered."""
    current = {item.title: item for item in session.agenda}
    kept = []
    for position, title in enumerate(items, start=1):
        item = current.pop(title, None) or AgendaItem(title=title)
        item.position = -position  # moved out of the way first: (session, position) is unique
        kept.append(item)
    for item in current.values():
        session.agenda.remove(item)
    session.agenda[:] = kept
    if session.id is not None:
        db.session.flush()
    for item in kept:
        item.position = -item.position


def create(actor: User | None, content: SessionContent) -> CouncilSession:
    if actor is not None and not permissions.can_manage_sessions(actor):
        raise NotAllowed
    session = CouncilSession()
    _apply(session, content)
    db.session.add(session)
    db.session.flush()
    _audit(actor, "session.create", session)
    _recompute(actor, session)
    return session


def update(actor: User | None, session: CouncilSession, content: SessionContent) -> None:
    if actor is not None and not permissions.can_manage_sessions(actor):
        raise NotAllowed
    db.session.refresh(session, with_for_update=True)
    before = (session.kind, session.number, session.held_on, session.term_id)
    _apply(session, content)
    db.session.flush()
    _audit(actor, "session.update", session)
    if before != (session.kind, session.number, session.held_on, session.term_id):
        _recompute(actor, session)


def _audit(actor: User | None, action: str, session: CouncilSession) -> None:
    audit.record(
        actor.id if actor else None,
        action,
        "session",
        session.id,
        kind=session.kind.value,
        number=session.number,
        held_on=session.held_on.isoformat(),
        agenda=len(session.agenda),
    )


def _recompute(actor: User | None, session: CouncilSession) -> None:
    questions.recompute_due_dates(actor, cause=f"session:{session.id}")
