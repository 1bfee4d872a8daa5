"""What a notification says, in the language it is read in.

The words are made when shown (on the site, in the mail), from the event, its item and its
timeline step, so the list always names an item as it is called now. Every sentence names
the item, because a digest or a phone's notification shows it without its page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.urls import public_url_for as public_url_for
from app.initiatives.models import Initiative
from app.notifications import audience
from app.notifications.kinds import Kind
from app.notifications.models import Event
from app.projects import money
from app.projects.models import (
    LIGHT_COLOURS,
    LIGHT_LABELS,
    Commitment,
    Light,
    Project,
    ProjectUpdate,
)
from app.questions.models import Question
from app.replies.models import Reply, ReplyType

K = Kind

#: One sentence per kind; ``%(title)s`` is the item's title, quoted by the sentence.
_SENTENCES: dict[Kind, LazyString] = {
    K.INITIATIVE_SUBMITTED: _l("The initiative »%(title)s« waits for moderation."),
    K.INITIATIVE_PUBLISHED: _l("The initiative »%(title)s« was published."),
    K.INITIATIVE_REJECTED: _l("The initiative »%(title)s« was not published."),
    K.INITIATIVE_THRESHOLD_REACHED: _l(
        "The initiative »%(title)s« has reached the support it needs: the municipality now "
        "owes it a response."
    ),
    K.INITIATIVE_ASSIGNED: _l("The initiative »%(title)s« was given to your unit to answer."),
    K.INITIATIVE_DUE_SOON: _l("The response to the initiative »%(title)s« is due soon."),
    K.INITIATIVE_OVERDUE: _l("The response to the initiative »%(title)s« is overdue."),
    K.INITIATIVE_ANSWERED: _l("The municipality answered the initiative »%(title)s«."),
    K.INITIATIVE_PROGRESS: _l("A progress report on the initiative »%(title)s«."),
    K.INITIATIVE_COMPLETED: _l("The initiative »%(title)s« has been carried out."),
    K.INITIATIVE_EXPIRED: _l(
        "The initiative »%(title)s« closed without reaching the support it needed."
    ),
    K.INITIATIVE_WITHDRAWN: _l("The initiative »%(title)s« was withdrawn by its author."),
    K.INITIATIVE_ADOPTED: _l(
        "A councillor took up the initiative »%(title)s« as a councillor's question; you "
        "now follow that question too."
    ),
    K.QUESTION_SUBMITTED: _l("The question »%(title)s« waits for moderation."),
    K.QUESTION_PUBLISHED: _l("The question »%(title)s« was published."),
    K.QUESTION_REJECTED: _l("The question »%(title)s« was not published."),
    K.QUESTION_RECORDED: _l("A new councillor's question: »%(title)s«."),
    K.QUESTION_ASSIGNED: _l("The question »%(title)s« was given to a unit to answer."),
    K.QUESTION_FORWARDED: _l("The question »%(title)s« was forwarded to another unit."),
    K.QUESTION_EXTENDED: _l("The deadline for answering »%(title)s« was extended."),
    K.QUESTION_DUE_SOON: _l("The answer to the question »%(title)s« is due soon."),
    K.QUESTION_OVERDUE: _l("The answer to the question »%(title)s« is overdue."),
    K.QUESTION_ANSWERED: _l("The question »%(title)s« was answered."),
    K.QUESTION_ADOPTED: _l(
        "A councillor took up the question »%(title)s«; you now follow the councillor's "
        "question too."
    ),
    K.QUESTION_WITHDRAWN: _l("The question »%(title)s« was withdrawn."),
    K.QUESTION_MERGED: _l("The question »%(title)s« was merged into another question."),
    K.QUESTION_LAPSED: _l("The question »%(title)s« lapsed at the end of the council's term."),
    K.REPLY_SUBMITTED: _l("The reply letter »%(title)s« waits for your review."),
    K.REPLY_RETURNED: _l("The reply letter »%(title)s« was returned to you with a note."),
    K.REPLY_PUBLISHED: _l("The municipality published the reply letter »%(title)s«."),
    K.REPLY_RETRACTED: _l("The reply letter »%(title)s« was retracted."),
    K.VERDICT_GIVEN: _l("Someone who asked gave a verdict on the reply letter »%(title)s«."),
    K.PROJECT_LIGHT_CHANGED: _l("The traffic light of the project »%(title)s« changed."),
    K.PROJECT_DONE: _l("The project »%(title)s« is done."),
    K.PROJECT_DELAYED: _l("The project »%(title)s« is later than planned."),
    K.PROJECT_MILESTONE_REACHED: _l("The project »%(title)s« reached a milestone."),
    K.PROJECT_BUDGET_RAISED: _l("The budget of the project »%(title)s« grew."),
    K.PROJECT_LINKED: _l(
        "Something you follow led to the project »%(title)s«: its progress is reported there, "
        "and you will hear of it."
    ),
    K.COMMITMENT_DUE_SOON: _l("The commitment »%(title)s« of a reply letter is due soon."),
    K.COMMITMENT_LATE: _l("The commitment »%(title)s« of a reply letter is late."),
    K.COMMITMENT_KEPT: _l("The commitment »%(title)s« of a reply letter was kept."),
    K.COMMITMENT_DROPPED: _l("The commitment »%(title)s« of a reply letter was given up."),
}
_CORRECTION = _l("The municipality published a correction of a reply letter: »%(title)s«.")

#: The word in front of the subject line, so an inbox can be read at a glance.
_SUBJECT_WORDS: dict[Kind, LazyString] = {
    K.INITIATIVE_PUBLISHED: _l("Published"),
    K.QUESTION_PUBLISHED: _l("Published"),
    K.INITIATIVE_REJECTED: _l("Not published"),
    K.QUESTION_REJECTED: _l("Not published"),
    K.INITIATIVE_ANSWERED: _l("Answered"),
    K.QUESTION_ANSWERED: _l("Answered"),
    K.REPLY_PUBLISHED: _l("Reply"),
    K.INITIATIVE_OVERDUE: _l("Overdue"),
    K.QUESTION_OVERDUE: _l("Overdue"),
    K.INITIATIVE_DUE_SOON: _l("Due soon"),
    K.QUESTION_DUE_SOON: _l("Due soon"),
    K.PROJECT_DONE: _l("Done"),
    K.PROJECT_DELAYED: _l("Delayed"),
    K.PROJECT_LIGHT_CHANGED: _l("Traffic light"),
    K.COMMITMENT_DUE_SOON: _l("Due soon"),
    K.COMMITMENT_LATE: _l("Late"),
    K.COMMITMENT_KEPT: _l("Kept"),
    K.COMMITMENT_DROPPED: _l("Given up"),
}
#: A commitment is named by its words, cut here in a sentence or a subject line.
COMMITMENT_TITLE_MAX = 120


@dataclass(frozen=True)
class Message:
    kind: Kind
    #: The whole sentence, naming the item.
    sentence: str
    #: The short line for a subject: a word and the item's title.
    subject: str
    #: The public text that came with it: a reason, a progress report, a letter's summary.
    note: str | None
    url: str


def title_of(item: audience.Item) -> str:
    if isinstance(item, Reply):
        return f"{item.reference_number} · {item.subject}"
    if isinstance(item, Commitment):
        text = " ".join(item.text.split())
        if len(text) <= COMMITMENT_TITLE_MAX:
            return text
        return text[: COMMITMENT_TITLE_MAX - 1].rstrip() + "…"
    return item.title


def url_of(item: audience.Item) -> str:
    if isinstance(item, Initiative):
        return public_url_for("initiatives.detail", initiative_id=item.id)
    if isinstance(item, Question):
        return public_url_for("questions.detail", question_id=item.id)
    if isinstance(item, Project):
        return public_url_for("projects.detail", project_id=item.id)
    if isinstance(item, Commitment):
        # Where it is tracked: its project's page, or else the letter that made it.
        if item.project_id is not None:
            return public_url_for("projects.detail", project_id=item.project_id)
        return public_url_for("replies.detail", reply_id=item.reply_id)
    return public_url_for("replies.detail", reply_id=item.id)


def _day(value: Any) -> str | None:
    """An ISO date of a timeline entry, as the reader's language writes it."""
    if not value:
        return None
    return str(format_date(date.fromisoformat(str(value)), "long"))


