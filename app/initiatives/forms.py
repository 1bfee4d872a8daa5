"""Forms of initiatives."""

from __future__ import annotations

from typing import TypedDict

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.core.forms import Form, SelectChoice, max_length
from app.initiatives.models import RESPONSE_LABELS, Initiative
from app.reference.choices import active_choices
from app.reference.models import LocalCommunity, Topic

TITLE_MAX, SUMMARY_MAX, BODY_MAX, LOCATION_MAX = 150, 400, 10_000, 200


class Content(TypedDict):
    """What a resident writes, as the services take it (``create_draft``, ``update``)."""

    title: str
    summary: str
    body: str
    topic_id: int
    community_id: int | None
    location: str | None


class InitiativeForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("What should change, in one sentence."),
        validators=[
            DataRequired(message=_l("Give your initiative a title.")),
            max_length(TITLE_MAX),
        ],
        # The form macro shows this limit as a hint and a live counter (see _macros/forms.html).
        render_kw={"maxlength": TITLE_MAX},
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("Two or three sentences shown in lists."),
        validators=[DataRequired(message=_l("Write a short summary.")), max_length(SUMMARY_MAX)],
        render_kw={"maxlength": SUMMARY_MAX},
    )
    body = TextAreaField(
        _l("Your initiative"),
        description=_l(
            "Explain the problem, your proposal and why it matters. You can use simple "
            "formatting: **bold**, *italic*, lists starting with -, and links."
        ),
        validators=[DataRequired(message=_l("Describe your initiative.")), max_length(BODY_MAX)],
    )
    topic = SelectField(_l("Topic"), validators=[InputRequired(message=_l("Choose a topic."))])
    community = SelectField(
        _l("Local community"),
        description=_l("Leave “The whole municipality” if it is not about one neighbourhood."),
        validators=[Optional()],
    )
    location = StringField(
        _l("Place (optional)"),
        description=_l("An address or a description, e.g. “the crossing by the school”."),
        validators=[Optional(), max_length(LOCATION_MAX)],
        render_kw={"maxlength": LOCATION_MAX},
    )

    def __init__(self, *args: object, current: Initiative | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        topic_id = current.topic_id if current else None
        community_id = current.community_id if current else None
        self.topic.choices = [SelectChoice("", _l("Choose…")), *active_choices(Topic, topic_id)]
        self.community.choices = [
            SelectChoice("", _l("The whole municipality")),
            *active_choices(LocalCommunity, community_id),
        ]

    def content(self) -> Content:
        return {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "body": self.body.data or "",
            "topic_id": int(self.topic.data),
            "community_id": int(self.community.data) if self.community.data else None,
            "location": self.location.data,
        }


class RespondForm(Form):
    kind = RadioField(
        _l("The municipality's decision"),
        choices=[SelectChoice(kind.value, label) for kind, label in RESPONSE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose the decision."))],
    )
    text = TextAreaField(
        _l("Response"),
        description=_l("Published as it is. Explain the decision and what happens next."),
        validators=[DataRequired(message=_l("Write the response.")), max_length(20_000)],
    )


class ProgressForm(Form):
    note = TextAreaField(
        _l("Progress report"),
        validators=[DataRequired(message=_l("Write what has been done.")), max_length(5000)],
    )
    completed = BooleanField(_l("The initiative has been carried out"))
