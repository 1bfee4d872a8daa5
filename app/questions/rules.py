"""Deadline rules and one-off work-free days, as an administrator keeps them.

Every change is audited and recomputes the due dates of the open questions (each one that
moves says so on its timeline: ``services.recompute_due_dates``). Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.auth.models import User
from app.core import models as audit
from app.core.time import utcnow
from app.extensions import db
from app.questions import permissions, services
from app.questions.deadlines import MAX_DAYS, DeadlineUnit
from app.questions.models import DeadlineRule, Form, Kind, Origin, RuleStart, WorkFreeDay


class NotAllowed(Exception):
    pass


class InvalidRule(Exception):
    """A rule that cannot be; ``field`` names the form field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class DayTaken(Exception):
    """That day is already an added work-free day."""


@dataclass(frozen=True)
class RuleContent:
    name: str
    origin: Origin
    kind: Kind | None
    form: Form | None
    start: RuleStart
    amount: int
    unit: DeadlineUnit
    fallback_days: int | None
    next_working_day: bool
    long_overdue_after: int
    legal_source: str
    valid_from: date
    valid_to: date | None


#: What a rule's audit entry and its change record list.
_FIELDS = (
    "name", "origin", "kind", "form", "start", "amount", "unit", "fallback_days",
    "next_working_day", "long_overdue_after", "legal_source", "valid_from", "valid_to",
)  # fmt: skip


def _check(actor: User | None) -> None:
    if actor is not None and not permissions.can_manage_deadlines(actor):
        raise NotAllowed


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def _validate(content: RuleContent, rule_id: int | None) -> None:
    if not content.name.strip():
        raise InvalidRule("name")
    for field, days in (
        ("amount", content.amount),
        ("fallback_days", content.fallback_days),
        ("long_overdue_after", content.long_overdue_after),
    ):
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise InvalidRule(field)
    if content.unit is DeadlineUnit.NEXT_REGULAR_SESSION and content.fallback_days is None:
        raise InvalidRule("fallback_days")  # when no session is scheduled, a date still
    if content.valid_to is not None and content.valid_to < content.valid_from:
        raise InvalidRule("valid_to")
    if content.origin is Origin.RESIDENT and content.start is not RuleStart.PUBLISHED:
        raise InvalidRule("start")  # a resident's question has no session nor date received
    if content.origin is Origin.COUNCILLOR and content.start is RuleStart.PUBLISHED:
        raise InvalidRule("start")
    # Two rules for the same questions valid on the same day would make the choice arbitrary.
    overlap = sa.and_(
        DeadlineRule.origin == content.origin,
        DeadlineRule.kind.is_(None) if content.kind is None else DeadlineRule.kind == content.kind,
        DeadlineRule.form.is_(None) if content.form is None else DeadlineRule.form == content.form,
        sa.or_(DeadlineRule.valid_to.is_(None), DeadlineRule.valid_to >= content.valid_from),
        DeadlineRule.id != (rule_id or 0),
    )
    if content.valid_to is not None:
        overlap = sa.and_(overlap, DeadlineRule.valid_from <= content.valid_to)
    if db.session.scalar(sa.select(DeadlineRule.id).where(overlap).limit(1)) is not None:
        raise InvalidRule("valid_from")


def save_rule(actor: User | None, rule: DeadlineRule | None, content: RuleContent) -> DeadlineRule:
    """Create or change a rule; audited, and the open questions' due dates recomputed."""
    _check(actor)
    _validate(content, rule.id if rule else None)
    creating = rule is None
    if rule is None:
        rule = DeadlineRule()
        db.session.add(rule)
    before = {name: _plain(getattr(rule, name, None)) for name in _FIELDS}
    for name in _FIELDS:
        value = getattr(content, name)
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    changed = [name for name in _FIELDS if _plain(getattr(rule, name)) != before[name]]
    if not creating and not changed:
        return rule
    if not creating and rule.confirmed_at is not None:
        # A changed rule is not the rule that was checked against the Rules of Procedure.
        rule.confirmed_at = None
        rule.confirmed_by_id = None
    rule.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor.id if actor else None,
        "deadline_rule.create" if creating else "deadline_rule.update",
        "deadline_rule",
        rule.id,
        fields=changed,
        **{name: _plain(getattr(rule, name)) for name in changed},
    )
    services.recompute_due_dates(actor, cause=f"rule:{rule.id}")
    return rule


def confirm(actor: User | None, rule: DeadlineRule) -> None:
    """Mark the rule checked against the council's Rules of Procedure (shown publicly)."""
    _check(actor)
    if rule.confirmed_at is not None:
        return
    rule.confirmed_at = utcnow()
    rule.confirmed_by_id = actor.id if actor else None
    audit.record(actor.id if actor else None, "deadline_rule.confirm", "deadline_rule", rule.id)
    db.session.flush()


def add_work_free_day(actor: User | None, on: date, name: str) -> WorkFreeDay:
    _check(actor)
    words = " ".join(name.split())
    if not words:
        raise InvalidRule("name")
    if db.session.scalar(sa.select(WorkFreeDay.id).where(WorkFreeDay.on == on)) is not None:
        raise DayTaken
    day = WorkFreeDay(on=on, name=words)
    db.session.add(day)
    db.session.flush()
    audit.record(
        actor.id if actor else None, "work_free_day.add", "work_free_day", day.id,
        on=on.isoformat(), name=words,
    )  # fmt: skip
    services.recompute_due_dates(actor, cause=f"work_free_day:{on.isoformat()}")
    return day


def remove_work_free_day(actor: User | None, day: WorkFreeDay) -> None:
    _check(actor)
    audit.record(
        actor.id if actor else None, "work_free_day.remove", "work_free_day", day.id,
        on=day.on.isoformat(), name=day.name,
    )  # fmt: skip
    on = day.on
    db.session.delete(day)
    db.session.flush()
    services.recompute_due_dates(actor, cause=f"work_free_day:{on.isoformat()}")


def rules() -> list[DeadlineRule]:
    return list(
        db.session.scalars(
            sa.select(DeadlineRule).order_by(
                DeadlineRule.origin, DeadlineRule.valid_from.desc(), DeadlineRule.id
            )
        )
    )


def added_days() -> list[WorkFreeDay]:
    return list(db.session.scalars(sa.select(WorkFreeDay).order_by(WorkFreeDay.on.desc())))