def _joined(*parts: str | None) -> str | None:
    return " ".join(part for part in parts if part) or None


def _project_note(event: Event) -> str | None:
    """What changed, in words, and the public reason the entry gives."""
    kind = Kind(event.kind)
    step = audience.source_of(event)
    if not isinstance(step, ProjectUpdate):
        return None
    before, after = step.before or {}, step.after or {}
    reason: str | None = step.reason
    if kind is K.PROJECT_LIGHT_CHANGED:
        light = Light(after["light"])
        now = _(
            "Now %(colour)s: %(meaning)s.",
            colour=LIGHT_COLOURS[light],
            meaning=LIGHT_LABELS[light],
        )
        return _joined(now, reason)
    if kind is K.PROJECT_DELAYED and "milestone" in after:
        moved = _(
            "The milestone »%(milestone)s« is now planned for %(date)s.",
            milestone=after.get("title", ""),
            date=_day(after.get("planned_on")),
        )
        return _joined(moved, reason)
    if kind is K.PROJECT_DELAYED:
        end = _day(after.get("ends_on"))
        start = _day(after.get("starts_on"))
        ends = _("It now ends on %(date)s.", date=end) if end else None
        begins = _("It now starts on %(date)s.", date=start) if start and not end else None
        return _joined(ends, begins, reason)
    if kind is K.PROJECT_MILESTONE_REACHED:
        done = _(
            "The milestone »%(milestone)s« was reached on %(date)s.",
            milestone=after.get("title", ""),
            date=_day(after.get("done_on")),
        )
        return _joined(done, reason)
    if kind is K.PROJECT_BUDGET_RAISED:
        grew = _(
            "The budget for %(year)s is now %(amount)s (it was %(was)s).",
            year=after.get("year", ""),
            amount=money.euros(int(after.get("budget_cents", 0))),
            was=money.euros(int(before.get("budget_cents", 0))),
        )
        return _joined(grew, reason)
    return reason


