"""Forms of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, StopValidation

from app.auth.models import ROLE_LABELS, Role
from app.auth.residency import MAX_LENGTH as RESIDENCY_MAX_LENGTH
from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.initiatives.rules import LIMITS, Rules


class GrantRoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a role."))],
    )
    org_unit = SelectField(
        _l("Organisational unit (for officials)"), coerce=str, validators=[Optional()]
    )
    person = SelectField(
        _l("Public person record (for councillors)"), coerce=str, validators=[Optional()]
    )

    def role_value(self) -> Role:
        return Role(self.role.data)


class ReferenceItemForm(Form):
    """Add a topic, a local community or a rejection reason.

    Lengths, spacing and duplicates are checked by the service, which knows each kind's
    columns and the other items.
    """

    name_sl = StringField(
        _l("Name in Slovenian"),
        validators=[DataRequired(message=_l("Enter the name in Slovenian."))],
    )
    # The hints (with each kind's length limit) are set by the view.
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])


class ReferenceEditForm(ReferenceItemForm):
    """Rename an item, and offer it in forms or stop offering it."""

    is_active = BooleanField(_l("Active: offered when submitting and moderating"))


def _whole_number(form: Form, field: Field) -> None:
    # "abc" already failed conversion: the range check would only repeat the complaint.
    if field.process_errors:
        raise StopValidation


def _rule_field(label: LazyString, name: str) -> IntegerField:
    low, high = LIMITS[name]
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            _whole_number,
            NumberRange(min=low, max=high),
        ],
    )


class RulesForm(Form):
    """The threshold and the periods of initiatives (limits from ``rules.LIMITS``)."""

    threshold = _rule_field(_l("Threshold (supporters needed)"), "threshold")
    support_days = _rule_field(_l("Support period (days)"), "support_days")
    response_days = _rule_field(_l("Response period (days)"), "response_days")

    def rules(self) -> Rules:
        """The rules entered, once the form has validated (every field is then a number)."""
        threshold, support, response = (
            self.threshold.data,
            self.support_days.data,
            self.response_days.data,
        )
        if threshold is None or support is None or response is None:
            raise ValueError("the rules form was not validated")
        return Rules(threshold=threshold, support_days=support, response_days=response)


class ResidencyInstructionsForm(Form):
    """How to have one's residence verified, in each language (limits from ``residency``)."""

    text_sl = TextAreaField(
        _l("In Slovenian"),
        description=_l(
            "Where to go, when, and what to bring. Markdown: **bold**, lists with “-”, links."
        ),
        validators=[
            DataRequired(message=_l("Write the instructions in Slovenian.")),
            max_length(RESIDENCY_MAX_LENGTH),
        ],
        render_kw={"maxlength": RESIDENCY_MAX_LENGTH},
    )
    text_en = TextAreaField(
        _l("In English (optional)"),
        description=_l("If empty, visitors who use Glas in English see the Slovenian text."),
        validators=[Optional(), max_length(RESIDENCY_MAX_LENGTH)],
        render_kw={"maxlength": RESIDENCY_MAX_LENGTH},
    )
