"""``/api/v1/councillors``: everyone who has held a seat, and how their questions fared."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import selectinload

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param
from app.core import pagecache
from app.core.time import today
from app.core.urls import public_url_for
from app.council.models import CouncilMandate, Person, Term
from app.extensions import db
from app.questions import queries as question_queries

PARAMS = (Param("current", "bool"), *paging.PARAMS)
_NAMES = tuple(param.name for param in PARAMS)

#: A person's record, in the order the records were made (the primary key never changes).
_KEYS: tuple[KeyColumn, ...] = ((Person.id, lambda p: p.id),)


def _mandate(mandate: CouncilMandate) -> dict[str, Any]:
    return {
        "body": data.named(mandate.term.body),
        "term": {
            "id": mandate.term.id,
            "starts_on": data.day(mandate.term.starts_on),
            "ends_on": data.day(mandate.term.ends_on),
        },
        "list_name": mandate.list_name,
        "group": mandate.group.name if mandate.group else None,
        "starts_on": data.day(mandate.starts_on),
        "ends_on": data.day(mandate.ends_on),
    }


def summary(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "current": person.mandate_on(today()) is not None,
        "mandates": [_mandate(m) for m in person.mandates],
        **data.links(
            "council.detail", {"person_id": person.id}, "api.councillor", {"person_id": person.id}
        ),
    }


def _options() -> tuple[Any, ...]:
    return (
        selectinload(Person.mandates).joinedload(CouncilMandate.term).joinedload(Term.body),
        selectinload(Person.mandates).joinedload(CouncilMandate.group),
    )


def _seated(on: Any) -> sa.ColumnElement[bool]:
    return sa.and_(
        CouncilMandate.starts_on <= on,
        sa.or_(CouncilMandate.ends_on.is_(None), CouncilMandate.ends_on >= on),
    )


def _tags() -> tuple[str, ...]:
    return ("council",)


@bp.get("/councillors")
@pagecache.cached(_tags, params=_NAMES, free=("cursor",), guard=limits.allowed)
def councillors() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    # As the page: a person is a councillor's public record once they have held a seat.
    has_seat = sa.exists().where(CouncilMandate.person_id == Person.id)
    query = sa.select(Person).where(has_seat).options(*_options())
    if "current" in values:
        seated = sa.exists().where(CouncilMandate.person_id == Person.id, _seated(today()))
        query = query.where(seated if values["current"] == "true" else sa.not_(seated))
    found = paging.page(query, _KEYS, paging.paging_of(values))
    body, headers = paging.listing(
        "api.councillors", values, found, [summary(p) for p in found.items]
    )
    return json_response(body, headers=headers)


def _item_tags(person_id: int) -> tuple[str, ...]:
    return ("council", f"councillor:{person_id}", "questions")


@bp.get("/councillors/<id:person_id>")
@pagecache.cached(_item_tags, guard=limits.allowed)
def councillor(person_id: int) -> ResponseReturnValue:
    params.parse(())
    person = db.session.scalar(sa.select(Person).where(Person.id == person_id).options(*_options()))
    if person is None or not person.mandates:
        abort(404)  # a person record with no seat is not a councillor's public page
    record = question_queries.record_of(person.id, today())
    return json_response(
        {
            **summary(person),
            "record": {
                "posed": record.posed,
                "answered": record.answered,
                "on_time": record.on_time,
                "open": record.open,
                "overdue": record.overdue,
            },
            # Their questions are the list's, filtered (every one, paged), not a copy here.
            "questions": public_url_for("api.questions", councillor=person.id),
        }
    )
