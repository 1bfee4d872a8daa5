"""Use cases of questions. Services flush, never commit: the view owns the transaction.

Every step writes the public timeline, and official, council-office and moderation actions
an audit entry, in the same transaction. Moderation of a resident's question is the same as
an initiative's (``app.moderation.decisions``); supports are counted as initiatives' are
(``app.core.supports``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.auth import permissions as auth
from app.auth.models import Role, RoleGrant, User
from app.core import models as audit
from app.core import pagecache, supports
from app.core.text import render_markdown
from app.core.time import to_local, utcnow
from app.core.time import today as local_today
from app.council.models import CouncillorGroup, CouncilMandate, Person
from app.extensions import db
from app.follows import services as follows
from app.follows.models import Reason, Target
from app.initiatives.models import EventKind, Initiative, InitiativeEvent, Support
from app.moderation import decisions
from app.org.models import OrgUnit
from app.questions import due, permissions
from app.questions.deadlines import MAX_DAYS
from app.questions.models import (
    OPEN,
    Form,
    Kind,
    Origin,
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
    QuestionSupport,
    page_tags,
)
from app.reference.models import LocalCommunity, Topic
from app.sessions.models import AgendaItem, CouncilSession

_Q = QuestionState
_E = QuestionEventKind

# Moderation's, named here too, as initiatives' services do.
ChangedMeanwhile = decisions.ChangedMeanwhile
NoteRequired = decisions.NoteRequired
version = decisions.version


class NotAllowed(Exception):
    """The acting user may not do this to this question (now)."""


class InvalidChoice(Exception):
    """A topic, community, unit, session, person or group that does not exist or is not
    in use; ``field`` names the form field it came from."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class InvalidValue(Exception):
    """A value that breaks a rule of the record (a session not yet held, a case number not
    in the administration's format); ``field`` names the form field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class AlreadySupported(Exception):
    pass


class NotSupported(Exception):
    pass


class AlreadyAdopted(Exception):
    """A councillor has already taken this question or initiative up."""


class Gone(Exception):
    """The question was deleted meanwhile."""


#: The administration's case number (*številka zadeve*): classification mark, the case's
#: number under it, the year (``reply-letter.md``: UUP art. 6 point 19), e.g. ``032-11/2016``.
CASE_NUMBER = re.compile(r"(?P<cls>\d{3,4})-(?P<case>\d+)/(?P<year>\d{4})")


def _lock(question: Question) -> None:
    """Reload the row under a lock (PostgreSQL) so two transitions cannot interleave."""
    try:
        # OF questions: a page loads the question with what it names outer-joined in, and
        # the refresh repeats that load; PostgreSQL locks no row of a nullable outer side.
        db.session.refresh(question, with_for_update={"of": Question})
    except sa.exc.InvalidRequestError:  # deleted while we waited
        raise Gone from None


def _event(
    question: Question,
    kind: QuestionEventKind,
    actor: User | None,
    *,
    note: str | None = None,
    **data: Any,
) -> None:
    question.events.append(
        QuestionEvent(kind=kind, actor_id=actor.id if actor else None, note=note, data=data)
    )


def _audit(actor: User | None, action: str, question: Question, **data: Any) -> None:
    audit.record(actor.id if actor else None, action, "question", question.id, **data)


def _get_active(
    model: type[Any], item_id: int | None, field: str, current: int | None = None
) -> Any:
    """The chosen row; one no longer in use only if it is already the current one."""
    if item_id is None:
        return None
    item = db.session.get(model, item_id)
    if item is None or (not getattr(item, "is_active", True) and item_id != current):
        raise InvalidChoice(field)
    return item


def _clean_line(text: str) -> str:
    return " ".join(text.split())


def parse_case_number(value: str | None) -> str | None:
    """A case number as the administration writes it, or ``None`` for none given."""
    text = "".join((value or "").split())
    if not text:
        return None
    if not CASE_NUMBER.fullmatch(text):
        raise InvalidValue("case_number")
    return text


# --- the deadline -----------------------------------------------------------------------------


def _apply_deadline(question: Question) -> tuple[date | None, date | None]:
    """Compute the due date under the rule that applies; the old and the new due date."""
    before = question.due_on
    deadline = due.compute(question)
    if deadline is None:  # no start yet, or no rule for it: no due date to show
        question.deadline_rule = None
        question.starts_on = due.natural_start(question)
        question.due_on = None
    else:
        question.deadline_rule = deadline.rule
        question.starts_on = deadline.due.start
        question.due_on = deadline.due.due_on
    return before, question.due_on


def recompute_due_dates(
    actor: User | None, *, cause: str, questions: Sequence[Question] | None = None
) -> int:
    """Recompute the open questions' due dates after a rule, the holidays or the sessions
    changed; log each one that moved (timeline and audit). Returns how many moved."""
    if questions is None:
        questions = list(
            db.session.scalars(
                sa.select(Question)
                .where(Question.state.in_(OPEN))
                .options(selectinload(Question.session))
            )
        )
    ctx = due.context()
    moved = 0
    for question in questions:
        if question.state not in OPEN:
            continue
        before = question.due_on
        deadline = due.compute(question, ctx)
        after = deadline.due.due_on if deadline else None
        if deadline is not None:
            question.deadline_rule = deadline.rule
            question.starts_on = deadline.due.start
        if after == before:
            continue
        question.due_on = after
        moved += 1
        change: dict[str, Any] = {
            "from": before.isoformat() if before else None,
            "to": after.isoformat() if after else None,
            "cause": cause,
        }
        _event(question, _E.DUE_RECOMPUTED, actor, **change)
        _audit(actor, "question.due_recomputed", question, **change)
    db.session.flush()
    return moved


def mark_overdue(*, today: date | None = None) -> int:
    """Record, once, the moment each open question became overdue (for cron).

    Pages compute "overdue" themselves on every read; this only leaves the step on the
    timeline (and, later, the notification), however often it runs.
    """
    today = today or local_today()
    effective = sa.func.coalesce(Question.extended_to, Question.due_on)
    late = list(
        db.session.scalars(
            sa.select(Question).where(
                Question.state.in_(OPEN),
                Question.overdue_recorded_at.is_(None),
                effective < today,
            )
        )
    )
    now = utcnow()
    for question in late:
        question.overdue_recorded_at = now
        _event(question, _E.OVERDUE, None, due=(question.effective_due_on or today).isoformat())
        _audit(None, "question.overdue", question)
    db.session.flush()
    return len(late)


# --- a resident's question ----------------------------------------------------------------


@dataclass(frozen=True)
class ResidentContent:
    title: str
    body: str
    topic_id: int
    community_id: int | None
    unit_id: int | None
    #: A supplementary question to one's own earlier question, in the same case.
    follow_up_of_id: int | None = None


def _apply_resident_content(question: Question, content: ResidentContent) -> None:
    topic = _get_active(Topic, content.topic_id, "topic", question.topic_id)
    if topic is None:
        raise InvalidChoice("topic")
    question.topic = topic
    question.community = _get_active(
        LocalCommunity, content.community_id, "community", question.community_id
    )
    question.responsible_unit = _get_active(
        OrgUnit, content.unit_id, "unit", question.responsible_unit_id
    )
    question.title = _clean_line(content.title)
    question.body = content.body.strip()
    question.body_html = render_markdown(question.body)
    question.updated_at = utcnow()


def ask(actor: User, content: ResidentContent) -> Question:
    """A resident's question, sent to moderation at once (there is no draft)."""
    if not permissions.can_ask(actor):
        raise NotAllowed
    now = utcnow()
    question = Question(
        origin=Origin.RESIDENT,
        kind=Kind.QUESTION,
        form=Form.WRITTEN,
        state=_Q.SUBMITTED,
        author=actor,
        recorded_by_id=actor.id,
        submitted_at=now,
    )
    _apply_resident_content(question, content)
    if content.follow_up_of_id is not None:
        earlier = db.session.get(Question, content.follow_up_of_id)
        # One's own question that was public: the answer to it is what did not answer.
        if (
            earlier is None
            or earlier.origin is not Origin.RESIDENT
            or earlier.author_id != actor.id
            or earlier.published_at is None
        ):
            raise InvalidChoice("follow_up_of")
        question.follow_up_of = earlier
        question.case_number = earlier.case_number
    db.session.add(question)
    _event(question, _E.SUBMITTED, actor)
    db.session.flush()
    _audit(actor, "question.ask", question)
    follows.follow_automatically(actor, Target.QUESTION, question.id, Reason.OWN)
    return question


