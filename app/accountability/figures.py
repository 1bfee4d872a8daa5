"""The accountability figures: is the municipality answering, and on time?

Every figure is computed in the database, one statement per table whatever the number of
questions, with the same definitions on PostgreSQL and SQLite (the page states them in words):

- **Which questions.** The public ones: neither waiting for moderation nor rejected
  (``LISTED``). Withdrawn, merged and lapsed questions count as posed, never as answered or
  open.
- **Answered** means the final answer: state ``answered`` (also an answer that declined with
  a reason, ``answer_declined``). Interim and partial answers leave a question open, as its
  deadline keeps running. **Open**: a state of ``OPEN``. **Overdue now**: open, and its
  effective due date (``coalesce(extended_to, due_on)``) before today in Ljubljana.
- **Days to reply**: calendar days from ``starts_on`` (the session, the day received or the
  publication) to ``replied_on`` (the date of the letter that answered). For an initiative:
  from the day it reached its threshold to the day it was answered, both Ljubljana dates.
- **On time**: the answer left the municipality (``answered_on``) on or before the effective
  due date. Only answered questions that have a due date are on time or late; the on-time
  rate is on time / (on time + late). An initiative: ``answered_at <= response_due_at``.
- **Median**: the middle value; for an even count the mean of the two middle values. Ranked
  with window functions (``row_number()`` and ``count(*)`` over each group), then the rows at
  ranks ``(n + 1) / 2`` and ``(n + 2) / 2`` (integer division) are averaged: one row for an
  odd count, two for an even one.
- **Which unit.** An answered question counts for the unit that answered it
  (``answered_by_unit_id``, else the responsible unit); an open one for the unit responsible
  now (forwarding moves it). An initiative: its responsible unit. ``None``: no unit yet.
- **Which year.** The year of ``starts_on``; for an initiative the year (in Ljubljana) it
  reached its threshold.
- **Initiatives** owe a response once they reached their threshold: awaiting a response
  (open), answered or carried out (responded). Overdue now: awaiting, past ``response_due_at``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core import pagination
from app.core.pagination import Page
from app.core.time import LOCAL_TZ, to_local
from app.council.models import CouncillorGroup, Person
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.org.models import OrgUnit
from app.questions.models import (
    LISTED,
    OPEN,
    Kind,
    Origin,
    Question,
    QuestionAuthor,
    QuestionState,
)
from app.reference.services import sort_key
from app.replies.models import AnswerVerdict, Verdict

_Q = QuestionState
_I = InitiativeState
PAGE_SIZE = 20
#: The CSV of overdue answers: rows fetched at a time, and at most this many.
EXPORT_LIMIT = 100_000
#: Years a visitor may ask for (``?year=``): four digits, nothing a database could overflow on.
FIRST_YEAR, LAST_YEAR = 1990, 2999


class Group(enum.StrEnum):
    """Whose questions: the figures are kept apart for each."""

    COUNCILLOR = "councillor"  # councillors' questions and initiatives (pobude)
    RESIDENT = "resident"  # residents' questions
    INITIATIVE = "initiative"  # residents' initiatives that reached their threshold


GROUP_LABELS = {
    Group.COUNCILLOR: _l("Councillors' questions and initiatives"),
    Group.RESIDENT: _l("Residents' questions"),
    Group.INITIATIVE: _l("Residents' initiatives"),
}
_ORIGIN_GROUP = {Origin.COUNCILLOR: Group.COUNCILLOR, Origin.RESIDENT: Group.RESIDENT}


class BadFilter(Exception):
    """A query parameter Glas never writes (a 400 for the view)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def parse_year(value: object) -> int | None:
    """``?year=``: empty for all years, else four ASCII digits in range."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) != 4 or not text.isascii() or not text.isdigit():
        raise BadFilter("year")
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadFilter("year")
    return year


def parse_group(value: object) -> Group | None:
    if value in (None, ""):
        return None
    try:
        return Group(str(value))
    except ValueError:
        raise BadFilter("group") from None


# --- SQL that differs between the engines -----------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def days_between(later: Any, earlier: Any) -> sa.ColumnElement[int]:
    """Calendar days from ``earlier`` to ``later`` (two dates), as an integer, on either engine.

    PostgreSQL subtracts dates to an integer; SQLite stores them as ``YYYY-MM-DD`` text, whose
    Julian day numbers differ by the days (a whole number, cast so that averages agree).
    """
    if _dialect() == "sqlite":
        return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
    return sa.type_coerce(later - earlier, sa.Integer)


def local_day(moment: Any) -> sa.ColumnElement[date]:
    """The Ljubljana calendar day of a UTC timestamp column.

    PostgreSQL knows the zone. SQLite knows no zones: the EU's summer time (since 1996: from
    01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, +2 hours,
    else +1) is written out. Timestamps are stored as ``YYYY-MM-DD HH:MM:SS…`` text in UTC
    (``UTCDateTime``), so the bounds compare as text.
    """
    if _dialect() != "sqlite":
        return sa.cast(sa.func.timezone(LOCAL_TZ.key, moment), sa.Date)
    year = sa.func.strftime("%Y", moment, type_=sa.String)

    def last_sunday(first_of_next_month: str) -> Any:
        # The Sunday on or after the 1st of the next month, one week back.
        day = sa.func.date(year + first_of_next_month, "weekday 0", "-7 days", type_=sa.String)
        return day + " 01:00:00"

    summer = sa.and_(moment >= last_sunday("-04-01"), moment < last_sunday("-11-01"))
    offset = sa.case((summer, "+2 hours"), else_="+1 hours")
    return sa.func.date(moment, offset, type_=sa.Date)


_ONE = sa.literal_column("1", sa.Integer)
_ZERO = sa.literal_column("0", sa.Integer)


def _effective_due() -> sa.ColumnElement[date]:
    """The due date that counts: the extension's, if there is one."""
    return sa.func.coalesce(Question.extended_to, Question.due_on)


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, _ONE), else_=_ZERO)


