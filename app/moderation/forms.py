"""The moderator's form for refusing an item, the same for everything moderated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core.forms import Form, SelectChoice, max_length
from app.reference.choices import active_choices
from app.reference.models import RejectionReason


class RejectForm(Form):
    reason = SelectField(_l("Reason"), validators=[InputRequired(message=_l("Choose a reason."))])
    note = TextAreaField(
        _l("Explanation for the author and the public (optional)"),
        validators=[Optional(), max_length(2000)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _l("Choose…")), *active_choices(RejectionReason)]
