"""Read side of reply letters: the public list and its filters, one letter's page, the
officials' letters in the works."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from app.auth import permissions as auth
from app.auth.models import Role, User
from app.core import pagination
from app.core.time import today
from app.extensions import db
from app.org.models import OrgUnit
from app.questions.models import Question, QuestionAuthor
from app.reference.kept import units_by_code
from app.replies.models import (
    INTERNAL,
    PUBLIC,
    AnswerVerdict,
    Reply,
    ReplyCoverage,
    ReplyEvent,
    ReplyType,
    ReplyUnit,
)
from app.search import engine as search

PAGE_SIZE = 20


class BadFilter(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Filters:
    unit: OrgUnit | None = None
    year: int | None = None
    reply_type: ReplyType | None = None
    session: int | None = None
    councillor: int | None = None
    text: str = ""
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        current = replace(self, **changes)
        args = {
            "unit": current.unit.code if current.unit else None,
            "year": str(current.year) if current.year else None,
            "type": current.reply_type.value if current.reply_type else None,
            "session": str(current.session) if current.session else None,
            "councillor": str(current.councillor) if current.councillor else None,
            "q": current.text or None,
            "page": str(current.page) if current.page > 1 else None,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def any(self) -> bool:
        return bool(self.args(page=1))


PARAMETERS = ("unit", "year", "type", "session", "councillor", "q", "page")
FREE_TEXT = ("q",)


def canonical_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    return pagination.canonical_query(pairs, defaults={}, sort_with_text="", sort="")


def _id(value: Any, field: str, *, low: int = 1, high: int = 2**31 - 1) -> int | None:
    if not value:
        return None
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not low <= int(text) <= high:
        raise BadFilter(field)
    return int(text)


def parse_filters(args: Any) -> Filters:
    """Filters from a URL's query; an unknown value raises ``BadFilter`` (a 400)."""
    unit = None
    if args.get("unit"):
        unit = units_by_code().get(str(args.get("unit")))
        if unit is None:
            raise BadFilter("unit")
    reply_type = None
    if args.get("type"):
        try:
            reply_type = ReplyType(str(args.get("type")))
        except ValueError:
            raise BadFilter("type") from None
    try:
        page = pagination.parse_page_number(args.get("page"))
    except pagination.BadPage:
        raise BadFilter("page") from None
    return Filters(
        unit=unit,
        year=_id(args.get("year"), "year", low=1990, high=2999),
        reply_type=reply_type,
        session=_id(args.get("session"), "session"),
        councillor=_id(args.get("councillor"), "councillor"),
        text=" ".join(str(args.get("q", "")).split())[:200],
        page=page,
    )


def _covers(condition: sa.ColumnElement[bool]) -> sa.Exists:
    return sa.exists().where(
        ReplyCoverage.reply_id == Reply.id,
        ReplyCoverage.question_id == Question.id,
        condition,
    )


def filtered(filters: Filters) -> sa.Select[Any]:
    query = sa.select(Reply).where(
        Reply.state.in_(sa.bindparam("public", list(PUBLIC), expanding=True, literal_execute=True))
    )
    if filters.unit is not None:
        query = query.where(
            sa.or_(
                Reply.issuer_unit_id == filters.unit.id,
                sa.exists().where(
                    ReplyUnit.reply_id == Reply.id, ReplyUnit.unit_id == filters.unit.id
                ),
            )
        )
    if filters.year is not None:
        # A range, not extract(): the index on the letter date serves it on both engines.
        query = query.where(
            Reply.letter_date >= date(filters.year, 1, 1),
            Reply.letter_date < date(filters.year + 1, 1, 1),
        )
    if filters.reply_type is not None:
        query = query.where(Reply.reply_type == filters.reply_type)
    if filters.session is not None:
        query = query.where(_covers(Question.session_id == filters.session))
    if filters.councillor is not None:
        query = query.where(
            _covers(
                sa.exists().where(
                    QuestionAuthor.question_id == Question.id,
                    QuestionAuthor.person_id == filters.councillor,
                )
            )
        )
    if filters.text:
        found = search.ranked(filters.text, search.REPLIES)
        if found is None:
            query = query.where(sa.false())
        else:
            hits = found.subquery()
            query = query.where(Reply.id.in_(sa.select(hits.c.id)))
    return query


def card_options() -> list[Any]:
    """What a card shows, and nothing of the letter's long texts."""
    return [
        load_only(
            Reply.state,
            Reply.reply_type,
            Reply.reference_number,
            Reply.letter_date,
            Reply.subject,
            Reply.summary,
            Reply.issuer_unit_id,
        ),
        joinedload(Reply.issuer_unit),
        selectinload(Reply.coverage)
        .joinedload(ReplyCoverage.question)
        .load_only(Question.id, Question.title, Question.kind, Question.origin),
        raiseload("*"),
    ]