def _changed_fields(question: Question, before: dict[str, Any]) -> list[str]:
    return [name for name, value in before.items() if getattr(question, name) != value]


_RESIDENT_TRACKED = ("title", "body", "topic_id", "community_id", "responsible_unit_id")


def update_resident(actor: User, question: Question, content: ResidentContent) -> None:
    """The author's change while it waits; a moderator's correction (audited, shown)."""
    _lock(question)
    if question.origin is not Origin.RESIDENT or not permissions.can_edit(actor, question):
        raise NotAllowed
    before = {name: getattr(question, name) for name in _RESIDENT_TRACKED}
    _apply_resident_content(question, content)
    db.session.flush()
    changed = _changed_fields(question, before)
    if changed and not permissions.is_resident_author(actor, question):
        _audit(actor, "question.edit", question, fields=changed)
        if question.state is not _Q.SUBMITTED:
            _event(question, _E.EDITED, actor, fields=changed)
    db.session.flush()


def _check_moderation(actor: User, question: Question, seen: str) -> None:
    _lock(question)
    if not permissions.can_moderate(actor, question):
        raise NotAllowed
    decisions.check_seen(question, seen)


def publish(actor: User, question: Question, *, seen: str, unit_id: int | None = None) -> None:
    """Make a resident's question public; its deadline starts on the day of publication."""
    _check_moderation(actor, question, seen)
    if unit_id is not None:
        question.responsible_unit = _get_active(OrgUnit, unit_id, "unit")
    question.state = _Q.ASSIGNED if question.responsible_unit is not None else _Q.POSED
    question.published_at = utcnow()
    _apply_deadline(question)
    _event(question, _E.PUBLISHED, actor, due=_iso(question.due_on))
    if question.responsible_unit is not None:
        _event(
            question,
            _E.ASSIGNED,
            actor,
            unit=question.responsible_unit.code,
            at_publication=True,
        )
    _audit(actor, "question.publish", question, due=_iso(question.due_on))
    db.session.flush()


