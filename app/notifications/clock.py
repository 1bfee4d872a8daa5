"""Events the clock makes: an answer or a response due soon, a response overdue, a
commitment of a reply letter due soon or late.

Called by the cron commands (``flask questions mark-overdue``, ``flask initiatives
close-expired``). Each event has a key naming the item and the due date (``once_key``), so it
is recorded once however often the command runs, and once more only if the date moves (an
extension gives a new "due soon"). A question's overdue step is already its timeline's
(``mark_overdue``); an initiative's overdue response has no step and is recorded here, as a
commitment's due date is (``flask notifications commitments-due``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.time import today as local_today
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.notifications import recording
from app.notifications.kinds import Kind
from app.projects.models import Commitment, CommitmentState
from app.questions.models import OPEN, Question
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply


def _soon() -> timedelta:
    return timedelta(days=current_app.config["NOTIFY_DUE_SOON_DAYS"])


def questions_due_soon() -> int:
    """Record "due soon" for open questions due within the next days; how many are new."""
    today = local_today()
    effective = sa.func.coalesce(Question.extended_to, Question.due_on)
    rows = db.session.execute(
        sa.select(Question.id, effective).where(
            Question.state.in_(OPEN), effective >= today, effective <= today + _soon()
        )
    )
    return sum(
        recording.record(
            Kind.QUESTION_DUE_SOON,
            "question",
            question_id,
            data={"due": due.isoformat()},
            once_key=f"question.due_soon:{question_id}:{due.isoformat()}",
        )
        for question_id, due in rows
    )


def initiatives_due(now: datetime | None = None) -> int:
    """Record "due soon" and "overdue" for initiatives awaiting a response; how many are new."""
    now = now or utcnow()
    rows = list(
        db.session.execute(
            sa.select(Initiative.id, Initiative.response_due_at).where(
                Initiative.state == InitiativeState.AWAITING_RESPONSE,
                Initiative.response_due_at <= now + _soon(),
            )
        )
    )
    recorded = 0
    for initiative_id, due in rows:
        if due is None:
            continue
        kind = Kind.INITIATIVE_OVERDUE if due < now else Kind.INITIATIVE_DUE_SOON
        recorded += recording.record(
            kind,
            "initiative",
            initiative_id,
            data={"due": due.isoformat()},
            once_key=f"{kind.value}:{initiative_id}:{due.date().isoformat()}",
        )
    return recorded


def commitments_due() -> int:
    """Record "due soon" and "late" for open commitments of public letters; how many are new.

    Due soon: due today or within ``NOTIFY_DUE_SOON_DAYS``; late: its due date has passed
    (the day after it, as ``Commitment.is_late`` says). A commitment of a letter not yet
    public is skipped, not marked: once the letter is published the next run tells it.
    """
    today = local_today()
    rows = db.session.execute(
        sa.select(Commitment.id, Commitment.due_on)
        .join(Reply, Reply.id == Commitment.reply_id)
        .where(
            Commitment.state == CommitmentState.OPEN,
            Commitment.due_on <= today + _soon(),
            Reply.state.in_(PUBLIC_REPLIES),
        )
        .order_by(Commitment.id)
    )
    recorded = 0
    for commitment_id, due in rows:
        kind = Kind.COMMITMENT_LATE if today > due else Kind.COMMITMENT_DUE_SOON
        recorded += recording.record(
            kind,
            "commitment",
            commitment_id,
            data={"due": due.isoformat()},
            once_key=f"{kind.value}:{commitment_id}:{due.isoformat()}",
        )
    return recorded
