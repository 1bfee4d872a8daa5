"""Which page has which feed: the template global that ``base.html`` links it with.

``feed_url()`` maps the page being made (its endpoint) to its feed's address, with the list's
filters or the item's id. Both come from what the view gave its template, not from the URL:
a list's ``filters`` are the parsed, canonical ones (its error page, for a filter it does not
know, has none, and links no feed), and an item's feed is linked only when the item is
public (the author of a draft sees its page, but the draft has no feed). No statement is
sent: every page pays for this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from app.council.models import Person
from app.feeds import bp
from app.feeds.views import feed_args
from app.initiatives import permissions as initiative_permissions
from app.initiatives.models import Initiative
from app.projects.models import Project
from app.questions import permissions as question_permissions
from app.questions.models import Question
from app.replies.models import Reply
from app.sessions.models import CouncilSession

#: A list page's endpoint and its feed's.
LISTS = {
    "initiatives.index": "feeds.initiatives",
    "questions.index": "feeds.questions",
    "replies.index": "feeds.replies",
    "projects.index": "feeds.projects",
}


def _public_initiative(item: Any) -> bool:
    return isinstance(item, Initiative) and initiative_permissions.can_view(None, item)


def _public_question(item: Any) -> bool:
    return isinstance(item, Question) and question_permissions.can_view(None, item)


def _public_reply(item: Any) -> bool:
    return isinstance(item, Reply) and item.is_public


#: An item page's endpoint: the name its template knows the item by, its feed's endpoint
#: and argument, and whether the item is public (the template's ``session`` is the council's
#: session, which its view passes over Flask's own).
ITEMS: dict[str, tuple[str, str, str, Callable[[Any], bool]]] = {
    "initiatives.detail": ("initiative", "feeds.initiative", "initiative_id", _public_initiative),
    "questions.detail": ("question", "feeds.question", "question_id", _public_question),
    "replies.detail": ("reply", "feeds.reply", "reply_id", _public_reply),
    "sessions.detail": (
        "session",
        "feeds.session",
        "session_id",
        lambda item: isinstance(item, CouncilSession),
    ),
    # Every project is public.
    "projects.detail": (
        "project",
        "feeds.project",
        "project_id",
        lambda item: isinstance(item, Project),
    ),
    "council.detail": (
        "person",
        "feeds.councillor",
        "person_id",
        lambda item: isinstance(item, Person),
    ),
}


@bp.app_template_global("feed_url")
@pass_context
def feed_url(context: Context) -> str | None:
    """The address of the current page's Atom feed; ``None`` for a page without one."""
    if not has_request_context() or request.endpoint is None:
        return None
    endpoint = request.endpoint
    if endpoint in LISTS:
        filters = context.get("filters")
        if filters is None:
            return None
        args: dict[str, Any] = feed_args(filters.args())
        return url_for(LISTS[endpoint], **args)
    if endpoint == "sessions.index":
        if "terms" not in context:
            return None
        term = context.get("term")
        chosen = request.args.get("term") and term is not None
        return url_for("feeds.sessions", term=term.id if chosen else None)
    if endpoint in ITEMS:
        name, feed, argument, public = ITEMS[endpoint]
        item = context.get(name)
        if item is None or not public(item):
            return None
        return url_for(feed, **{argument: item.id})
    return None
