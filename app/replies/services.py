"""Use cases of reply letters. Services flush, never commit: the view owns the transaction.

Every step of the workflow writes a ``ReplyEvent`` (from, to, who, note) and an audit entry in
the same transaction. Publishing is where a letter acts: it moves the questions and
initiatives it answers (the table in issue 10, ``reply-letter.md``'s integrity rules), and a
published correction marks the letter it corrects as corrected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.attachments import files
from app.auth.models import User
from app.core import models as audit
from app.core.text import render_markdown
from app.core.time import LOCAL_TZ, to_local, utcnow
from app.core.time import today as local_today
from app.council.models import CouncilBody, Person
from app.extensions import db
from app.initiatives.models import (
    EventKind,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    ResponseKind,
)
from app.notifications import recording
from app.notifications.kinds import Kind
from app.org.models import OrgUnit
from app.questions.deadlines import MAX_DAYS
from app.questions.models import (
    OPEN,
    Question,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
)
from app.replies import permissions
from app.replies.models import (
    AddresseeKind,
    AnswerVerdict,
    Coverage,
    DistributionKind,
    ParticipantRole,
    Reply,
    ReplyAttachment,
    ReplyCoverage,
    ReplyEvent,
    ReplyEventKind,
    ReplyParticipant,
    ReplyRecipient,
    ReplyState,
    ReplyType,
    ReplyUnit,
    SignatureMethod,
    Verdict,
    parse_reference,
)
from app.replies.text import render_body

_R = ReplyState
_Q = QuestionState
_T = ReplyType


class NotAllowed(Exception):
    """The acting user may not do this (now)."""


class Gone(Exception):
    """The letter was deleted while the request waited for it."""


class InvalidValue(Exception):
    """A value the letter cannot have; ``field`` names it for the form."""

    def __init__(self, field: str, code: str = "invalid") -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


class DuplicateNumber(Exception):
    """Another letter already has this reference number."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


