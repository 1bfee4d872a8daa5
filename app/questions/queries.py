"""Read side of questions: the public list with its filters, the councillors', the sessions'.

The list costs a fixed number of queries whatever the page size: the page (its topic,
community, session, unit and authors loaded in), the capped total, and nothing else (the
filter choices are kept in the process, as the initiatives' are).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, raiseload, selectinload

from app.auth.models import User
from app.core import pagecache, pagination
from app.core.db import detached_copies
from app.core.pagination import Page
from app.core.time import LOCAL_TZ, to_local
from app.council.models import CouncilMandate, Person, Term
from app.extensions import db
from app.org.models import OrgUnit
from app.questions.models import (
    LISTED,
    OPEN,
    Kind,
    Origin,
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionState,
)
from app.reference.models import LocalCommunity, Topic
from app.reference.services import sort_key
from app.search import engine as search
from app.sessions.models import CouncilSession

_Q = QuestionState
PAGE_SIZE = 20
COUNT_CAP = 1000
EXPORT_LIMIT = 100_000
#: A list shows a card: the long texts stay in the database.
LIST_COLUMNS = (
    defer(Question.body),
    defer(Question.body_html),
    defer(Question.title_lemmas),
    defer(Question.body_lemmas),
    defer(Question.answer_text),
    defer(Question.answer_html),
    defer(Question.rejection_note),
    defer(Question.extension_reason),
)


def card_options() -> tuple[Any, ...]:
    """What a question's card shows, loaded with it: a fixed number of queries per list.

    Few joins: PostgreSQL plans a statement anew on every request (psycopg drops what it
    prepared when the pool rolls a connection back), and choosing the order of seven joined
    tables took it 8–10 ms where running the statement took 0.4 at ten times Kranj's size.
    The session, the resident author and the councillors' group are joined (the same number
    of statements whatever the page holds); the unit is read from the process's copy
    (``unit_of``). The card names no topic nor community: reading one
    would be a query per card, so it raises instead (a test would fail).
    """
    return (
        joinedload(Question.session),
        joinedload(Question.author),
        joinedload(Question.group),
        selectinload(Question.authors).joinedload(QuestionAuthor.person),
        raiseload(Question.topic),
        raiseload(Question.community),
        raiseload(Question.responsible_unit),
        *LIST_COLUMNS,
    )


def unit_of(question: Question) -> OrgUnit | None:
    """The unit that answers, from the process's copy of the units (no query)."""
    if question.responsible_unit_id is None:
        return None
    units = _reference()["units_by_id"]
    found: OrgUnit | None = units.get(question.responsible_unit_id)
    return found


class StateFilter(enum.StrEnum):
    ALL = "all"  # everything public except what moderation refused
    OPEN = "open"  # the municipality still owes an answer
    OVERDUE = "overdue"  # open, past its (extended) due date
    ANSWERED = "answered"
    PARTIAL = "partial"  # an interim or partial answer so far
    CLOSED = "closed"  # withdrawn, merged, lapsed
    REJECTED = "rejected"


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"  # only with a search text
    NEWEST = "newest"
    DUE = "due"  # open ones, soonest due (the most overdue) first
    SUPPORTED = "supported"


