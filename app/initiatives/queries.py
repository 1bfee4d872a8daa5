"""Read side of initiatives: the public list with its filters, the queue, the export.

The list costs a fixed number of queries whatever the page size: one for the page (topic and
community joined in), one for the total, and the filter choices.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from app.auth.models import User
from app.core import pagecache, pagination
from app.core.db import detached_copies
from app.core.pagination import Page
from app.extensions import db
from app.initiatives.models import LISTED, Initiative, InitiativeState, Support
from app.reference.models import LocalCommunity, Topic
from app.reference.services import sort_key
from app.search import engine as search

_S = InitiativeState
PAGE_SIZE = 20
#: Lists show a card, not the text: the long columns (the text, its HTML, its lemmas, the
#: response) stay in the database. A row of a list is then ~0.3 kB instead of ~2 kB.
LIST_COLUMNS = (
    defer(Initiative.body),
    defer(Initiative.body_html),
    defer(Initiative.title_lemmas),
    defer(Initiative.summary_lemmas),
    defer(Initiative.body_lemmas),
    defer(Initiative.response_text),
    defer(Initiative.response_html),
    defer(Initiative.rejection_note),
)
#: The list counts its matches up to here, then says "more than": counting every row of a
#: broad search at ten times Kranj's size would cost more than showing the page.
COUNT_CAP = 1000
EXPORT_LIMIT = 100_000


class StateFilter(enum.StrEnum):
    """The public's view of the states (expiry counted from the clock, not the cron job)."""

    ALL = "all"  # everything published, except withdrawn and not published
    OPEN = "open"
    AWAITING = "awaiting"
    OVERDUE = "overdue"  # awaiting, past the due date (the accountability view of the list)
    ANSWERED = "answered"
    COMPLETED = "completed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"  # only with a search text
    NEWEST = "newest"
    SUPPORTED = "supported"
    CLOSING = "closing"


class BadFilter(Exception):
    """A filter value in the URL that Glas does not know; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Filters:
    state: StateFilter = StateFilter.ALL
    topic: Topic | None = None
    community: LocalCommunity | None = None
    text: str = ""
    sort: Sort = Sort.NEWEST
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters (with changes), for links that keep the rest."""
        current = replace(self, **changes)
        args = {
            "state": current.state.value if current.state is not StateFilter.ALL else None,
            "topic": current.topic.slug if current.topic else None,
            "community": current.community.slug if current.community else None,
            "q": current.text or None,
            "sort": current.sort.value if current.sort is not _default_sort(current) else None,
            "page": str(current.page) if current.page > 1 else None,
        }
        return {key: value for key, value in args.items() if value}


#: The states whose members change with the clock alone (support closes, a response falls due).
CLOCK_STATES = frozenset({StateFilter.OPEN, StateFilter.EXPIRED, StateFilter.OVERDUE})
#: The query parameters of the list (``parse_filters``), and those a visitor types freely.
PARAMETERS = ("state", "topic", "community", "q", "sort", "page")
FREE_TEXT = ("q",)


def canonical_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The one address of a list page (``pagination.canonical_query``)."""
    return pagination.canonical_query(
        pairs,
        defaults={"state": StateFilter.ALL.value},
        sort_with_text=Sort.RELEVANCE.value,
        sort=Sort.NEWEST.value,
    )


def _default_sort(filters: Filters) -> Sort:
    return Sort.RELEVANCE if filters.text else Sort.NEWEST


def parse_filters(args: Any) -> Filters:
    """Filters from a URL's query; an unknown value raises ``BadFilter`` (a 400 for the view)."""
    text = " ".join(str(args.get("q", "")).split())[:200]
    try:
        state = StateFilter(args.get("state", StateFilter.ALL.value) or StateFilter.ALL.value)
    except ValueError:
        raise BadFilter("state") from None
    sort_value = args.get("sort") or (Sort.RELEVANCE if text else Sort.NEWEST).value
    try:
        sort = Sort(sort_value)
    except ValueError:
        raise BadFilter("sort") from None
    if sort is Sort.RELEVANCE and not text:
        sort = Sort.NEWEST
    try:
        page = pagination.parse_page_number(args.get("page"))
    except pagination.BadPage:
        raise BadFilter("page") from None
    topic = _by_slug(Topic, args.get("topic"), "topic")
    community = _by_slug(LocalCommunity, args.get("community"), "community")
    return Filters(state, topic, community, text, sort, page)


