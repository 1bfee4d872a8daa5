"""Questions: a resident's to the municipality, a councillor's posed at the council.

One model for both origins and both kinds (``reply-letter.md``'s ``Question``): a resident's
question is moderated before it is public and others can support it; a councillor's question
or initiative (*svetniško vprašanje / svetniška pobuda*) is public business from the moment it
is recorded. Both are answered by an organisational unit by a due date that a deadline rule
computes (``app/questions/deadlines.py``); "overdue" is computed from it, never stored.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.council.models import CouncillorGroup, Person
from app.extensions import Model
from app.initiatives.lemmas import keep_lemma_texts
from app.initiatives.models import Initiative
from app.org.models import OrgUnit
from app.questions.deadlines import DeadlineUnit
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import slugify
from app.sessions.models import AgendaItem, CouncilSession


class Origin(enum.StrEnum):
    RESIDENT = "resident"
    COUNCILLOR = "councillor"


class Kind(enum.StrEnum):
    QUESTION = "question"  # vprašanje
    INITIATIVE = "initiative"  # pobuda: a councillor's proposal, answered like a question


class Form(enum.StrEnum):
    ORAL = "oral"  # posed orally at a session
    WRITTEN = "written"  # received in writing on a date


class QuestionState(enum.StrEnum):
    SUBMITTED = "submitted"  # a resident's, waiting for moderation
    REJECTED = "rejected"  # not published by moderation, with a public reason
    POSED = "posed"  # public: published (a resident's) or recorded (a councillor's)
    REGISTERED = "registered"  # the administration registered it under a case number
    ASSIGNED = "assigned"  # to the unit(s) that answer
    IN_PREPARATION = "in_preparation"
    AWAITING_SIGNATURE = "awaiting_signature"
    ANSWERED = "answered"
    INTERIM_ANSWERED = "interim_answered"  # a holding answer: still open
    PARTIALLY_ANSWERED = "partially_answered"  # still open
    WITHDRAWN = "withdrawn"
    MERGED = "merged"  # answered together with another question
    LAPSED = "lapsed"  # the term ended before an answer (councillor questions)


# "Answered", "Withdrawn" and "Not published" are also initiatives' states: in Slovenian an
# initiative (pobuda) takes the feminine, a question (vprašanje) the neuter, hence a context.
STATE_LABELS = {
    QuestionState.SUBMITTED: _l("Waiting for moderation"),
    QuestionState.REJECTED: lazy_pgettext("question", "Not published"),
    QuestionState.POSED: _l("Posed"),
    QuestionState.REGISTERED: _l("Registered"),
    QuestionState.ASSIGNED: _l("Assigned"),
    QuestionState.IN_PREPARATION: _l("Answer in preparation"),
    QuestionState.AWAITING_SIGNATURE: _l("Answer awaiting signature"),
    QuestionState.ANSWERED: lazy_pgettext("question", "Answered"),
    QuestionState.INTERIM_ANSWERED: _l("Interim answer given"),
    QuestionState.PARTIALLY_ANSWERED: _l("Partially answered"),
    QuestionState.WITHDRAWN: lazy_pgettext("question", "Withdrawn"),
    QuestionState.MERGED: _l("Merged with another question"),
    QuestionState.LAPSED: _l("Lapsed at the end of the term"),
}

ORIGIN_LABELS = {Origin.RESIDENT: _l("Resident"), Origin.COUNCILLOR: _l("Councillor")}
KIND_LABELS = {Kind.QUESTION: _l("Question"), Kind.INITIATIVE: _l("Initiative")}
FORM_LABELS = {Form.ORAL: _l("Posed orally at a session"), Form.WRITTEN: _l("In writing")}
#: What a question is called by who asks it and what it is (svetniško vprašanje …).
KIND_NAMES = {
    (Origin.RESIDENT, Kind.QUESTION): _l("Resident's question"),
    (Origin.RESIDENT, Kind.INITIATIVE): _l("Resident's initiative"),
    (Origin.COUNCILLOR, Kind.QUESTION): _l("Councillor's question"),
    (Origin.COUNCILLOR, Kind.INITIATIVE): _l("Councillor's initiative"),
}

_Q = QuestionState
#: The municipality still owes an answer: the deadline runs (interim and partial answers
#: do not stop it).
OPEN = (
    _Q.POSED,
    _Q.REGISTERED,
    _Q.ASSIGNED,
    _Q.IN_PREPARATION,
    _Q.AWAITING_SIGNATURE,
    _Q.INTERIM_ANSWERED,
    _Q.PARTIALLY_ANSWERED,
)
#: What the public sees (a rejected question shows its title and the reason only).
PUBLIC = (*OPEN, _Q.ANSWERED, _Q.WITHDRAWN, _Q.MERGED, _Q.LAPSED, _Q.REJECTED)
#: The public list's default: everything public except what moderation did not publish.
LISTED = (*OPEN, _Q.ANSWERED, _Q.WITHDRAWN, _Q.MERGED, _Q.LAPSED)
_LISTED_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in LISTED) + ")"
_OPEN_SQL = "state IN (" + ", ".join(f"'{state.value}'" for state in OPEN) + ")"


class Question(Model):
    """A question or initiative to the municipality, from a resident or a councillor."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        # A resident's question has its author's account; a councillor's its session or date.
        sa.CheckConstraint(
            "origin <> 'resident' OR author_id IS NOT NULL", name="resident_has_author"
        ),
        sa.CheckConstraint(
            "origin <> 'councillor' OR form <> 'oral' OR session_id IS NOT NULL",
            name="oral_has_session",
        ),
        sa.CheckConstraint(
            "origin <> 'councillor' OR form <> 'written' OR received_on IS NOT NULL",
            name="written_has_date",
        ),
        sa.CheckConstraint(
            "extended_to IS NULL OR extension_reason IS NOT NULL", name="extension_has_reason"
        ),
        # The public list, newest first, and the open ones by due date (overdue first).
        sa.Index(
            "ix_questions_listed_newest",
            "published_at",
            "id",
            postgresql_where=sa.text(_LISTED_SQL),
            sqlite_where=sa.text(_LISTED_SQL),
        ),
        sa.Index(
            "ix_questions_open_due",
            "due_on",
            "id",
            postgresql_where=sa.text(_OPEN_SQL),
            sqlite_where=sa.text(_OPEN_SQL),
        ),
        sa.Index("ix_questions_state_published_at", "state", "published_at"),
        # A session's page: the councillors' answers given since the previous session.
        sa.Index(
            "ix_questions_councillor_answered_at",
            "answered_at",
            postgresql_where=sa.text("origin = 'councillor'"),
            sqlite_where=sa.text("origin = 'councillor'"),
        ),
        sa.Index("ix_questions_state_support_count", "state", "support_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[Origin] = mapped_column(enum_type(Origin))
    kind: Mapped[Kind] = mapped_column(enum_type(Kind), default=Kind.QUESTION)
    form: Mapped[Form] = mapped_column(enum_type(Form), default=Form.WRITTEN)
    state: Mapped[QuestionState] = mapped_column(enum_type(QuestionState))
    #: The heading (``reply-letter.md``'s ``subject``).
    title: Mapped[str] = mapped_column(sa.String(250))
    #: Markdown as written (or as the minutes record an oral question) …
    body: Mapped[str] = mapped_column(sa.Text)
    #: … and as sanitised HTML, rendered once on save.
    body_html: Mapped[str] = mapped_column(sa.Text)
    topic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("topics.id", ondelete="RESTRICT"), index=True
    )
    #: ``None``: the whole municipality.
    community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("local_communities.id", ondelete="RESTRICT"), index=True
    )
    #: A resident's account (a resident's question); for a councillor's, ``None``.
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    #: Who entered it: the author, the councillor, or the council office that recorded it.
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: A councillors' group that asks as one (``organization_authors`` in parladata).
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("councillor_groups.id", ondelete="RESTRICT"), index=True
    )
    #: Addressed to the mayor (besides or instead of units in ``addressees``).
    to_mayor: Mapped[bool] = mapped_column(default=False)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("council_sessions.id", ondelete="RESTRICT"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    #: A written question's date of receipt (the start of its deadline).
    received_on: Mapped[date | None]
    #: The administration's case number (*številka zadeve*), e.g. ``032-11/2016``.
    case_number: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    follow_up_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    #: A councillor's question that takes up a resident's question or initiative.
    #: Unique: an item is taken up once (its page names the one councillor's question).
    adopts_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL"), index=True, unique=True
    )
    adopts_initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="SET NULL"), index=True, unique=True
    )
    #: The question this one was merged into (state ``merged``).
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL")
    )
    #: The unit that answers now (forwarding changes it); ``None`` until assigned.
    responsible_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="SET NULL"), index=True
    )
    support_count: Mapped[int] = mapped_column(default=0)

    # The deadline: the rule that applied on the start date, the start, the result.
    deadline_rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deadline_rules.id", ondelete="RESTRICT"), index=True
    )
    #: The day the deadline runs from: the session, the date received, or publication.
    #: Indexed: the accountability figures' years run from the earliest.
    starts_on: Mapped[date | None] = mapped_column(index=True)
    due_on: Mapped[date | None]
    #: An extension (with its public reason) moves the effective due date.
    extended_to: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: When ``mark-overdue`` first saw it overdue (recorded once, for notifications).
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The brief official answer in text (the formal letter comes with replies).
    answer_text: Mapped[str | None] = mapped_column(sa.Text)
    answer_html: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="SET NULL")
    )
    #: The day the answer left the municipality (a reply's ``sent_at``, in Ljubljana): what
    #: "on time" compares with the due date, in the database, on both engines.
    answered_on: Mapped[date | None]
    #: The date of the letter that answered it: "days to reply" run from the start to here.
    replied_on: Mapped[date | None]
    #: Answered by declining, with a reason (a reply of that type): counts as answered.
    answer_declined: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rejection_reason_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rejection_reasons.id", ondelete="RESTRICT")
    )
    rejection_note: Mapped[str | None] = mapped_column(sa.Text)
    #: Lemmas of the title and the text, for the search index (as ``Initiative``'s).
    title_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_lemmas: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    topic: Mapped[Topic | None] = relationship()
    community: Mapped[LocalCommunity | None] = relationship()
    group: Mapped[CouncillorGroup | None] = relationship()
    session: Mapped[CouncilSession | None] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    responsible_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[responsible_unit_id])
    answered_by_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[answered_by_unit_id])
    rejection_reason: Mapped[RejectionReason | None] = relationship()
    deadline_rule: Mapped[DeadlineRule | None] = relationship()
    follow_up_of: Mapped[Question | None] = relationship(
        foreign_keys=[follow_up_of_id], remote_side=[id]
    )
    adopts_question: Mapped[Question | None] = relationship(
        foreign_keys=[adopts_question_id], remote_side=[id]
    )
    adopts_initiative: Mapped[Initiative | None] = relationship()
    merged_into: Mapped[Question | None] = relationship(
        foreign_keys=[merged_into_id], remote_side=[id]
    )
    authors: Mapped[list[QuestionAuthor]] = relationship(
        back_populates="question", order_by="QuestionAuthor.position", cascade="all, delete-orphan"
    )
    addressees: Mapped[list[QuestionAddressee]] = relationship(
        back_populates="question",
        order_by="QuestionAddressee.position",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[QuestionEvent]] = relationship(
        back_populates="question", order_by="QuestionEvent.id", cascade="all, delete-orphan"
    )

    @property
    def effective_due_on(self) -> date | None:
        """The due date that counts: the extension's, if there is one."""
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.origin} {self.state}>"


