"""Forms of the account: the first sign-in and later changes share one set of fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from app.auth import pseudonyms
from app.core.forms import Form, max_length
from app.core.i18n import LANGUAGE_NAMES


def _pseudonym_rules(_form: Any, field: StringField) -> None:
    message = pseudonyms.problem(field.data or "")
    if message is not None:
        raise ValidationError(str(message))


class ProfileForm(Form):
    pseudonym = StringField(
        _l("Public name"),
        description=_l(
            "Shown with everything you publish. Not your real name unless you want it to be: "
            "3 to 40 letters, digits or spaces."
        ),
        validators=[DataRequired(message=_l("Choose a public name.")), _pseudonym_rules],
    )
    email = EmailField(
        _l("E-mail address (optional)"),
        description=_l(
            "For notifications about what you follow. We send a link to confirm it first."
        ),
        validators=[
            Optional(),
            max_length(254),
            Email(
                message=_l("Enter an e-mail address such as ime@primer.si."),
                check_deliverability=False,
            ),
        ],
    )
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in ("sl", "en")],
        validators=[InputRequired(message=_l("Choose a language."))],
    )


class DeleteAccountForm(Form):
    confirm = BooleanField(
        _l("I understand that my account is deleted at once and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