def _by_slug(model: type[Topic] | type[LocalCommunity], slug: Any, field: str) -> Any:
    if not slug:
        return None
    item = _reference()[model].get(str(slug))
    if item is None:
        raise BadFilter(field)
    return item


_Reference = dict[type[Topic] | type[LocalCommunity], dict[str, Any]]


def _reference() -> _Reference:
    """Every topic and community by slug, kept in the process (``pagecache.memoized``) as
    copies that belong to no session (``db.detached_copies``)."""

    def load() -> _Reference:
        return {model: detached_copies(model, "slug") for model in (Topic, LocalCommunity)}

    return pagecache.memoized("initiatives.reference", load)


def _state_condition(state: StateFilter, now: datetime) -> sa.ColumnElement[bool]:
    open_now = sa.and_(Initiative.state == _S.PUBLISHED, Initiative.support_closes_at > now)
    expired = sa.or_(
        Initiative.state == _S.EXPIRED,
        sa.and_(Initiative.state == _S.PUBLISHED, Initiative.support_closes_at <= now),
    )
    return {
        # Written into the SQL, not bound: SQLite uses a partial index only for a WHERE that
        # states its predicate in constants (ix_initiatives_listed_*, migration g3listidx0001).
        StateFilter.ALL: Initiative.state.in_(
            sa.bindparam("listed_states", list(LISTED), expanding=True, literal_execute=True)
        ),
        StateFilter.OPEN: open_now,
        StateFilter.AWAITING: Initiative.state == _S.AWAITING_RESPONSE,
        # As lifecycle.is_response_overdue: late from the first moment after the due time.
        StateFilter.OVERDUE: sa.and_(
            Initiative.state == _S.AWAITING_RESPONSE, Initiative.response_due_at < now
        ),
        StateFilter.ANSWERED: Initiative.state == _S.ANSWERED,
        StateFilter.COMPLETED: Initiative.state == _S.COMPLETED,
        StateFilter.EXPIRED: expired,
        # Withdrawn before any moderator published it: never public (permissions.can_view).
        StateFilter.WITHDRAWN: sa.and_(
            Initiative.state == _S.WITHDRAWN, Initiative.published_at.is_not(None)
        ),
        StateFilter.REJECTED: Initiative.state == _S.REJECTED,
    }[state]


def _filtered(
    filters: Filters, now: datetime, *, probe: bool = False
) -> tuple[sa.Select[Any], Any]:
    """The filtered select of initiatives, and the search's ranked hits when searching.

    The hits (a subquery joined on the id) are for ``_ordered``, which orders by them
    (``search.best_first``). ``probe``: only to ask whether there is any row (see
    ``search.planned_whole``); the hits are then not ranked.
    """
    query = sa.select(Initiative).where(_state_condition(filters.state, now))
    if filters.topic is not None:
        query = query.where(Initiative.topic_id == filters.topic.id)
    if filters.community is not None:
        query = query.where(Initiative.community_id == filters.community.id)
    rank = None
    if filters.text:
        # The index holds only what the public may read (a rejected initiative's title, not
        # its text), so no filter here has to keep hidden text from matching.
        found = search.matches(filters.text) if probe else search.ranked(filters.text)
        if found is None:
            query = query.where(sa.false())  # only punctuation: nothing can match
        else:
            hits = search.planned_whole(found) if probe else found.subquery()
            query = query.join(hits, hits.c.id == Initiative.id)
            rank = None if probe else hits
    return query, rank


def filtered(filters: Filters, now: datetime) -> sa.Select[Any]:
    """The public list's select of initiatives under ``filters``, not ordered (for callers
    that page it their own way, such as the open-data API's cursors)."""
    return _filtered(filters, now)[0]


def _ordered(query: sa.Select[Any], sort: Sort, rank: Any, now: datetime) -> sa.Select[Any]:
    newest = (Initiative.published_at.desc(), Initiative.id.desc())
    if sort is Sort.RELEVANCE and rank is not None:
        return query.order_by(*search.best_first(rank))
    if sort is Sort.SUPPORTED:
        return query.order_by(Initiative.support_count.desc(), *newest)
    if sort is Sort.CLOSING:
        # Open ones first, soonest deadline first; the rest after, newest first. (The list
        # itself reads its page through ``_closing_first``, which an index can serve.)
        return query.order_by(
            sa.case((_open_now(now), 0), else_=1), Initiative.support_closes_at.asc(), *newest
        )
    return query.order_by(*newest)


