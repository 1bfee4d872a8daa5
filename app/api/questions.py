"""``/api/v1/questions``: residents' and councillors' questions, as the public list shows them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, selectinload

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagecache
from app.core.time import today
from app.extensions import db
from app.questions import permissions, queries
from app.questions.models import (
    Kind,
    Origin,
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionState,
    title_slug,
)
from app.replies import queries as reply_queries

PARAMS = (
    choice("origin", [origin.value for origin in Origin]),
    choice("kind", [kind.value for kind in Kind]),
    choice("state", [state.value for state in queries.StateFilter]),
    Param("councillor", "id"),
    Param("session", "id"),
    Param("unit", "code"),
    Param("topic", "slug"),
    Param("community", "slug"),
    Param("q"),
    *paging.PARAMS,
)
_NAMES = tuple(param.name for param in PARAMS)

#: As initiatives': publication, or for what moderation refused, the refusal (``closed_at``).
_PUBLISHED: tuple[KeyColumn, ...] = (
    (Question.published_at, lambda q: q.published_at),
    (Question.id, lambda q: q.id),
)
_REJECTED: tuple[KeyColumn, ...] = (
    (Question.closed_at, lambda q: q.closed_at),
    (Question.id, lambda q: q.id),
)


def _links(question: Question) -> dict[str, str]:
    return data.links(
        "questions.detail",
        {"question_id": question.id, "slug": title_slug(question.title)},
        "api.question",
        {"question_id": question.id},
    )


def _authors(question: Question) -> list[dict[str, Any]]:
    """Who asks, by public name: the councillors (with their record), or the resident."""
    if question.origin is Origin.COUNCILLOR:
        return [
            {
                "name": author.person.name,
                "councillor": data.links(
                    "council.detail",
                    {"person_id": author.person_id},
                    "api.councillor",
                    {"person_id": author.person_id},
                )["self"],
            }
            for author in question.authors
        ]
    author = question.author
    if author is None or author.deleted_at is not None or not author.pseudonym:
        return [{"name": None, "councillor": None}]
    return [{"name": author.pseudonym, "councillor": None}]


def _session(question: Question) -> dict[str, Any] | None:
    session = question.session
    if session is None:
        return None
    return {
        "id": session.id,
        "kind": session.kind.value,
        "number": session.number,
        "held_on": data.day(session.held_on),
        "self": data.links(
            "sessions.detail", {"session_id": session.id}, "api.session", {"session_id": session.id}
        )["self"],
    }


def summary(question: Question) -> dict[str, Any]:
    """A question as a list shows it."""
    return {
        "id": question.id,
        "origin": question.origin.value,
        "kind": question.kind.value,
        "form": question.form.value,
        "state": question.state.value,
        "title": question.title,
        "authors": _authors(question),
        "group": question.group.name if question.group else None,
        "session": _session(question),
        "topic": data.named(question.topic),
        "community": data.named(question.community),
        "responsible_unit": data.unit(question.responsible_unit),
        "support_count": question.support_count,
        "published_at": data.moment(question.published_at),
        "due_on": data.day(question.effective_due_on),
        "answered_at": data.moment(question.answered_at),
        **_links(question),
    }


def item(question: Question, replies: list[Any]) -> dict[str, Any]:
    """A question as its page shows it: one moderation refused without its text."""
    shows_body = permissions.can_view_body(None, question)
    rejected = question.state is QuestionState.REJECTED
    return {
        **summary(question),
        "body_html": question.body_html if shows_body else None,
        "to_mayor": question.to_mayor,
        "addressees": [data.unit(row.unit) for row in question.addressees],
        "case_number": question.case_number,
        "received_on": data.day(question.received_on),
        "starts_on": data.day(question.starts_on),
        "extended_to": data.day(question.extended_to),
        "extension_reason": question.extension_reason if question.extended_to else None,
        "answer_html": question.answer_html if question.answered_at else None,
        "answered_by_unit": data.unit(question.answered_by_unit),
        "closed_at": data.moment(question.closed_at),
        "merged_into": question.merged_into_id,
        "follow_up_of": question.follow_up_of_id,
        "adopts_initiative": question.adopts_initiative_id,
        "adopts_question": question.adopts_question_id,
        "rejection": {
            "reason": data.named(question.rejection_reason),
            "note": question.rejection_note,
        }
        if rejected
        else None,
        "replies": [
            data.links("replies.detail", {"reply_id": r.id}, "api.reply", {"reply_id": r.id})[
                "self"
            ]
            for r in replies
        ],
    }


def _related() -> tuple[Any, ...]:
    # Every many-to-one joined: the same statements for a page of 1 or of 200.
    return (
        joinedload(Question.session),
        joinedload(Question.author),
        joinedload(Question.group),
        joinedload(Question.topic),
        joinedload(Question.community),
        joinedload(Question.responsible_unit),
        selectinload(Question.authors).joinedload(QuestionAuthor.person),
    )


def _tags() -> tuple[str, ...]:
    return ("questions",)


@bp.get("/questions")
@pagecache.cached(_tags, params=_NAMES, free=("q", "cursor"), guard=limits.allowed)
def questions() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    try:
        filters = queries.parse_filters(values)
    except queries.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    # "Overdue" changes at midnight, which no cached entry outlives (app/core/pagecache.py).
    query, _hits = queries.filtered(filters, today())
    keys = _REJECTED if filters.state is queries.StateFilter.REJECTED else _PUBLISHED
    found = paging.page(
        query.options(*_related(), *queries.LIST_COLUMNS), keys, paging.paging_of(values)
    )
    body, headers = paging.listing(
        "api.questions", values, found, [summary(q) for q in found.items]
    )
    return json_response(body, headers=headers)


def _item_tags(question_id: int) -> tuple[str, ...]:
    return ("question", f"question:{question_id}", "sessions", "replies")


@bp.get("/questions/<id:question_id>")
@pagecache.cached(_item_tags, guard=limits.allowed)
def question(question_id: int) -> ResponseReturnValue:
    params.parse(())
    found = db.session.scalar(
        sa.select(Question)
        .where(Question.id == question_id)
        .options(
            *_related(),
            joinedload(Question.answered_by_unit),
            joinedload(Question.rejection_reason),
            selectinload(Question.addressees).joinedload(QuestionAddressee.unit),
        )
    )
    if found is None or not permissions.can_view(None, found):
        abort(404)
    return json_response(item(found, reply_queries.published_for_question(found.id)))