class BadFilter(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Filters:
    origin: Origin | None = None
    kind: Kind | None = None
    state: StateFilter = StateFilter.ALL
    councillor: int | None = None  # a person's id
    session: int | None = None
    unit: OrgUnit | None = None
    topic: Topic | None = None
    community: LocalCommunity | None = None
    text: str = ""
    sort: Sort = Sort.NEWEST
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        current = replace(self, **changes)
        args = {
            "origin": current.origin.value if current.origin else None,
            "kind": current.kind.value if current.kind else None,
            "state": current.state.value if current.state is not StateFilter.ALL else None,
            "councillor": str(current.councillor) if current.councillor else None,
            "session": str(current.session) if current.session else None,
            "unit": current.unit.code if current.unit else None,
            "topic": current.topic.slug if current.topic else None,
            "community": current.community.slug if current.community else None,
            "q": current.text or None,
            "sort": current.sort.value if current.sort is not _default_sort(current) else None,
            "page": str(current.page) if current.page > 1 else None,
        }
        return {key: value for key, value in args.items() if value}


PARAMETERS = (
    "origin", "kind", "state", "councillor", "session", "unit", "topic", "community", "q",
    "sort", "page",
)  # fmt: skip
FREE_TEXT = ("q",)


def _default_sort(filters: Filters) -> Sort:
    return Sort.RELEVANCE if filters.text else Sort.NEWEST


def canonical_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The one address of a list page (``pagination.canonical_query``)."""
    return pagination.canonical_query(
        pairs,
        defaults={"state": StateFilter.ALL.value},
        sort_with_text=Sort.RELEVANCE.value,
        sort=Sort.NEWEST.value,
    )


def _enum_or_none(enum_class: type[enum.StrEnum], value: Any, field: str) -> Any:
    if not value:
        return None
    try:
        return enum_class(str(value))
    except ValueError:
        raise BadFilter(field) from None


def _id_or_none(value: Any, field: str) -> int | None:
    if not value:
        return None
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not 0 < int(text) < 2**31:
        raise BadFilter(field)
    return int(text)


def parse_filters(args: Any) -> Filters:
    """Filters from a URL's query; an unknown value raises ``BadFilter`` (a 400 for the view)."""
    text = " ".join(str(args.get("q", "")).split())[:200]
    state = _enum_or_none(StateFilter, args.get("state"), "state") or StateFilter.ALL
    sort = _enum_or_none(Sort, args.get("sort"), "sort") or (
        Sort.RELEVANCE if text else Sort.NEWEST
    )
    if sort is Sort.RELEVANCE and not text:
        sort = Sort.NEWEST
    try:
        page = pagination.parse_page_number(args.get("page"))
    except pagination.BadPage:
        raise BadFilter("page") from None
    reference = _reference()
    unit = _known(reference["units"], args.get("unit"), "unit")
    topic = _known(reference["topics"], args.get("topic"), "topic")
    community = _known(reference["communities"], args.get("community"), "community")
    return Filters(
        origin=_enum_or_none(Origin, args.get("origin"), "origin"),
        kind=_enum_or_none(Kind, args.get("kind"), "kind"),
        state=state,
        councillor=_id_or_none(args.get("councillor"), "councillor"),
        session=_id_or_none(args.get("session"), "session"),
        unit=unit,
        topic=topic,
        community=community,
        text=text,
        sort=sort,
        page=page,
    )


def _known(items: dict[str, Any], key: Any, field: str) -> Any:
    if not key:
        return None
    item = items.get(str(key))
    if item is None:
        raise BadFilter(field)
    return item


def _reference() -> dict[str, dict[Any, Any]]:
    """Topics and communities by slug, units by code and by id, kept in the process
    (``pagecache.memoized``) as copies that belong to no session (``db.detached_copies``)."""

    def load() -> dict[str, dict[Any, Any]]:
        units = detached_copies(OrgUnit, "code")
        return {
            "topics": detached_copies(Topic, "slug"),
            "communities": detached_copies(LocalCommunity, "slug"),
            "units": units,
            "units_by_id": {unit.id: unit for unit in units.values()},
        }

    return pagecache.memoized("questions.reference", load)


def filter_choices() -> dict[str, list[Any]]:
    """The active topics, communities and units, in Slovenian alphabetical order."""
    reference = _reference()
    return {
        name: sorted(
            (item for item in reference[name].values() if item.is_active),
            key=lambda item: sort_key(item.name),
        )
        for name in ("topics", "communities", "units")
    }


def effective_due() -> sa.ColumnElement[date]:
    return sa.func.coalesce(Question.extended_to, Question.due_on)


def _open_states() -> sa.ColumnElement[bool]:
    # Written into the SQL, not bound: SQLite uses a partial index only for constants.
    return Question.state.in_(
        sa.bindparam("open_states", list(OPEN), expanding=True, literal_execute=True)
    )


def _state_condition(state: StateFilter, today: date) -> sa.ColumnElement[bool]:
    if state is StateFilter.ALL:
        return sa.and_(
            Question.state.in_(
                sa.bindparam("listed_states", list(LISTED), expanding=True, literal_execute=True)
            ),
            # Withdrawn while waiting for moderation: never public (as for "closed").
            sa.or_(Question.state != _Q.WITHDRAWN, Question.published_at.is_not(None)),
        )
    if state is StateFilter.OPEN:
        return _open_states()
    if state is StateFilter.OVERDUE:
        return sa.and_(_open_states(), effective_due() < today)
    if state is StateFilter.ANSWERED:
        return Question.state == _Q.ANSWERED
    if state is StateFilter.PARTIAL:
        return Question.state.in_([_Q.PARTIALLY_ANSWERED, _Q.INTERIM_ANSWERED])
    if state is StateFilter.CLOSED:
        # Withdrawn while waiting for moderation: never public.
        return sa.or_(
            Question.state.in_([_Q.MERGED, _Q.LAPSED]),
            sa.and_(Question.state == _Q.WITHDRAWN, Question.published_at.is_not(None)),
        )
    return Question.state == _Q.REJECTED


def filtered(filters: Filters, today: date) -> tuple[sa.Select[Any], sa.Subquery | None]:
    """The filtered select of questions, and the search's ranked hits when searching."""
    query = sa.select(Question).where(_state_condition(filters.state, today))
    if filters.origin is not None:
        query = query.where(Question.origin == filters.origin)
    if filters.kind is not None:
        query = query.where(Question.kind == filters.kind)
    if filters.councillor is not None:
        query = query.where(
            sa.exists().where(
                QuestionAuthor.question_id == Question.id,
                QuestionAuthor.person_id == filters.councillor,
            )
        )
    if filters.session is not None:
        query = query.where(Question.session_id == filters.session)
    if filters.unit is not None:
        query = query.where(Question.responsible_unit_id == filters.unit.id)
    if filters.topic is not None:
        query = query.where(Question.topic_id == filters.topic.id)
    if filters.community is not None:
        query = query.where(Question.community_id == filters.community.id)
    hits = None
    if filters.text:
        found = search.ranked(filters.text, search.QUESTIONS)
        if found is None:
            query = query.where(sa.false())
        else:
            hits = found.subquery()
            query = query.join(hits, hits.c.id == Question.id)
    return query, hits


def order(
    query: sa.Select[*tuple[Any, ...]], filters: Filters, hits: sa.Subquery | None
) -> sa.Select[*tuple[Any, ...]]:
    newest = (Question.published_at.desc(), Question.id.desc())
    if filters.sort is Sort.RELEVANCE and hits is not None:
        return query.order_by(*search.best_first(hits, Question))
    if filters.sort is Sort.SUPPORTED:
        return query.order_by(Question.support_count.desc(), *newest)
    if filters.sort is Sort.DUE:
        # Open ones by due date (the longest overdue first), then the rest newest first.
        is_open = sa.case((Question.state.in_(list(OPEN)), 0), else_=1)
        return query.order_by(is_open, effective_due().asc().nulls_last(), *newest)
    return query.order_by(*newest)


def list_page(filters: Filters, today: date, page_size: int | None = None) -> Page[Question]:
    """One page of the public list; the count stops at ``COUNT_CAP`` ("more than 1,000").

    The page's ids are chosen first, from the sort keys alone (an index-only scan for the
    newest first: a deep page skips its rows in ``ix_questions_listed_newest``, not in the
    table), and only those twenty cards are loaded: at ten times Kranj's size an OFFSET over
    whole rows read and sorted 8,560 of them for page 429 (54 ms; 1 ms so). A search keeps
    its own order (``search.best_first``), which the index of its hits serves.
    """
    size = page_size or PAGE_SIZE
    query, hits = filtered(filters, today)
    if hits is not None and filters.sort is Sort.RELEVANCE:
        ordered = order(query, filters, hits).options(*card_options())
        return pagination.paginate(
            ordered, page=filters.page, size=size, count_cap=COUNT_CAP, unique=True
        )
    total, capped = pagination.count(query, cap=COUNT_CAP)
    chosen = (
        order(query.with_only_columns(Question.id, maintain_column_froms=True), filters, hits)
        .offset((filters.page - 1) * size)
        .limit(size)
        .subquery()
    )
    cards = order(
        sa.select(Question).join(chosen, chosen.c.id == Question.id), filters, None
    ).options(*card_options())
    items = list(db.session.scalars(cards).unique())
    return Page(items, filters.page, size, total, capped)


def page_options() -> tuple[Any, ...]:
    """What a question's page shows, loaded with it: four queries whatever it holds."""
    # Joined: what every page shows. By selectinload: what only some have (a query only
    # when one does), so that the page's statement has few joins to plan (``card_options``).
    return (
        joinedload(Question.topic),
        joinedload(Question.community),
        joinedload(Question.session),
        joinedload(Question.responsible_unit),
        joinedload(Question.author),
        selectinload(Question.answered_by_unit),
        selectinload(Question.group),
        selectinload(Question.rejection_reason),
        joinedload(Question.deadline_rule),  # almost every question has a due date
        selectinload(Question.follow_up_of),
        selectinload(Question.merged_into),
        selectinload(Question.adopts_question),
        selectinload(Question.adopts_initiative),
        selectinload(Question.authors).joinedload(QuestionAuthor.person),
        selectinload(Question.addressees).joinedload(QuestionAddressee.unit),
        selectinload(Question.events),
    )


def for_page(question_id: int) -> Question | None:
    return db.session.scalar(
        sa.select(Question).where(Question.id == question_id).options(*page_options())
    )


def moderation_queue() -> list[Question]:
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.state == _Q.SUBMITTED)
            .options(joinedload(Question.topic), *LIST_COLUMNS)
            .order_by(Question.submitted_at.asc())
        ).unique()
    )


