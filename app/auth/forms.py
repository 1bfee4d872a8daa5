"""Forms of the account: the first sign-in and later changes share one set of fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from app.auth import accounts, pseudonyms
from app.auth.models import User
from app.core.forms import Form, SelectChoice, max_length
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

    def save(self, user: User) -> bool:
        """Save a validated form through the service; False, with the reason on the name
        field, if the service refuses the name (taken, or looks official)."""
        try:
            accounts.update_profile(
                user,
                pseudonym=self.pseudonym.data or "",
                email_address=self.email.data,
                language=self.language.data or "",
            )
        except (accounts.PseudonymTaken, accounts.PseudonymNotAllowed) as error:
            self.pseudonym.errors = [str(_REFUSALS[type(error)])]
            return False
        return True


_REFUSALS = {
    accounts.PseudonymTaken: _l("This public name is already taken. Choose another."),
    accounts.PseudonymNotAllowed: _l(
        "This name could be mistaken for the municipality, an official or a councillor."
    ),
}


class DeleteAccountForm(Form):
    confirm = BooleanField(
        _l("I understand that my account is deleted at once and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
