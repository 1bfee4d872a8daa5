"""Read side of projects and commitments: the public lists, their filters, sorts and board,
one project's page, and what other pages show of their projects.

At ten times Kranj's size there are a few thousand projects, not hundreds of thousands: a
page's sort reads the filtered rows' keys (``ix_projects_*``) and loads only its twenty cards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, raiseload, selectinload

from app.core import pagination
from app.core.time import LOCAL_TZ, today
from app.extensions import db
from app.initiatives.models import PUBLIC as PUBLIC_INITIATIVES
from app.initiatives.models import Initiative
from app.org.models import OrgUnit
from app.projects.models import (
    Commitment,
    CommitmentState,
    Light,
    LinkTarget,
    Milestone,
    Project,
    ProjectLink,
    ProjectUpdate,
)
from app.questions import permissions as question_permissions
from app.questions.models import Question
from app.reference.kept import communities_by_slug, topics_by_slug, units_by_code
from app.reference.models import LocalCommunity, Topic
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply
from app.search import engine as search

PAGE_SIZE = 20
#: The text filter is cut here (as every list's).
TEXT_MAX = 200
#: "stale" is a filter of the light too: not done and not updated for PROJECT_STALE_DAYS.
STALE = "stale"


class BadFilter(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class Sort(enum.StrEnum):
    UPDATED = "updated"  # most recently updated first (the default)
    ENDS = "ends"  # the soonest end first
    DELAY = "delay"  # the most delayed first
    OVERRUN = "overrun"  # the most over budget first
    BUDGET = "budget"  # the largest budget first
    PROGRESS = "progress"  # the furthest along first
    CODE = "code"
    RELEVANCE = "relevance"  # with a text: the best match first


SORT_LABELS = {
    Sort.UPDATED: _l("Recently updated"),
    Sort.ENDS: _l("Ending soonest"),
    Sort.DELAY: _l("Most delayed"),
    Sort.OVERRUN: _l("Most over budget"),
    Sort.BUDGET: _l("Largest budget"),
    Sort.PROGRESS: _l("Furthest along"),
    Sort.CODE: _l("Code"),
    Sort.RELEVANCE: _l("Best match"),
}


@dataclass(frozen=True)
class Filters:
    #: A light, or ``STALE``.
    light: str | None = None
    unit: OrgUnit | None = None
    topic: Topic | None = None
    community: LocalCommunity | None = None
    #: Whole municipality only (the community filter's "whole municipality" choice).
    municipality: bool = False
    year: int | None = None
    text: str = ""
    sort: Sort = Sort.UPDATED
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        current = replace(self, **changes)
        default = Sort.RELEVANCE if current.text else Sort.UPDATED
        args = {
            "light": current.light,
            "unit": current.unit.code if current.unit else None,
            "topic": current.topic.slug if current.topic else None,
            "community": (
                "municipality"
                if current.municipality
                else current.community.slug
                if current.community
                else None
            ),
            "year": str(current.year) if current.year else None,
            "q": current.text or None,
            "sort": current.sort.value if current.sort is not default else None,
            "page": str(current.page) if current.page > 1 else None,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def any(self) -> bool:
        return bool(self.args(page=1, sort=self.sort))


PARAMETERS = ("light", "unit", "topic", "community", "year", "q", "sort", "page")
FREE_TEXT = ("q",)
_LIGHTS = frozenset({*(light.value for light in Light), STALE})


def canonical_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    return pagination.canonical_query(
        pairs, defaults={}, sort_with_text=Sort.RELEVANCE.value, sort=Sort.UPDATED.value
    )


def _one(args: Any, name: str) -> str:
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    if len(values) > 1:
        raise BadFilter(name)  # ?light=red&light=green: which one?
    return str(values[0] or "") if values else ""


def parse_filters(args: Any) -> Filters:
    """Filters from a URL's query; an unknown value raises ``BadFilter`` (a 400)."""
    light = _one(args, "light") or None
    if light is not None and light not in _LIGHTS:
        raise BadFilter("light")
    unit = None
    if code := _one(args, "unit"):
        unit = units_by_code().get(code)
        if unit is None:
            raise BadFilter("unit")
    topic = None
    if slug := _one(args, "topic"):
        topic = topics_by_slug().get(slug)
        if topic is None:
            raise BadFilter("topic")
    community, municipality = None, False
    if slug := _one(args, "community"):
        if slug == "municipality":
            municipality = True
        else:
            community = communities_by_slug().get(slug)
            if community is None:
                raise BadFilter("community")
    year = None
    if text := _one(args, "year"):
        if not (text.isascii() and text.isdigit() and len(text) == 4 and 1990 <= int(text) <= 2100):
            raise BadFilter("year")
        year = int(text)
    words = " ".join(_one(args, "q").split())[:TEXT_MAX]
    sort_text = _one(args, "sort")
    try:
        sort = Sort(sort_text) if sort_text else (Sort.RELEVANCE if words else Sort.UPDATED)
    except ValueError:
        raise BadFilter("sort") from None
    if sort is Sort.RELEVANCE and not words:
        sort = Sort.UPDATED
    try:
        page = pagination.parse_page_number(_one(args, "page") or None)
    except pagination.BadPage:
        raise BadFilter("page") from None
    return Filters(light, unit, topic, community, municipality, year, words, sort, page)


