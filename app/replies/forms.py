"""Forms of reply letters: the letter itself, its workflow steps, verification, verdicts.

The letter's repeating parts (who prepared it, the signatories, the recipients, what it
answers) are fixed sets of rows, so the form works without JavaScript: empty rows are
ignored, and a letter has at most as many as a real one does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms import Form as SubForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from app.attachments.files import PDF
from app.attachments.forms import AttachmentForm, accept, max_megabytes
from app.core.forms import Form, IntegerField, SelectChoice, max_length
from app.core.time import LOCAL_TZ
from app.council.models import Person
from app.council.services import the_council
from app.extensions import db
from app.initiatives.models import RESPONSE_LABELS, ResponseKind
from app.org.forms import unit_choices
from app.replies import services
from app.replies.models import (
    COVERAGE_LABELS,
    DISTRIBUTION_LABELS,
    REFERENCE_MAX,
    SIGNATURE_LABELS,
    TYPE_LABELS,
    AddresseeKind,
    Coverage,
    DistributionKind,
    Reply,
    ReplyType,
    SignatureMethod,
    Verdict,
    parse_reference,
)

SUBJECT_MAX, SUMMARY_MAX, LINE_MAX, BODY_MAX, TEXT_MAX = 300, 300, 200, 50_000, 5000
NOTE_MAX = 2000
#: Rows of each repeating part: as many as real letters have.
PREPARERS, SIGNATORIES, RECIPIENTS, COVERED = 2, 3, 5, 5


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class PreparerRow(SubForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[max_length(150)])
    unit_text = StringField(_l("Unit"), filters=[_strip], validators=[max_length(LINE_MAX)])


class SignatoryRow(SubForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[max_length(150)])
    function = StringField(
        _l("Function"),
        description=_l("As printed, e.g. “župan Mestne občine Kranj”."),
        filters=[_strip],
        validators=[max_length(LINE_MAX)],
    )
    capacity = StringField(
        _l("Signs in the capacity of"),
        description=_l("Only if printed, e.g. “po pooblastilu župana”."),
        filters=[_strip],
        validators=[max_length(LINE_MAX)],
    )


class RecipientRow(SubForm):
    recipient = StringField(_l("Recipient"), filters=[_strip], validators=[max_length(LINE_MAX)])
    kind = SelectField(
        _l("As"),
        choices=[SelectChoice(kind.value, label) for kind, label in DISTRIBUTION_LABELS.items()],
        default=DistributionKind.TO.value,
    )


class CoveredRow(SubForm):
    kind = SelectField(
        _l("What"),
        choices=[
            SelectChoice("question", _l("Question number")),
            SelectChoice("initiative", _l("Initiative number")),
        ],
        default="question",
    )
    number = IntegerField(
        _l("Number"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=2**31 - 1, message=_l("Give the number of a question or an initiative.")
            ),
        ],
    )
    coverage = SelectField(
        _l("Answered"),
        choices=[SelectChoice(c.value, label) for c, label in COVERAGE_LABELS.items()],
        default=Coverage.FULL.value,
    )


def _check_reference(_form: Any, field: StringField) -> None:
    if field.data and parse_reference(field.data) is None:
        raise ValidationError(
            _l("Write the number as it is printed on the letter, e.g. 032-11/2016-2-(52/17).")
        )


class LetterForm(Form):
    """The letter, as it is printed."""

    reference_number = StringField(
        _l("Number (Številka)"),
        description=_l("As printed: class, case, year, document, e.g. 032-11/2016-2-(52/17)."),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write the letter's number.")),
            max_length(REFERENCE_MAX),
            _check_reference,
        ],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    letter_date = DateField(
        _l("Date (Datum)"),
        validators=[InputRequired(message=_l("Give the letter's date."))],
    )
    place = StringField(
        _l("Place"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write the place.")), max_length(80)],
    )
    reply_type = RadioField(
        _l("Type of reply"),
        choices=[
            SelectChoice(t.value, label)
            for t, label in TYPE_LABELS.items()
            if t is not ReplyType.CORRECTION
        ],
        validators=[InputRequired(message=_l("Choose the type of reply."))],
    )
    forwarded_to = SelectField(_l("Forwarded to"), validators=[Optional()])
    extended_to = DateField(_l("New due date (interim reply)"), validators=[Optional()])
    extension_reason = TextAreaField(
        _l("Reason for the new due date"), filters=[_strip], validators=[max_length(NOTE_MAX)]
    )
    addressee_kind = RadioField(
        _l("Addressed to"),
        choices=[
            SelectChoice(AddresseeKind.BODY.value, _l("The council as a body")),
            SelectChoice(AddresseeKind.PERSON.value, _l("A person")),
        ],
        default=AddresseeKind.BODY.value,
    )
    addressee_person = SelectField(_l("The person, if a councillor"), validators=[Optional()])
    addressee_text = StringField(
        _l("Addressee as printed"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write the addressee.")), max_length(300)],
    )
    subject = StringField(
        _l("Subject (Zadeva)"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write the subject.")), max_length(SUBJECT_MAX)],
        render_kw={"maxlength": SUBJECT_MAX},
    )
    session_reference_text = StringField(
        _l("The session as printed"),
        description=_l("E.g. “Na 16. seji Sveta Mestne občine Kranj, 20.4.2016”."),
        filters=[_strip],
        validators=[max_length(300)],
    )
    question_restatement = TextAreaField(
        _l("The question, as the letter restates it"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Restate the question.")),
            max_length(TEXT_MAX),
        ],
    )
    answering_units = SelectMultipleField(
        _l("Answering units, in order"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validators=[InputRequired(message=_l("Choose at least one unit."))],
    )
    body = TextAreaField(
        _l("The reply"),
        description=_l(
            "Paragraphs separated by an empty line; **bold**; lists with lines starting "
            "with - or 1."
        ),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write the reply.")), max_length(BODY_MAX)],
    )
    summary = TextAreaField(
        _l("Summary for lists and notifications"),
        description=_l("Not printed on the letter: one or two sentences."),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write a summary.")), max_length(SUMMARY_MAX)],
        render_kw={"maxlength": SUMMARY_MAX},
    )
    prepared_by = FieldList(
        FormField(PreparerRow),
        _l("Prepared by"),
        min_entries=PREPARERS,
        max_entries=PREPARERS,
    )
    signatories = FieldList(
        FormField(SignatoryRow),
        _l("Signatories, in order"),
        min_entries=SIGNATORIES,
        max_entries=SIGNATORIES,
    )
    distribution = FieldList(
        FormField(RecipientRow),
        _l("Distribution"),
        min_entries=RECIPIENTS,
        max_entries=RECIPIENTS,
    )
    covers = FieldList(
        FormField(CoveredRow), _l("What it answers"), min_entries=COVERED, max_entries=COVERED
    )

    def __init__(self, *args: Any, reply: Reply | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answering_units.choices = unit_choices()
        self.forwarded_to.choices = [SelectChoice("", _l("Choose…")), *unit_choices()]
        people = db.session.execute(sa.select(Person.id, Person.name).order_by(Person.name))
        self.addressee_person.choices = [
            SelectChoice("", _l("Not a councillor")),
            *(SelectChoice(str(pid), name) for pid, name in people),
        ]
        self.correcting = reply is not None and reply.reply_type is ReplyType.CORRECTION
        if self.correcting:
            self.reply_type.choices = [
                SelectChoice(ReplyType.CORRECTION.value, TYPE_LABELS[ReplyType.CORRECTION])
            ]

    def validate_extension_reason(self, field: TextAreaField) -> None:
        if self.extended_to.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the due date moves."))

    def validate_forwarded_to(self, field: SelectField) -> None:
        if self.reply_type.data == ReplyType.FORWARDED.value and not field.data:
            raise ValidationError(_l("Choose the unit the matter was forwarded to."))

    def content(self, *, supersedes_id: int | None = None) -> services.Content:
        council = the_council()
        kind = AddresseeKind(self.addressee_kind.data or AddresseeKind.BODY.value)
        return services.Content(
            reference_number=self.reference_number.data or "",
            letter_date=self.letter_date.data or date.today(),  # noqa: DTZ011 (validated)
            place=self.place.data or "",
            reply_type=ReplyType(self.reply_type.data),
            addressee_kind=kind,
            addressee_body_id=council.id if council and kind is AddresseeKind.BODY else None,
            addressee_person_id=_int(self.addressee_person.data),
            addressee_text=self.addressee_text.data or "",
            subject=self.subject.data or "",
            question_restatement=self.question_restatement.data or "",
            session_reference_text=self.session_reference_text.data or None,
            summary=self.summary.data or "",
            body=self.body.data or "",
            answering_unit_ids=tuple(int(u) for u in self.answering_units.data or ()),
            forwarded_to_id=_int(self.forwarded_to.data),
            extended_to=self.extended_to.data,
            extension_reason=self.extension_reason.data or None,
            prepared_by=tuple(
                services.Preparer(row.form.name.data or "", row.form.unit_text.data)
                for row in self.prepared_by
                if row.form.name.data
            ),
            signatories=tuple(
                services.Signatory(
                    row.form.name.data or "", row.form.function.data, row.form.capacity.data
                )
                for row in self.signatories
                if row.form.name.data
            ),
            distribution=tuple(
                services.Recipient(
                    row.form.recipient.data or "", DistributionKind(row.form.kind.data)
                )
                for row in self.distribution
                if row.form.recipient.data
            ),
            covers=tuple(
                services.Covered(
                    question_id=row.form.number.data if row.form.kind.data == "question" else None,
                    initiative_id=row.form.number.data
                    if row.form.kind.data == "initiative"
                    else None,
                    coverage=Coverage(row.form.coverage.data),
                )
                for row in self.covers
                if row.form.number.data
            ),
            supersedes_id=supersedes_id,
        )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def letter_data(reply: Reply) -> dict[str, Any]:
    """The form's data from a saved letter (for editing)."""
    return {
        "reference_number": reply.reference_number,
        "letter_date": reply.letter_date,
        "place": reply.place,
        "reply_type": reply.reply_type.value,
        "forwarded_to": str(reply.forwarded_to_id or ""),
        "extended_to": reply.extended_to,
        "extension_reason": reply.extension_reason or "",
        "addressee_kind": reply.addressee_kind.value,
        "addressee_person": str(reply.addressee_person_id or ""),
        "addressee_text": reply.addressee_text,
        "subject": reply.subject,
        "session_reference_text": reply.session_reference_text or "",
        "question_restatement": reply.question_restatement,
        "answering_units": [str(row.unit_id) for row in reply.answering_units],
        "body": reply.body,
        "summary": reply.summary,
        "prepared_by": [
            {"name": p.name, "unit_text": p.unit_text or ""} for p in reply.prepared_by
        ],
        "signatories": [
            {"name": p.name, "function": p.function or "", "capacity": p.capacity or ""}
            for p in reply.signatories
        ],
        "distribution": [
            {"recipient": r.recipient, "kind": r.kind.value} for r in reply.distribution
        ],
        "covers": [
            {
                "kind": "question" if row.question_id else "initiative",
                "number": row.question_id or row.initiative_id,
                "coverage": row.coverage.value,
            }
            for row in reply.coverage
        ],
    }


