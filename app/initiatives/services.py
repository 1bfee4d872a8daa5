"""Use cases of initiatives. Services flush, never commit: the view owns the transaction.

Every transition writes a step of the public timeline, and official or moderation actions
also an audit entry, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.core import models as audit
from app.core import pagecache, supports
from app.core.text import render_markdown
from app.core.time import utcnow
from app.extensions import db
from app.follows import services as follows
from app.follows.models import Reason, Target
from app.initiatives import lifecycle, permissions, rules
from app.initiatives.models import (
    EventKind,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    ResponseKind,
    Support,
    page_tags,
)
from app.moderation import decisions

# Moderation's, named here too: the views and tests of initiatives catch them from services.
from app.moderation.decisions import ChangedMeanwhile as ChangedMeanwhile
from app.moderation.decisions import NoteRequired as NoteRequired
from app.moderation.decisions import version as version
from app.notifications import recording
from app.notifications.kinds import Kind
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity, Topic

_S = InitiativeState


class NotAllowed(Exception):
    """The acting user may not do this to this initiative (now)."""


class AlreadySupported(Exception):
    pass


class NotSupported(Exception):
    pass


class InvalidChoice(Exception):
    """A topic, community, unit or reason that does not exist or is no longer in use."""


class Gone(Exception):
    """The initiative was deleted meanwhile (a draft deleted by a click a moment earlier)."""


def _lock(initiative: Initiative) -> None:
    """Reload the row under a lock (PostgreSQL) so two transitions cannot interleave.

    A transition that waited for the lock sees the state the other one left; the permission
    checks after it then refuse what is no longer possible.
    """
    try:
        db.session.refresh(initiative, with_for_update=True)
    except sa.exc.InvalidRequestError:  # the row is gone: deleted while we waited
        raise Gone from None


def _event(
    initiative: Initiative,
    kind: EventKind,
    actor: User | None,
    *,
    note: str | None = None,
    **data: Any,
) -> None:
    initiative.events.append(
        InitiativeEvent(kind=kind, actor_id=actor.id if actor else None, note=note, data=data)
    )


def _audit(actor: User | None, action: str, initiative: Initiative, **data: Any) -> None:
    audit.record(actor.id if actor else None, action, "initiative", initiative.id, **data)


_Choice = TypeVar("_Choice", Topic, LocalCommunity)


def _active(
    model: type[_Choice], item_id: int | None, current: int | None = None
) -> _Choice | None:
    """The chosen item; one no longer in use is accepted only if it is already the current one."""
    if item_id is None:
        return None
    item = db.session.get(model, item_id)
    if item is None or (not item.is_active and item_id != current):
        raise InvalidChoice(model.__name__)
    return item


# --- the author ---------------------------------------------------------------------------


def create_draft(
    actor: User,
    *,
    title: str,
    summary: str,
    body: str,
    topic_id: int,
    community_id: int | None,
    location: str | None,
) -> Initiative:
    if not permissions.can_create(actor):
        raise NotAllowed
    initiative = Initiative(author=actor, state=_S.DRAFT)
    _apply_content(
        initiative,
        title=title,
        summary=summary,
        body=body,
        topic_id=topic_id,
        community_id=community_id,
        location=location,
    )
    db.session.add(initiative)
    db.session.flush()
    follows.follow_automatically(actor, Target.INITIATIVE, initiative.id, Reason.OWN)
    return initiative


def _apply_content(initiative: Initiative, **content: Any) -> None:
    topic = _active(Topic, content["topic_id"], initiative.topic_id)
    if topic is None:  # every initiative has a topic; the form requires one
        raise InvalidChoice("Topic")
    initiative.topic = topic
    initiative.community = _active(LocalCommunity, content["community_id"], initiative.community_id)
    initiative.title = " ".join(content["title"].split())
    initiative.summary = " ".join(content["summary"].split())
    initiative.body = content["body"].strip()
    initiative.body_html = render_markdown(initiative.body)
    initiative.location = " ".join((content["location"] or "").split()) or None
    initiative.updated_at = utcnow()


def update(actor: User, initiative: Initiative, **content: Any) -> None:
    """Change the text (authors until publication; moderators may correct, audited)."""
    if not permissions.can_edit(actor, initiative):
        raise NotAllowed
    before = {name: getattr(initiative, column) for name, column in _TRACKED_CONTENT.items()}
    _apply_content(initiative, **content)
    changed = [
        name for name, column in _TRACKED_CONTENT.items()
        if getattr(initiative, column) != before[name]
    ]  # fmt: skip
    public = initiative.state not in (_S.DRAFT, _S.SUBMITTED)
    if changed and (public or not permissions.is_author(actor, initiative)):
        # Whoever changes a published text — a moderator correcting it, or a moderator who
        # is also its author — supporters must see that it changed, what and by whom.
        _audit(actor, "initiative.edit", initiative, fields=changed)
        if public:
            _event(initiative, EventKind.EDITED, actor, fields=changed)
    db.session.flush()


#: The parts of an initiative's content whose change is traced (field name: attribute).
_TRACKED_CONTENT = {
    "title": "title",
    "summary": "summary",
    "body": "body",
    "topic": "topic",
    "community": "community",
    "location": "location",
}


def submit(actor: User, initiative: Initiative) -> None:
    _lock(initiative)
    if not permissions.can_submit(actor, initiative):
        raise NotAllowed
    initiative.state = _S.SUBMITTED
    initiative.submitted_at = utcnow()
    _event(initiative, EventKind.SUBMITTED, actor)
    _audit(actor, "initiative.submit", initiative)
    db.session.flush()


def unsubmit(actor: User, initiative: Initiative) -> None:
    """Take a submitted initiative back to a draft (it was never public)."""
    _lock(initiative)
    if not permissions.can_unsubmit(actor, initiative):
        raise NotAllowed
    initiative.state = _S.DRAFT
    initiative.submitted_at = None
    _audit(actor, "initiative.unsubmit", initiative)
    db.session.flush()


def delete_draft(actor: User, initiative: Initiative) -> None:
    _lock(initiative)
    if not permissions.can_delete(actor, initiative):
        raise NotAllowed
    db.session.delete(initiative)
    db.session.flush()


def withdraw(actor: User, initiative: Initiative, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    _lock(initiative)
    if not permissions.can_withdraw(actor, initiative, now):
        raise NotAllowed
    initiative.state = _S.WITHDRAWN
    initiative.closed_at = now
    _event(initiative, EventKind.WITHDRAWN, actor)
    _audit(actor, "initiative.withdraw", initiative)
    db.session.flush()


# --- moderation ---------------------------------------------------------------------------


def _check_moderation(actor: User, initiative: Initiative, seen: str) -> None:
    _lock(initiative)
    if not permissions.can_moderate(actor, initiative):
        raise NotAllowed
    # The author may have edited it (or changed its pictures) after the moderator opened it.
    decisions.check_seen(initiative, seen)


def publish(
    actor: User,
    initiative: Initiative,
    *,
    seen: str,
    responsible_unit_id: int | None = None,
) -> None:
    """Open for support until the deadline, with the threshold that applies today.

    ``seen`` is the version of the text the moderator read (see ``version``).
    """
    _check_moderation(actor, initiative, seen)
    current = rules.current()
    now = utcnow()
    if responsible_unit_id is not None:
        _set_unit(initiative, responsible_unit_id)
    initiative.state = _S.PUBLISHED
    initiative.published_at = now
    initiative.support_closes_at = now + timedelta(days=current.support_days)
    initiative.threshold = current.threshold
    _event(initiative, EventKind.PUBLISHED, actor)
    _audit(actor, "initiative.publish", initiative, threshold=current.threshold)
    db.session.flush()


def reject(
    actor: User, initiative: Initiative, *, seen: str, reason_id: int, note: str | None
) -> None:
    _check_moderation(actor, initiative, seen)
    try:
        reason, words = decisions.rejection(reason_id, note)
    except decisions.InvalidReason:
        raise InvalidChoice("RejectionReason") from None
    initiative.state = _S.REJECTED
    initiative.rejection_reason = reason
    initiative.rejection_note = words
    initiative.closed_at = utcnow()
    _event(
        initiative, EventKind.REJECTED, actor, note=initiative.rejection_note, reason=reason.slug
    )
    _audit(actor, "initiative.reject", initiative, reason=reason.slug)
    db.session.flush()


def _set_unit(initiative: Initiative, unit_id: int) -> None:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not unit.is_active:
        raise InvalidChoice("OrgUnit")
    initiative.responsible_unit = unit


def assign_unit(actor: User, initiative: Initiative, *, unit_id: int) -> None:
    _lock(initiative)
    if not permissions.can_assign_unit(actor, initiative):
        raise NotAllowed
    _set_unit(initiative, unit_id)
    _audit(actor, "initiative.assign", initiative, unit=initiative.responsible_unit.code)  # type: ignore[union-attr]
    # No timeline step (the page shows the unit), but the unit's officials must hear of it:
    # now if it is public, else when it is published (the event "published" tells them).
    if permissions.can_view(None, initiative):
        recording.record(Kind.INITIATIVE_ASSIGNED, "initiative", initiative.id, actor=actor)
    db.session.flush()


# --- support ------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _pages_of(initiative: Initiative) -> dict[str, Any]:
    """Execution options of a support's bulk statements: the cached pages they change.

    The flush would name these for an ORM object (``Support``'s tags in models.py); a bulk
    statement that names none would change every initiative's page (app/core/pagecache.py).
    """
    return {pagecache.TAGS: page_tags(initiative.id)}


def support(actor: User, initiative: Initiative, *, now: datetime | None = None) -> int:
    """Add the actor's support and return its id; exact under any concurrency.

    The unique constraint decides who got in: ``INSERT … ON CONFLICT DO NOTHING`` returns no
    row for a second support (nor for a person counted under an account they deleted), so no
    SAVEPOINT is needed to survive the conflict. Only the request whose row went in moves the
    counter, in one UPDATE that also makes the threshold transition (``_count_support``): the
    counter always equals the rows, and the transition happens once however many supports
    cross it together. Two statements in all, three when this support crosses the threshold.
    """
    now = now or utcnow()
    if not permissions.can_support(actor, initiative, now):
        raise NotAllowed
    inserted = supports.insert_once(
        Support,
        Support.initiative_id,
        initiative.id,
        actor,
        now,
        unless=supports.counted_before(
            actor, Support.initiative_id, initiative.id, author_id=initiative.author_id
        ),
        execution_options=_pages_of(initiative),
    )
    if inserted is None:
        raise AlreadySupported
    _count_support(initiative, now)
    follows.follow_automatically(actor, Target.INITIATIVE, initiative.id, Reason.SUPPORTED)
    return inserted


#: What the support and withdrawal UPDATEs bring back into the loaded initiative.
_COUNTED = ("support_count", "state", "threshold_reached_at", "response_due_at")


def _count_support(initiative: Initiative, now: datetime) -> None:
    """Count one more support; reach the threshold if this support crossed it.

    One ``UPDATE … RETURNING``: the row lock it takes orders concurrent supports, and in SET
    every column means its value *before* this UPDATE, so exactly one of the supports that
    cross the threshold together sees it still ``published`` and makes the transition.
    """
    due = now + timedelta(days=rules.current().response_days)
    crossing = sa.and_(
        Initiative.state == _S.PUBLISHED, Initiative.support_count + 1 >= Initiative.threshold
    )

    def on_crossing(value: Any, column: QueryableAttribute[Any]) -> sa.ColumnElement[Any]:
        return sa.case((crossing, sa.literal(value, column.type)), else_=column)

    statement = (
        sa.update(Initiative)
        .where(Initiative.id == initiative.id)
        .values(
            support_count=Initiative.support_count + 1,
            state=on_crossing(_S.AWAITING_RESPONSE, Initiative.state),
            threshold_reached_at=on_crossing(now, Initiative.threshold_reached_at),
            response_due_at=on_crossing(due, Initiative.response_due_at),
        )
        .returning(*(getattr(Initiative, name) for name in _COUNTED))
        # The values returned are set below; the ORM need not guess them.
        .execution_options(synchronize_session=False, **_pages_of(initiative))
    )
    if _dialect() == "postgresql":
        # Which support made the transition: RETURNING shows only the new row, so the old
        # state comes from the same row, locked in the same statement (FOR NO KEY UPDATE, as
        # the UPDATE itself locks: it does not wait for the inserts' foreign-key locks). A
        # support that waited for another's lock sees the row that one left, not its snapshot.
        before = (
            sa.select(Initiative.id, Initiative.state)
            .where(Initiative.id == initiative.id)
            .with_for_update(key_share=True)
            .subquery("before")
        )
        statement = statement.where(Initiative.id == before.c.id).returning(before.c.state)
        *counted, state_before = db.session.execute(statement).one()
    else:
        # SQLite runs one writing transaction at a time (BEGIN IMMEDIATE, app/core/db.py), and
        # the ORM expires loaded objects when a transaction ends: the state loaded in this
        # transaction is still the state in the database.
        state_before = initiative.state
        counted = list(db.session.execute(statement).one())
    for name, value in zip(_COUNTED, counted, strict=True):
        set_committed_value(initiative, name, value)  # as loaded: nothing to write back
    if state_before is _S.PUBLISHED and initiative.state is _S.AWAITING_RESPONSE:
        db.session.add(
            InitiativeEvent(
                initiative_id=initiative.id,
                kind=EventKind.THRESHOLD_REACHED,
                created_at=now,
                data={"due": due.isoformat()},
            )
        )
        db.session.expire(initiative, ["events"])  # a loaded timeline lacks the new step
        _audit(None, "initiative.threshold_reached", initiative, due=due.isoformat())
        db.session.flush()


def withdraw_support(actor: User, initiative: Initiative, *, now: datetime | None = None) -> None:
    """Remove the actor's support: one DELETE, and one UPDATE that returns the new count."""
    now = now or utcnow()
    if not permissions.can_withdraw_support(actor, initiative, now):
        raise NotAllowed
    if not supports.delete_one(
        Support,
        Support.initiative_id,
        initiative.id,
        actor,
        execution_options=_pages_of(initiative),
    ):
        raise NotSupported
    count = db.session.scalar(
        sa.update(Initiative)
        .where(Initiative.id == initiative.id)
        .values(support_count=Initiative.support_count - 1)
        .returning(Initiative.support_count)
        .execution_options(synchronize_session=False, **_pages_of(initiative))
    )
    set_committed_value(initiative, "support_count", count)
    follows.drop_automatic(actor, Target.INITIATIVE, initiative.id, Reason.SUPPORTED)


def has_supported(user: Any, initiative: Initiative) -> bool:
    return supports.has_supported(user, Support.initiative_id, initiative.id)


# --- the municipality ---------------------------------------------------------------------


def respond(actor: User, initiative: Initiative, *, kind: ResponseKind, text: str) -> None:
    """The official response: accepted, partly accepted or rejected, with its text."""
    now = utcnow()
    _lock(initiative)
    if not permissions.can_respond(actor, initiative, now):
        raise NotAllowed
    initiative.state = _S.ANSWERED
    initiative.response_kind = kind
    initiative.response_text = text.strip()
    initiative.response_html = render_markdown(initiative.response_text)
    initiative.answered_at = now
    if initiative.support_closes_at and initiative.support_closes_at > now:
        initiative.support_closes_at = now  # an answered initiative gathers no more support
    on_time = initiative.response_due_at is None or now <= initiative.response_due_at
    _event(initiative, EventKind.ANSWERED, actor, response=kind.value, on_time=on_time)
    _audit(actor, "initiative.respond", initiative, response=kind.value)
    db.session.flush()


def report_progress(actor: User, initiative: Initiative, *, note: str, completed: bool) -> None:
    """A public report on carrying out an accepted initiative; ``completed`` closes it."""
    _lock(initiative)
    if not permissions.can_report_progress(actor, initiative):
        raise NotAllowed
    kind = EventKind.COMPLETED if completed else EventKind.PROGRESS
    _event(initiative, kind, actor, note=note.strip())
    if completed:
        initiative.state = _S.COMPLETED
        initiative.completed_at = utcnow()
    _audit(actor, f"initiative.{kind.value}", initiative)
    db.session.flush()


# --- the clock ----------------------------------------------------------------------------


def close_expired(*, now: datetime | None = None) -> int:
    """Record expiry of initiatives whose support period ended under the threshold."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            sa.select(Initiative).where(
                Initiative.state == _S.PUBLISHED, Initiative.support_closes_at <= now
            )
        )
    )
    for initiative in expired:
        initiative.state = lifecycle.effective_state(initiative, now)
        initiative.closed_at = initiative.support_closes_at
        _event(initiative, EventKind.EXPIRED, None, supporters=initiative.support_count)
        _audit(None, "initiative.expire", initiative, supporters=initiative.support_count)
    db.session.flush()
    return len(expired)
