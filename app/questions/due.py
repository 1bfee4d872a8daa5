"""A question's due date from the rules in the database, and how to say it in words.

``deadlines`` computes; this module finds what it computes from: the rule valid on the
question's start date, the start itself (the session, the date received, the publication),
the work-free days an administrator added, and the next regular session. ``explain`` turns
the result into the sentences a question's page shows, so that anyone can check the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app.core.templating import local_date
from app.core.time import to_local
from app.extensions import db
from app.questions import deadlines
from app.questions.deadlines import Calendar, DeadlineUnit, DueDate, FreeDay, FreeReason, RuleTerms
from app.questions.models import DeadlineRule, Form, Origin, Question, RuleStart, WorkFreeDay
from app.sessions.labels import posed_at
from app.sessions.models import CouncilSession, SessionKind


@dataclass(frozen=True)
class Deadline:
    """A question's deadline as computed now: the rule, its terms and the result."""

    rule: DeadlineRule
    terms: RuleTerms
    due: DueDate

    @property
    def long_overdue_on(self) -> date:
        return self.due.long_overdue_on(self.terms)


def terms_of(rule: DeadlineRule) -> RuleTerms:
    return RuleTerms(
        amount=rule.amount,
        unit=rule.unit,
        fallback_days=rule.fallback_days,
        next_working_day=rule.next_working_day,
        long_overdue_after=rule.long_overdue_after,
    )


def start_of(question: Question, start: RuleStart | None = None) -> date | None:
    """The day the deadline runs from, as the rule says, or as the question has it.

    A rule's start that the question lacks (a written question has no session) falls back to
    what it has: the session, the date received, the publication, in that order.
    """
    session_day = question.session.held_on if question.session is not None else None
    published = to_local(question.published_at).date() if question.published_at else None
    chosen = (
        {
            RuleStart.SESSION: session_day,
            RuleStart.RECEIVED: question.received_on,
            RuleStart.PUBLISHED: published,
        }.get(start)
        if start is not None
        else None
    )
    return chosen or session_day or question.received_on or published


def natural_start(question: Question) -> date | None:
    """The start a question has before any rule is chosen (to choose the rule by)."""
    if question.origin is Origin.COUNCILLOR:
        return start_of(
            question, RuleStart.SESSION if question.form is Form.ORAL else RuleStart.RECEIVED
        )
    return start_of(question, RuleStart.PUBLISHED)


def _specificity(rule: DeadlineRule) -> tuple[int, date, int]:
    return ((rule.kind is not None) * 2 + (rule.form is not None), rule.valid_from, rule.id)


def _fits(rule: DeadlineRule, question: Question, on: date) -> bool:
    return (
        rule.origin is question.origin
        and rule.kind in (None, question.kind)
        and rule.form in (None, question.form)
        and rule.valid_from <= on
        and (rule.valid_to is None or on <= rule.valid_to)
    )


@dataclass
class Context:
    """What computing due dates reads, loaded once for many questions (three queries)."""

    rules: list[DeadlineRule]
    calendar: Calendar
    #: The days of regular sessions, per body, in order.
    regular_sessions: dict[int, list[date]]

    def rule_for(self, question: Question, on: date) -> DeadlineRule | None:
        """The rule valid on ``on`` for the question's origin, kind and form: the most specific.

        One naming the kind and the form beats one naming the kind, which beats one naming
        the form, which beats one for any; of equally specific rules, the one valid from
        later (a newer rule replaces an older one).
        """
        fitting = [rule for rule in self.rules if _fits(rule, question, on)]
        return max(fitting, key=_specificity, default=None)

    def next_regular_session(self, question: Question, after: date) -> date | None:
        """The first regular session after ``after`` of the question's body (any body for a
        question posed at none: a resident's, or a written one)."""
        if question.session is not None:
            days = self.regular_sessions.get(question.session.body_id, [])
        else:
            days = sorted(day for body in self.regular_sessions.values() for day in body)
        return next((day for day in days if day > after), None)


