"""The entries of questions: one per question in a list, one per step of its timeline.

The lists of questions, of a session's and of a councillor's are one list (the session's and
the councillor's pages link to it filtered: ``?session=``, ``?councillor=``), so their feeds
are one function of the list's filters. Only what the public page shows: the text where
``permissions.can_view_body`` allows it, the public timeline (its steps name units, never
who acted), the authors as the page names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.feeds import html
from app.feeds.atom import Entry, newest_first
from app.feeds.replies import letter_entry
from app.feeds.urls import absolute, item_id, step_id
from app.questions import permissions, queries
from app.questions.models import (
    KIND_NAMES,
    STATE_LABELS,
    Question,
    QuestionAuthor,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
)
from app.questions.views import authors_line, detail_url
from app.replies.models import Reply

_E = QuestionEventKind
#: The steps as the page names them: the msgids of ``templates/questions/detail.html``.
EVENT_LABELS = {
    _E.SUBMITTED: _l("Sent for moderation"),
    _E.PUBLISHED: _l("Published by moderation"),
    _E.RECORDED: _l("Recorded"),
    _E.REJECTED: _l("Not published by moderation"),
    _E.EDITED: _l("The record was corrected"),
    _E.REGISTERED: _l("Registered under a case number"),
    _E.ASSIGNED: _l("Assigned to a unit"),
    _E.FORWARDED: _l("Forwarded to another unit"),
    _E.STATE_CHANGED: _l("The answer moved on"),
    _E.EXTENDED: _l("The due date was extended"),
    _E.DUE_RECOMPUTED: _l("The due date was computed again"),
    _E.OVERDUE: _l("The answer became overdue"),
    _E.ANSWERED: _l("The municipality answered"),
    _E.ADOPTED: _l("Taken up by a councillor"),
    _E.WITHDRAWN: _l("Withdrawn by who asked"),
    _E.MERGED: _l("Merged with another question"),
    _E.LAPSED: _l("Lapsed at the end of the term"),
}


def entry_options() -> tuple[Any, ...]:
    """What a question's entry shows: its authors as the page names them, the reason of a
    rejection. A fixed number of statements for any number of questions."""
    return (
        joinedload(Question.author),
        joinedload(Question.group),
        joinedload(Question.rejection_reason),
        selectinload(Question.authors).joinedload(QuestionAuthor.person),
    )


def entry_id(question_id: int) -> str:
    return item_id("questions.detail", question_id=question_id)


def page_url(question: Question) -> str:
    return absolute(detail_url(question))


# --- the list -------------------------------------------------------------------------------


def list_entries(filters: queries.Filters, today: date, limit: int) -> list[Entry]:
    """The newest ``limit`` questions of the list as ``filters`` filter it, newest first.

    The list's own filter and order (``queries.filtered``, ``queries.order``: newest first,
    whatever the page's order, as a feed is read), with what an entry shows; one statement
    more for each one's latest step. Four statements, however many questions.
    """
    newest = replace(filters, sort=queries.Sort.NEWEST, page=1)
    query, hits = queries.filtered(newest, today)
    questions = list(
        db.session.scalars(
            queries.order(query, newest, hits).options(*entry_options()).limit(limit)
        ).unique()
    )
    # The list's "all" also takes a question withdrawn before moderation published it, whose
    # page is a 404 (``permissions.can_view``): never in a feed, whatever the list does.
    questions = [question for question in questions if permissions.can_view(None, question)]
    latest = _latest_steps([question.id for question in questions])
    return [_entry(question, latest.get(question.id)) for question in questions]


def _latest_steps(ids: Sequence[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(QuestionEvent.question_id, sa.func.max(QuestionEvent.created_at))
        .where(QuestionEvent.question_id.in_(ids))
        .group_by(QuestionEvent.question_id)
    )
    return {question_id: moment for question_id, moment in rows if moment is not None}


def _entry(question: Question, latest_step: datetime | None) -> Entry:
    moments = [latest_step, question.published_at]
    return Entry(
        id=entry_id(question.id),
        title=question.title,
        link=page_url(question),
        updated=max((m for m in moments if m is not None), default=question.created_at),
        published=question.published_at,
        author=authors_line(question) or None,
        content=html.join(*_question(question)),
    )


def _question(question: Question) -> list[Markup]:
    """As the page tells it: state and kind, the reason it was not published, the answer,
    the text."""
    blocks = [
        html.paragraph(
            str(STATE_LABELS[question.state]),
            str(KIND_NAMES[(question.origin, question.kind)]),
            strong=True,
        ),
        html.paragraph(authors_line(question)),
    ]
    if question.state is QuestionState.REJECTED:
        blocks.append(_rejection(question))
    if question.answer_html:
        blocks += [html.heading(_answer_heading(question)), html.sanitised(question.answer_html)]
    if permissions.can_view_body(None, question):
        blocks.append(html.sanitised(question.body_html))
    return blocks


def _answer_heading(question: Question) -> str:
    if question.state is QuestionState.INTERIM_ANSWERED:
        return _("Interim answer of the municipality")
    if question.state is QuestionState.PARTIALLY_ANSWERED:
        return _("Partial answer of the municipality")
    return _("The municipality's answer")


def _rejection(question: Question) -> Markup:
    reason = question.rejection_reason
    return Markup("").join(
        (
            html.heading(_("Why this question was not published")),
            html.paragraph(reason.name if reason else None),
            html.paragraph(question.rejection_note),
        )
    )


# --- one question ---------------------------------------------------------------------------


def item_entries(question: Question, letters: Sequence[Reply]) -> list[Entry]:
    """The steps of a question's public timeline and the letters that answer it, newest first.

    ``question`` as its page loads it (``queries.for_page``); ``letters``: its public reply
    letters (``replies.queries.published_for_question``).
    """
    events = list(question.events)  # the page shows every step
    answers = [event for event in events if event.kind is _E.ANSWERED]
    latest_answer = answers[-1] if answers else None
    entries = [_step(question, event, latest_answer=event is latest_answer) for event in events]
    entries += [letter_entry(letter) for letter in letters]
    return newest_first(entries)


def _step(question: Question, event: QuestionEvent, *, latest_answer: bool) -> Entry:
    return Entry(
        id=step_id(entry_id(question.id), "event", event.id),
        title=html.step_title(str(EVENT_LABELS.get(event.kind, "")), question.title),
        link=page_url(question),
        updated=event.created_at,
        published=event.created_at,
        content=html.join(*_step_content(question, event, latest_answer=latest_answer)),
    )


def _step_content(question: Question, event: QuestionEvent, *, latest_answer: bool) -> list[Markup]:
    data = event.data or {}
    blocks = [html.paragraph(question.title, strong=True)]
    if event.kind in (_E.PUBLISHED, _E.RECORDED) and permissions.can_view_body(None, question):
        blocks.append(html.sanitised(question.body_html))
    elif event.kind is _E.REJECTED:
        blocks.append(_rejection(question))
        return blocks  # the reason is the note: not twice
    elif event.kind in (_E.EXTENDED, _E.DUE_RECOMPUTED) and data.get("to"):
        # As the page's timeline adds it.
        due = html.day_written(str(data["to"]))
        if due:
            blocks.append(html.paragraph(_("now due on %(date)s", date=due)))
    elif event.kind is _E.ANSWERED and latest_answer and question.answer_html:
        blocks += [html.heading(_answer_heading(question)), html.sanitised(question.answer_html)]
    elif event.kind is _E.ADOPTED and data.get("question_id"):
        adopted = item_id("questions.detail", question_id=int(data["question_id"]))
        blocks.append(
            Markup("<p>{}</p>").format(
                html.link(adopted, _("The councillor's question and its answer"))
            )
        )
    blocks.append(html.paragraph(event.note))
    return blocks
