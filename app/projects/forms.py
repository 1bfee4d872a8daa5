"""The forms of projects and commitments. Each checks what a field alone can tell (a date, an
amount, a length); the rules of the record (an end before the start, a reason for a delay)
are the services', which the CSV import shares, and come back here as field errors."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional

from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.org.forms import unit_choices
from app.projects import money, services
from app.projects.models import (
    CODE_MAX,
    COMMITMENT_STATE_LABELS,
    LIGHT_LABELS,
    LINK_RELATION_LABELS,
    CommitmentState,
    LinkRelation,
    LinkTarget,
    Project,
)
from app.reference.choices import active_choices
from app.reference.models import LocalCommunity, Topic

_REASON = _l("Reason (shown publicly)")


class MoneyField(StringField):
    """An amount in euros as the visitor writes it; ``data`` is cents (or None if empty)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not self.raw:
            return
        try:
            self.data = money.parse_euros(self.raw)
        except money.NegativeAmount:
            raise ValueError(_l("An amount cannot be negative.")) from None
        except money.BadAmount:
            raise ValueError(
                _l("Write an amount in euros, e.g. 12.345,67 (at most two decimals).")
            ) from None

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None and self.raw_data:
            return self.raw
        return money.typed_euros(self.data) if isinstance(self.data, int) else ""


class _Versioned(Form):
    #: The version of the project the official saw (``services.version``).
    seen = HiddenField()


def _details_choices(form: Any, project: Project | None) -> None:
    choices = [SelectChoice("", _l("Choose…")), *unit_choices()]
    if project is not None and str(project.unit_id) not in {choice.value for choice in choices}:
        # A unit no longer active keeps its projects: editing must not drop it silently.
        choices.append(SelectChoice(str(project.unit_id), project.unit.name))
    form.unit.choices = choices
    form.topic.choices = [
        SelectChoice("", _l("Choose…")),
        *active_choices(Topic, project.topic_id if project else None),
    ]
    form.community.choices = [
        SelectChoice("", _l("The whole municipality")),
        *active_choices(LocalCommunity, project.community_id if project else None),
    ]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