class Incomplete(Exception):
    """The letter lacks what the step needs; ``missing`` lists what, for the message."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = tuple(missing)


# --- the letter's content -----------------------------------------------------------------


@dataclass(frozen=True)
class Signatory:
    name: str
    function: str | None = None
    capacity: str | None = None


@dataclass(frozen=True)
class Preparer:
    name: str
    unit_text: str | None = None


@dataclass(frozen=True)
class Recipient:
    recipient: str
    kind: DistributionKind = DistributionKind.TO


@dataclass(frozen=True)
class Covered:
    """A question or an initiative the letter answers (exactly one of the two ids)."""

    question_id: int | None = None
    initiative_id: int | None = None
    coverage: Coverage = Coverage.FULL


@dataclass(frozen=True)
class Content:
    """Everything an official writes on a letter (the form's or the importer's output)."""

    reference_number: str
    letter_date: date
    place: str
    reply_type: ReplyType
    addressee_kind: AddresseeKind
    addressee_text: str
    subject: str
    question_restatement: str
    summary: str
    body: str
    addressee_body_id: int | None = None
    addressee_person_id: int | None = None
    session_reference_text: str | None = None
    answering_unit_ids: tuple[int, ...] = ()
    forwarded_to_id: int | None = None
    extended_to: date | None = None
    extension_reason: str | None = None
    prepared_by: tuple[Preparer, ...] = ()
    signatories: tuple[Signatory, ...] = ()
    distribution: tuple[Recipient, ...] = ()
    covers: tuple[Covered, ...] = field(default_factory=tuple)
    #: A correction names the letter it corrects (set by ``start_correction``).
    supersedes_id: int | None = None


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _lock(reply: Reply) -> None:
    """Reload the row under a lock (PostgreSQL): two clicks cannot both move it."""
    try:
        db.session.refresh(reply, with_for_update={"of": Reply})
    except sa.exc.InvalidRequestError:
        raise Gone from None


def _event(
    reply: Reply,
    kind: ReplyEventKind,
    actor: User | None,
    *,
    before: ReplyState | None,
    note: str | None = None,
    **data: Any,
) -> None:
    reply.events.append(
        ReplyEvent(
            kind=kind,
            from_state=before,
            to_state=reply.state,
            actor_id=actor.id if actor else None,
            note=note,
            data=data,
        )
    )


def _wrote(reply: Reply, actor: User | None) -> None:
    """Note ``actor`` among who wrote the letter: four eyes keeps them from approving it."""
    if actor is not None and actor.id not in (reply.written_by or []):
        reply.written_by = [*(reply.written_by or []), actor.id]  # a new list: JSON is compared


def _audit(actor: User | None, action: str, reply: Reply, **data: Any) -> None:
    audit.record(actor.id if actor else None, action, "reply", reply.id, **data)


def _check_number(content: Content, reply_id: int | None) -> None:
    reference = parse_reference(content.reference_number)
    if reference is None:
        raise InvalidValue("reference_number")
    existing = db.session.scalar(
        sa.select(Reply.id).where(Reply.reference_number == content.reference_number.strip())
    )
    if existing is not None and existing != reply_id:
        raise DuplicateNumber(existing)


def _apply(reply: Reply, content: Content) -> None:
    """Write the content on the letter, checking every reference it makes."""
    reference = parse_reference(content.reference_number)
    if reference is None:
        raise InvalidValue("reference_number")
    if content.letter_date > local_today() or content.letter_date.year < 1990:
        raise InvalidValue("letter_date")
    for name, value, limit in (
        ("place", content.place, 80),
        ("addressee_text", content.addressee_text, 300),
        ("subject", content.subject, 300),
        ("summary", content.summary, 300),
    ):
        if not _line(value):
            raise InvalidValue(name, "required")
        if len(_line(value)) > limit:
            raise InvalidValue(name, "too_long")
    if not content.question_restatement.strip():
        raise InvalidValue("question_restatement", "required")
    if not content.body.strip():
        raise InvalidValue("body", "required")
    reply.reference_number = content.reference_number.strip()
    reply.classification = reference.classification
    reply.case_seq = reference.case_seq
    reply.case_year = reference.case_year
    reply.case_number = reference.case_number
    reply.document_seq = reference.document_seq
    reply.reference_suffix = reference.suffix
    reply.letter_date = content.letter_date
    reply.place = _line(content.place)
    reply.reply_type = content.reply_type
    reply.subject = _line(content.subject)
    reply.question_restatement = content.question_restatement.strip()
    reply.session_reference_text = _line(content.session_reference_text) or None
    reply.summary = _line(content.summary)
    reply.body = content.body.strip()
    reply.body_html, reply.body_text = render_body(reply.body)
    _apply_addressee(reply, content)
    _apply_type_fields(reply, content)
    _apply_units(reply, content.answering_unit_ids)
    _apply_people(reply, content)
    reply.distribution = [
        ReplyRecipient(kind=row.kind, position=n, recipient=_line(row.recipient)[:200])
        for n, row in enumerate(content.distribution)
        if _line(row.recipient)
    ]
    _apply_coverage(reply, content.covers)
    reply.updated_at = utcnow()


def _apply_addressee(reply: Reply, content: Content) -> None:
    reply.addressee_kind = content.addressee_kind
    reply.addressee_text = _line(content.addressee_text)
    if content.addressee_kind is AddresseeKind.BODY:
        body = db.session.get(CouncilBody, content.addressee_body_id or 0)
        if body is None:
            raise InvalidValue("addressee_body_id")
        reply.addressee_body = body
        reply.addressee_person = None
    else:
        person = (
            db.session.get(Person, content.addressee_person_id)
            if content.addressee_person_id
            else None
        )
        if content.addressee_person_id and person is None:
            raise InvalidValue("addressee_person_id")
        reply.addressee_person = person
        reply.addressee_body = None


def _apply_type_fields(reply: Reply, content: Content) -> None:
    reply.forwarded_to = None
    reply.extended_to = reply.extension_reason = None
    if content.reply_type is _T.FORWARDED:
        unit = db.session.get(OrgUnit, content.forwarded_to_id or 0)
        if unit is None or not unit.is_active:
            raise InvalidValue("forwarded_to_id", "required")
        reply.forwarded_to = unit
    if content.reply_type is _T.INTERIM and content.extended_to is not None:
        reason = (content.extension_reason or "").strip()
        if not reason:
            raise InvalidValue("extension_reason", "required")
        if content.extended_to <= content.letter_date or (
            (content.extended_to - content.letter_date).days > MAX_DAYS
        ):
            raise InvalidValue("extended_to")
        reply.extended_to = content.extended_to
        reply.extension_reason = reason
    if content.reply_type is _T.CORRECTION and reply.supersedes_id is None:
        raise InvalidValue("reply_type", "correction_needs_original")
    if content.reply_type is not _T.CORRECTION and reply.supersedes_id is not None:
        raise InvalidValue("reply_type", "correction_only")


def _apply_units(reply: Reply, unit_ids: Sequence[int]) -> None:
    ids = list(dict.fromkeys(unit_ids))
    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    if len(units) != len(ids):
        raise InvalidValue("answering_unit_ids")
    current = {row.unit_id: row for row in reply.answering_units}
    rows = []
    for n, unit_id in enumerate(ids):
        row = current.get(unit_id) or ReplyUnit(unit=units[unit_id])
        row.position = n
        rows.append(row)
    reply.answering_units = rows


def _apply_people(reply: Reply, content: Content) -> None:
    rows: list[ReplyParticipant] = []
    for n, preparer in enumerate(content.prepared_by):
        if _line(preparer.name):
            rows.append(
                ReplyParticipant(
                    role=ParticipantRole.PREPARED_BY,
                    position=n,
                    name=_line(preparer.name)[:150],
                    unit_text=_line(preparer.unit_text)[:200] or None,
                )
            )
    for n, signatory in enumerate(content.signatories):
        if _line(signatory.name):
            rows.append(
                ReplyParticipant(
                    role=ParticipantRole.SIGNED_BY,
                    position=n,
                    name=_line(signatory.name)[:150],
                    function=_line(signatory.function)[:200] or None,
                    capacity=_line(signatory.capacity)[:200] or None,
                )
            )
    reply.participants = rows


def _apply_coverage(reply: Reply, covers: Sequence[Covered]) -> None:
    current = {(row.question_id, row.initiative_id): row for row in reply.coverage}
    rows: list[ReplyCoverage] = []
    seen: set[tuple[int | None, int | None]] = set()
    for item in covers:
        key = (item.question_id, item.initiative_id)
        if (item.question_id is None) == (item.initiative_id is None) or key in seen:
            raise InvalidValue("covers")
        if not 0 < (item.question_id or item.initiative_id or 0) < 2**31:
            raise InvalidValue("covers")  # no row has it, and PostgreSQL refuses to look
        seen.add(key)
        if item.question_id is not None:
            question = db.session.get(Question, item.question_id)
            # Only what is public business can be answered in a public letter.
            if question is None or question.published_at is None:
                raise InvalidValue("covers", "unknown_question")
        else:
            initiative = db.session.get(Initiative, item.initiative_id or 0)
            if initiative is None or initiative.published_at is None:
                raise InvalidValue("covers", "unknown_initiative")
        row = current.get(key) or ReplyCoverage(
            question_id=item.question_id, initiative_id=item.initiative_id
        )
        row.coverage = item.coverage
        rows.append(row)
    reply.coverage = rows


def create(
    actor: User | None, *, issuer_unit_id: int, content: Content, imported: bool = False,
    raw_text: str | None = None, page_count: int | None = None,
) -> Reply:  # fmt: skip
    """A new draft of the issuing unit (``actor`` None: the command line's import)."""
    if actor is not None and not permissions.can_draft(actor, issuer_unit_id):
        raise NotAllowed
    unit = db.session.get(OrgUnit, issuer_unit_id)
    if unit is None or not unit.is_active:
        raise InvalidValue("issuer_unit_id")
    _check_number(content, None)
    if content.supersedes_id is not None:
        _check_correctable(actor, content.supersedes_id, issuer_unit_id)
    reply = Reply(
        state=_R.DRAFT,
        issuer_unit=unit,
        drafted_by_id=actor.id if actor else None,
        written_by=[actor.id] if actor else [],
        supersedes_id=content.supersedes_id,
        imported=imported,
        raw_text=raw_text,
        page_count=page_count,
    )
    _apply(reply, content)
    db.session.add(reply)
    db.session.flush()
    kind = ReplyEventKind.IMPORTED if imported else ReplyEventKind.CREATED
    _event(reply, kind, actor, before=None)
    action = "reply.import" if imported else "reply.create"
    _audit(actor, action, reply, number=reply.reference_number)
    db.session.flush()
    return reply


def _check_correctable(actor: User | None, reply_id: int, issuer_unit_id: int) -> None:
    """A correction names a published letter of its own unit, not yet corrected."""
    original = db.session.get(Reply, reply_id)
    if original is None or original.issuer_unit_id != issuer_unit_id:
        raise NotAllowed
    if actor is not None and not permissions.can_correct(actor, original):
        raise NotAllowed
    if original.state is not _R.PUBLISHED or original.superseded_by is not None:
        raise NotAllowed


def update(actor: User, reply: Reply, content: Content) -> None:
    _lock(reply)
    if not permissions.can_edit(actor, reply):
        raise NotAllowed
    _check_number(content, reply.id)
    _apply(reply, content)
    _wrote(reply, actor)
    _event(reply, ReplyEventKind.EDITED, actor, before=reply.state)
    _audit(actor, "reply.edit", reply, number=reply.reference_number)
    db.session.flush()


def delete_draft(actor: User, reply: Reply) -> None:
    _lock(reply)
    if not permissions.can_delete(actor, reply):
        raise NotAllowed
    _audit(actor, "reply.delete", reply, number=reply.reference_number)
    db.session.delete(reply)
    db.session.flush()


# --- the workflow -------------------------------------------------------------------------


def missing_for_review(reply: Reply) -> list[str]:
    """What a letter needs before a second official can approve it."""
    missing = []
    if not reply.coverage:
        missing.append("covers")
    if not reply.answering_units:
        missing.append("answering_units")
    if not reply.signatories:
        missing.append("signatory")
    if not any(r.kind is DistributionKind.TO for r in reply.distribution):
        missing.append("recipient")
    return missing


def missing_for_publication(reply: Reply) -> list[str]:
    """Integrity rule 3: what a letter must have before the public sees it.

    An imported historical letter may lack the signed PDF (and its hash): it is published
    marked so; its letter date is its ``sent_at``.
    """
    missing = missing_for_review(reply)
    if reply.signed_at is None:
        missing.append("signed_at")
    if reply.sent_at is None:
        missing.append("sent_at")
    if not reply.imported and reply.signed_pdf_sha256 is None:
        missing.append("signed_pdf")
    return missing


def submit(actor: User | None, reply: Reply) -> None:
    """Draft → in review."""
    _lock(reply)
    if not (_system_on_import(actor, reply) or permissions.can_submit(actor, reply)):
        raise NotAllowed
    if reply.state is not _R.DRAFT:
        raise NotAllowed
    missing = missing_for_review(reply)
    if missing:
        raise Incomplete(missing)
    before = reply.state
    reply.state = _R.IN_REVIEW
    reply.approved_at = None
    reply.reviewed_by_id = None
    _wrote(reply, actor)  # who sends it for review vouches for it: another must approve
    _event(reply, ReplyEventKind.SUBMITTED, actor, before=before)
    _audit(actor, "reply.submit", reply)
    db.session.flush()


def return_to_draft(actor: User, reply: Reply, *, note: str) -> None:
    """The reviewer sends it back, saying why."""
    _lock(reply)
    if not permissions.can_review(actor, reply):
        raise NotAllowed
    words = note.strip()
    if not words:
        raise InvalidValue("note", "required")
    before = reply.state
    reply.state = _R.DRAFT
    _event(reply, ReplyEventKind.RETURNED, actor, before=before, note=words)
    _audit(actor, "reply.return", reply)
    db.session.flush()


def _system_on_import(actor: User | None, reply: Reply) -> bool:
    """The command line (``actor`` None) may move only an imported historical letter: the
    demo data and an administrator's load of the archive, never a new letter."""
    return actor is None and reply.imported


def approve(actor: User | None, reply: Reply) -> None:
    """The second pair of eyes: another official of the unit, never the drafter.

    An imported historical letter was signed and sent long ago: approving its import records
    both on its letter date, and it is ready to publish.
    """
    _lock(reply)
    if not (_system_on_import(actor, reply) or permissions.can_review(actor, reply)):
        raise NotAllowed
    if reply.state is not _R.IN_REVIEW:
        raise NotAllowed
    before = reply.state
    now = utcnow()
    reply.reviewed_by_id = actor.id if actor else None
    reply.approved_at = now
    data: dict[str, Any] = {}
    if reply.imported:
        on_letter_date = datetime.combine(reply.letter_date, datetime.min.time(), LOCAL_TZ)
        reply.signed_at = reply.signed_at or on_letter_date
        reply.sent_at = reply.sent_at or on_letter_date
        reply.state = _R.SENT
        data["sent_on"] = reply.letter_date.isoformat()
    _event(reply, ReplyEventKind.APPROVED, actor, before=before, **data)
    _audit(actor, "reply.approve", reply, **data)
    db.session.flush()


def _check_moment(value: datetime, not_before: datetime | date, field_name: str) -> None:
    if value.tzinfo is None:
        raise InvalidValue(field_name)
    if value > utcnow() + timedelta(minutes=5):
        raise InvalidValue(field_name, "future")
    floor = (
        not_before
        if isinstance(not_before, datetime)
        else datetime.combine(not_before, datetime.min.time(), LOCAL_TZ)
    )
    if value < floor:
        raise InvalidValue(field_name, "too_early")


def store_signed_original(reply: Reply, upload: FileStorage | None) -> ReplyAttachment:
    """Check and keep the signed PDF; its SHA-256 is what verification compares."""
    from app.replies import pdftext

    checked = files.check(upload, kinds=(files.PDF,))
    try:
        extracted = pdftext.extract(checked.data)
        page_count: int | None = extracted.page_count
    except pdftext.PdfUnreadable:
        page_count = None  # a scan has no text layer; it is still the signed original
    for old in [a for a in reply.attachments if a.is_signed_original]:
        reply.attachments.remove(old)
    db.session.flush()
    attachment = ReplyAttachment(title=checked.filename, is_signed_original=True)
    attachment.set_file(checked, files.store(checked))
    reply.attachments.append(attachment)
    reply.signed_pdf_sha256 = checked.sha256
    reply.page_count = page_count or reply.page_count
    db.session.flush()
    return attachment


def sign(
    actor: User,
    reply: Reply,
    *,
    upload: FileStorage | None,
    signed_at: datetime,
    method: SignatureMethod,
) -> None:
    """Record the signed original (the PDF as signed), when and how it was signed."""
    _lock(reply)
    if not permissions.can_sign(actor, reply):
        raise NotAllowed
    _check_moment(signed_at, reply.letter_date, "signed_at")
    if method is SignatureMethod.UNKNOWN:
        raise InvalidValue("method", "required")
    attachment = store_signed_original(reply, upload)
    before = reply.state
    reply.signed_at = signed_at
    reply.signature_method = method
    reply.state = _R.SIGNED
    _event(reply, ReplyEventKind.SIGNED, actor, before=before, sha256=attachment.sha256)
    _audit(actor, "reply.sign", reply, sha256=attachment.sha256, method=method.value)
    db.session.flush()


def send(actor: User, reply: Reply, *, sent_at: datetime) -> None:
    """Record when the letter left: the public clock (on time or not) stops here."""
    _lock(reply)
    if not permissions.can_send(actor, reply):
        raise NotAllowed
    _check_moment(sent_at, reply.signed_at or reply.letter_date, "sent_at")
    if not any(r.kind is DistributionKind.TO for r in reply.distribution):
        raise Incomplete(["recipient"])
    before = reply.state
    reply.sent_at = sent_at
    reply.state = _R.SENT
    _event(reply, ReplyEventKind.SENT, actor, before=before, sent_at=sent_at.isoformat())
    _audit(actor, "reply.send", reply, sent_at=sent_at.isoformat())
    db.session.flush()


def publish(actor: User | None, reply: Reply, *, outcome: ResponseKind | None = None) -> None:
    """Make the letter public, and let it act on what it answers."""
    _lock(reply)
    if not (_system_on_import(actor, reply) or permissions.can_publish(actor, reply)):
        raise NotAllowed
    if reply.state is not _R.SENT:
        raise NotAllowed
    missing = missing_for_publication(reply)
    if missing:
        raise Incomplete(missing)
    answers_initiative = any(row.initiative_id for row in reply.coverage)
    if reply.reply_type is _T.FULL and answers_initiative and outcome is None:
        raise InvalidValue("outcome", "required")
    if reply.reply_type is _T.DECLINED:
        outcome = ResponseKind.REJECTED if answers_initiative else None
    reply.initiative_outcome = outcome if answers_initiative else None
    before = reply.state
    reply.state = _R.PUBLISHED
    reply.published_at = utcnow()
    for row in reply.coverage:
        if row.question is not None:
            _act_on_question(actor, reply, row.question, row.coverage)
        elif row.initiative is not None:
            _act_on_initiative(actor, reply, row.initiative, row.coverage)
    if reply.reply_type is _T.CORRECTION and reply.supersedes is not None:
        corrected = reply.supersedes
        _lock(corrected)
        if corrected.state is _R.PUBLISHED:
            corrected_before = corrected.state
            corrected.state = _R.CORRECTED
            _event(
                corrected,
                ReplyEventKind.CORRECTED,
                actor,
                before=corrected_before,
                by=reply.id,
            )
            _audit(actor, "reply.supersede", corrected, by=reply.id)
    data: dict[str, Any] = {"type": reply.reply_type.value}
    if reply.initiative_outcome:
        data["outcome"] = reply.initiative_outcome.value
    _event(reply, ReplyEventKind.PUBLISHED, actor, before=before, **data)
    _audit(actor, "reply.publish", reply, **data)
    db.session.flush()


def on_time(reply: Reply, question: Question) -> bool | None:
    """Whether the letter left by the question's (extended) due date; None without one."""
    due_on = question.effective_due_on
    if due_on is None or reply.sent_at is None:
        return None
    return to_local(reply.sent_at).date() <= due_on


def days_to_reply(reply: Reply, question: Question) -> int | None:
    """Calendar days from the session (or the date received) to the letter's date."""
    if question.starts_on is None:
        return None
    return (reply.letter_date - question.starts_on).days


#: What each type of letter does to a question it covers in full (``None``: nothing).
_QUESTION_STATES = {
    _T.FULL: _Q.ANSWERED,
    _T.PARTIAL: _Q.PARTIALLY_ANSWERED,
    _T.INTERIM: _Q.INTERIM_ANSWERED,
    _T.FORWARDED: _Q.ASSIGNED,
    _T.DECLINED: _Q.ANSWERED,
    _T.CORRECTION: None,
}


def _question_event(
    question: Question, kind: QuestionEventKind, actor: User | None, **data: Any
) -> None:
    note = data.pop("note", None)
    question.events.append(
        QuestionEvent(kind=kind, actor_id=actor.id if actor else None, note=note, data=data)
    )


def _act_on_question(
    actor: User | None, reply: Reply, question: Question, coverage: Coverage
) -> None:
    target = _QUESTION_STATES[reply.reply_type]
    if target is None or question.state not in OPEN:
        return  # a correction changes nothing; a closed question stays as it is
    if target is _Q.ANSWERED and coverage is Coverage.PARTIAL:
        target = _Q.PARTIALLY_ANSWERED  # rule 2: only what it covers in full is answered
    db.session.refresh(question, with_for_update={"of": Question})
    if question.case_number is None:
        question.case_number = reply.case_number
    if reply.reply_type is _T.FORWARDED:
        unit = reply.forwarded_to
        question.responsible_unit = unit
        question.state = _Q.ASSIGNED
        _question_event(
            question,
            QuestionEventKind.FORWARDED,
            actor,
            unit=unit.name if unit else None,
            reply=reply.id,
            note=reply.summary,
        )
        return
    sent_at = reply.sent_at or utcnow()
    question.state = target
    question.answer_text = reply.summary
    question.answer_html = render_markdown(reply.summary)
    question.answered_by_unit = reply.issuer_unit
    question.answered_at = sent_at
    question.answered_on = to_local(sent_at).date()
    question.replied_on = reply.letter_date
    question.answer_declined = reply.reply_type is _T.DECLINED
    if target is _Q.ANSWERED:
        question.closed_at = sent_at
    timely = on_time(reply, question)
    _question_event(
        question,
        QuestionEventKind.ANSWERED,
        actor,
        answer={_Q.ANSWERED: "full", _Q.PARTIALLY_ANSWERED: "partial"}.get(target, "interim"),
        declined=question.answer_declined,
        on_time=timely,
        reply=reply.id,
    )
    if reply.reply_type is _T.INTERIM and reply.extended_to is not None:
        current = question.effective_due_on
        if current is None or reply.extended_to > current:
            question.extended_to = reply.extended_to
            question.extension_reason = reply.extension_reason
            if question.overdue_recorded_at is not None and reply.extended_to >= local_today():
                question.overdue_recorded_at = None
            _question_event(
                question,
                QuestionEventKind.EXTENDED,
                actor,
                note=reply.extension_reason,
                to=reply.extended_to.isoformat(),
                reply=reply.id,
            )


def _act_on_initiative(
    actor: User | None, reply: Reply, initiative: Initiative, coverage: Coverage
) -> None:
    if reply.reply_type not in (_T.FULL, _T.DECLINED) or reply.initiative_outcome is None:
        return  # a partial reply is shown on the initiative; it still awaits the response
    if coverage is Coverage.PARTIAL:
        return  # rule 2: only what a letter covers in full is answered
    if initiative.state not in (InitiativeState.PUBLISHED, InitiativeState.AWAITING_RESPONSE):
        return
    db.session.refresh(initiative, with_for_update={"of": Initiative})
    sent_at = reply.sent_at or utcnow()
    initiative.state = InitiativeState.ANSWERED
    initiative.response_kind = reply.initiative_outcome
    initiative.response_text = reply.summary
    initiative.response_html = render_markdown(reply.summary)
    initiative.answered_at = sent_at
    if initiative.support_closes_at and initiative.support_closes_at > sent_at:
        initiative.support_closes_at = sent_at
    timely = initiative.response_due_at is None or sent_at <= initiative.response_due_at
    initiative.events.append(
        InitiativeEvent(
            kind=EventKind.ANSWERED,
            actor_id=actor.id if actor else None,
            data={
                "response": reply.initiative_outcome.value,
                "on_time": timely,
                "reply": reply.id,
            },
        )
    )


def retract(actor: User, reply: Reply, *, reason: str) -> None:
    """Withdraw a published letter, saying why; it stays listed, marked retracted."""
    _lock(reply)
    if not permissions.can_retract(actor, reply):
        raise NotAllowed
    words = reason.strip()
    if not words:
        raise InvalidValue("reason", "required")
    before = reply.state
    reply.state = _R.RETRACTED
    reply.retraction_reason = words
    reply.retracted_at = utcnow()
    reopened = [
        row.question.id
        for row in reply.coverage
        if row.question is not None and _reopen_question(actor, reply, row.question, words)
    ]
    for row in reply.coverage:
        if row.initiative is not None:
            _reopen_initiative(actor, reply, row.initiative)
    if reply.reply_type is _T.CORRECTION and reply.supersedes is not None:
        # Without its correction the corrected letter is the municipality's word again.
        original = reply.supersedes
        if original.state is _R.CORRECTED:
            original.state = _R.PUBLISHED
            _event(original, ReplyEventKind.PUBLISHED, actor, before=_R.CORRECTED, again=True)
    _event(reply, ReplyEventKind.RETRACTED, actor, before=before, note=words, reopened=reopened)
    _audit(actor, "reply.retract", reply, reopened=reopened)
    db.session.flush()


def _answered_by(events: Sequence[Any], kind: Any, reply: Reply) -> bool:
    """Whether the item's latest answer on its timeline was this letter."""
    answers = [event for event in events if event.kind is kind]
    return bool(answers) and (answers[-1].data or {}).get("reply") == reply.id


def _reopen_question(actor: User, reply: Reply, question: Question, reason: str) -> bool:
    """A retracted letter no longer answers: the question it answered is open again."""
    answered = (_Q.ANSWERED, _Q.PARTIALLY_ANSWERED, _Q.INTERIM_ANSWERED)
    if question.state not in answered:
        return False
    if not _answered_by(question.events, QuestionEventKind.ANSWERED, reply):
        return False  # a later answer stands
    db.session.refresh(question, with_for_update={"of": Question})
    if question.responsible_unit_id is not None:
        question.state = _Q.ASSIGNED
    else:
        question.state = _Q.REGISTERED if question.case_number else _Q.POSED
    question.answered_at = question.answered_on = question.replied_on = None
    question.answer_text = question.answer_html = None
    question.answer_declined = False
    question.closed_at = None
    _question_event(
        question,
        QuestionEventKind.STATE_CHANGED,
        actor,
        to=question.state.value,
        reply=reply.id,
        retracted=True,
        note=reason,
    )
    return True


def _reopen_initiative(actor: User, reply: Reply, initiative: Initiative) -> None:
    if initiative.state is not InitiativeState.ANSWERED:
        return
    if not _answered_by(initiative.events, EventKind.ANSWERED, reply):
        return
    db.session.refresh(initiative, with_for_update={"of": Initiative})
    initiative.state = (
        InitiativeState.AWAITING_RESPONSE
        if initiative.threshold_reached_at is not None
        else InitiativeState.PUBLISHED
    )
    initiative.response_kind = None
    initiative.response_text = initiative.response_html = None
    initiative.answered_at = None


def next_document_number(reply: Reply) -> str:
    """The next document of the letter's case: ``032-11/2016-3`` after ``…-2-(52/17)``."""
    highest = db.session.scalar(
        sa.select(sa.func.max(Reply.document_seq)).where(Reply.case_number == reply.case_number)
    )
    return f"{reply.case_number}-{(highest or reply.document_seq) + 1}"


def start_correction(actor: User, reply: Reply) -> Reply:
    """A new draft that corrects a published letter: its content copied, to be changed."""
    _lock(reply)
    if not permissions.can_correct(actor, reply):
        raise NotAllowed
    content = Content(
        reference_number=next_document_number(reply),
        letter_date=local_today(),
        place=reply.place,
        reply_type=_T.CORRECTION,
        addressee_kind=reply.addressee_kind,
        addressee_body_id=reply.addressee_body_id,
        addressee_person_id=reply.addressee_person_id,
        addressee_text=reply.addressee_text,
        subject=reply.subject,
        question_restatement=reply.question_restatement,
        session_reference_text=reply.session_reference_text,
        summary=reply.summary,
        body=reply.body,
        answering_unit_ids=tuple(row.unit_id for row in reply.answering_units),
        prepared_by=tuple(Preparer(p.name, p.unit_text) for p in reply.prepared_by),
        signatories=tuple(Signatory(p.name, p.function, p.capacity) for p in reply.signatories),
        distribution=tuple(Recipient(r.recipient, r.kind) for r in reply.distribution),
        covers=tuple(
            Covered(row.question_id, row.initiative_id, row.coverage) for row in reply.coverage
        ),
        supersedes_id=reply.id,
    )
    return create(actor, issuer_unit_id=reply.issuer_unit_id, content=content)


# --- annexes ------------------------------------------------------------------------------

#: Annexes per letter besides the signed original.
ANNEXES_MAX = 10


def add_annex(
    actor: User, reply: Reply, *, upload: FileStorage | None, title: str
) -> ReplyAttachment:
    _lock(reply)
    if not permissions.can_manage_files(actor, reply):
        raise NotAllowed
    text = files.clean_description(title)
    if len(reply.annexes) >= ANNEXES_MAX:
        raise files.AttachmentRefused(files.Refusal.TOO_MANY)
    checked = files.check(upload, kinds=(files.PDF,))
    attachment = ReplyAttachment(title=text)
    attachment.set_file(checked, files.store(checked))
    reply.attachments.append(attachment)
    reply.updated_at = utcnow()
    _audit(actor, "reply.annex_add", reply, sha256=checked.sha256)
    db.session.flush()
    return attachment


def remove_annex(actor: User, reply: Reply, attachment: ReplyAttachment) -> None:
    _lock(reply)
    if attachment.reply_id != reply.id or attachment.is_signed_original:
        raise NotAllowed
    if not permissions.can_manage_files(actor, reply):
        raise NotAllowed
    db.session.delete(attachment)
    _audit(actor, "reply.annex_remove", reply, sha256=attachment.sha256)
    db.session.flush()
    db.session.expire(reply, ["attachments"])


# --- was it really answered? ----------------------------------------------------------------

#: Longest reason of a verdict (the column's size).
VERDICT_REASON_MAX = 1000


def give_verdict(
    actor: User,
    reply: Reply,
    question: Question,
    *,
    verdict: Verdict,
    reason: str,
    asker: bool,
    supporter: bool,
) -> AnswerVerdict:
    """Say whether the letter answered the question; a second verdict replaces one's first."""
    if not permissions.can_give_verdict(actor, reply, asker=asker, supporter=supporter):
        raise NotAllowed
    if not any(row.question_id == question.id for row in reply.coverage):
        raise InvalidValue("question")
    words = " ".join(reason.split())
    if not words:
        raise InvalidValue("reason", "required")
    if len(words) > VERDICT_REASON_MAX:
        raise InvalidValue("reason", "too_long")
    existing = db.session.scalar(
        sa.select(AnswerVerdict).where(
            AnswerVerdict.reply_id == reply.id,
            AnswerVerdict.question_id == question.id,
            AnswerVerdict.user_id == actor.id,
        )
    )
    now = utcnow()
    if existing is None:
        existing = AnswerVerdict(
            reply_id=reply.id, question_id=question.id, user_id=actor.id, created_at=now
        )
        db.session.add(existing)
    existing.verdict = verdict
    existing.reason = words
    existing.by_asker = asker
    existing.updated_at = now
    audit.record(
        actor.id, "reply.verdict", "reply", reply.id, question=question.id, verdict=verdict.value
    )
    # The issuing unit hears of it; the verdict itself is on the letter's page.
    recording.record(
        Kind.VERDICT_GIVEN, "reply", reply.id, actor=actor, data={"question": question.id}
    )
    db.session.flush()
    return existing