def _states(name: str, states: Sequence[enum.Enum]) -> sa.ColumnElement[bool]:
    # Written into the SQL: SQLite uses the partial indexes only for constants (queries.py).
    return Question.state.in_(
        sa.bindparam(name, list(states), expanding=True, literal_execute=True)
    )


def _aggregate(
    rows: sa.Select[Any], keys: Sequence[str], sums: Sequence[str], mins: Sequence[str] = ()
) -> sa.Subquery:
    """Sums of the 0/1 columns ``sums`` and the median of ``days``, per ``keys``.

    ``rows`` has one row per item with the labelled ``keys``, ``sums``, ``mins`` and ``days``
    (``NULL`` for an item with no reply). The rows with days are ranked apart from those
    without (the partition includes ``days IS NULL``), so ``n`` counts replies only.
    """
    base = rows.subquery("base")
    partition = [*(base.c[key] for key in keys), base.c.days.is_(None)]
    ranked = sa.select(
        base,
        sa.func.row_number().over(partition_by=partition, order_by=base.c.days).label("rn"),
        sa.func.count().over(partition_by=partition).label("n"),
    ).subquery("ranked")
    middle = sa.and_(
        ranked.c.days.is_not(None),
        ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]),
    )
    return (
        sa.select(
            *(ranked.c[key] for key in keys),
            *(sa.func.sum(ranked.c[name]).label(name) for name in sums),
            *(sa.func.min(ranked.c[name]).label(name) for name in mins),
            sa.func.avg(sa.case((middle, ranked.c.days))).label("median_days"),
        )
        .group_by(*(ranked.c[key] for key in keys))
        .subquery("figures")
    )


def _median(value: Any) -> float | None:
    # PostgreSQL averages to a Decimal, SQLite to a float.
    return None if value is None else float(value)


# --- per unit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """How a set of questions fared: answered, on time or late, the median days, still open."""

    answered: int
    on_time: int
    late: int
    median_days: float | None
    open: int
    overdue: int

    @property
    def on_time_rate(self) -> float | None:
        """On time among the answers that had a due date (0 to 1); ``None`` with none."""
        timed = self.on_time + self.late
        return self.on_time / timed if timed else None


@dataclass(frozen=True)
class UnitFigures(Figures):
    """The figures of one unit (in one year, when broken down by year)."""

    #: ``None``: no unit has been given the question yet.
    unit_id: int | None
    unit_code: str | None
    unit_name: str | None
    #: The year, when figures are broken down by year (``by_year``); else ``None``.
    year: int | None = None
    #: Initiatives: the next moment an open one falls overdue (the page changes then).
    next_due: datetime | None = None


