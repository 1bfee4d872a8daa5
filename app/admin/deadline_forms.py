"""Forms of the deadline rules and the work-free days an administrator adds."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.questions.deadlines import MAX_DAYS, DeadlineUnit
from app.questions.models import FORM_LABELS, KIND_LABELS, ORIGIN_LABELS, Kind, Origin, RuleStart
from app.questions.models import Form as QForm
from app.questions.rules import RuleContent

START_LABELS = {
    RuleStart.SESSION: _l("The session it was posed at"),
    RuleStart.RECEIVED: _l("The day a written question was received"),
    RuleStart.PUBLISHED: _l("The day a resident's question was published"),
}
UNIT_LABELS = {
    DeadlineUnit.CALENDAR_DAYS: _l("Calendar days"),
    DeadlineUnit.WORKING_DAYS: _l("Working days"),
    DeadlineUnit.NEXT_REGULAR_SESSION: _l("By the next regular session"),
}
_DAYS = NumberRange(
    min=0, max=MAX_DAYS, message=_l("Give a number from 0 to %(max)d.", max=MAX_DAYS)
)


class DeadlineRuleForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Name the rule.")), max_length(120)]
    )
    origin = RadioField(
        _l("Questions of"),
        choices=[SelectChoice(o.value, label) for o, label in ORIGIN_LABELS.items()],
        validators=[InputRequired(message=_l("Choose whose questions."))],
    )
    kind = SelectField(_l("Kind"), validators=[Optional()])
    form = SelectField(_l("Posed"), validators=[Optional()])
    start = RadioField(
        _l("The deadline runs from"),
        choices=[SelectChoice(s.value, label) for s, label in START_LABELS.items()],
        validators=[InputRequired(message=_l("Choose where the deadline starts."))],
    )
    unit = RadioField(
        _l("Counted in"),
        choices=[SelectChoice(u.value, label) for u, label in UNIT_LABELS.items()],
        validators=[InputRequired(message=_l("Choose how the days are counted."))],
    )
    amount = IntegerField(
        _l("Days"), validators=[InputRequired(message=_l("Give the number of days.")), _DAYS]
    )
    fallback_days = IntegerField(
        _l("Days when no next regular session is scheduled"),
        description=_l("Only for “by the next regular session”: calendar days instead."),
        validators=[Optional(), _DAYS],
    )
    next_working_day = BooleanField(
        _l(
            "A deadline ending on a day that is not a working day ends on the next working "
            "day (ZUP, art. 101)"
        ),
        default=True,
    )
    long_overdue_after = IntegerField(
        _l("Long overdue after (days past the due date)"),
        validators=[InputRequired(message=_l("Give the number of days.")), _DAYS],
    )
    legal_source = TextAreaField(
        _l("Legal source"),
        description=_l("The article of the council's Rules of Procedure or the law, as text."),
        validators=[Optional(), max_length(2000)],
    )
    valid_from = DateField(
        _l("Valid from"), validators=[InputRequired(message=_l("Give the first day it applies."))]
    )
    valid_to = DateField(_l("Valid until (optional)"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            SelectChoice("", _l("Questions and initiatives")),
            *(SelectChoice(k.value, label) for k, label in KIND_LABELS.items()),
        ]
        self.form.choices = [
            SelectChoice("", _l("Orally or in writing")),
            *(SelectChoice(f.value, label) for f, label in FORM_LABELS.items()),
        ]

    def content(self) -> RuleContent:
        valid_from = self.valid_from.data
        if valid_from is None:  # InputRequired refused it; read only after validation
            raise ValueError("no date")
        return RuleContent(
            name=self.name.data or "",
            origin=Origin(self.origin.data),
            kind=Kind(self.kind.data) if self.kind.data else None,
            form=QForm(self.form.data) if self.form.data else None,
            start=RuleStart(self.start.data),
            amount=int(self.amount.data or 0),
            unit=DeadlineUnit(self.unit.data),
            fallback_days=self.fallback_days.data,
            next_working_day=bool(self.next_working_day.data),
            long_overdue_after=int(self.long_overdue_after.data or 0),
            legal_source=self.legal_source.data or "",
            valid_from=valid_from,
            valid_to=self.valid_to.data,
        )


class WorkFreeDayForm(Form):
    on = DateField(_l("Day"), validators=[InputRequired(message=_l("Give the day."))])
    name = StringField(
        _l("Name"),
        description=_l("E.g. “Dan solidarnosti” (a day the government declared work-free)."),
        validators=[DataRequired(message=_l("Name the day.")), max_length(120)],
    )
