"""``/api/v1/initiatives``: the residents' initiatives the public list and pages show."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagecache
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import permissions, queries
from app.initiatives.models import Initiative, InitiativeState, title_slug

PARAMS = (
    choice("state", [state.value for state in queries.StateFilter]),
    Param("topic", "slug"),
    Param("community", "slug"),
    Param("q"),
    *paging.PARAMS,
)
_NAMES = tuple(param.name for param in PARAMS)

#: Newest first by publication. What moderation refused was never published: it is public
#: record from its rejection on (``closed_at``, set once), the only state listed without one.
_PUBLISHED: tuple[KeyColumn, ...] = (
    (Initiative.published_at, lambda i: i.published_at),
    (Initiative.id, lambda i: i.id),
)
_REJECTED: tuple[KeyColumn, ...] = (
    (Initiative.closed_at, lambda i: i.closed_at),
    (Initiative.id, lambda i: i.id),
)


def _links(initiative: Initiative) -> dict[str, str]:
    return data.links(
        "initiatives.detail",
        {"initiative_id": initiative.id, "slug": title_slug(initiative.title)},
        "api.initiative",
        {"initiative_id": initiative.id},
    )


def summary(initiative: Initiative) -> dict[str, Any]:
    """An initiative as a list shows it."""
    return {
        "id": initiative.id,
        "title": initiative.title,
        "summary": initiative.summary,
        "state": initiative.state.value,
        "topic": data.named(initiative.topic),
        "community": data.named(initiative.community),
        "support_count": initiative.support_count,
        "threshold": initiative.threshold,
        "published_at": data.moment(initiative.published_at),
        "support_closes_at": data.moment(initiative.support_closes_at),
        "response_due_at": data.moment(initiative.response_due_at),
        "answered_at": data.moment(initiative.answered_at),
        "response_kind": initiative.response_kind.value if initiative.response_kind else None,
        **_links(initiative),
    }


def item(initiative: Initiative) -> dict[str, Any]:
    """An initiative as its page shows it: a rejected one without its text."""
    shows_body = permissions.can_view_body(None, initiative)
    rejected = initiative.state is InitiativeState.REJECTED
    author = initiative.author
    return {
        **summary(initiative),
        # The public name only; a deleted account has none any more.
        "author": {"name": author.pseudonym if author.deleted_at is None else None},
        "body_html": initiative.body_html if shows_body else None,
        "location": initiative.location,
        "responsible_unit": data.unit(initiative.responsible_unit),
        "threshold_reached_at": data.moment(initiative.threshold_reached_at),
        "response_html": initiative.response_html if initiative.response_kind else None,
        "completed_at": data.moment(initiative.completed_at),
        "closed_at": data.moment(initiative.closed_at),
        "rejection": {
            "reason": data.named(initiative.rejection_reason),
            "note": initiative.rejection_note,
        }
        if rejected
        else None,
    }


def _tags() -> tuple[str, ...]:
    return ("initiatives",)


@bp.get("/initiatives")
@pagecache.cached(_tags, params=_NAMES, free=("q", "cursor"), guard=limits.allowed)
def initiatives() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    try:
        filters = queries.parse_filters(params.rename(values, {}))
    except queries.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    now = utcnow()
    if filters.state in queries.CLOCK_STATES:
        # Which initiatives are open, expired or overdue changes with any deadline.
        pagecache.expires_by(lambda: queries.next_deadline(now))
    query = queries.filtered(filters, now).options(
        joinedload(Initiative.topic), joinedload(Initiative.community), *queries.LIST_COLUMNS
    )
    keys = _REJECTED if filters.state is queries.StateFilter.REJECTED else _PUBLISHED
    found = paging.page(query, keys, paging.paging_of(values))
    body, headers = paging.listing(
        "api.initiatives", values, found, [summary(i) for i in found.items]
    )
    return json_response(body, headers=headers)


def _item_tags(initiative_id: int) -> tuple[str, ...]:
    return ("initiative", f"initiative:{initiative_id}")


@bp.get("/initiatives/<id:initiative_id>")
@pagecache.cached(_item_tags, guard=limits.allowed)
def initiative(initiative_id: int) -> ResponseReturnValue:
    params.parse(())
    found = db.session.scalar(
        sa.select(Initiative)
        .where(Initiative.id == initiative_id)
        .options(
            joinedload(Initiative.topic),
            joinedload(Initiative.community),
            joinedload(Initiative.author),
            joinedload(Initiative.responsible_unit),
            joinedload(Initiative.rejection_reason),
        )
    )
    # As its page: what the public may not see is not there at all (no 403 to reveal it).
    if found is None or not permissions.can_view(None, found):
        abort(404)
    pagecache.expires_by(found.support_closes_at)
    pagecache.expires_by(found.response_due_at)
    return json_response(item(found))