_SUMS = ("answered", "on_time", "late", "open", "overdue")


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _question_rows(today: date, year: int | None, by_year: bool) -> sa.Select[Any]:
    due = _effective_due()
    answered = Question.state == _Q.ANSWERED
    is_open = _states("open_states", OPEN)
    timed = sa.and_(answered, Question.answered_on.is_not(None), due.is_not(None))
    replied = sa.and_(answered, Question.replied_on.is_not(None), Question.starts_on.is_not(None))
    columns: list[Any] = [
        sa.case(
            (
                answered,
                sa.func.coalesce(Question.answered_by_unit_id, Question.responsible_unit_id),
            ),
            else_=Question.responsible_unit_id,
        ).label("unit_id"),
        _flag(answered).label("answered"),
        _flag(sa.and_(timed, Question.answered_on <= due)).label("on_time"),
        _flag(sa.and_(timed, Question.answered_on > due)).label("late"),
        _flag(is_open).label("open"),
        _flag(sa.and_(is_open, due < today)).label("overdue"),
        sa.case((replied, days_between(Question.replied_on, Question.starts_on))).label("days"),
    ]
    if by_year:
        columns.append(sa.extract("year", Question.starts_on).label("year"))
    rows = sa.select(*columns).where(_states("listed_states", LISTED))
    if year is not None:
        first, after = _year_range(year)
        rows = rows.where(Question.starts_on >= first, Question.starts_on < after)
    return rows


def _initiative_rows(now: datetime, year: int | None, by_year: bool) -> sa.Select[Any]:
    answered = sa.and_(
        Initiative.state.in_([_I.ANSWERED, _I.COMPLETED]), Initiative.answered_at.is_not(None)
    )
    is_open = Initiative.state == _I.AWAITING_RESPONSE
    timed = sa.and_(answered, Initiative.response_due_at.is_not(None))
    reached = local_day(Initiative.threshold_reached_at)
    columns: list[Any] = [
        Initiative.responsible_unit_id.label("unit_id"),
        _flag(answered).label("answered"),
        _flag(sa.and_(timed, Initiative.answered_at <= Initiative.response_due_at)).label(
            "on_time"
        ),
        _flag(sa.and_(timed, Initiative.answered_at > Initiative.response_due_at)).label("late"),
        _flag(is_open).label("open"),
        _flag(sa.and_(is_open, Initiative.response_due_at < now)).label("overdue"),
        sa.case((answered, days_between(local_day(Initiative.answered_at), reached))).label("days"),
        sa.case(
            (sa.and_(is_open, Initiative.response_due_at > now), Initiative.response_due_at)
        ).label("next_due"),
    ]
    if by_year:
        columns.append(sa.extract("year", reached).label("year"))
    rows = sa.select(*columns).where(
        Initiative.threshold_reached_at.is_not(None),
        Initiative.state.in_([_I.AWAITING_RESPONSE, _I.ANSWERED, _I.COMPLETED]),
    )
    if year is not None:
        first, after = (
            datetime.combine(day, datetime.min.time(), LOCAL_TZ) for day in _year_range(year)
        )
        rows = rows.where(
            Initiative.threshold_reached_at >= first, Initiative.threshold_reached_at < after
        )
    return rows


def _unit_order(row: UnitFigures) -> tuple[Any, ...]:
    # The latest year first; units in Slovenian alphabetical order; "no unit yet" last.
    return (-(row.year or 0), row.unit_name is None, sort_key(row.unit_name or ""))


def by_unit(
    today: date,
    now: datetime,
    *,
    year: int | None = None,
    groups: Sequence[Group] = tuple(Group),
    by_year: bool = False,
) -> dict[Group, list[UnitFigures]]:
    """Each group's figures per unit (and per year with ``by_year``), in ``year`` or all years.

    One statement for the questions of both origins, one for the initiatives: two at most.
    """
    tables: dict[Group, list[UnitFigures]] = {group: [] for group in groups}
    year_key = ("year",) if by_year else ()
    statements: list[tuple[sa.Subquery, bool]] = []
    if Group.COUNCILLOR in groups or Group.RESIDENT in groups:
        rows = _question_rows(today, year, by_year).add_columns(Question.origin.label("origin"))
        wanted = [origin for origin, group in _ORIGIN_GROUP.items() if group in groups]
        rows = rows.where(Question.origin.in_(wanted))
        statements.append((_aggregate(rows, ("origin", "unit_id", *year_key), _SUMS), True))
    if Group.INITIATIVE in groups:
        rows = _initiative_rows(now, year, by_year)
        keys = ("unit_id", *year_key)
        statements.append((_aggregate(rows, keys, _SUMS, mins=("next_due",)), False))
    for figures, of_questions in statements:
        named = sa.select(figures, OrgUnit.code, OrgUnit.name).outerjoin(
            OrgUnit, OrgUnit.id == figures.c.unit_id
        )
        for row in db.session.execute(named):
            group = _ORIGIN_GROUP[row.origin] if of_questions else Group.INITIATIVE
            tables[group].append(
                UnitFigures(
                    answered=int(row.answered),
                    on_time=int(row.on_time),
                    late=int(row.late),
                    median_days=_median(row.median_days),
                    open=int(row.open),
                    overdue=int(row.overdue),
                    unit_id=row.unit_id,
                    unit_code=row.code,
                    unit_name=row.name,
                    year=int(row.year) if by_year and row.year is not None else None,
                    next_due=None if of_questions else row.next_due,
                )
            )
    return {group: sorted(rows, key=_unit_order) for group, rows in tables.items()}