#: Each searchable text of a question and the column of its lemma text.
SEARCHABLE_TEXT = {"title": "title_lemmas", "body": "body_lemmas"}


keep_lemma_texts(Question, SEARCHABLE_TEXT)


class QuestionAuthor(Model):
    """A councillor who poses a question (one or more per question, in the order named)."""

    __tablename__ = "question_authors"
    __table_args__ = (sa.UniqueConstraint("question_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship(back_populates="authors")
    person: Mapped[Person] = relationship()


class QuestionAddressee(Model):
    """A unit a councillor's question is addressed to, in the order named."""

    __tablename__ = "question_addressees"
    __table_args__ = (sa.UniqueConstraint("question_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship(back_populates="addressees")
    unit: Mapped[OrgUnit] = relationship()


class QuestionSupport(Model):
    """One person's "I want this answered too" on a resident's question."""

    __tablename__ = "question_supports"
    __table_args__ = (sa.UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    #: A deleted account keeps its row (a tombstone), so the support stays counted once.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()


class QuestionEventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"  # a resident's, by moderation
    RECORDED = "recorded"  # a councillor's, by the councillor or the council office
    REJECTED = "rejected"
    EDITED = "edited"
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    FORWARDED = "forwarded"
    STATE_CHANGED = "state_changed"  # in preparation, awaiting signature …
    EXTENDED = "extended"
    DUE_RECOMPUTED = "due_recomputed"
    OVERDUE = "overdue"  # recorded once by ``mark-overdue``
    ANSWERED = "answered"
    ADOPTED = "adopted"  # a councillor took it up (on the resident's question)
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    LAPSED = "lapsed"


class QuestionEvent(Model):
    """A step on a question's public timeline (append-only)."""

    __tablename__ = "question_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[QuestionEventKind] = mapped_column(enum_type(QuestionEventKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who acted; shown publicly only by unit or office, never a moderator by name.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    question: Mapped[Question] = relationship(back_populates="events")


class RuleStart(enum.StrEnum):
    """What a deadline runs from."""

    SESSION = "session"  # the session the question was posed at
    RECEIVED = "received"  # the day a written question was received
    PUBLISHED = "published"  # the day a resident's question was published


class DeadlineRule(Model):
    """How long the municipality has to answer, for one origin, kind and form.

    A question takes the rule valid on its start date; of several that fit, the most
    specific (one naming its kind and form beats one for any). An administrator edits and
    confirms rules; every change is audited and recomputes the open questions' due dates.
    """

    __tablename__ = "deadline_rules"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0 AND amount <= 3650", name="amount_in_range"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_in_order"),
        sa.CheckConstraint(
            "unit <> 'next_regular_session' OR fallback_days IS NOT NULL",
            name="next_session_has_fallback",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    origin: Mapped[Origin] = mapped_column(enum_type(Origin))
    #: ``None``: any kind (form).
    kind: Mapped[Kind | None] = mapped_column(enum_type(Kind))
    form: Mapped[Form | None] = mapped_column(enum_type(Form))
    start: Mapped[RuleStart] = mapped_column(enum_type(RuleStart))
    amount: Mapped[int]
    unit: Mapped[DeadlineUnit] = mapped_column(enum_type(DeadlineUnit))
    #: "By the next regular session": the days that apply when none is scheduled.
    fallback_days: Mapped[int | None]
    #: A calendar-day deadline ending on a day that is not a working day ends on the next
    #: working day (ZUP art. 101).
    next_working_day: Mapped[bool] = mapped_column(default=True)
    #: Calendar days after the (extended) due date from which a question is long overdue.
    long_overdue_after: Mapped[int] = mapped_column(default=30)
    #: The legal source as text ("Poslovnik Mestnega sveta MOK, čl. …").
    legal_source: Mapped[str] = mapped_column(sa.Text, default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    #: ``None``: a default not yet checked against the Rules of Procedure (shown so).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DeadlineRule {self.id} {self.origin} {self.amount} {self.unit}>"


class WorkFreeDay(Model):
    """A one-off work-free day an administrator adds (the law's days are computed)."""

    __tablename__ = "work_free_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))


def title_slug(title: str) -> str | None:
    """The readable part of a question's address (``/questions/5-<slug>``), if any."""
    return slugify(title)[:60].strip("-") or None


def page_tags(question_id: int) -> tuple[str, ...]:
    """The tags of a question's card and page: for a bulk statement's ``pagecache.TAGS``."""
    return (f"question:{question_id}", "questions")


def _on_its_question(
    row: QuestionSupport | QuestionEvent | QuestionAuthor | QuestionAddressee,
) -> tuple[str, ...]:
    return page_tags(row.question_id)


# A question shows on its page, the lists, its session's and its councillors' pages (which
# carry the tag ``questions``), and on the page of what it adopts (ditto).
def _question_tags(question: Question) -> tuple[str, ...]:
    # What a councillor's question adopts shows its state and its answer.
    adopted = (f"question:{question.adopts_question_id}",) if question.adopts_question_id else ()
    if question.adopts_initiative_id:
        adopted = (*adopted, f"initiative:{question.adopts_initiative_id}")
    # Its state, dates and unit are the accountability figures' (a support moves none).
    return (*page_tags(question.id), *adopted, "accountability")


pagecache.tags_for(
    Question, _question_tags, bulk=("question", "questions", "initiative", "accountability")
)
pagecache.tags_for(QuestionSupport, _on_its_question, bulk=("question", "questions"))
pagecache.tags_for(QuestionEvent, lambda e: (f"question:{e.question_id}",), bulk=("question",))
pagecache.tags_for(QuestionAuthor, _on_its_question, bulk=("question", "questions"))
pagecache.tags_for(QuestionAddressee, _on_its_question, bulk=("question", "questions"))
# Rules and work-free days change due dates, which every question page and list shows.
pagecache.tags_for(DeadlineRule, lambda _r: ("question", "questions"))
pagecache.tags_for(WorkFreeDay, lambda _d: ("question", "questions"))