def by_author(user: User) -> list[Question]:
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.author_id == user.id)
            .options(*card_options())
            .order_by(Question.created_at.desc())
        ).unique()
    )


#: A councillor's page shows their latest questions; the rest are on the filtered list.
LATEST = 20


def _posed_by(person_id: int) -> sa.Select[Any]:
    return (
        sa.select(Question)
        .join(QuestionAuthor, QuestionAuthor.question_id == Question.id)
        .where(QuestionAuthor.person_id == person_id, Question.state.in_(list(LISTED)))
    )


def by_councillor(person_id: int, limit: int = LATEST) -> list[Question]:
    """The latest public questions a person posed (alone or with others), newest first."""
    return list(
        db.session.scalars(
            _posed_by(person_id)
            .options(*card_options())
            .order_by(Question.published_at.desc(), Question.id.desc())
            .limit(limit)
        ).unique()
    )


def at_session(session_id: int) -> list[Question]:
    """What was posed at a session, in the order it was recorded."""
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.session_id == session_id, Question.state.in_(list(LISTED)))
            .options(*card_options())
            .order_by(Question.id)
        ).unique()
    )


def answered_in(start: date, end: date) -> list[Question]:
    """Questions answered between two days (a session's "replies presented": those answered
    after the previous session and up to this one)."""
    lower = datetime.combine(start, time.min, LOCAL_TZ)
    upper = datetime.combine(end, time.max, LOCAL_TZ)
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(
                # Written into the SQL: the partial index ix_questions_councillor_answered_at
                # serves only a WHERE that states its predicate in constants (SQLite).
                Question.origin
                == sa.bindparam("councillors", Origin.COUNCILLOR, literal_execute=True),
                Question.answered_at.is_not(None),
                Question.answered_at > lower,
                Question.answered_at <= upper,
                Question.state.in_(list(LISTED)),
            )
            .options(*card_options())
            .order_by(Question.answered_at, Question.id)
        ).unique()
    )