def reject(actor: User, question: Question, *, seen: str, reason_id: int, note: str | None) -> None:
    _check_moderation(actor, question, seen)
    try:
        reason, words = decisions.rejection(reason_id, note)
    except decisions.InvalidReason:
        raise InvalidChoice("reason") from None
    question.state = _Q.REJECTED
    question.rejection_reason = reason
    question.rejection_note = words
    question.closed_at = utcnow()
    _event(question, _E.REJECTED, actor, note=words, reason=reason.slug)
    _audit(actor, "question.reject", question, reason=reason.slug)
    db.session.flush()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- a councillor's question ---------------------------------------------------------------


@dataclass(frozen=True)
class CouncilContent:
    """What the record of a councillor's question holds (``record``, ``update_council``)."""

    kind: Kind
    form: Form
    title: str
    body: str
    author_ids: tuple[int, ...]
    group_id: int | None
    session_id: int | None
    agenda_item_id: int | None
    received_on: date | None
    to_mayor: bool
    unit_ids: tuple[int, ...]
    case_number: str | None
    follow_up_of_id: int | None
    topic_id: int | None
    community_id: int | None


def _session_for(content: CouncilContent, today: date) -> CouncilSession | None:
    session: CouncilSession | None
    if content.form is Form.ORAL:
        session = _get_active(CouncilSession, content.session_id, "session")
        if session is None:
            raise InvalidChoice("session")
        if session.held_on > today:
            # An oral question is posed at a session that has been held.
            raise InvalidValue("session")
        return session
    if content.received_on is None:
        raise InvalidValue("received_on")
    if content.received_on > today:
        raise InvalidValue("received_on")
    # A written question may still be presented at a session (optional).
    session = _get_active(CouncilSession, content.session_id, "session")
    return session