def context(language: str | None = None) -> Context:
    regular: dict[int, list[date]] = {}
    rows = db.session.execute(
        sa.select(CouncilSession.body_id, CouncilSession.held_on)
        .where(CouncilSession.kind == SessionKind.REGULAR)
        .order_by(CouncilSession.held_on)
    )
    for body_id, held_on in rows:
        regular.setdefault(body_id, []).append(held_on)
    return Context(
        rules=list(db.session.scalars(sa.select(DeadlineRule))),
        calendar=calendar(language),
        regular_sessions=regular,
    )


def calendar(language: str | None = None) -> Calendar:
    """Slovenia's working days with the work-free days an administrator added."""
    added = {row.on: row.name for row in db.session.scalars(sa.select(WorkFreeDay))}
    return Calendar(added, language=_holiday_language(language))


def _holiday_language(language: str | None) -> str:
    # Outside a request (the command line, cron) holidays are named in Slovenian.
    chosen = language or (str(get_locale() or "sl") if has_request_context() else "sl")
    return "en_US" if chosen.startswith("en") else "sl"


def compute(question: Question, ctx: Context | None = None) -> Deadline | None:
    """The deadline that applies to ``question`` now; ``None`` without a start or a rule."""
    ctx = ctx or context()
    start = natural_start(question)
    if start is None:
        return None
    rule = ctx.rule_for(question, start)
    if rule is None:
        return None
    start = start_of(question, rule.start) or start
    terms = terms_of(rule)
    following = (
        ctx.next_regular_session(question, start)
        if rule.unit is DeadlineUnit.NEXT_REGULAR_SESSION
        else None
    )
    due = deadlines.compute(terms, start, ctx.calendar, next_regular_session=following)
    return Deadline(rule, terms, due)


# --- in words -------------------------------------------------------------------------------


def _day(value: date) -> str:
    return local_date(value, "long")


def _free_day(free: FreeDay) -> str:
    if free.reason is FreeReason.SATURDAY:
        return _("%(date)s (Saturday)", date=_day(free.on))
    if free.reason is FreeReason.SUNDAY:
        return _("%(date)s (Sunday)", date=_day(free.on))
    return _("%(date)s (%(name)s)", date=_day(free.on), name=free.name or "")


def describe_start(question: Question, deadline: Deadline) -> str:
    """Where the deadline runs from, in a sentence."""
    start = deadline.due.start
    session = question.session
    if deadline.rule.start is RuleStart.SESSION and session is not None:
        return posed_at(session)
    if deadline.rule.start is RuleStart.RECEIVED and question.received_on is not None:
        return _("Received in writing on %(date)s.", date=_day(start))
    return _("Published on %(date)s.", date=_day(start))


def explain(question: Question, deadline: Deadline) -> list[str]:
    """How the due date was computed, sentence by sentence, for the question's page."""
    due = deadline.due
    lines = [describe_start(question, deadline)]
    if due.unit is DeadlineUnit.NEXT_REGULAR_SESSION:
        lines.append(
            _("The answer is due by the next regular session, on %(date)s.", date=_day(due.due_on))
        )
    elif due.unit is DeadlineUnit.WORKING_DAYS:
        lines.append(
            ngettext(
                "%(num)d working day from then: due on %(date)s.",
                "%(num)d working days from then: due on %(date)s.",
                due.amount,
                date=_day(due.due_on),
            )
        )
        if due.skipped:
            lines.append(
                _("Not counted: %(days)s.", days=", ".join(_free_day(day) for day in due.skipped))
            )
    else:
        if due.fell_back:
            lines.append(_("No regular session is scheduled yet, so the rule's fall-back applies."))
        lines.append(
            ngettext(
                "%(num)d day from then is %(date)s.",
                "%(num)d days from then is %(date)s.",
                due.amount,
                date=_day(due.nominal),
            )
        )
        if due.moved_over:
            lines.append(
                _(
                    "That is not a working day (%(days)s), so the answer is due on the next "
                    "working day, %(date)s.",
                    days=", ".join(_free_day(day) for day in due.moved_over),
                    date=_day(due.due_on),
                )
            )
        else:
            lines.append(_("Due on %(date)s.", date=_day(due.due_on)))
    if question.extended_to is not None:
        lines.append(
            _(
                "Extended to %(date)s: %(reason)s",
                date=_day(question.extended_to),
                reason=question.extension_reason or "",
            )
        )
    return lines
