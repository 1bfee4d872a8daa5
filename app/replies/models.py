"""The formal reply letter (*odgovor na svetniško vprašanje*) and everything around it.

A reply is a signed letter with a reference number, not a comment (``reply-letter.md``). It is
written in the issuing unit, checked by a second official of that unit (four eyes), signed,
sent, and only then published; a published letter is never edited again: a mistake is put
right by a correction, which supersedes it, or the letter is retracted with a public reason.
Both stay readable, so nobody can quietly rewrite what the municipality answered.

The names printed on a letter are kept as printed (text columns), beside the links to the
rows they name where Glas knows them: an official acting in their function is published as
the letter names them, and a letter imported from 2016 names people Glas has no account for.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.attachments.models import StoredFile
from app.auth.models import User
from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.council.models import CouncilBody, Person
from app.extensions import Model
from app.initiatives.lemmas import keep_lemma_texts
from app.initiatives.models import Initiative, ResponseKind
from app.org.models import OrgUnit
from app.questions.models import Question

#: ``reply-letter.md``: class, case and year make the case number; then the document's
#: sequence within the case and an optional suffix in parentheses, kept verbatim.
REFERENCE_PATTERN = re.compile(
    r"^(?P<cls>\d{3,4})-(?P<case>\d+)/(?P<year>\d{4})-(?P<doc>\d+)(?:-\((?P<suffix>[^)]*)\))?$"
)


#: The longest number and suffix the columns hold (real ones are about 25 and 8 characters).
REFERENCE_MAX, SUFFIX_MAX = 60, 40


@dataclass(frozen=True)
class Reference:
    """A reference number split into its parts."""

    classification: str
    case_seq: int
    case_year: int
    document_seq: int
    suffix: str | None

    @property
    def case_number(self) -> str:
        return f"{self.classification}-{self.case_seq}/{self.case_year}"


def parse_reference(value: str) -> Reference | None:
    """The parts of a reference number as printed, or None when it does not match."""
    text = value.strip()
    if len(text) > REFERENCE_MAX:
        return None
    match = REFERENCE_PATTERN.fullmatch(text)
    if match is None or len(match["suffix"] or "") > SUFFIX_MAX:
        return None
    # Digits only, but "0" as a sequence or a year before writing is not a document.
    case_seq, year, doc = int(match["case"]), int(match["year"]), int(match["doc"])
    if case_seq < 1 or doc < 1 or not 1900 <= year <= 2999 or len(match["case"]) > 9:
        return None
    if len(match["doc"]) > 6:
        return None
    return Reference(match["cls"], case_seq, year, doc, match["suffix"])


class ReplyType(enum.StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    INTERIM = "interim"  # a holding reply: the question stays open
    FORWARDED = "forwarded"  # to the unit that answers it; stays open
    DECLINED = "declined"  # declined with a reason: counts as answered
    CORRECTION = "correction"  # supersedes an earlier letter


TYPE_LABELS = {
    ReplyType.FULL: _l("Full reply"),
    ReplyType.PARTIAL: _l("Partial reply"),
    ReplyType.INTERIM: _l("Interim reply"),
    ReplyType.FORWARDED: _l("Forwarded to the competent unit"),
    ReplyType.DECLINED: _l("Declined with a reason"),
    ReplyType.CORRECTION: _l("Correction of an earlier reply"),
}


class ReplyState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SIGNED = "signed"
    SENT = "sent"
    PUBLISHED = "published"
    CORRECTED = "corrected"  # superseded by a published correction; still readable
    RETRACTED = "retracted"  # withdrawn with a public reason; still listed


# A reply (odgovor) is masculine in Slovenian, unlike an initiative or a question: a context.
STATE_LABELS = {
    ReplyState.DRAFT: lazy_pgettext("reply", "Draft"),
    ReplyState.IN_REVIEW: _l("In review"),
    ReplyState.SIGNED: lazy_pgettext("reply", "Signed"),
    ReplyState.SENT: lazy_pgettext("reply", "Sent"),
    ReplyState.PUBLISHED: lazy_pgettext("reply", "Published"),
    ReplyState.CORRECTED: lazy_pgettext("reply", "Corrected"),
    ReplyState.RETRACTED: lazy_pgettext("reply", "Retracted"),
}

_R = ReplyState
#: What the public sees: the published letter, and the corrected and retracted ones, marked.
PUBLIC = (_R.PUBLISHED, _R.CORRECTED, _R.RETRACTED)
#: Inside the administration: the issuing and answering units see these, nobody else.
INTERNAL = (_R.DRAFT, _R.IN_REVIEW, _R.SIGNED, _R.SENT)
_PUBLIC_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in PUBLIC) + ")"


class SignatureMethod(enum.StrEnum):
    HANDWRITTEN_SCAN = "handwritten_scan"
    QUALIFIED_ESIGNATURE = "qualified_esig"
    ESEAL = "eseal"
    UNKNOWN = "unknown"  # an imported letter: the text does not say


SIGNATURE_LABELS = {
    SignatureMethod.HANDWRITTEN_SCAN: _l("Handwritten signature, scanned"),
    SignatureMethod.QUALIFIED_ESIGNATURE: _l("Qualified electronic signature"),
    SignatureMethod.ESEAL: _l("Electronic seal"),
    SignatureMethod.UNKNOWN: _l("Not recorded"),
}


class AddresseeKind(enum.StrEnum):
    BODY = "body"  # the council as a body (the sample: "SVET MESTNE OBČINE KRANJ")
    PERSON = "person"


class Coverage(enum.StrEnum):
    FULL = "full"
    PARTIAL = "partial"


COVERAGE_LABELS = {Coverage.FULL: _l("in full"), Coverage.PARTIAL: _l("in part")}


class ParticipantRole(enum.StrEnum):
    PREPARED_BY = "prepared_by"  # "Pripravila:"
    SIGNED_BY = "signed_by"  # a closing name block, in order


class DistributionKind(enum.StrEnum):
    TO = "to"  # "Poslano:"
    CC = "cc"  # "V vednost:"
    ARCHIVE = "archive"  # "Arhiv"


DISTRIBUTION_LABELS = {
    DistributionKind.TO: _l("Sent to"),
    DistributionKind.CC: _l("Copy to"),
    DistributionKind.ARCHIVE: _l("Archive"),
}


class Reply(Model):
    """A formal letter of the municipality answering questions and initiatives."""

    __tablename__ = "replies"
    __table_args__ = (
        sa.CheckConstraint("document_seq >= 1", name="document_seq_positive"),
        sa.CheckConstraint(
            "(addressee_kind = 'body') = (addressee_body_id IS NOT NULL)",
            name="body_addressee_has_body",
        ),
        sa.CheckConstraint(
            "reply_type <> 'correction' OR supersedes_id IS NOT NULL",
            name="correction_supersedes",
        ),
        sa.CheckConstraint(
            "state <> 'retracted' OR retraction_reason IS NOT NULL", name="retraction_has_reason"
        ),
        sa.CheckConstraint(
            "reply_type <> 'forwarded' OR forwarded_to_id IS NOT NULL",
            name="forwarded_has_unit",
        ),
        # The public list, newest letter first.
        sa.Index(
            "ix_replies_public_letter_date",
            "letter_date",
            "id",
            postgresql_where=sa.text(_PUBLIC_SQL),
            sqlite_where=sa.text(_PUBLIC_SQL),
        ),
        # The open-data API's list: by publication (a letter imported today is new there),
        # paged by cursor (migration p12apiidx0001).
        sa.Index(
            "ix_replies_public_published_at",
            "published_at",
            "id",
            postgresql_where=sa.text(_PUBLIC_SQL),
            sqlite_where=sa.text(_PUBLIC_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[ReplyState] = mapped_column(enum_type(ReplyState), default=ReplyState.DRAFT)
    reply_type: Mapped[ReplyType] = mapped_column(enum_type(ReplyType))

    # "Številka: 032-11/2016-2-(52/17)": as printed, and in its parts.
    reference_number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    classification: Mapped[str] = mapped_column(sa.String(4))
    case_seq: Mapped[int]
    case_year: Mapped[int]
    #: The case number (``032-11/2016``) a question, its replies and follow-ups share.
    case_number: Mapped[str] = mapped_column(sa.String(40), index=True)
    document_seq: Mapped[int]
    #: The parenthesised part: no documented meaning, so stored verbatim and never read.
    reference_suffix: Mapped[str | None] = mapped_column(sa.String(40))

    letter_date: Mapped[date]
    place: Mapped[str] = mapped_column(sa.String(80))
    issuer_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    addressee_kind: Mapped[AddresseeKind] = mapped_column(enum_type(AddresseeKind))
    addressee_body_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("council_bodies.id", ondelete="RESTRICT")
    )
    addressee_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT")
    )
    #: The addressee block as printed ("SVET MESTNE OBČINE KRANJ", or a person's name).
    addressee_text: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: The opening paragraph restating the question: for an oral question often the only
    #: written record of what was asked.
    question_restatement: Mapped[str] = mapped_column(sa.Text)
    #: "Na 16. seji Sveta Mestne občine Kranj, 20.4.2016" as printed; the link is the question's.
    session_reference_text: Mapped[str | None] = mapped_column(sa.String(300))
    #: Editorial, never printed: one or two sentences for lists, feeds and notifications.
    summary: Mapped[str] = mapped_column(sa.String(300))
    #: The letter's text as the official writes it: Markdown limited to paragraphs, bold and
    #: lists (``app/replies/text.py``) …
    body: Mapped[str] = mapped_column(sa.Text)
    #: … sanitised HTML of it, and its plain text for search and feeds.
    body_html: Mapped[str] = mapped_column(sa.Text)
    body_text: Mapped[str] = mapped_column(sa.Text)

    #: A forwarded reply names the unit the matter went to.
    forwarded_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT")
    )
    #: An interim reply may move the due date, with its public reason.
    extended_to: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: What a full reply decided on the initiatives it answers (set when publishing).
    initiative_outcome: Mapped[ResponseKind | None] = mapped_column(enum_type(ResponseKind))

    signature_method: Mapped[SignatureMethod] = mapped_column(
        enum_type(SignatureMethod), default=SignatureMethod.UNKNOWN
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The public clock stops here (on time or not), not at publication, which may lag.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The SHA-256 of the signed original PDF, computed on upload: what verification checks.
    signed_pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    page_count: Mapped[int | None]
    #: An imported historical letter: the text as read (keeps "r.p. 2011" and the like).
    raw_text: Mapped[str | None] = mapped_column(sa.Text)
    imported: Mapped[bool] = mapped_column(default=False)

    #: A correction names the letter it corrects; one correction per letter.
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="RESTRICT"), unique=True
    )
    retraction_reason: Mapped[str | None] = mapped_column(sa.Text)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Four eyes: who drafted it and the other official of the unit who approved it.
    drafted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Every account that wrote any of it — drafted, edited, sent it for review (for an
    #: imported letter, the official who vouches for the import): none of them may approve it.
    written_by: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Lemmas of the subject and the text, for the search index (as questions').
    subject_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    issuer_unit: Mapped[OrgUnit] = relationship(foreign_keys=[issuer_unit_id])
    forwarded_to: Mapped[OrgUnit | None] = relationship(foreign_keys=[forwarded_to_id])
    addressee_body: Mapped[CouncilBody | None] = relationship()
    addressee_person: Mapped[Person | None] = relationship()
    drafted_by: Mapped[User | None] = relationship(foreign_keys=[drafted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    supersedes: Mapped[Reply | None] = relationship(
        foreign_keys=[supersedes_id], remote_side=[id], back_populates="superseded_by"
    )
    superseded_by: Mapped[Reply | None] = relationship(
        foreign_keys=[supersedes_id], back_populates="supersedes", uselist=False
    )
    answering_units: Mapped[list[ReplyUnit]] = relationship(
        order_by="ReplyUnit.position", cascade="all, delete-orphan"
    )
    participants: Mapped[list[ReplyParticipant]] = relationship(
        order_by="(ReplyParticipant.role, ReplyParticipant.position)",
        cascade="all, delete-orphan",
    )
    distribution: Mapped[list[ReplyRecipient]] = relationship(
        order_by="ReplyRecipient.position", cascade="all, delete-orphan"
    )
    coverage: Mapped[list[ReplyCoverage]] = relationship(
        back_populates="reply", order_by="ReplyCoverage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[ReplyAttachment]] = relationship(
        back_populates="reply", order_by="ReplyAttachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ReplyEvent]] = relationship(
        back_populates="reply", order_by="ReplyEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC

    @property
    def signatories(self) -> list[ReplyParticipant]:
        return [p for p in self.participants if p.role is ParticipantRole.SIGNED_BY]

    @property
    def prepared_by(self) -> list[ReplyParticipant]:
        return [p for p in self.participants if p.role is ParticipantRole.PREPARED_BY]

    @property
    def signed_original(self) -> ReplyAttachment | None:
        return next((a for a in self.attachments if a.is_signed_original), None)

    @property
    def annexes(self) -> list[ReplyAttachment]:
        return [a for a in self.attachments if not a.is_signed_original]

    def __repr__(self) -> str:
        return f"<Reply {self.id} {self.reference_number} {self.state}>"


#: Each searchable text of a reply and the column of its lemma text.
SEARCHABLE_TEXT = {"subject": "subject_lemmas", "body_text": "body_lemmas"}

keep_lemma_texts(Reply, SEARCHABLE_TEXT)


class ReplyUnit(Model):
    """A unit that answers in the letter ("Odgovor Kabinet župana – Pisarna za podjetja")."""

    __tablename__ = "reply_units"
    __table_args__ = (sa.UniqueConstraint("reply_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(sa.ForeignKey("replies.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[OrgUnit] = relationship()


class ReplyParticipant(Model):
    """Who prepared the letter, and each signatory block in order, with its function."""

    __tablename__ = "reply_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ParticipantRole] = mapped_column(enum_type(ParticipantRole))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(150))
    #: "vodja Kabineta župana", "župan Mestne občine Kranj": as printed.
    function: Mapped[str | None] = mapped_column(sa.String(200))
    #: The unit as printed beside the name ("Pisarna za podjetja").
    unit_text: Mapped[str | None] = mapped_column(sa.String(200))
    #: "po pooblastilu župana" and the like: the capacity they sign in, as printed.
    capacity: Mapped[str | None] = mapped_column(sa.String(200))


class ReplyRecipient(Model):
    """One line of the distribution list ("Poslano: - Svet Mestne občine Kranj")."""

    __tablename__ = "reply_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DistributionKind] = mapped_column(
        enum_type(DistributionKind), default=DistributionKind.TO
    )
    position: Mapped[int] = mapped_column(default=0)
    recipient: Mapped[str] = mapped_column(sa.String(200))


class ReplyCoverage(Model):
    """A question or initiative the letter answers, in full or in part."""

    __tablename__ = "reply_coverage"
    __table_args__ = (
        sa.CheckConstraint("(question_id IS NULL) <> (initiative_id IS NULL)", name="one_item"),
        sa.UniqueConstraint("reply_id", "question_id"),
        sa.UniqueConstraint("reply_id", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(sa.ForeignKey("replies.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="RESTRICT"), index=True
    )
    coverage: Mapped[Coverage] = mapped_column(enum_type(Coverage), default=Coverage.FULL)

    reply: Mapped[Reply] = relationship(back_populates="coverage")
    question: Mapped[Question | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()


class ReplyAttachment(StoredFile, Model):
    """The signed original PDF, or an annex (*priloga*) of the letter."""

    __tablename__ = "reply_attachments"
    __table_args__ = (
        # One signed original per letter: the one verification checks.
        sa.Index(
            "uq_reply_attachments_signed_original",
            "reply_id",
            unique=True,
            postgresql_where=sa.text("is_signed_original"),
            sqlite_where=sa.text("is_signed_original"),
        ),
        # Verification looks an annex up by its fingerprint too.
        sa.Index("ix_reply_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    is_signed_original: Mapped[bool] = mapped_column(default=False)

    reply: Mapped[Reply] = relationship(back_populates="attachments")


class ReplyEventKind(enum.StrEnum):
    CREATED = "created"
    IMPORTED = "imported"
    EDITED = "edited"
    SUBMITTED = "submitted"  # for review
    RETURNED = "returned"  # by the reviewer, with a note
    APPROVED = "approved"
    SIGNED = "signed"
    SENT = "sent"
    PUBLISHED = "published"
    CORRECTED = "corrected"  # superseded by a correction
    RETRACTED = "retracted"


EVENT_LABELS = {
    ReplyEventKind.CREATED: _l("Draft written"),
    ReplyEventKind.IMPORTED: _l("Imported from the letter's text"),
    ReplyEventKind.EDITED: lazy_pgettext("reply", "Edited"),
    ReplyEventKind.SUBMITTED: _l("Sent for review"),
    ReplyEventKind.RETURNED: _l("Returned to the drafter"),
    ReplyEventKind.APPROVED: _l("Approved by a second official"),
    ReplyEventKind.SIGNED: _l("Signed original recorded"),
    ReplyEventKind.SENT: lazy_pgettext("reply", "Sent"),
    ReplyEventKind.PUBLISHED: lazy_pgettext("reply", "Published"),
    ReplyEventKind.CORRECTED: _l("Superseded by a correction"),
    ReplyEventKind.RETRACTED: lazy_pgettext("reply", "Retracted"),
}


class ReplyEvent(Model):
    """A step of a reply's workflow (append-only): who, from which state to which, a note."""

    __tablename__ = "reply_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReplyEventKind] = mapped_column(enum_type(ReplyEventKind))
    from_state: Mapped[ReplyState | None] = mapped_column(enum_type(ReplyState))
    to_state: Mapped[ReplyState | None] = mapped_column(enum_type(ReplyState))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reply: Mapped[Reply] = relationship(back_populates="events")
    #: Shown to the officials who see the letter's history, never on the public page.
    actor: Mapped[User | None] = relationship()


