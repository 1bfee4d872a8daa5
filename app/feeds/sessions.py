"""The entries of council sessions: one per session of a term, with what was posed at it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup

from app.council.models import Term
from app.extensions import db
from app.feeds import html
from app.feeds.atom import Entry
from app.feeds.urls import absolute, absolute_for, item_id
from app.questions import queries as question_queries
from app.questions.models import Question
from app.questions.views import authors_line, detail_url
from app.sessions.labels import session_title
from app.sessions.models import CouncilSession


def title(session: CouncilSession) -> str:
    # As the session's page is titled: "16. redna seja, 20. aprila 2016".
    return f"{session_title(session)}, {html.day(session.held_on)}"


def page_url(session: CouncilSession) -> str:
    return absolute_for("sessions.detail", session_id=session.id)


def list_entries(term: Term, sessions: Sequence[CouncilSession], today: date) -> list[Entry]:
    """A term's sessions (as the list orders them: the latest first), each with the public
    questions posed at it: one statement for those of all of them, with their authors."""
    posed: dict[int, list[Question]] = defaultdict(list)
    if sessions:
        # The public list of questions (``filtered``: what the session's page lists too),
        # for these sessions at once.
        query, _hits = question_queries.filtered(question_queries.Filters(), today)
        for question in db.session.scalars(
            query.where(Question.session_id.in_([session.id for session in sessions]))
            .options(*question_queries.card_options())
            .order_by(Question.id)
        ).unique():
            if question.session_id is not None:
                posed[question.session_id].append(question)
    return [_entry(term, session, posed[session.id], today) for session in sessions]


def _entry(term: Term, session: CouncilSession, posed: Sequence[Question], today: date) -> Entry:
    # A question recorded later changes what the entry lists.
    moments = [session.updated_at, *(q.published_at for q in posed if q.published_at)]
    return Entry(
        id=item_id("sessions.detail", session_id=session.id),
        title=title(session),
        link=page_url(session),
        updated=max(moments),
        published=session.created_at,
        content=html.join(*_content(term, session, posed, today)),
    )


def _content(
    term: Term, session: CouncilSession, posed: Sequence[Question], today: date
) -> list[Markup]:
    blocks = [
        html.paragraph(term.body.name, _("term %(term)s", term=term.label)),
        html.paragraph(
            html.day(session.held_on), _("scheduled") if session.held_on > today else None
        ),
        html.paragraph(session.note),
        html.heading(_("Questions and initiatives posed at this session")),
    ]
    if not posed:
        return [*blocks, html.paragraph(_("None recorded."))]
    lines = (
        Markup("{} ({})").format(
            html.link(absolute(detail_url(question)), question.title), authors_line(question)
        )
        for question in posed
    )
    return [*blocks, html.items(lines)]