# --- per councillor ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncillorFigures(Figures):
    """The figures of the questions one councillor posed."""

    person_id: int
    name: str
    #: Public questions and initiatives the councillor posed (alone or with others).
    posed: int


def by_councillor(today: date, *, year: int | None = None) -> list[CouncillorFigures]:
    """Each councillor's questions (every one they are an author of), in one statement."""
    rows = (
        _question_rows(today, year, by_year=False)
        .add_columns(QuestionAuthor.person_id.label("person_id"), _ONE.label("posed"))
        .join(QuestionAuthor, QuestionAuthor.question_id == Question.id)
    )
    figures = _aggregate(rows, ("person_id",), (*_SUMS, "posed"))
    named = sa.select(figures, Person.name).join(Person, Person.id == figures.c.person_id)
    found = [
        CouncillorFigures(
            answered=int(row.answered),
            on_time=int(row.on_time),
            late=int(row.late),
            median_days=_median(row.median_days),
            open=int(row.open),
            overdue=int(row.overdue),
            person_id=row.person_id,
            name=row.name,
            posed=int(row.posed),
        )
        for row in db.session.execute(named)
    ]
    return sorted(found, key=lambda row: sort_key(row.name))


# --- what the askers said of the answers ------------------------------------------------------


@dataclass(frozen=True)
class VerdictFigures:
    """The askers' verdicts on the replies of one unit."""

    unit_id: int | None
    unit_code: str | None
    unit_name: str | None
    answered: int
    partly: int
    not_answered: int

    @property
    def total(self) -> int:
        return self.answered + self.partly + self.not_answered


def verdicts_by_unit(
    *, year: int | None = None, group: Group | None = None
) -> list[VerdictFigures]:
    """The verdicts of who asked (not of supporters), by the unit that answered; one statement.

    ``group``: only councillors' or only residents' questions (initiatives have no verdicts).
    """
    counts = (
        sa.select(
            Question.answered_by_unit_id.label("unit_id"),
            *(
                sa.func.sum(_flag(AnswerVerdict.verdict == verdict)).label(verdict.value)
                for verdict in Verdict
            ),
        )
        .join(Question, Question.id == AnswerVerdict.question_id)
        .where(AnswerVerdict.by_asker == sa.true(), _states("listed_states", LISTED))
        .group_by(Question.answered_by_unit_id)
    )
    if year is not None:
        first, after = _year_range(year)
        counts = counts.where(Question.starts_on >= first, Question.starts_on < after)
    origins = [origin for origin, of in _ORIGIN_GROUP.items() if group in (None, of)]
    counts = counts.where(Question.origin.in_(origins))
    figures = counts.subquery("verdicts")
    named = sa.select(figures, OrgUnit.code, OrgUnit.name).outerjoin(
        OrgUnit, OrgUnit.id == figures.c.unit_id
    )
    found = [
        VerdictFigures(
            unit_id=row.unit_id,
            unit_code=row.code,
            unit_name=row.name,
            answered=int(row.answered),
            partly=int(row.partly),
            not_answered=int(row.not_answered),
        )
        for row in db.session.execute(named)
    ]
    return sorted(found, key=lambda row: (row.unit_name is None, sort_key(row.unit_name or "")))


# --- answers overdue now ----------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    """An open question past its (extended) due date."""

    id: int
    title: str
    origin: Origin
    kind: Kind
    #: The councillors who posed it, in the order named (and their group); none: a resident's.
    authors: list[str]
    unit_name: str | None
    due_on: date
    days_overdue: int