class Verdict(enum.StrEnum):
    ANSWERED = "answered"
    PARTLY = "partly"
    NOT_ANSWERED = "not_answered"


VERDICT_LABELS = {
    Verdict.ANSWERED: _l("It answered the question"),
    Verdict.PARTLY: _l("It answered the question in part"),
    Verdict.NOT_ANSWERED: _l("It did not answer the question"),
}


class AnswerVerdict(Model):
    """Whether a published reply answered the question, in the words of who asked (or of a
    supporter). Officials cannot edit or hide one; its author changes their own."""

    __tablename__ = "answer_verdicts"
    __table_args__ = (sa.UniqueConstraint("reply_id", "question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    #: A deleted account keeps its row (a tombstone): the verdict stays, as "Former user".
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: The asker's verdict (the councillor or the resident whose question it is), or a
    #: supporter's view.
    by_asker: Mapped[bool] = mapped_column(default=False)
    verdict: Mapped[Verdict] = mapped_column(enum_type(Verdict))
    reason: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    reply: Mapped[Reply] = relationship()


def page_tags(reply_id: int) -> tuple[str, ...]:
    return (f"reply:{reply_id}", "replies")


def _reply_tags(reply: Reply) -> tuple[str, ...]:
    # A published letter shows on the pages of what it answers, and on the accountability
    # figures; a draft on no public page at all.
    return (*page_tags(reply.id), "question", "questions", "initiative", "accountability")


def _on_its_reply(
    row: ReplyUnit | ReplyParticipant | ReplyRecipient | ReplyCoverage | ReplyAttachment,
) -> tuple[str, ...]:
    return page_tags(row.reply_id)


pagecache.tags_for(Reply, _reply_tags, bulk=("replies", "reply", "question", "questions"))
for _model in (ReplyUnit, ReplyParticipant, ReplyRecipient, ReplyCoverage, ReplyAttachment):
    pagecache.tags_for(_model, _on_its_reply, bulk=("replies", "reply"))
pagecache.tags_for(ReplyEvent, lambda e: (f"reply:{e.reply_id}",), bulk=("reply",))
pagecache.tags_for(
    AnswerVerdict,
    lambda v: (f"reply:{v.reply_id}", f"question:{v.question_id}", "accountability"),
    bulk=("reply", "question", "accountability"),
)