def _commitment_note(event: Event, commitment: Commitment) -> str | None:
    kind = Kind(event.kind)
    due = _day(commitment.due_on.isoformat())
    if kind is K.COMMITMENT_LATE:
        return _("It was due on %(date)s.", date=due)
    if kind is K.COMMITMENT_DUE_SOON:
        return _("It is due on %(date)s.", date=due)
    return commitment.note  # how it was kept, or why it was given up (public)


def _note(event: Event, item: audience.Item) -> str | None:
    kind = Kind(event.kind)
    if isinstance(item, Project):
        return _project_note(event)
    if isinstance(item, Commitment):
        return _commitment_note(event, item)
    if isinstance(item, Initiative | Question) and kind in (
        K.INITIATIVE_REJECTED,
        K.QUESTION_REJECTED,
    ):
        reason = item.rejection_reason.name if item.rejection_reason else None
        return " ".join(part for part in (reason, item.rejection_note) if part) or None
    if isinstance(item, Initiative) and kind is K.INITIATIVE_ANSWERED:
        return item.response_text
    if isinstance(item, Question) and kind is K.QUESTION_ANSWERED:
        return item.answer_text
    if isinstance(item, Reply) and kind is K.REPLY_PUBLISHED:
        return item.summary
    if isinstance(item, Reply) and kind is K.REPLY_RETRACTED:
        return item.retraction_reason
    if kind in (K.REPLY_SUBMITTED, K.VERDICT_GIVEN):
        return None  # a draft's words, and a verdict's, stay on their pages
    step = audience.source_of(event)
    if step is None or isinstance(step, ProjectUpdate):
        return None
    return step.note or None


def describe(event: Event, item: audience.Item) -> Message:
    """The message in the current locale (the caller forces the reader's)."""
    kind = Kind(event.kind)
    title = title_of(item)
    template = _SENTENCES[kind]
    if (
        isinstance(item, Reply)
        and kind is K.REPLY_PUBLISHED
        and item.reply_type is ReplyType.CORRECTION
    ):
        template = _CORRECTION
    word = _SUBJECT_WORDS.get(kind)
    subject = f"{word}: {title}" if word is not None else str(template) % {"title": title}
    return Message(
        kind=kind,
        sentence=str(template) % {"title": title},
        subject=subject,
        note=_note(event, item),
        url=url_of(item),
    )
