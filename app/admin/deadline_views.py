"""The administration of deadline rules and work-free days (administrators only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import bp
from app.admin.deadline_forms import START_LABELS, UNIT_LABELS, DeadlineRuleForm, WorkFreeDayForm
from app.auth import permissions
from app.auth.current import signed_in_account
from app.core.time import today as local_today
from app.extensions import db
from app.questions import due, rules
from app.questions.models import DeadlineRule, WorkFreeDay

_RULE_MESSAGES = {
    "name": _l("Name the rule."),
    "amount": _l("Give a number from 0 to 3650."),
    "fallback_days": _l("“By the next regular session” needs the days for when none is scheduled."),
    "long_overdue_after": _l("Give a number from 0 to 3650."),
    "valid_to": _l("The last day cannot be before the first."),
    "start": _l(
        "Residents' questions run from publication; councillors' from the session or the "
        "day received."
    ),
    "valid_from": _l(
        "Another rule for the same questions is valid on some of these days. End it first."
    ),
}


def _page(
    rule_form: DeadlineRuleForm, day_form: WorkFreeDayForm, status: int = 200
) -> ResponseReturnValue:
    this_year = local_today().year
    calendar = due.calendar()
    holidays = {year: calendar.holidays_in(year) for year in (this_year, this_year + 1)}
    page = render_template(
        "admin/deadlines.html",
        rules=rules.rules(),
        added=rules.added_days(),
        holidays=holidays,
        rule_form=rule_form,
        day_form=day_form,
        start_labels=START_LABELS,
        unit_labels=UNIT_LABELS,
    )
    return page, status


_admin = permissions.role_required(permissions.is_administrator)
#: A new rule's form starts from the defaults of the seeded rules.
_NEW_RULE = {"long_overdue_after": 30, "next_working_day": True}


@bp.get("/deadlines")
@_admin
def deadlines() -> ResponseReturnValue:
    return _page(DeadlineRuleForm(prefix="rule", data=_NEW_RULE), WorkFreeDayForm(prefix="day"))


def _rule_errors(form: DeadlineRuleForm, field: str) -> None:
    target = getattr(form, field)
    target.errors = [*target.errors, str(_RULE_MESSAGES[field])]


@bp.post("/deadlines")
@_admin
def add_rule() -> ResponseReturnValue:
    form = DeadlineRuleForm(prefix="rule")
    if form.validate_on_submit():
        try:
            rules.save_rule(signed_in_account(), None, form.content())
        except rules.InvalidRule as error:
            db.session.rollback()
            _rule_errors(form, error.field)
        else:
            db.session.commit()
            flash(
                _("The rule is saved; the due dates of open questions were computed again."),
                "success",
            )
            return redirect(url_for("admin.deadlines"))
    return _page(form, WorkFreeDayForm(prefix="day"), 422)


_PLAIN_FIELDS = (
    "name", "amount", "fallback_days", "next_working_day", "long_overdue_after",
    "legal_source", "valid_from", "valid_to",
)  # fmt: skip


class _RuleData:
    def __init__(self, rule: DeadlineRule) -> None:
        for name in _PLAIN_FIELDS:
            setattr(self, name, getattr(rule, name))
        self.origin = rule.origin.value
        self.kind = rule.kind.value if rule.kind else ""
        self.form = rule.form.value if rule.form else ""
        self.start = rule.start.value
        self.unit = rule.unit.value


def _rule_page(
    rule: DeadlineRule, form: DeadlineRuleForm, status: int = 200
) -> ResponseReturnValue:
    return render_template("admin/deadline_rule.html", rule=rule, form=form), status


@bp.route("/deadlines/<id:rule_id>", methods=["GET", "POST"])
@_admin
def rule(rule_id: int) -> ResponseReturnValue:
    found = db.get_or_404(DeadlineRule, rule_id)
    form = DeadlineRuleForm(obj=None if request.method == "POST" else _RuleData(found))
    if form.validate_on_submit():
        try:
            rules.save_rule(signed_in_account(), found, form.content())
        except rules.InvalidRule as error:
            db.session.rollback()
            _rule_errors(form, error.field)
        else:
            db.session.commit()
            flash(
                _("The rule is saved; the due dates of open questions were computed again."),
                "success",
            )
            return redirect(url_for("admin.deadlines"))
    return _rule_page(found, form, 422 if form.errors else 200)


@bp.post("/deadlines/<id:rule_id>/confirm")
@_admin
def confirm_rule(rule_id: int) -> ResponseReturnValue:
    found = db.get_or_404(DeadlineRule, rule_id)
    rules.confirm(signed_in_account(), found)
    db.session.commit()
    flash(_("The rule is marked as checked against the Rules of Procedure."), "success")
    return redirect(url_for("admin.deadlines"))


@bp.post("/work-free-days")
@_admin
def add_day() -> ResponseReturnValue:
    form = WorkFreeDayForm(prefix="day")
    if form.validate_on_submit() and form.on.data is not None:
        try:
            rules.add_work_free_day(signed_in_account(), form.on.data, form.name.data or "")
        except rules.DayTaken:
            db.session.rollback()
            form.on.errors = [_("This day is already a work-free day.")]
        except rules.InvalidRule:
            db.session.rollback()
            form.name.errors = [_("Name the day.")]
        else:
            db.session.commit()
            flash(
                _("The day is added; the due dates of open questions were computed again."),
                "success",
            )
            return redirect(url_for("admin.deadlines"))
    return _page(DeadlineRuleForm(prefix="rule", data=_NEW_RULE), form, 422)


@bp.post("/work-free-days/<id:day_id>/remove")
@_admin
def remove_day(day_id: int) -> ResponseReturnValue:
    day = db.get_or_404(WorkFreeDay, day_id)
    rules.remove_work_free_day(signed_in_account(), day)
    db.session.commit()
    flash(_("The day is removed; the due dates of open questions were computed again."), "success")
    return redirect(url_for("admin.deadlines"))