class DetailsForm(_Versioned):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Write the title.")), max_length(services.TITLE_MAX)],
        render_kw={"maxlength": services.TITLE_MAX},
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences: what the project does, and for whom."),
        validators=[
            DataRequired(message=_l("Write a summary.")),
            max_length(services.SUMMARY_MAX),
        ],
        render_kw={"maxlength": services.SUMMARY_MAX, "rows": 3},
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("Markdown: paragraphs, lists, links."),
        validators=[Optional(), max_length(services.DESCRIPTION_MAX)],
        render_kw={"rows": 8},
    )
    unit = SelectField(
        _l("Responsible unit"), validators=[InputRequired(message=_l("Choose a unit."))]
    )
    topic = SelectField(_l("Topic"), validators=[InputRequired(message=_l("Choose a topic."))])
    community = SelectField(_l("Local community"), validators=[Optional()])
    location = StringField(
        _l("Place (optional)"),
        description=_l("An address or a description, e.g. the crossing by the school."),
        validators=[Optional(), max_length(services.LOCATION_MAX)],
        render_kw={"maxlength": services.LOCATION_MAX},
    )

    def __init__(self, *args: Any, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _details_choices(self, project)

    def details(self) -> services.Details:
        return services.Details(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            unit_id=_int(self.unit.data),
            topic_id=_int(self.topic.data),
            community_id=_int(self.community.data),
            location=self.location.data or None,
        )


def _light_choices() -> list[SelectChoice]:
    return [SelectChoice(light.value, label) for light, label in LIGHT_LABELS.items()]


class NewProjectForm(DetailsForm):
    code = StringField(
        _l("Code"),
        description=_l("The municipality's own code of the project, e.g. OB-2026-014."),
        validators=[DataRequired(message=_l("Write the code.")), max_length(CODE_MAX)],
        render_kw={"maxlength": CODE_MAX, "autocomplete": "off", "spellcheck": "false"},
    )
    starts_on = DateField(
        _l("Starts on"), validators=[InputRequired(message=_l("Give the day it starts."))]
    )
    ends_on = DateField(
        _l("Ends on (as planned)"),
        validators=[InputRequired(message=_l("Give the day it is planned to end."))],
    )
    budget_year = IntegerField(_l("Year of the first budget (optional)"), validators=[Optional()])
    budget = MoneyField(_l("Budget of that year in euros (optional)"), validators=[Optional()])


class StatusForm(_Versioned):
    light = RadioField(
        _l("Light"),
        choices=_light_choices(),
        validators=[InputRequired(message=_l("Choose a light."))],
    )
    progress = IntegerField(
        _l("Progress in per cent"),
        validators=[InputRequired(message=_l("Give the progress from 0 to 100."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    reason = TextAreaField(
        _REASON,
        description=_l("Required for at risk and for delayed or stopped."),
        validators=[Optional(), max_length(services.REASON_MAX)],
        render_kw={"rows": 3},
    )


class ScheduleForm(_Versioned):
    starts_on = DateField(
        _l("Starts on"), validators=[InputRequired(message=_l("Give the day it starts."))]
    )
    ends_on = DateField(
        _l("Ends on"), validators=[InputRequired(message=_l("Give the day it ends."))]
    )
    reason = TextAreaField(
        _REASON,
        description=_l("Required when the project starts or ends later than planned."),
        validators=[Optional(), max_length(services.REASON_MAX)],
        render_kw={"rows": 3},
    )


class YearForm(_Versioned):
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(message=_l("Give the year."))],
        render_kw={"inputmode": "numeric"},
    )
    budget = MoneyField(
        _l("Budget in euros"), validators=[InputRequired(message=_l("Give the budget."))]
    )
    spent = MoneyField(_l("Spent in euros"), validators=[Optional()])
    reason = TextAreaField(
        _REASON,
        description=_l("Required when the budget grows."),
        validators=[Optional(), max_length(services.REASON_MAX)],
        render_kw={"rows": 2},
    )


class MilestoneForm(_Versioned):
    title = StringField(
        _l("Milestone"),
        validators=[
            DataRequired(message=_l("Write what the milestone is.")),
            max_length(services.MILESTONE_MAX),
        ],
        render_kw={"maxlength": services.MILESTONE_MAX},
    )
    planned_on = DateField(
        _l("Planned for"), validators=[InputRequired(message=_l("Give the planned day."))]
    )


class MilestoneUpdateForm(_Versioned):
    planned_on = DateField(
        _l("Planned for"), validators=[InputRequired(message=_l("Give the planned day."))]
    )
    done_on = DateField(_l("Done on (empty: not yet)"), validators=[Optional()])
    reason = TextAreaField(
        _REASON,
        description=_l("Required when the milestone moves later."),
        validators=[Optional(), max_length(services.REASON_MAX)],
        render_kw={"rows": 2},
    )


class LinkForm(_Versioned):
    target = SelectField(
        _l("Kind"),
        # A required select starts with an empty choice (HTML: a placeholder option).
        choices=[
            SelectChoice("", _l("Choose…")),
            SelectChoice(LinkTarget.INITIATIVE.value, _l("Initiative")),
            SelectChoice(LinkTarget.QUESTION.value, _l("Question")),
            SelectChoice(LinkTarget.REPLY.value, _l("Reply letter")),
        ],
        validators=[InputRequired(message=_l("Choose the kind."))],
    )
    target_id = IntegerField(
        _l("Its number"),
        description=_l("The number in its address, e.g. 42 for /initiatives/42."),
        validators=[InputRequired(message=_l("Give its number."))],
        render_kw={"inputmode": "numeric"},
    )
    relation = RadioField(
        _l("How it is linked"),
        choices=[SelectChoice(r.value, label) for r, label in LINK_RELATION_LABELS.items()],
        default=LinkRelation.LED_TO.value,
        validators=[InputRequired(message=_l("Choose how it is linked."))],
    )


class UnlinkForm(_Versioned):
    pass


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        description=_l("UTF-8, comma-separated, with the header row described below."),
    )


class CommitmentForm(Form):
    text = TextAreaField(
        _l("What the letter promises"),
        description=_l(
            "In the letter's words, e.g. the crossing will be lit before the school year."
        ),
        validators=[
            DataRequired(message=_l("Write what was promised.")),
            max_length(services.COMMITMENT_MAX),
        ],
        render_kw={"maxlength": services.COMMITMENT_MAX, "rows": 3},
    )
    owner_unit = SelectField(
        _l("Unit that must keep it"), validators=[InputRequired(message=_l("Choose a unit."))]
    )
    due_on = DateField(_l("Due on"), validators=[InputRequired(message=_l("Give the due day."))])
    project = StringField(
        _l("Project code (optional)"),
        description=_l("The project that carries it out, if there is one."),
        validators=[Optional(), max_length(CODE_MAX)],
        render_kw={"maxlength": CODE_MAX, "autocomplete": "off", "spellcheck": "false"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_unit.choices = [SelectChoice("", _l("Choose…")), *unit_choices()]


class CloseCommitmentForm(Form):
    state = RadioField(
        _l("The commitment is"),
        choices=[
            SelectChoice(state.value, label) for state, label in COMMITMENT_STATE_LABELS.items()
        ],
        default=CommitmentState.DONE.value,
        validators=[InputRequired(message=_l("Choose one."))],
    )
    closed_on = DateField(_l("On"), validators=[Optional()])
    note = TextAreaField(
        _l("Note (shown publicly)"),
        description=_l("Required when it is given up: say why."),
        validators=[Optional(), max_length(services.REASON_MAX)],
        render_kw={"rows": 2},
    )