def _authors_for(content: CouncilContent, on: date, group: CouncillorGroup | None) -> list[Person]:
    """The people named as authors, each a member of the council on the day it was posed."""
    ids = list(dict.fromkeys(content.author_ids))
    if not ids and group is None:
        raise InvalidValue("authors")
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    if len(people) != len(ids):
        raise InvalidChoice("authors")
    seated = set(
        db.session.scalars(
            sa.select(CouncilMandate.person_id).where(
                CouncilMandate.person_id.in_(ids),
                CouncilMandate.starts_on <= on,
                sa.or_(CouncilMandate.ends_on.is_(None), CouncilMandate.ends_on >= on),
            )
        )
    )
    if seated != set(ids):
        raise InvalidValue("authors")
    return [people[person_id] for person_id in ids]


def _apply_council_content(actor: User | None, question: Question, content: CouncilContent) -> None:
    today = local_today()
    session = _session_for(content, today)
    on = session.held_on if content.form is Form.ORAL and session else content.received_on
    if on is None:  # _session_for refuses a question without its day; never here
        raise InvalidValue("received_on")
    group = _get_active(CouncillorGroup, content.group_id, "group")
    if group is not None and not (
        group.term.starts_on <= on and (group.term.ends_on is None or on <= group.term.ends_on)
    ):
        raise InvalidValue("group")
    authors = _authors_for(content, on, group)
    if actor is not None and not (auth.is_council_office(actor) or auth.is_administrator(actor)):
        # A councillor records only what they pose themselves (alone, with others, or as a
        # member of the group that asks).
        mine = auth.councillor_person_ids(actor)
        in_group = group is not None and any(
            m.person_id in mine for m in group.mandates if m.is_current(on)
        )
        if not mine & {person.id for person in authors} and not in_group:
            raise NotAllowed
    agenda_item = None
    if content.agenda_item_id is not None:
        agenda_item = db.session.get(AgendaItem, content.agenda_item_id)
        if agenda_item is None or session is None or agenda_item.session_id != session.id:
            raise InvalidChoice("agenda_item")
    units = []
    for unit_id in dict.fromkeys(content.unit_ids):
        units.append(_get_active(OrgUnit, unit_id, "units"))
    if not units and not content.to_mayor:
        raise InvalidValue("units")
    follow_up = None
    if content.follow_up_of_id is not None:
        follow_up = db.session.get(Question, content.follow_up_of_id)
        if (
            follow_up is None
            or follow_up.origin is not Origin.COUNCILLOR
            or follow_up.id == question.id
        ):
            raise InvalidChoice("follow_up_of")
    question.kind = content.kind
    question.form = content.form
    question.title = _clean_line(content.title)
    question.body = content.body.strip()
    question.body_html = render_markdown(question.body)
    question.session = session
    question.agenda_item = agenda_item
    question.received_on = content.received_on if content.form is Form.WRITTEN else None
    question.group = group
    question.to_mayor = content.to_mayor
    question.case_number = parse_case_number(content.case_number)
    question.follow_up_of = follow_up
    question.topic = _get_active(Topic, content.topic_id, "topic", question.topic_id)
    question.community = _get_active(
        LocalCommunity, content.community_id, "community", question.community_id
    )
    _set_authors(question, authors)
    _set_addressees(question, units)
    if question.responsible_unit is None and len(units) == 1:
        # Addressed to one unit: that unit answers, unless the office assigns another.
        question.responsible_unit = units[0]
    question.updated_at = utcnow()