def _overdue(today: date) -> sa.Select[*tuple[Any, ...]]:
    """The open questions past their due date, longest overdue first (ids and due dates)."""
    due = _effective_due()
    return (
        sa.select(Question.id.label("id"), due.label("due"))
        .where(_states("open_states", OPEN), due < today)
        .order_by(due.asc(), Question.id.asc())
    )


def _author_names(question_ids: sa.Select[Any]) -> sa.Subquery:
    """The councillors' names of the given questions, in the order named, as one text each."""
    named = (
        sa.select(QuestionAuthor.question_id, QuestionAuthor.position, Person.name)
        .join(Person, Person.id == QuestionAuthor.person_id)
        .where(QuestionAuthor.question_id.in_(question_ids))
    )
    if _dialect() == "postgresql":
        rows = named.subquery("authors")
        joined: sa.ColumnElement[Any] = sa.func.string_agg(
            rows.c.name, sa.literal_column("'\x1f'")
        ).aggregate_order_by(rows.c.position)
    else:
        # SQLite has no ORDER BY in an aggregate: group_concat takes the inner SELECT's order.
        rows = named.order_by(QuestionAuthor.question_id, QuestionAuthor.position).subquery(
            "authors"
        )
        joined = sa.func.group_concat(rows.c.name, "\x1f")
    return (
        sa.select(rows.c.question_id, joined.label("names"))
        .group_by(rows.c.question_id)
        .subquery("named")
    )


def _overdue_rows(chosen: sa.Subquery) -> sa.Select[Any]:
    named = _author_names(sa.select(chosen.c.id))
    return (
        sa.select(
            Question.id,
            Question.title,
            Question.origin,
            Question.kind,
            chosen.c.due,
            OrgUnit.name.label("unit_name"),
            CouncillorGroup.name.label("group_name"),
            named.c.names,
        )
        .join(chosen, chosen.c.id == Question.id)
        .outerjoin(OrgUnit, OrgUnit.id == Question.responsible_unit_id)
        .outerjoin(CouncillorGroup, CouncillorGroup.id == Question.group_id)
        .outerjoin(named, named.c.question_id == Question.id)
        .order_by(chosen.c.due.asc(), Question.id.asc())
    )


def _as_overdue(row: Any, today: date) -> Overdue:
    # "\x1f" (the unit separator) joins the names: no name contains it, unlike ", ".
    authors = row.names.split("\x1f") if row.names else []
    if row.group_name:
        authors.append(row.group_name)
    return Overdue(
        id=row.id,
        title=row.title,
        origin=row.origin,
        kind=row.kind,
        authors=authors,
        unit_name=row.unit_name,
        due_on=row.due,
        days_overdue=(today - row.due).days,
    )


def overdue_page(today: date, page: int, size: int = PAGE_SIZE) -> Page[Overdue]:
    """One page of the answers overdue now, the longest overdue first: two statements."""
    base = _overdue(today)
    total, _capped = pagination.count(base)
    chosen = base.offset((page - 1) * size).limit(size).subquery("chosen")
    items = [_as_overdue(row, today) for row in db.session.execute(_overdue_rows(chosen))]
    return Page(items, page, size, total)


def overdue_batches(today: date, batch: int) -> Iterator[list[Overdue]]:
    """Every answer overdue now (up to ``EXPORT_LIMIT``), ``batch`` rows at a time."""
    base = _overdue(today)
    chosen = base.limit(EXPORT_LIMIT).subquery("chosen")
    statement = _overdue_rows(chosen).execution_options(yield_per=batch)
    with db.session.execute(statement) as result:
        for rows in result.partitions():
            yield [_as_overdue(row, today) for row in rows]


# --- the years there are figures for ----------------------------------------------------------


def years(today: date) -> list[int]:
    """The years from the first question or initiative to this one, the latest first."""
    first_question = (
        sa.select(sa.func.min(Question.starts_on))
        .where(_states("listed_states", LISTED))
        .scalar_subquery()
    )
    first_initiative = sa.select(sa.func.min(Initiative.threshold_reached_at)).scalar_subquery()
    question_day, initiative_moment = db.session.execute(
        sa.select(first_question, first_initiative)
    ).one()
    starts = [today.year]
    if question_day is not None:
        starts.append(question_day.year)
    if initiative_moment is not None:
        starts.append(to_local(initiative_moment).year)
    return list(range(today.year, max(FIRST_YEAR, min(starts)) - 1, -1))