def stale_before() -> datetime:
    """The moment before which a last update makes a project stale: the local midnight
    ``PROJECT_STALE_DAYS`` days ago. Counted in whole local days, so that a project turns
    stale at midnight, when the cached pages that show it end anyway (``next_midnight``)."""
    day = today() - timedelta(days=current_app.config["PROJECT_STALE_DAYS"])
    return datetime.combine(day, time.min, LOCAL_TZ)


def is_stale(project: Project) -> bool:
    return project.light is not Light.DONE and project.updated_at < stale_before()


def _stale() -> sa.ColumnElement[bool]:
    return sa.and_(Project.light != Light.DONE, Project.updated_at < stale_before())


def _hits(text: str) -> sa.Subquery | None:
    found = search.ranked(text, search.PROJECTS)
    return None if found is None else found.subquery()


def filtered(filters: Filters, *, hits: sa.Subquery | None = None) -> sa.Select[Any]:
    """The projects the filters choose (every project is public), unordered."""
    query = sa.select(Project)
    if filters.light == STALE:
        query = query.where(_stale())
    elif filters.light is not None:
        query = query.where(Project.light == Light(filters.light))
    if filters.unit is not None:
        query = query.where(Project.unit_id == filters.unit.id)
    if filters.topic is not None:
        query = query.where(Project.topic_id == filters.topic.id)
    if filters.municipality:
        query = query.where(Project.community_id.is_(None))
    elif filters.community is not None:
        query = query.where(Project.community_id == filters.community.id)
    if filters.year is not None:
        # Under way at some time of the year.
        query = query.where(
            Project.starts_on < date(filters.year + 1, 1, 1),
            Project.ends_on >= date(filters.year, 1, 1),
        )
    if filters.text:
        found = hits if hits is not None else _hits(filters.text)
        if found is None:
            return query.where(sa.false())
        query = query.where(Project.id.in_(sa.select(found.c.id)))
    return query


def _delay() -> sa.ColumnElement[Any]:
    # Dates subtract to days on PostgreSQL (an integer) and to nothing useful on SQLite:
    # julianday() there. Only the order matters.
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.julianday(Project.ends_on) - sa.func.julianday(Project.original_ends_on)
    return Project.ends_on - Project.original_ends_on


def _order(sort: Sort, hits: sa.Subquery | None) -> list[Any]:
    newest = [Project.updated_at.desc(), Project.id.desc()]
    if sort is Sort.ENDS:
        return [Project.ends_on, Project.id]
    if sort is Sort.DELAY:
        return [_delay().desc(), *newest]
    if sort is Sort.OVERRUN:
        return [(Project.budget_cents - Project.original_budget_cents).desc(), *newest]
    if sort is Sort.BUDGET:
        return [Project.budget_cents.desc(), *newest]
    if sort is Sort.PROGRESS:
        return [Project.progress.desc(), *newest]
    if sort is Sort.CODE:
        return [Project.code, Project.id]
    if sort is Sort.RELEVANCE and hits is not None:
        return [*search.best_first(hits, Project), *newest]
    return newest


def card_options() -> list[Any]:
    return [
        joinedload(Project.unit),
        joinedload(Project.topic),
        joinedload(Project.community),
        raiseload("*"),
    ]