class NoteForm(Form):
    """The reviewer's note when returning a letter, or the reason of a retraction."""

    note = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Write a note.")), max_length(NOTE_MAX)],
    )


def _local_now() -> datetime:
    return datetime.now(LOCAL_TZ).replace(second=0, microsecond=0, tzinfo=None)


def _pdf_hint() -> str:
    return gettext("A PDF document of at most %(size)s MB.", size=max_megabytes())


class SignForm(Form):
    """The signed original: the PDF as signed, when and how."""

    file = FileField(
        _l("The signed letter (PDF)"),
        id="signed-file",
        validators=[FileRequired(message=_l("Choose the signed PDF."))],
        render_kw={"accept": accept((PDF,))},
    )
    signed_at = DateTimeLocalField(
        _l("Signed at"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Give the date and time of signing."))],
    )
    method = RadioField(
        _l("How it was signed"),
        choices=[
            SelectChoice(m.value, label)
            for m, label in SIGNATURE_LABELS.items()
            if m is not SignatureMethod.UNKNOWN
        ],
        validators=[InputRequired(message=_l("Choose how it was signed."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file.description = _pdf_hint()
        if not self.is_submitted():
            self.signed_at.data = _local_now()


class SendForm(Form):
    sent_at = DateTimeLocalField(
        _l("Sent at"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Give the date and time it was sent."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.sent_at.data = _local_now()


class PublishForm(Form):
    """Publishing; a full reply to an initiative says what was decided."""

    outcome = RadioField(
        _l("Decision on the initiative"),
        choices=[SelectChoice(k.value, label) for k, label in RESPONSE_LABELS.items()],
        validators=[Optional()],
    )

    def outcome_kind(self) -> ResponseKind | None:
        return ResponseKind(self.outcome.data) if self.outcome.data else None


class AnnexForm(AttachmentForm):
    """An annex (priloga): a PDF with its title."""

    kinds = (PDF,)

    def file_hint(self) -> str:
        return _pdf_hint()


class VerifyForm(Form):
    """Anyone checks a printed or received letter: its PDF, or the hash printed beside it."""

    file = FileField(_l("The letter's PDF"), render_kw={"accept": "application/pdf,.pdf"})
    sha256 = StringField(
        _l("Or its SHA-256 fingerprint"),
        description=_l("64 characters 0–9 and a–f, as printed on the letter's page."),
        filters=[lambda v: "".join(v.split()).lower() if isinstance(v, str) else v],
        validators=[Optional(), max_length(64)],
        render_kw={"spellcheck": "false", "autocomplete": "off", "inputmode": "text"},
    )

    def validate_sha256(self, field: StringField) -> None:
        value = field.data or ""
        if value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value)):
            raise ValidationError(_l("A SHA-256 fingerprint is 64 characters 0–9 and a–f."))


class VerdictForm(Form):
    verdict = RadioField(
        _l("Did the reply answer the question?"),
        choices=[
            SelectChoice(Verdict.ANSWERED.value, _l("Yes, it answered it")),
            SelectChoice(Verdict.PARTLY.value, _l("In part")),
            SelectChoice(Verdict.NOT_ANSWERED.value, _l("No, it did not answer it")),
        ],
        validators=[InputRequired(message=_l("Choose an answer."))],
    )
    reason = TextAreaField(
        _l("Why"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Say briefly why.")),
            max_length(services.VERDICT_REASON_MAX),
        ],
    )


class ImportForm(Form):
    """Officials import an existing letter: its PDF or its text."""

    file = FileField(
        _l("The letter (PDF or plain text)"),
        render_kw={"accept": "application/pdf,.pdf,text/plain,.txt"},
    )
    text = TextAreaField(
        _l("Or paste its text"), filters=[_strip], validators=[max_length(BODY_MAX)]
    )
