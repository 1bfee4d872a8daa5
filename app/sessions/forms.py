"""The council office's form of a session."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.council.models import CouncilBody, Term
from app.extensions import db
from app.sessions.models import SESSION_KIND_LABELS, SessionKind
from app.sessions.services import AGENDA_ITEM_MAX, MAX_AGENDA_ITEMS, SessionContent


class SessionForm(Form):
    body = SelectField(_l("Body"), validators=[InputRequired(message=_l("Choose the body."))])
    term = SelectField(
        _l("Term of office"), validators=[InputRequired(message=_l("Choose the term."))]
    )
    kind = RadioField(
        _l("Kind of session"),
        choices=[SelectChoice(kind.value, label) for kind, label in SESSION_KIND_LABELS.items()],
        default=SessionKind.REGULAR.value,
        validators=[InputRequired(message=_l("Choose the kind of session."))],
    )
    number = IntegerField(
        _l("Number"),
        description=_l("Its number among the sessions of this kind in the term (16 for the 16th)."),
        validators=[
            InputRequired(message=_l("Give the session's number.")),
            NumberRange(min=1, max=9999, message=_l("Give a number from 1 to 9999.")),
        ],
    )
    held_on = DateField(
        _l("Date"),
        description=_l(
            "The day it is or was held; for a correspondence session, the day it closed."
        ),
        validators=[InputRequired(message=_l("Give the date."))],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l("Where it is held, a link to the materials."),
        validators=[Optional(), max_length(2000)],
    )
    agenda = TextAreaField(
        _l("Agenda (optional)"),
        description=_l("One item per line, in order."),
        validators=[Optional(), max_length(20_000)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = db.session.scalars(sa.select(CouncilBody).order_by(CouncilBody.id))
        self.body.choices = [
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(str(body.id), body.name) for body in bodies),
        ]
        terms = db.session.scalars(sa.select(Term).order_by(Term.starts_on.desc()))
        self.term.choices = [
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(str(term.id), term.label) for term in terms),
        ]

    def validate_agenda(self, field: TextAreaField) -> None:
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_AGENDA_ITEMS:
            raise ValidationError(
                ngettext("At most %(num)d item.", "At most %(num)d items.", MAX_AGENDA_ITEMS)
            )
        if any(len(" ".join(line.split())) > AGENDA_ITEM_MAX for line in lines):
            raise ValidationError(
                _l("An item can have at most %(length)d characters.", length=AGENDA_ITEM_MAX)
            )

    def content(self) -> SessionContent:
        held_on = self.held_on.data
        if held_on is None:  # InputRequired refused it; content() is read after validation
            raise ValueError("no date")
        return SessionContent(
            body_id=int(self.body.data),
            term_id=int(self.term.data),
            kind=SessionKind(self.kind.data),
            number=int(self.number.data or 0),
            held_on=held_on,
            note=self.note.data,
            agenda=tuple((self.agenda.data or "").splitlines()),
        )
