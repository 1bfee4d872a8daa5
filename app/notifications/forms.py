"""The person's notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.validators import InputRequired

from app.auth.models import EMAIL_FREQUENCY_LABELS, EmailFrequency
from app.core.forms import Form, SelectChoice


class SettingsForm(Form):
    email_frequency = RadioField(
        _l("E-mail about what you follow"),
        choices=[SelectChoice(f.value, label) for f, label in EMAIL_FREQUENCY_LABELS.items()],
        validators=[InputRequired(message=_l("Choose how often you get e-mail."))],
    )
    follow_automatically = BooleanField(
        _l("Follow what I propose, ask, support or adopt, automatically"),
        description=_l(
            "You can stop following any item at any time in the list of what you follow."
        ),
    )

    def frequency(self) -> EmailFrequency:
        return EmailFrequency(self.email_frequency.data)