#: The count stops here ("more than 10,000").
COUNT_CAP = 10_000
_NEWEST = (Reply.letter_date.desc(), Reply.id.desc())


def list_page(filters: Filters) -> pagination.Page[Reply]:
    """One page of the public list, newest letter first.

    The page's ids are chosen first from the sort keys alone (``ix_replies_public_letter_date``),
    then only those twenty cards are loaded, without the letters' long texts: at ten times
    Kranj's size an OFFSET over whole rows read and sorted 2,850 letters for a deep page
    (11.3 ms; 0.35 ms so), as the questions' list found before (``questions.queries``).
    """
    query = filtered(filters)
    total, capped = pagination.count(query, cap=COUNT_CAP)
    chosen = (
        query.with_only_columns(Reply.id, Reply.letter_date, maintain_column_froms=True)
        .order_by(*_NEWEST)
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .subquery()
    )
    cards = (
        sa.select(Reply)
        .join(chosen, chosen.c.id == Reply.id)
        .order_by(*_NEWEST)
        .options(*card_options())
    )
    items = list(db.session.scalars(cards).unique())
    return pagination.Page(items, filters.page, PAGE_SIZE, total, capped)


def for_page(reply_id: int) -> Reply | None:
    """One letter with everything its page shows, in a fixed number of statements."""
    return db.session.scalar(
        sa.select(Reply)
        .where(Reply.id == reply_id)
        .options(
            joinedload(Reply.issuer_unit),
            joinedload(Reply.forwarded_to),
            joinedload(Reply.addressee_body),
            joinedload(Reply.addressee_person),
            joinedload(Reply.supersedes),
            joinedload(Reply.superseded_by),
            selectinload(Reply.answering_units).joinedload(ReplyUnit.unit),
            selectinload(Reply.participants),
            selectinload(Reply.distribution),
            selectinload(Reply.attachments),
            selectinload(Reply.events).joinedload(ReplyEvent.actor),
            selectinload(Reply.coverage).options(
                joinedload(ReplyCoverage.question).options(
                    joinedload(Question.session),
                    selectinload(Question.authors).joinedload(QuestionAuthor.person),
                    joinedload(Question.group),
                ),
                joinedload(ReplyCoverage.initiative),
            ),
        )
    )


def in_the_works(user: User) -> list[Reply]:
    """The letters of the account's units not yet published (theirs to see)."""
    units = [
        grant.org_unit_id
        for grant in user.role_grants
        if grant.role is Role.OFFICIAL and grant.org_unit_id is not None
    ]
    if not units or not auth.is_official(user):
        return []
    answering = sa.select(ReplyUnit.reply_id).where(ReplyUnit.unit_id.in_(units))
    return list(
        db.session.scalars(
            sa.select(Reply)
            .where(
                Reply.state.in_(list(INTERNAL)),
                sa.or_(Reply.issuer_unit_id.in_(units), Reply.id.in_(answering)),
            )
            .options(joinedload(Reply.issuer_unit), raiseload("*"))
            .order_by(Reply.updated_at.desc(), Reply.id.desc())
            .limit(200)
        )
    )


def published_for_question(question_id: int) -> list[Reply]:
    """The public letters that answer a question, oldest first (its page lists them)."""
    return list(
        db.session.scalars(
            sa.select(Reply)
            .join(ReplyCoverage, ReplyCoverage.reply_id == Reply.id)
            .where(ReplyCoverage.question_id == question_id, Reply.state.in_(list(PUBLIC)))
            .options(joinedload(Reply.issuer_unit), raiseload("*"))
            .order_by(Reply.letter_date, Reply.id)
        )
    )


def published_for_initiative(initiative_id: int) -> list[Reply]:
    return list(
        db.session.scalars(
            sa.select(Reply)
            .join(ReplyCoverage, ReplyCoverage.reply_id == Reply.id)
            .where(ReplyCoverage.initiative_id == initiative_id, Reply.state.in_(list(PUBLIC)))
            .options(joinedload(Reply.issuer_unit), raiseload("*"))
            .order_by(Reply.letter_date, Reply.id)
        )
    )


def years() -> list[int]:
    """The years that have public letters, newest first (the filter's choices)."""
    first = db.session.scalar(
        sa.select(sa.func.min(Reply.letter_date)).where(Reply.state.in_(list(PUBLIC)))
    )
    if first is None:
        return []
    return list(range(today().year, first.year - 1, -1))


def verdicts_for_question(question_id: int) -> list[AnswerVerdict]:
    """The views on whether the letters answered a question: the asker's first."""
    return list(
        db.session.scalars(
            sa.select(AnswerVerdict)
            .where(AnswerVerdict.question_id == question_id)
            .options(joinedload(AnswerVerdict.user), raiseload("*"))
            .order_by(AnswerVerdict.by_asker.desc(), AnswerVerdict.updated_at.desc())
            .limit(50)
        )
    )
