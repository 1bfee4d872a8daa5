"""``/api/v1/replies``: the municipality's published reply letters.

An item is the letter's public JSON (``/replies/<id>.json``, ``docs/schemas/reply.schema.json``)
made by its one serializer (``app.replies.export.as_json``), under ``letter``, beside the
``url`` and ``self`` every item of the API has: the schema of the letter stays the letter's.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagecache
from app.replies import export, queries
from app.replies.models import Reply, ReplyCoverage, ReplyType

PARAMS = (
    Param("unit", "code"),
    Param("year", "year"),
    choice("type", [kind.value for kind in ReplyType]),
    Param("session", "id"),
    Param("councillor", "id"),
    Param("q"),
    *paging.PARAMS,
)
_NAMES = tuple(param.name for param in PARAMS)

#: Newest published first. A letter is public from its publication (``published_at``, set
#: once; a correction or a retraction keeps it): a historical letter imported today is new.
_KEYS: tuple[KeyColumn, ...] = (
    (Reply.published_at, lambda r: r.published_at),
    (Reply.id, lambda r: r.id),
)


def _links(reply: Reply) -> dict[str, str]:
    return data.links("replies.detail", {"reply_id": reply.id}, "api.reply", {"reply_id": reply.id})


def summary(reply: Reply) -> dict[str, Any]:
    """A letter as the list shows it, and what it answers (ids)."""
    return {
        "id": reply.id,
        "reference_number": reply.reference_number,
        "letter_date": data.day(reply.letter_date),
        "subject": reply.subject,
        "summary": reply.summary,
        "reply_type": reply.reply_type.value,
        "state": reply.state.value,
        "issuer": data.unit(reply.issuer_unit),
        "published_at": data.moment(reply.published_at),
        "questions": [row.question_id for row in reply.coverage if row.question_id],
        "initiatives": [row.initiative_id for row in reply.coverage if row.initiative_id],
        **_links(reply),
    }


def _list_options() -> tuple[Any, ...]:
    # What a card shows and nothing of the letters' long texts (kilobytes each).
    return (
        load_only(
            Reply.state,
            Reply.reply_type,
            Reply.reference_number,
            Reply.letter_date,
            Reply.subject,
            Reply.summary,
            Reply.issuer_unit_id,
            Reply.published_at,
        ),
        joinedload(Reply.issuer_unit),
        selectinload(Reply.coverage).load_only(
            ReplyCoverage.question_id, ReplyCoverage.initiative_id
        ),
        raiseload("*"),
    )


def _tags() -> tuple[str, ...]:
    return ("replies",)


@bp.get("/replies")
@pagecache.cached(_tags, params=_NAMES, free=("q", "cursor"), guard=limits.allowed)
def replies() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    try:
        filters = queries.parse_filters(values)
    except queries.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    query = queries.filtered(filters).options(*_list_options())
    found = paging.page(query, _KEYS, paging.paging_of(values))
    body, headers = paging.listing("api.replies", values, found, [summary(r) for r in found.items])
    return json_response(body, headers=headers)


def _item_tags(reply_id: int) -> tuple[str, ...]:
    # As the letter's own JSON: it names what it answers (titles, due dates).
    return ("reply", f"reply:{reply_id}", "question", "questions")


@bp.get("/replies/<id:reply_id>")
@pagecache.cached(_item_tags, guard=limits.allowed)
def reply(reply_id: int) -> ResponseReturnValue:
    params.parse(())
    found = queries.for_page(reply_id)
    # The public record only: drafts and letters in review have none, as on the site.
    if found is None or not found.is_public:
        abort(404)
    return json_response({**_links(found), "letter": export.as_json(found)})
