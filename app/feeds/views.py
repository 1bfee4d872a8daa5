"""The feeds' routes: each mirrors a page, with its filters, its 404s and its cache tags.

A list's feed reads the list's own query parameters with the list's own parser, so a value
the page refuses (400) the feed refuses alike; it holds the newest ``LIMIT`` items whatever
the page's order and page number (accepted, and checked, as the page checks them, but a feed
is one stream of news). An item's feed is public or a 404, for everyone alike: a feed
reader signs in nowhere, so what the public sees is all a feed holds, whoever asks. The
cache of anonymous pages keeps feeds as it keeps their pages, under the same tags, so the
write that changes a page changes its feed at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core import pagecache
from app.core.i18n import current_language
from app.core.routing import id_or_400
from app.core.time import next_midnight, utcnow
from app.core.time import today as local_today
from app.extensions import db
from app.feeds import bp, titles
from app.feeds import initiatives as initiative_entries
from app.feeds import projects as project_entries
from app.feeds import questions as question_entries
from app.feeds import replies as reply_entries
from app.feeds import sessions as session_entries
from app.feeds.atom import Entry, Feed, response
from app.feeds.urls import absolute_for
from app.initiatives import permissions as initiative_permissions
from app.initiatives import queries as initiative_queries
from app.projects import queries as project_queries
from app.questions import permissions as question_permissions
from app.questions import queries as question_queries
from app.replies import queries as reply_queries
from app.sessions.models import CouncilSession

#: How many entries a feed holds: the newest.
LIMIT = 50
#: What a list's feed ignores of the page's query (it is always the newest, on one page).
ORDER = ("sort", "page")

_Filters = TypeVar("_Filters")


def feed_parameters(parameters: Iterable[str]) -> tuple[str, ...]:
    """The query parameters of a list's feed: the list's filters."""
    return tuple(name for name in parameters if name not in ORDER)


def feed_args(args: dict[str, str]) -> dict[str, str]:
    """A list's query string (``Filters.args``) as its feed's."""
    return {name: value for name, value in args.items() if name not in ORDER}


def _filters_or_400(parse: Callable[[Any], _Filters], bad: type[Exception]) -> _Filters:
    """The list's filters from the query, or the page's 400 (``errors``' "filter" page)."""
    try:
        return parse(request.args)
    except bad as error:
        abort(400, description=f"filter:{getattr(error, 'field', '')}")


def _feed(
    endpoint: str,
    page: str,
    title: str,
    entries: list[Entry],
    *,
    values: dict[str, Any],
    fallback: datetime | None = None,
) -> ResponseReturnValue:
    """The response: ``endpoint`` and ``values`` name the feed (its id and self link), ``page``
    is the address of the page it mirrors."""
    own = absolute_for(endpoint, **values)
    return response(
        Feed(
            id=own,
            title=title,
            self_url=own,
            page_url=page,
            entries=entries,
            language=current_language(),
            author=str(current_app.config["ORGANISATION_NAME"]),
            fallback_updated=fallback,
        )
    )


# --- lists ----------------------------------------------------------------------------------


@bp.get("/initiatives/feed.atom")
@pagecache.cached(
    lambda: ("initiatives",),
    params=feed_parameters(initiative_queries.PARAMETERS),
    free=initiative_queries.FREE_TEXT,
    canonical=initiative_queries.canonical_query,
)
def initiatives() -> ResponseReturnValue:
    filters = _filters_or_400(initiative_queries.parse_filters, initiative_queries.BadFilter)
    now = utcnow()
    # Entries tell each one's state, which support closing and responses falling due change
    # without a write: the feed must not be kept past the next such moment.
    pagecache.expires_by(lambda: initiative_queries.next_deadline(now))
    args = feed_args(filters.args())
    return _feed(
        "feeds.initiatives",
        absolute_for("initiatives.index", **args),
        titles.initiatives(filters),
        initiative_entries.list_entries(filters, now, LIMIT),
        values=args,
    )


@bp.get("/questions/feed.atom")
@pagecache.cached(
    lambda: ("questions",),
    params=feed_parameters(question_queries.PARAMETERS),
    free=question_queries.FREE_TEXT,
    canonical=question_queries.canonical_query,
)
def questions() -> ResponseReturnValue:
    filters = _filters_or_400(question_queries.parse_filters, question_queries.BadFilter)
    pagecache.expires_by(next_midnight())  # "overdue" changes with the day, as on the list
    args = feed_args(filters.args())
    return _feed(
        "feeds.questions",
        absolute_for("questions.index", **args),
        titles.questions(filters),
        question_entries.list_entries(filters, local_today(), LIMIT),
        values=args,
    )


@bp.get("/replies/feed.atom")
@pagecache.cached(
    lambda: ("replies", "questions"),
    params=feed_parameters(reply_queries.PARAMETERS),
    free=reply_queries.FREE_TEXT,
    canonical=reply_queries.canonical_query,
)
def replies() -> ResponseReturnValue:
    filters = _filters_or_400(reply_queries.parse_filters, reply_queries.BadFilter)
    args = feed_args(filters.args())
    return _feed(
        "feeds.replies",
        absolute_for("replies.index", **args),
        titles.replies(filters),
        reply_entries.list_entries(filters, LIMIT),
        values=args,
    )


@bp.get("/projects/feed.atom")
@pagecache.cached(
    lambda: ("projects",),
    params=feed_parameters(project_queries.PARAMETERS),
    free=project_queries.FREE_TEXT,
    canonical=project_queries.canonical_query,
)
def projects() -> ResponseReturnValue:
    """The projects of the list as its filters choose them, the latest updated first."""
    filters = _filters_or_400(project_queries.parse_filters, project_queries.BadFilter)
    # "Stale" (a filter of the list) comes with time alone, as on the list's page.
    pagecache.expires_by(next_midnight())
    args = feed_args(filters.args())
    return _feed(
        "feeds.projects",
        absolute_for("projects.index", **args),
        titles.projects(filters),
        project_entries.list_entries(filters, LIMIT),
        values=args,
    )


@bp.get("/sessions/feed.atom")
@pagecache.cached(lambda: ("sessions", "council", "questions"), params=("term",))
def sessions() -> ResponseReturnValue:
    """One term's sessions, the latest term's unless ``?term=`` names another (as the list)."""
    wanted = id_or_400(request.args.get("term"))
    try:
        term = question_queries.term_or_latest(question_queries.terms(), wanted)
    except LookupError:
        abort(404)
    today = local_today()
    pagecache.expires_by(next_midnight())  # a session held today is no longer "scheduled"
    entries = []
    title = _("Council sessions")
    if term is not None:
        held = question_queries.sessions(term.id)[:LIMIT]
        entries = session_entries.list_entries(term, held, today)
        title = f"{title}, {term.label}"  # as the list's <title>
    chosen = {"term": str(term.id)} if wanted is not None and term is not None else {}
    return _feed(
        "feeds.sessions",
        absolute_for("sessions.index", **chosen),
        titles.site(title),
        entries,
        values=chosen,
    )


# --- items ----------------------------------------------------------------------------------


@bp.get("/initiatives/<id:initiative_id>/feed.atom")
@pagecache.cached(lambda initiative_id: ("initiative", f"initiative:{initiative_id}"))
def initiative(initiative_id: int) -> ResponseReturnValue:
    item = initiative_entries.load(initiative_id)
    # Public or nothing, as the page decides it for a visitor who is signed out.
    if item is None or not initiative_permissions.can_view(None, item):
        abort(404)
    letters = reply_queries.published_for_initiative(item.id)
    return _feed(
        "feeds.initiative",
        initiative_entries.page_url(item),
        titles.site(item.title),
        initiative_entries.item_entries(item, letters),
        fallback=item.published_at or item.closed_at or item.created_at,
        values={"initiative_id": item.id},
    )


@bp.get("/questions/<id:question_id>/feed.atom")
@pagecache.cached(lambda question_id: ("question", f"question:{question_id}", "sessions"))
def question(question_id: int) -> ResponseReturnValue:
    item = question_queries.for_page(question_id)
    if item is None or not question_permissions.can_view(None, item):
        abort(404)
    letters = reply_queries.published_for_question(item.id)
    return _feed(
        "feeds.question",
        question_entries.page_url(item),
        titles.site(item.title),
        question_entries.item_entries(item, letters),
        fallback=item.published_at or item.created_at,
        values={"question_id": item.id},
    )


@bp.get("/replies/<id:reply_id>/feed.atom")
@pagecache.cached(lambda reply_id: ("reply", f"reply:{reply_id}", "question", "questions"))
def reply(reply_id: int) -> ResponseReturnValue:
    item = reply_queries.for_page(reply_id)
    # As the letter's JSON: the public record, which a draft has not, even for its unit.
    if item is None or not item.is_public:
        abort(404)
    return _feed(
        "feeds.reply",
        reply_entries.page_url(item),
        titles.site(reply_entries.title(item)),
        reply_entries.item_entries(item),
        fallback=item.published_at,
        values={"reply_id": item.id},
    )


@bp.get("/projects/<id:project_id>/feed.atom")
@pagecache.cached(lambda project_id: ("project", f"project:{project_id}"))
def project(project_id: int) -> ResponseReturnValue:
    """A project's public timeline, newest first (every project is public)."""
    item = project_queries.for_page(project_id)
    if item is None:
        abort(404)
    return _feed(
        "feeds.project",
        project_entries.page_url(item),
        titles.site(item.title),
        project_entries.item_entries(item),
        fallback=item.updated_at,
        values={"project_id": item.id},
    )


@bp.get("/sessions/<id:session_id>/feed.atom")
@pagecache.cached(lambda session_id: (f"session:{session_id}", "sessions", "questions"))
def session(session_id: int) -> ResponseReturnValue:
    """The questions and initiatives posed at a session (its page's list, newest first)."""
    item = db.first_or_404(
        sa.select(CouncilSession)
        .where(CouncilSession.id == session_id)
        .options(joinedload(CouncilSession.body), joinedload(CouncilSession.term))
    )
    pagecache.expires_by(next_midnight())
    filters = question_queries.Filters(session=item.id)
    return _feed(
        "feeds.session",
        session_entries.page_url(item),
        titles.site(session_entries.title(item)),
        question_entries.list_entries(filters, local_today(), LIMIT),
        fallback=item.created_at,
        values={"session_id": item.id},
    )


@bp.get("/councillors/<id:person_id>/feed.atom")
@pagecache.cached(lambda person_id: ("council", f"councillor:{person_id}", "questions"))
def councillor(person_id: int) -> ResponseReturnValue:
    """A councillor's questions and initiatives (alone or with others), newest first."""
    person = question_queries.councillor(person_id)
    if person is None or not person.mandates:
        abort(404)  # as the page: a person record with no seat has no public page
    pagecache.expires_by(next_midnight())
    filters = question_queries.Filters(councillor=person.id)
    return _feed(
        "feeds.councillor",
        absolute_for("council.detail", person_id=person.id),
        titles.site(person.name),
        question_entries.list_entries(filters, local_today(), LIMIT),
        values={"person_id": person.id},
    )