def _set_authors(question: Question, people: list[Person]) -> None:
    wanted = [person.id for person in people]
    for author in list(question.authors):
        if author.person_id not in wanted:
            question.authors.remove(author)
    have = {author.person_id: author for author in question.authors}
    for position, person in enumerate(people):
        kept = have.get(person.id)
        if kept is None:
            question.authors.append(QuestionAuthor(person=person, position=position))
        else:
            kept.position = position


def _set_addressees(question: Question, units: list[OrgUnit]) -> None:
    wanted = [unit.id for unit in units]
    for addressee in list(question.addressees):
        if addressee.unit_id not in wanted:
            question.addressees.remove(addressee)
    have = {addressee.unit_id: addressee for addressee in question.addressees}
    for position, unit in enumerate(units):
        kept = have.get(unit.id)
        if kept is None:
            question.addressees.append(QuestionAddressee(unit=unit, position=position))
        else:
            kept.position = position


def record(
    actor: User | None, content: CouncilContent, *, adopts: Question | Initiative | None = None
) -> Question:
    """Record a councillor's question or initiative: public at once, its deadline running.

    ``actor`` None: the system, for the import of a letter that answers it
    (``app.replies.importer``), which audits the import under the official's name.
    """
    if actor is not None and not permissions.can_record(actor):
        raise NotAllowed
    now = utcnow()
    question = Question(
        origin=Origin.COUNCILLOR,
        state=_Q.POSED,
        recorded_by_id=actor.id if actor else None,
        published_at=now,
    )
    _apply_council_content(actor, question, content)
    if question.case_number:
        question.state = _Q.REGISTERED
    elif question.responsible_unit is not None:
        question.state = _Q.ASSIGNED
    if adopts is not None and actor is not None:
        _adopt(actor, question, adopts)
    db.session.add(question)
    _apply_deadline(question)
    _event(question, _E.RECORDED, actor, due=_iso(question.due_on))
    db.session.flush()
    _audit(actor, "question.record", question, due=_iso(question.due_on))
    if adopts is not None and actor is not None:
        _note_adoption(actor, question, adopts)
    _follow_recorded(actor, question, adopts)
    db.session.flush()
    return question


def _follow_recorded(
    actor: User | None, question: Question, adopts: Question | Initiative | None
) -> None:
    """The automatic follows of a councillor's question: its councillors' accounts follow it
    (their own item) and what it adopts; whoever followed or supported the adopted item
    (its author among them) follows the councillor's question from now on."""
    owners = _owners_follow(question, [author.person_id for author in question.authors])
    if adopts is None:
        return
    adopted = Target.QUESTION if isinstance(adopts, Question) else Target.INITIATIVE
    for owner in owners:
        follows.follow_automatically(owner, adopted, adopts.id, Reason.ADOPTED)
    follows.follow_followers(adopted, adopts.id, Target.QUESTION, question.id)
    if isinstance(adopts, Question):
        follows.follow_supporters(
            QuestionSupport.user_id,
            QuestionSupport.question_id,
            adopts.id,
            Target.QUESTION,
            question.id,
        )
    else:
        follows.follow_supporters(
            Support.user_id, Support.initiative_id, adopts.id, Target.QUESTION, question.id
        )


def _owners_follow(question: Question, person_ids: list[int]) -> list[User]:
    """The accounts of these councillors follow the question, as their own; those accounts."""
    if not person_ids:
        return []
    owners = list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.COUNCILLOR, RoleGrant.person_id.in_(person_ids))
        )
    )
    for owner in owners:
        follows.follow_automatically(owner, Target.QUESTION, question.id, Reason.OWN)
    return owners


_COUNCIL_TRACKED = (
    "kind", "form", "title", "body", "session_id", "agenda_item_id", "received_on", "group_id",
    "to_mayor", "case_number", "follow_up_of_id", "topic_id", "community_id",
)  # fmt: skip


