"""Forms of questions: asking, recording a councillor's, and what the municipality does."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.council.models import CouncillorGroup, CouncilMandate, Person, Term
from app.extensions import db
from app.org.forms import unit_choices
from app.questions import services
from app.questions.models import FORM_LABELS, KIND_LABELS, Kind, Question
from app.questions.models import Form as QuestionForm_
from app.questions.services import STAGES, AnswerKind, CouncilContent, ResidentContent
from app.reference.choices import active_choices
from app.reference.models import LocalCommunity, Topic
from app.sessions.labels import session_title
from app.sessions.models import CouncilSession

TITLE_MAX, BODY_MAX, NOTE_MAX, CASE_MAX = 250, 10_000, 2000, 40


def _topic_and_community(form: Any, current: Question | None, *, topic_required: bool) -> None:
    topic_id = current.topic_id if current else None
    community_id = current.community_id if current else None
    first = _l("Choose…") if topic_required else _l("No topic")
    form.topic.choices = [SelectChoice("", first), *active_choices(Topic, topic_id)]
    form.community.choices = [
        SelectChoice("", _l("The whole municipality")),
        *active_choices(LocalCommunity, community_id),
    ]


def _check_case_number(field: StringField) -> None:
    try:
        field.data = services.parse_case_number(field.data)
    except services.InvalidValue:
        raise ValidationError(
            _l("Write the case number as the administration does, e.g. 032-11/2016.")
        ) from None


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None


class AskForm(Form):
    """A resident's question to the municipality."""

    title = StringField(
        _l("Your question"),
        description=_l("Ask in one sentence, e.g. “When will the footpath on Jezerska be lit?”"),
        validators=[DataRequired(message=_l("Write your question.")), max_length(TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = TextAreaField(
        _l("Details"),
        description=_l(
            "What the municipality needs to know to answer: where, since when, what you have "
            "tried. You can use **bold**, *italic* and lists starting with -."
        ),
        validators=[DataRequired(message=_l("Explain your question.")), max_length(BODY_MAX)],
    )
    topic = SelectField(_l("Topic"), validators=[InputRequired(message=_l("Choose a topic."))])
    community = SelectField(_l("Local community"), validators=[Optional()])
    unit = SelectField(
        _l("Who should answer (optional)"),
        description=_l("If you do not know, leave it: the municipality chooses."),
        validators=[Optional()],
    )
    #: The earlier question this one follows up (from a reply that did not answer it).
    follow_up_of = HiddenField()

    def __init__(self, *args: Any, current: Question | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _topic_and_community(self, current, topic_required=True)
        self.unit.choices = [SelectChoice("", _l("I do not know")), *unit_choices()]

    def validate_follow_up_of(self, field: HiddenField) -> None:
        value = field.data or ""
        if value and (not value.isascii() or not value.isdigit() or len(value) > 10):
            raise ValidationError(_l("Choose one from the list."))

    def content(self) -> ResidentContent:
        return ResidentContent(
            title=self.title.data or "",
            body=self.body.data or "",
            topic_id=int(self.topic.data),
            community_id=_int_or_none(self.community.data),
            unit_id=_int_or_none(self.unit.data),
            follow_up_of_id=_int_or_none(self.follow_up_of.data),
        )


class _Checkboxes(SelectMultipleField):
    """Several choices as checkboxes (a ``<select multiple>`` is hard to use by keyboard)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _session_choices() -> list[SelectChoice]:
    sessions = db.session.scalars(
        sa.select(CouncilSession).order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())
    )
    return [
        SelectChoice(str(s.id), f"{session_title(s)} ({format_date(s.held_on, 'medium')})")
        for s in sessions
    ]


def _councillor_choices() -> list[SelectChoice]:
    """Everyone who has held a seat, the latest term first, with the term and list."""
    rows = db.session.execute(
        sa.select(Person, CouncilMandate, Term)
        .join(CouncilMandate, CouncilMandate.person_id == Person.id)
        .join(Term, Term.id == CouncilMandate.term_id)
        .order_by(Term.starts_on.desc(), Person.name)
    ).all()
    seen: set[int] = set()
    choices = []
    for person, mandate, term in rows:
        if person.id in seen:
            continue
        seen.add(person.id)
        choices.append(
            SelectChoice(str(person.id), f"{person.name} ({mandate.list_name}, {term.label})")
        )
    return choices


def _group_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        sa.select(CouncillorGroup, Term)
        .join(Term, Term.id == CouncillorGroup.term_id)
        .order_by(Term.starts_on.desc(), CouncillorGroup.name)
    ).all()
    return [SelectChoice(str(group.id), f"{group.name} ({term.label})") for group, term in rows]


class CouncilQuestionForm(Form):
    """A councillor's question or initiative, as the councillor or the council office enters it."""

    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=Kind.QUESTION.value,
        validators=[InputRequired(message=_l("Choose question or initiative."))],
    )
    form = RadioField(
        _l("Posed"),
        choices=[SelectChoice(form.value, label) for form, label in FORM_LABELS.items()],
        default=QuestionForm_.ORAL.value,
        validators=[InputRequired(message=_l("Choose how it was posed."))],
    )
    session = SelectField(
        _l("Session"),
        description=_l("Required for a question posed orally; optional for a written one."),
        validators=[Optional()],
    )
    received_on = DateField(
        _l("Received on"),
        description=_l("For a written question: the day the municipality received it."),
        validators=[Optional()],
    )
    title = StringField(
        _l("Subject"),
        validators=[DataRequired(message=_l("Write the subject.")), max_length(TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = TextAreaField(
        _l("The question or initiative"),
        description=_l("As it was posed (for an oral one, as the minutes record it)."),
        validators=[DataRequired(message=_l("Write the question.")), max_length(BODY_MAX)],
    )
    authors = _Checkboxes(_l("Councillors who pose it"), validators=[Optional()])
    group = SelectField(
        _l("Or a councillors' group"),
        description=_l("When a councillors' group (svetniška skupina) poses it as one."),
        validators=[Optional()],
    )
    to_mayor = BooleanField(_l("Addressed to the mayor"))
    units = _Checkboxes(_l("Addressed to units"), validators=[Optional()])
    case_number = StringField(
        _l("Case number (optional)"),
        description=_l("As the administration registered it, e.g. 032-11/2016."),
        validators=[Optional(), max_length(CASE_MAX)],
        render_kw={"maxlength": CASE_MAX},
    )
    follow_up_of = IntegerField(
        _l("Follow-up of question no. (optional)"),
        description=_l("The number of an earlier councillor's question this one follows up."),
        validators=[Optional()],
    )
    topic = SelectField(_l("Topic (optional)"), validators=[Optional()])
    community = SelectField(_l("Local community"), validators=[Optional()])

    def __init__(self, *args: Any, current: Question | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _topic_and_community(self, current, topic_required=False)
        self.session.choices = [SelectChoice("", _l("Choose…")), *_session_choices()]
        self.authors.choices = _councillor_choices()
        self.group.choices = [SelectChoice("", _l("None")), *_group_choices()]
        self.units.choices = unit_choices()

    def validate_case_number(self, field: StringField) -> None:
        _check_case_number(field)

    def validate(self, extra_validators: Any = None) -> bool:
        # What depends on other fields is checked after each field's own checks: a field left
        # empty (Optional) stops its own chain, so these cannot be its validators.
        valid = super().validate(extra_validators)
        written = self.form.data == QuestionForm_.WRITTEN.value
        no_day = self.received_on.data is None and not self.received_on.errors
        checks = (
            (self.received_on, written and no_day,
             _l("Give the day the written question was received.")),
            (self.session, not written and not self.session.data,
             _l("Choose the session at which it was posed.")),
            (self.authors, not self.authors.data and not self.group.data,
             _l("Choose at least one councillor, or the group.")),
            (self.units, not self.units.data and not self.to_mayor.data,
             _l("Address it to the mayor or to at least one unit.")),
        )  # fmt: skip
        for field, wrong, message in checks:
            if wrong:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def validate_follow_up_of(self, field: IntegerField) -> None:
        if field.data is not None and not 0 < field.data < 2**31:
            raise ValidationError(_l("Give the number of an existing question."))

    def content(self) -> CouncilContent:
        written = self.form.data == QuestionForm_.WRITTEN.value
        received: date | None = self.received_on.data if written else None
        return CouncilContent(
            kind=Kind(self.kind.data),
            form=QuestionForm_(self.form.data),
            title=self.title.data or "",
            body=self.body.data or "",
            author_ids=tuple(int(value) for value in self.authors.data or ()),
            group_id=_int_or_none(self.group.data),
            session_id=_int_or_none(self.session.data),
            agenda_item_id=None,
            received_on=received,
            to_mayor=bool(self.to_mayor.data),
            unit_ids=tuple(int(value) for value in self.units.data or ()),
            case_number=self.case_number.data or None,
            follow_up_of_id=self.follow_up_of.data,
            topic_id=_int_or_none(self.topic.data),
            community_id=_int_or_none(self.community.data),
        )


ANSWER_LABELS = {
    AnswerKind.FULL: _l("A full answer"),
    AnswerKind.PARTIAL: _l("A partial answer (the question stays open)"),
    AnswerKind.INTERIM: _l("An interim answer: what is being done, and when the answer comes"),
}


class AnswerForm(Form):
    kind = RadioField(
        _l("Kind of answer"),
        choices=[SelectChoice(kind, label) for kind, label in ANSWER_LABELS.items()],
        default=AnswerKind.FULL,
        validators=[InputRequired(message=_l("Choose the kind of answer."))],
    )
    text = TextAreaField(
        _l("Answer"),
        description=_l("Published as it is, with the name of your unit."),
        validators=[DataRequired(message=_l("Write the answer.")), max_length(20_000)],
    )


class ForwardForm(Form):
    unit = SelectField(_l("Forward to"), validators=[InputRequired(message=_l("Choose a unit."))])
    note = TextAreaField(
        _l("Why (shown publicly)"),
        validators=[
            DataRequired(message=_l("Say why it goes to that unit.")),
            max_length(NOTE_MAX),
        ],
    )

    def __init__(self, *args: Any, exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice("", _l("Choose…")), *unit_choices(exclude=exclude)]


class RegisterForm(Form):
    case_number = StringField(
        _l("Case number"),
        description=_l("As the administration registered it, e.g. 032-11/2016."),
        validators=[DataRequired(message=_l("Write the case number.")), max_length(CASE_MAX)],
        render_kw={"maxlength": CASE_MAX},
    )

    def validate_case_number(self, field: StringField) -> None:
        _check_case_number(field)


STAGE_LABELS = {
    STAGES[0]: _l("Assigned"),
    STAGES[1]: _l("Answer in preparation"),
    STAGES[2]: _l("Answer awaiting signature"),
}


class StageForm(Form):
    stage = RadioField(
        _l("Where the answer stands"),
        choices=[SelectChoice(stage.value, label) for stage, label in STAGE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a stage."))],
    )


class ExtendForm(Form):
    to = DateField(
        _l("New due date"), validators=[InputRequired(message=_l("Give the new due date."))]
    )
    reason = TextAreaField(
        _l("Reason (shown publicly)"),
        validators=[
            DataRequired(message=_l("Give the reason for the extension.")),
            max_length(NOTE_MAX),
        ],
    )


class MergeForm(Form):
    into = IntegerField(
        _l("Merge into question no."),
        validators=[InputRequired(message=_l("Give the number of the question."))],
    )