def _open_now(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Initiative.state == _S.PUBLISHED, Initiative.support_closes_at > now)


def _closing_first(query: sa.Select[Any], now: datetime, offset: int, size: int) -> sa.Select[Any]:
    """The page of "closing soon" as two ordered reads, each served by an index.

    ``ORDER BY CASE …`` has no index to read its order from, so every listed row would be
    sorted for each page. The open ones in deadline order come from ``(state,
    support_closes_at)``, the rest newest first from ``ix_initiatives_listed_newest``; each
    read stops after the rows the page needs, and only those few are sorted together.
    """
    reach = offset + size
    newest = (Initiative.published_at.desc(), Initiative.id.desc())
    parts = []
    for group, condition, order in (
        (0, _open_now(now), (Initiative.support_closes_at.asc(), *newest)),
        (1, sa.not_(_open_now(now)), newest),
    ):
        part = (
            query.where(condition)
            .with_only_columns(
                Initiative.id,
                sa.literal(group).label("grp"),
                Initiative.support_closes_at.label("closes"),
                Initiative.published_at.label("published"),
                maintain_column_froms=True,
            )
            .order_by(*order)
            .limit(reach)
        )
        # Wrapped, because SQLite allows no ORDER BY or LIMIT on a member of a UNION.
        parts.append(sa.select(part.subquery()))
    chosen = sa.union_all(*parts).subquery()
    first = sa.case((chosen.c.grp == 0, chosen.c.closes))
    return (
        sa.select(Initiative)
        .join(chosen, chosen.c.id == Initiative.id)
        .order_by(chosen.c.grp, first.asc(), chosen.c.published.desc(), chosen.c.id.desc())
        .offset(offset)
        .limit(size)
    )


def list_page(filters: Filters, now: datetime, page_size: int | None = None) -> Page[Initiative]:
    """One page of the public list; the count stops at ``COUNT_CAP`` ("more than 1,000")."""
    page_size = page_size or PAGE_SIZE
    query, rank = _filtered(filters, now)
    options = (joinedload(Initiative.topic), joinedload(Initiative.community), *LIST_COLUMNS)
    if filters.sort is Sort.CLOSING:
        total, capped = pagination.count(query, cap=COUNT_CAP)
        offset = (filters.page - 1) * page_size
        page = _closing_first(query, now, offset, page_size).options(*options)
        items = list(db.session.scalars(page).unique())
        return Page(items, filters.page, page_size, total, capped)
    keys = _COVERED_ORDERS.get(filters.sort)
    if keys is not None and filters.page > 1:
        total, capped = pagination.count(query, cap=COUNT_CAP)
        offset = (filters.page - 1) * page_size
        page = _late_rows(query, keys, offset, page_size).options(*options)
        return Page(list(db.session.scalars(page).unique()), filters.page, page_size, total, capped)
    ordered = _ordered(query, filters.sort, rank, now).options(*options)
    return pagination.paginate(
        ordered, page=filters.page, size=page_size, count_cap=COUNT_CAP, unique=True
    )


#: Orders (all descending) that an index holds whole: ix_initiatives_listed_newest and
#: ix_initiatives_listed_supported (migration g3listidx0001).
_COVERED_ORDERS = {
    Sort.NEWEST: (Initiative.published_at, Initiative.id),
    Sort.SUPPORTED: (Initiative.support_count, Initiative.published_at, Initiative.id),
}


def _late_rows(
    query: sa.Select[Any],
    keys: tuple[sa.orm.InstrumentedAttribute[Any], ...],
    offset: int,
    size: int,
) -> sa.Select[Any]:
    """A later page: the rows to skip are passed over in the index, and only a page is read.

    ``OFFSET`` on the whole select fetches every skipped row from the table (2 kB each, most
    of it text) to throw it away: page 765 of 850 read 15,280 rows for 20. Here the offset
    runs over the sort keys alone, which the index holds (an index-only scan once the table
    is vacuumed), and the 20 chosen ids are joined back for their rows.
    """
    chosen = (
        query.with_only_columns(*keys, maintain_column_froms=True)
        .order_by(*(key.desc() for key in keys))
        .offset(offset)
        .limit(size)
        .subquery()
    )
    return (
        sa.select(Initiative)
        .join(chosen, chosen.c.id == Initiative.id)
        .order_by(*(chosen.c[key.key].desc() for key in keys))
    )