def update_council(actor: User, question: Question, content: CouncilContent) -> None:
    """Correct the record; a change of the session or the date recomputes the due date."""
    _lock(question)
    if question.origin is not Origin.COUNCILLOR or not permissions.can_edit(actor, question):
        raise NotAllowed
    before = {name: getattr(question, name) for name in _COUNCIL_TRACKED}
    authors_before = [author.person_id for author in question.authors]
    units_before = [addressee.unit_id for addressee in question.addressees]
    _apply_council_content(actor, question, content)
    db.session.flush()
    changed = _changed_fields(question, before)
    if [author.person_id for author in question.authors] != authors_before:
        changed.append("authors")
        added = [a.person_id for a in question.authors if a.person_id not in authors_before]
        _owners_follow(question, added)  # a councillor added to the record: their own now
    if [addressee.unit_id for addressee in question.addressees] != units_before:
        changed.append("units")
    if not changed:
        return
    if question.case_number and question.state is _Q.POSED:
        question.state = _Q.REGISTERED
    _event(question, _E.EDITED, actor, fields=changed)
    _audit(actor, "question.edit", question, fields=changed)
    if {"session_id", "received_on", "form", "kind"} & set(changed):
        old, new = _apply_deadline(question)
        if old != new:
            change: dict[str, Any] = {"from": _iso(old), "to": _iso(new), "cause": "edited"}
            _event(question, _E.DUE_RECOMPUTED, actor, **change)
            _audit(actor, "question.due_recomputed", question, **change)
    db.session.flush()


# --- adoption ---------------------------------------------------------------------------------


def _adopt(actor: User, question: Question, item: Question | Initiative) -> None:
    if isinstance(item, Question):
        if not permissions.can_adopt_question(actor, item):
            raise NotAllowed
        if db.session.scalar(sa.select(Question.id).where(Question.adopts_question_id == item.id)):
            raise AlreadyAdopted
        question.adopts_question = item
    else:
        if not permissions.can_adopt_initiative(actor, item):
            raise NotAllowed
        if db.session.scalar(
            sa.select(Question.id).where(Question.adopts_initiative_id == item.id)
        ):
            raise AlreadyAdopted
        question.adopts_initiative = item


def _note_adoption(actor: User, question: Question, item: Question | Initiative) -> None:
    data: dict[str, Any] = {"question_id": question.id}
    if isinstance(item, Question):
        _event(item, _E.ADOPTED, actor, **data)
        _audit(actor, "question.adopted", item, by_question=question.id)
    else:
        item.events.append(InitiativeEvent(kind=EventKind.ADOPTED, actor_id=actor.id, data=data))
        audit.record(actor.id, "initiative.adopted", "initiative", item.id, by_question=question.id)


def adopted_by(item: Question | Initiative) -> Question | None:
    """The councillor's question that took this up, if any."""
    column = (
        Question.adopts_question_id if isinstance(item, Question) else Question.adopts_initiative_id
    )
    return db.session.scalar(
        sa.select(Question)
        .where(column == item.id)
        .options(
            joinedload(Question.session),
            joinedload(Question.group),
            selectinload(Question.authors).joinedload(QuestionAuthor.person),
        )
    )


# --- support ----------------------------------------------------------------------------------


def _pages_of(question: Question) -> dict[str, Any]:
    return {pagecache.TAGS: page_tags(question.id)}


def support(actor: User, question: Question) -> int:
    """Add the actor's "I want this answered too": one per person, exact under any concurrency."""
    if not permissions.can_support(actor, question):
        raise NotAllowed
    pages = _pages_of(question)
    inserted = supports.insert_once(
        QuestionSupport,
        QuestionSupport.question_id,
        question.id,
        actor,
        utcnow(),
        unless=supports.counted_before(
            actor, QuestionSupport.question_id, question.id, author_id=question.author_id
        ),
        execution_options=pages,
    )
    if inserted is None:
        raise AlreadySupported
    _move_count(question, +1)
    follows.follow_automatically(actor, Target.QUESTION, question.id, Reason.SUPPORTED)
    return inserted