@dataclass(frozen=True)
class Record:
    """How a councillor's questions fared: answered, on time, still open, overdue."""

    posed: int
    answered: int
    on_time: int
    open: int
    overdue: int


def record_of(person_id: int, today: date) -> Record:
    """How all of a person's questions fared, from four narrow columns of each (one query).

    "On time" compares the day the answer was given in Ljubljana with the (extended) due
    date, which the databases would each compute differently in SQL; the columns of a few
    hundred questions are cheap to bring over.
    """
    rows = db.session.execute(
        _posed_by(person_id).with_only_columns(
            Question.state, Question.answered_at, Question.due_on, Question.extended_to
        )
    ).all()
    answered = on_time = still_open = overdue = 0
    for state, answered_at, due_on, extended_to in rows:
        due = extended_to or due_on
        # Answered: the full answer (an interim or partial one leaves the question open).
        if state is _Q.ANSWERED and answered_at is not None:
            answered += 1
            on_time += due is None or to_local(answered_at).date() <= due
        if state in OPEN:
            still_open += 1
            overdue += due is not None and due < today
    return Record(len(rows), answered, on_time, still_open, overdue)


def councillor(person_id: int) -> Person | None:
    """A person with their seats (term, body, group), in one query and one more."""
    return db.session.scalar(
        sa.select(Person)
        .where(Person.id == person_id)
        .options(
            selectinload(Person.mandates).joinedload(CouncilMandate.term).joinedload(Term.body),
            selectinload(Person.mandates).joinedload(CouncilMandate.group),
        )
    )


def councillors() -> list[Person]:
    """Everyone who has held a seat, with their mandates (the current ones shown first)."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .join(Person.mandates)
            .options(
                selectinload(Person.mandates).joinedload(CouncilMandate.term).joinedload(Term.body),
                selectinload(Person.mandates).joinedload(CouncilMandate.group),
            )
            .order_by(Person.name)
        ).unique()
    )


def terms() -> list[Term]:
    """Every body's terms, the latest first (the list of sessions shows one at a time)."""
    return list(
        db.session.scalars(
            sa.select(Term).options(joinedload(Term.body)).order_by(Term.starts_on.desc())
        ).unique()
    )


def term_or_latest(terms: list[Term], wanted: int | None) -> Term | None:
    """The term ``wanted`` names, else the latest (``None`` without any).

    :raise LookupError: if ``wanted`` names no term (the page answers 404).
    """
    if wanted is None:
        return terms[0] if terms else None
    term = next((t for t in terms if t.id == wanted), None)
    if term is None:
        raise LookupError(wanted)
    return term


def sessions(term_id: int) -> list[CouncilSession]:
    """The sessions of one term, the latest first."""
    return list(
        db.session.scalars(
            sa.select(CouncilSession)
            .where(CouncilSession.term_id == term_id)
            .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())
        )
    )
