"""``/api/v1/sessions``: the council's sessions, and what was posed at each."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, selectinload

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param
from app.api.problems import invalid
from app.core import pagecache
from app.council.models import Term
from app.extensions import db
from app.questions import queries as question_queries
from app.questions.models import title_slug
from app.sessions.models import CouncilSession

PARAMS = (Param("term", "id"), *paging.PARAMS)
_NAMES = tuple(param.name for param in PARAMS)

#: A session's day may be corrected, its record's id never: the order in which the council
#: office recorded them (the primary key's index serves it).
_KEYS: tuple[KeyColumn, ...] = ((CouncilSession.id, lambda s: s.id),)


def _term(term: Term) -> dict[str, Any]:
    return {"id": term.id, "starts_on": data.day(term.starts_on), "ends_on": data.day(term.ends_on)}


def summary(session: CouncilSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "body": data.named(session.body),
        "term": _term(session.term),
        "kind": session.kind.value,
        "number": session.number,
        "held_on": data.day(session.held_on),
        **data.links(
            "sessions.detail", {"session_id": session.id}, "api.session", {"session_id": session.id}
        ),
    }


def _tags() -> tuple[str, ...]:
    return ("sessions", "council")


@bp.get("/sessions")
@pagecache.cached(_tags, params=_NAMES, free=("cursor",), guard=limits.allowed)
def sessions() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    query = sa.select(CouncilSession).options(
        joinedload(CouncilSession.body), joinedload(CouncilSession.term)
    )
    if "term" in values:
        term_id = int(values["term"])
        if db.session.get(Term, term_id) is None:
            raise invalid("term", "invalid")  # as the page's: a term that does not exist
        query = query.where(CouncilSession.term_id == term_id)
    found = paging.page(query, _KEYS, paging.paging_of(values))
    body, headers = paging.listing("api.sessions", values, found, [summary(s) for s in found.items])
    return json_response(body, headers=headers)


def _item_tags(session_id: int) -> tuple[str, ...]:
    return (f"session:{session_id}", "sessions", "questions")


@bp.get("/sessions/<id:session_id>")
@pagecache.cached(_item_tags, guard=limits.allowed)
def session(session_id: int) -> ResponseReturnValue:
    params.parse(())
    found = db.session.scalar(
        sa.select(CouncilSession)
        .where(CouncilSession.id == session_id)
        .options(
            joinedload(CouncilSession.body),
            joinedload(CouncilSession.term),
            selectinload(CouncilSession.agenda),
        )
    )
    if found is None:
        abort(404)
    posed = question_queries.at_session(found.id)  # the public ones, as its page lists them
    return json_response(
        {
            **summary(found),
            "note": found.note,
            "agenda": [{"position": a.position, "title": a.title} for a in found.agenda],
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    **data.links(
                        "questions.detail",
                        {"question_id": q.id, "slug": title_slug(q.title)},
                        "api.question",
                        {"question_id": q.id},
                    ),
                }
                for q in posed
            ],
        }
    )