def withdraw_support(actor: User, question: Question) -> None:
    if not permissions.can_withdraw_support(actor, question):
        raise NotAllowed
    pages = _pages_of(question)
    if not supports.delete_one(
        QuestionSupport, QuestionSupport.question_id, question.id, actor, execution_options=pages
    ):
        raise NotSupported
    _move_count(question, -1)
    follows.drop_automatic(actor, Target.QUESTION, question.id, Reason.SUPPORTED)


def _move_count(question: Question, step: int) -> None:
    count = db.session.scalar(
        sa.update(Question)
        .where(Question.id == question.id)
        .values(support_count=Question.support_count + step)
        .returning(Question.support_count)
        .execution_options(synchronize_session=False, **_pages_of(question))
    )
    set_committed_value(question, "support_count", count)


def has_supported(user: object, question: Question) -> bool:
    return supports.has_supported(user, QuestionSupport.question_id, question.id)


# --- the municipality ------------------------------------------------------------------------


def assign(actor: User, question: Question, *, unit_id: int) -> None:
    _lock(question)
    if not permissions.can_assign(actor, question):
        raise NotAllowed
    unit = _get_active(OrgUnit, unit_id, "unit")
    question.responsible_unit = unit
    if question.state in (_Q.POSED, _Q.REGISTERED):
        question.state = _Q.ASSIGNED
    _event(question, _E.ASSIGNED, actor, unit=unit.code)
    _audit(actor, "question.assign", question, unit=unit.code)
    db.session.flush()


def forward(actor: User, question: Question, *, unit_id: int, note: str) -> None:
    """Hand the question to another unit, saying why (public)."""
    _lock(question)
    if not permissions.can_forward(actor, question):
        raise NotAllowed
    unit = _get_active(OrgUnit, unit_id, "unit")
    previous = question.responsible_unit
    if previous is not None and previous.id == unit.id:
        raise InvalidValue("unit")
    words = note.strip()
    if not words:
        raise InvalidValue("note")  # the public learns why it went elsewhere
    question.responsible_unit = unit
    data: dict[str, Any] = {"from": previous.code if previous else None, "to": unit.code}
    _event(question, _E.FORWARDED, actor, note=words, **data)
    _audit(actor, "question.forward", question, **data)
    db.session.flush()


def register(actor: User, question: Question, *, case_number: str) -> None:
    _lock(question)
    if not permissions.can_register(actor, question):
        raise NotAllowed
    number = parse_case_number(case_number)
    if number is None:
        raise InvalidValue("case_number")
    question.case_number = number
    if question.state is _Q.POSED:
        question.state = _Q.REGISTERED
    _event(question, _E.REGISTERED, actor, case_number=number)
    _audit(actor, "question.register", question, case_number=number)
    db.session.flush()


#: The stages an answer goes through before it is given.
STAGES = (_Q.ASSIGNED, _Q.IN_PREPARATION, _Q.AWAITING_SIGNATURE)


def set_stage(actor: User, question: Question, *, stage: QuestionState) -> None:
    _lock(question)
    if not permissions.can_set_stage(actor, question):
        raise NotAllowed
    if stage not in STAGES:
        raise InvalidValue("stage")
    if question.state is stage:
        return
    data: dict[str, Any] = {"from": question.state.value, "to": stage.value}
    question.state = stage
    _event(question, _E.STATE_CHANGED, actor, **data)
    _audit(actor, "question.stage", question, **data)
    db.session.flush()