#: At most this many other spellings are offered when a search finds nothing.
SUGGESTIONS = 3


def suggestions(filters: Filters, now: datetime) -> list[str]:
    """Other spellings of the search text that find something in this list, likeliest first.

    For a search that found nothing. The spellings come from the index's vocabulary, so from
    public text only (``search.corrections``); one more query checks all of them at once
    against the list's filters, so that each one offered finds something. At most three
    queries in all on SQLite, four on PostgreSQL, whatever the list and the text.
    """
    # No more are checked than can be shown: each check costs about what a search does.
    candidates = search.corrections(filters.text, limit=SUGGESTIONS)
    if not candidates:
        return []
    checks = [
        _filtered(replace(filters, text=text), now, probe=True)[0]
        .with_only_columns(Initiative.id)
        .exists()
        for text in candidates
    ]
    finds = db.session.execute(sa.select(*checks)).one()
    return [text for text, found in zip(candidates, finds, strict=True) if found][:SUGGESTIONS]


def next_deadline(now: datetime) -> datetime | None:
    """The next moment an initiative's support closes or its response falls due, after ``now``.

    Lists change then without any write (``state=open``, ``overdue``, closing soon), so a
    cached list must not outlive it. One statement; each half reads the first row of an index.
    """
    closes = sa.select(sa.func.min(Initiative.support_closes_at)).where(
        Initiative.state == _S.PUBLISHED, Initiative.support_closes_at > now
    )
    due = sa.select(sa.func.min(Initiative.response_due_at)).where(
        Initiative.state == _S.AWAITING_RESPONSE, Initiative.response_due_at > now
    )
    moments = db.session.execute(sa.select(closes.scalar_subquery(), due.scalar_subquery())).one()
    return min((moment for moment in moments if moment is not None), default=None)


def filter_choices() -> tuple[list[Topic], list[LocalCommunity]]:
    """The active topics and communities, in the visitor's language's order."""
    reference = _reference()
    topics = [topic for topic in reference[Topic].values() if topic.is_active]
    communities = [item for item in reference[LocalCommunity].values() if item.is_active]
    return (
        sorted(topics, key=lambda t: sort_key(t.name)),
        sorted(communities, key=lambda c: sort_key(c.name)),
    )


def recently_answered(limit: int) -> list[Initiative]:
    """The latest responses of the municipality (answered and since carried out)."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.state.in_([_S.ANSWERED, _S.COMPLETED]))
            .options(joinedload(Initiative.topic), joinedload(Initiative.community), *LIST_COLUMNS)
            .order_by(Initiative.answered_at.desc(), Initiative.id.desc())
            .limit(limit)
        ).unique()
    )


def moderation_queue() -> list[Initiative]:
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.state == _S.SUBMITTED)
            .options(joinedload(Initiative.topic), joinedload(Initiative.community), *LIST_COLUMNS)
            .order_by(Initiative.submitted_at.asc())
        ).unique()
    )


def by_author(user: User) -> list[Initiative]:
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.author_id == user.id)
            .options(joinedload(Initiative.topic), *LIST_COLUMNS)
            .order_by(Initiative.created_at.desc())
        ).unique()
    )


def supported_by(user: User, limit: int) -> tuple[list[Initiative], int]:
    """The initiatives the account supports, the latest support first (up to ``limit``), and
    how many it supports in all. Two queries, whatever the number."""
    query = (
        sa.select(Initiative)
        .join(Support, sa.and_(Support.initiative_id == Initiative.id, Support.user_id == user.id))
        .options(*LIST_COLUMNS)
    )
    total, _more = pagination.count(query)
    rows = db.session.scalars(
        query.order_by(Support.created_at.desc(), Support.id.desc()).limit(limit)
    )
    return list(rows), total


def awaiting_response() -> list[Initiative]:
    """Initiatives the municipality owes an answer to, the longest overdue first."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.state == _S.AWAITING_RESPONSE)
            .options(joinedload(Initiative.responsible_unit))
            .order_by(Initiative.response_due_at.asc())
        ).unique()
    )
