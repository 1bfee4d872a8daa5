"""Forms of the information pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional

from app.core.forms import Form, max_length

MESSAGE_MAX = 4000


class FeedbackForm(Form):
    message = TextAreaField(
        _l("What did you find difficult or impossible to use?"),
        description=_l("Describe the barrier, or the content you need in another form."),
        validators=[
            DataRequired(message=_l("Please describe the problem.")),
            max_length(MESSAGE_MAX),
        ],
    )
    page_url = StringField(
        _l("On which page? (optional)"),
        description=_l("The address or the name of the page."),
        validators=[Optional(), max_length(500)],
    )
    contact_name = StringField(_l("Your name (optional)"), validators=[Optional(), max_length(100)])
    contact_email = EmailField(
        _l("Your e-mail address (optional)"),
        description=_l("Only if you want an answer. We use it for nothing else."),
        validators=[
            Optional(),
            max_length(254),
            Email(
                message=_l("Enter an e-mail address such as ime@primer.si."),
                check_deliverability=False,
            ),
        ],
    )