def extend(actor: User, question: Question, *, to: date, reason: str) -> None:
    """A later due date, with its public reason."""
    _lock(question)
    if not permissions.can_extend(actor, question):
        raise NotAllowed
    words = reason.strip()
    if not words:
        raise InvalidValue("reason")
    current = question.effective_due_on
    if current is None or to <= current or (to - local_today()).days > MAX_DAYS:
        raise InvalidValue("to")  # later, and within what any rule could give from today
    question.extended_to = to
    question.extension_reason = words
    if question.overdue_recorded_at is not None and to >= local_today():
        question.overdue_recorded_at = None  # in time again: a later lateness is recorded anew
    data: dict[str, Any] = {"from": current.isoformat(), "to": to.isoformat()}
    _event(question, _E.EXTENDED, actor, note=words, **data)
    _audit(actor, "question.extend", question, **data)
    db.session.flush()


class AnswerKind:
    FULL = "full"
    PARTIAL = "partial"
    INTERIM = "interim"


ANSWER_STATES = {
    AnswerKind.FULL: _Q.ANSWERED,
    AnswerKind.PARTIAL: _Q.PARTIALLY_ANSWERED,
    AnswerKind.INTERIM: _Q.INTERIM_ANSWERED,
}


def answer(actor: User, question: Question, *, kind: str, text: str) -> None:
    """The brief official answer in text: full, partial or interim (the last two keep it open)."""
    _lock(question)
    if not permissions.can_answer(actor, question):
        raise NotAllowed
    if kind not in ANSWER_STATES:
        raise InvalidValue("kind")
    words = text.strip()
    if not words:
        raise InvalidValue("text")
    now = utcnow()
    question.state = ANSWER_STATES[kind]
    question.answer_text = words
    question.answer_html = render_markdown(words)
    question.answered_by_unit = question.responsible_unit
    question.answered_at = now
    question.answered_on = question.replied_on = to_local(now).date()
    due_on = question.effective_due_on
    on_time = due_on is None or question.answered_on <= due_on
    if kind == AnswerKind.FULL:
        question.closed_at = now
    data: dict[str, Any] = {"answer": kind, "on_time": on_time}
    _event(question, _E.ANSWERED, actor, **data)
    _audit(actor, "question.answer", question, **data)
    db.session.flush()


def withdraw(actor: User, question: Question) -> None:
    _lock(question)
    if not permissions.can_withdraw(actor, question):
        raise NotAllowed
    question.state = _Q.WITHDRAWN
    question.closed_at = utcnow()
    _event(question, _E.WITHDRAWN, actor)
    _audit(actor, "question.withdraw", question)
    db.session.flush()


def merge(actor: User, question: Question, *, into_id: int) -> None:
    """Answer this question together with another one (the office groups them)."""
    _lock(question)
    if not permissions.can_merge(actor, question):
        raise NotAllowed
    into = db.session.get(Question, into_id)
    if into is None or into.id == question.id or into.origin is not Origin.COUNCILLOR:
        raise InvalidChoice("into")
    if into.state is _Q.MERGED:
        raise InvalidValue("into")
    question.state = _Q.MERGED
    question.merged_into = into
    question.closed_at = utcnow()
    _event(question, _E.MERGED, actor, into=into.id)
    _audit(actor, "question.merge", question, into=into.id)
    db.session.flush()


def lapse_term(actor: User | None, term_id: int) -> int:
    """At the end of a term, close its councillors' questions still open, as lapsed."""
    if actor is not None and not permissions.can_lapse(actor):
        raise NotAllowed
    from app.council.models import Term

    term = db.session.get(Term, term_id)
    if term is None:
        raise InvalidChoice("term")
    if term.ends_on is None or term.ends_on >= local_today():
        raise InvalidValue("term")  # only a term that has ended
    within = sa.and_(Question.starts_on >= term.starts_on, Question.starts_on <= term.ends_on)
    open_ones = list(
        db.session.scalars(
            sa.select(Question).where(
                Question.origin == Origin.COUNCILLOR, Question.state.in_(OPEN), within
            )
        )
    )
    now = utcnow()
    for question in open_ones:
        question.state = _Q.LAPSED
        question.closed_at = now
        _event(question, _E.LAPSED, actor, term=term.label)
        _audit(actor, "question.lapse", question, term=term.label)
    db.session.flush()
    return len(open_ones)