def list_page(filters: Filters) -> pagination.Page[Project]:
    """One page of the list; its ids are chosen from the sort keys, then twenty cards load."""
    hits = _hits(filters.text) if filters.text else None
    query = filtered(filters, hits=hits)
    if filters.sort is Sort.RELEVANCE and hits is not None:
        query = query.join(hits, hits.c.id == Project.id)
    total, capped = pagination.count(query)
    order = _order(filters.sort, hits)
    chosen = db.session.scalars(
        query.with_only_columns(Project.id, maintain_column_froms=True)
        .order_by(*order)
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    loaded = {
        project.id: project
        for project in db.session.scalars(
            sa.select(Project).where(Project.id.in_(chosen)).options(*card_options())
        )
    }
    items = [loaded[project_id] for project_id in chosen if project_id in loaded]
    return pagination.Page(items, filters.page, PAGE_SIZE, total, capped)


@dataclass(frozen=True)
class Board:
    """How many of the chosen projects are at each light, in all and per unit."""

    lights: dict[str, int]
    #: (unit, counts per light), the units with most projects first.
    units: list[tuple[OrgUnit, dict[str, int]]]
    stale: int
    total: int


def board(filters: Filters) -> Board:
    """The board of the list's projects (every filter but the light, which it counts)."""
    chosen = filtered(replace(filters, light=None)).subquery()
    stale_from = stale_before()
    rows = db.session.execute(
        sa.select(
            chosen.c.unit_id,
            chosen.c.light,
            sa.func.count(),
            sa.func.count().filter(
                sa.and_(chosen.c.light != Light.DONE.value, chosen.c.updated_at < stale_from)
            ),
        ).group_by(chosen.c.unit_id, chosen.c.light)
    ).all()
    units = {unit.id: unit for unit in units_by_code().values()}
    lights = {light.value: 0 for light in Light}
    per_unit: dict[int, dict[str, int]] = {}
    stale = 0
    for unit_id, light, count, stale_count in rows:
        key = light.value if isinstance(light, Light) else str(light)
        lights[key] += count
        per_unit.setdefault(unit_id, {light.value: 0 for light in Light})[key] += count
        stale += stale_count
    ordered = sorted(
        ((units[unit_id], counts) for unit_id, counts in per_unit.items() if unit_id in units),
        key=lambda pair: (-sum(pair[1].values()), pair[0].name),
    )
    return Board(lights, ordered, stale, sum(lights.values()))


def years() -> list[int]:
    """The years projects run in, newest first (the filter's choices)."""
    bounds = db.session.execute(
        sa.select(sa.func.min(Project.starts_on), sa.func.max(Project.ends_on))
    ).one()
    first: date | None = bounds[0]
    last: date | None = bounds[1]
    if first is None or last is None:
        return []
    return list(range(max(last.year, today().year), first.year - 1, -1))


# --- one project -----------------------------------------------------------------------------


def for_page(project_id: int) -> Project | None:
    """One project with everything its page shows, in a fixed number of statements."""
    return db.session.scalar(
        sa.select(Project)
        .where(Project.id == project_id)
        .options(
            joinedload(Project.unit),
            joinedload(Project.topic),
            joinedload(Project.community),
            selectinload(Project.years),
            selectinload(Project.milestones),
            selectinload(Project.updates).joinedload(ProjectUpdate.unit),
        )
    )


def by_code(code: str) -> Project | None:
    return db.session.scalar(sa.select(Project).where(Project.code == code))


def milestone(project: Project, milestone_id: int) -> Milestone | None:
    return next((m for m in project.milestones if m.id == milestone_id), None)


@dataclass(frozen=True)
class Linked:
    """An initiative, question or letter linked to a project, as a page shows it."""

    link: ProjectLink
    item: Initiative | Question | Reply


def linked_items(project_id: int) -> list[Linked]:
    """What led to the project or speaks of it, public items only, in three statements."""
    links = list(
        db.session.scalars(
            sa.select(ProjectLink)
            .where(ProjectLink.project_id == project_id)
            .order_by(ProjectLink.relation, ProjectLink.id)
        )
    )
    by_kind: dict[LinkTarget, set[int]] = {}
    for row in links:
        by_kind.setdefault(row.target, set()).add(row.target_id)
    found: dict[tuple[LinkTarget, int], Initiative | Question | Reply] = {}
    if ids := by_kind.get(LinkTarget.INITIATIVE):
        for initiative in db.session.scalars(
            sa.select(Initiative).where(
                Initiative.id.in_(ids), Initiative.state.in_(list(PUBLIC_INITIATIVES))
            )
        ):
            found[(LinkTarget.INITIATIVE, initiative.id)] = initiative
    if ids := by_kind.get(LinkTarget.QUESTION):
        for question in db.session.scalars(sa.select(Question).where(Question.id.in_(ids))):
            if question_permissions.can_view(None, question):
                found[(LinkTarget.QUESTION, question.id)] = question
    if ids := by_kind.get(LinkTarget.REPLY):
        for reply in db.session.scalars(
            sa.select(Reply).where(Reply.id.in_(ids), Reply.state.in_(list(PUBLIC_REPLIES)))
        ):
            found[(LinkTarget.REPLY, reply.id)] = reply
    return [
        Linked(row, found[(row.target, row.target_id)])
        for row in links
        if (row.target, row.target_id) in found
    ]


def projects_of(target: LinkTarget, target_id: int) -> list[tuple[ProjectLink, Project]]:
    """The projects an initiative, question or letter led to or speaks of (its page's box)."""
    return [
        (row, row.project)
        for row in db.session.scalars(
            sa.select(ProjectLink)
            .where(ProjectLink.target == target, ProjectLink.target_id == target_id)
            .options(joinedload(ProjectLink.project).joinedload(Project.unit))
            .order_by(ProjectLink.id)
        )
    ]


# --- commitments -------------------------------------------------------------------------------


class CommitmentFilter(enum.StrEnum):
    ALL = "all"
    OPEN = "open"
    LATE = "late"  # open past the due date
    DONE = "done"
    DROPPED = "dropped"


COMMITMENT_FILTER_LABELS = {
    CommitmentFilter.ALL: _l("All"),
    CommitmentFilter.OPEN: _l("Open"),
    CommitmentFilter.LATE: _l("Late"),
    CommitmentFilter.DONE: _l("Kept"),
    CommitmentFilter.DROPPED: _l("Given up"),
}


@dataclass(frozen=True)
class CommitmentFilters:
    state: CommitmentFilter = CommitmentFilter.ALL
    unit: OrgUnit | None = None
    page: int = 1

    def args(self, **changes: Any) -> dict[str, str]:
        current = replace(self, **changes)
        args = {
            "state": current.state.value if current.state is not CommitmentFilter.ALL else None,
            "unit": current.unit.code if current.unit else None,
            "page": str(current.page) if current.page > 1 else None,
        }
        return {key: value for key, value in args.items() if value}


COMMITMENT_PARAMETERS = ("state", "unit", "page")


def parse_commitment_filters(args: Any) -> CommitmentFilters:
    state_text = _one(args, "state")
    try:
        state = CommitmentFilter(state_text) if state_text else CommitmentFilter.ALL
    except ValueError:
        raise BadFilter("state") from None
    unit = None
    if code := _one(args, "unit"):
        unit = units_by_code().get(code)
        if unit is None:
            raise BadFilter("unit")
    try:
        page = pagination.parse_page_number(_one(args, "page") or None)
    except pagination.BadPage:
        raise BadFilter("page") from None
    return CommitmentFilters(state, unit, page)


def public_commitments(filters: CommitmentFilters) -> sa.Select[Any]:
    """The commitments of public letters that the filters choose, unordered."""
    query = (
        sa.select(Commitment)
        .join(Reply, Reply.id == Commitment.reply_id)
        .where(Reply.state.in_(list(PUBLIC_REPLIES)))
    )
    if filters.unit is not None:
        query = query.where(Commitment.owner_unit_id == filters.unit.id)
    state = filters.state
    if state is CommitmentFilter.OPEN:
        query = query.where(Commitment.state == CommitmentState.OPEN)
    elif state is CommitmentFilter.LATE:
        query = query.where(Commitment.state == CommitmentState.OPEN, Commitment.due_on < today())
    elif state is CommitmentFilter.DONE:
        query = query.where(Commitment.state == CommitmentState.DONE)
    elif state is CommitmentFilter.DROPPED:
        query = query.where(Commitment.state == CommitmentState.DROPPED)
    return query


def commitment_options() -> list[Any]:
    return [
        joinedload(Commitment.owner_unit),
        joinedload(Commitment.project),
        raiseload("*"),
    ]


def commitments_page(filters: CommitmentFilters) -> pagination.Page[Commitment]:
    """Open ones first, the soonest due first; then the closed, the latest first."""
    query = public_commitments(filters).options(*commitment_options())
    order = [
        (Commitment.state != CommitmentState.OPEN),
        Commitment.due_on,
        Commitment.id,
    ]
    return pagination.paginate(query.order_by(*order), page=filters.page, size=PAGE_SIZE)


def replies_by_id(ids: set[int]) -> dict[int, Reply]:
    """The letters of some commitments (their reference numbers and subjects), in one go."""
    if not ids:
        return {}
    return {
        reply.id: reply
        for reply in db.session.scalars(
            sa.select(Reply).where(Reply.id.in_(ids)).options(raiseload("*"))
        )
    }


def commitments_of_reply(reply_id: int) -> list[Commitment]:
    return list(
        db.session.scalars(
            sa.select(Commitment)
            .where(Commitment.reply_id == reply_id)
            .options(*commitment_options())
            .order_by(Commitment.due_on, Commitment.id)
        )
    )


def commitments_of_project(project_id: int) -> list[Commitment]:
    """The commitments a project carries out, of public letters only."""
    return list(
        db.session.scalars(
            sa.select(Commitment)
            .join(Reply, Reply.id == Commitment.reply_id)
            .where(Commitment.project_id == project_id, Reply.state.in_(list(PUBLIC_REPLIES)))
            .options(*commitment_options())
            .order_by(Commitment.due_on, Commitment.id)
        )
    )


def late_count() -> int:
    """Open commitments of public letters past their due date (the accountability figure)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Commitment)
            .join(Reply, Reply.id == Commitment.reply_id)
            .where(
                Reply.state.in_(list(PUBLIC_REPLIES)),
                Commitment.state == CommitmentState.OPEN,
                Commitment.due_on < today(),
            )
        )
        or 0
    )
