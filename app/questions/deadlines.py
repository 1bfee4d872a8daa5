"""Due dates of questions to the council: calendar days, working days or the next session.

A rule (``RuleTerms``) says how long the municipality has to answer a question posed to its
council; ``compute`` turns it and the day the question was posed into a ``DueDate`` that also
keeps *why* the date falls where it does (the free days it moved over or skipped), so that a
page can explain a due date rather than only show it. Pure: no database, no app.

How days are counted:

- **The day of the start is not counted**, as the General Administrative Procedure Act (ZUP)
  counts periods in days: posed on 20 April 2016 with 30 calendar days, due on 20 May 2016.
- **Calendar days** end on start + N. If that day is not a working day the period ends on the
  next working day (ZUP art. 101); a rule can switch this off (``next_working_day``).
- **Working days** count only days that are neither a Saturday, a Sunday nor a work-free day;
  the due date is the N-th such day after the start.
- **By the next regular session**: the session's date, as scheduled, never moved (a session is
  held when it is held). With no session scheduled, the rule's fall-back of N calendar days
  applies instead, counted as above.

Work-free days are those of the Holidays and Work-Free Days Act (ZPDPD): 1 and 2 January,
8 February, Easter Sunday and Monday, 27 April, 1 and 2 May, Whit Sunday, 25 June, 15 August,
31 October, 1 November, 25 and 26 December. 2 January was a working day from 2013 to 2016 and
is work-free again from 2017 (the act's amendments of 2012 and 2016). Holidays that are not
work-free (23 November, Rudolf Maister Day, and the like) are working days. 14 August 2023, the
Solidarity Day after that month's floods, was a one-off work-free day by its own act, and is
kept. Other one-off days (a day the government or the municipality declares free) are added by
an administrator and passed to ``Calendar``.

The list is written here, not taken from the ``holidays`` library: that library gives the
same days (compared for every year from 1992 to 2040 when this list replaced it; the tests
check the list against the law for 1995–2040), but asking it for Slovenia imports every
country it knows (some 280 modules, 11.5 MB in each app worker), for fifteen lines of law.
Easter comes from ``dateutil.easter`` (the Gregorian computus), a light module.
The act applies from 1992; earlier years have weekends only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from dateutil.easter import easter

#: The longest period a rule may set, in days: ten years is already far beyond any council's
#: rules, and the bound keeps a mistyped amount from walking the calendar for ages.
MAX_DAYS = 3650

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_SUNDAY = 6


class DeadlineUnit(enum.StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    NEXT_REGULAR_SESSION = "next_regular_session"


class FreeReason(enum.StrEnum):
    """Why a day is not a working day."""

    SATURDAY = "saturday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"  # a work-free day by law (ZPDPD, or the 2023 Solidarity Day)
    ADDED = "added"  # a one-off day an administrator added


@dataclass(frozen=True)
class FreeDay:
    """A day that is not a working day, and why."""

    on: date
    reason: FreeReason
    #: The holiday's or added day's name; ``None`` for a plain weekend day.
    name: str | None


def _require_date(value: date, what: str) -> None:
    # A datetime is a date too, but never equal to one: as a key or a start it would silently
    # miss every holiday, so it is refused rather than truncated to a day in some time zone.
    if isinstance(value, datetime):
        raise TypeError(f"{what} must be a date, not a datetime: {value!r}")


#: The first year of the act (earlier years: weekends only, as no law of this state applied).
FIRST_YEAR = 1992
#: The languages holidays are named in.
LANGUAGES = ("sl", "en_US")
#: (month, day, Slovenian name, English name) of the work-free days with a fixed date.
_FIXED = (
    (1, 1, "novo leto", "New Year's Day"),
    (1, 2, "novo leto", "New Year's Day"),
    (2, 8, "Prešernov dan, slovenski kulturni praznik",
     "Prešeren's Day, the Slovenian Cultural Holiday"),
    (4, 27, "dan upora proti okupatorju", "Day of Uprising Against Occupation"),
    (5, 1, "praznik dela", "Labor Day"),
    (5, 2, "praznik dela", "Labor Day"),
    (6, 25, "dan državnosti", "Statehood Day"),
    (8, 15, "Marijino vnebovzetje", "Assumption Day"),
    (10, 31, "dan reformacije", "Reformation Day"),
    (11, 1, "dan spomina na mrtve", "Day of Remembrance for the Dead"),
    (12, 25, "božič", "Christmas Day"),
    (12, 26, "dan samostojnosti in enotnosti", "Independence and Unity Day"),
)  # fmt: skip
#: (days after Easter Sunday, Slovenian name, English name).
_MOVABLE = (
    (0, "velikonočna nedelja", "Easter Sunday"),
    (1, "velikonočni ponedeljek", "Easter Monday"),
    (49, "binkoštna nedelja", "Pentecost"),
)
#: One-off work-free days by their own act.
_ONE_OFF = {date(2023, 8, 14): ("dan solidarnosti", "Solidarity Day")}


def work_free_days(year: int, language: str = "sl") -> dict[date, str]:
    """The work-free holidays of ``year`` by the act, each with its name, by date."""
    if year < FIRST_YEAR:
        return {}
    english = language != "sl"
    days: dict[date, str] = {}
    for month, number, name_sl, name_en in _FIXED:
        if (month, number) == (1, 2) and 2013 <= year <= 2016:
            continue  # a working day in those years (ZPDPD as amended in 2012, until 2016)
        days[date(year, month, number)] = name_en if english else name_sl
    sunday = easter(year)
    for offset, name_sl, name_en in _MOVABLE:
        days[sunday + timedelta(days=offset)] = name_en if english else name_sl
    for one_off, (name_sl, name_en) in _ONE_OFF.items():
        if one_off.year == year:
            days[one_off] = name_en if english else name_sl
    return dict(sorted(days.items()))


class Calendar:
    """Working days in Slovenia, plus one-off work-free days.

    ``added`` maps each one-off work-free day to its name. ``language`` names the holidays:
    ``"sl"`` (the default) or ``"en_US"``. A year's days are worked out once, the first time
    a caller touches the year.
    """

    def __init__(self, added: Mapping[date, str] | None = None, *, language: str = "sl") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"no holiday names in {language!r} (have: {', '.join(LANGUAGES)})")
        self.language = language
        self._added: dict[date, str] = dict(added or {})
        for day in self._added:
            _require_date(day, "an added work-free day")
        # The days by year, worked out the first time a year is touched and then kept:
        # counting working days asks about every single day.
        self._by_year: dict[int, dict[date, str]] = {}

    def _holidays(self, year: int) -> dict[date, str]:
        found = self._by_year.get(year)
        if found is None:
            found = self._by_year[year] = work_free_days(year, self.language)
        return found

    def free_day(self, day: date) -> FreeDay | None:
        """Why ``day`` is not a working day; ``None`` if it is one.

        A holiday wins over an added day and a weekend, and an added day over a weekend: the
        name says more than "Sunday" does.
        """
        name = self._holidays(day.year).get(day)
        if name is not None:
            return FreeDay(day, FreeReason.HOLIDAY, name)
        name = self._added.get(day)
        if name is not None:
            return FreeDay(day, FreeReason.ADDED, name)
        weekday = day.weekday()
        if weekday == _SATURDAY:
            return FreeDay(day, FreeReason.SATURDAY, None)
        if weekday == _SUNDAY:
            return FreeDay(day, FreeReason.SUNDAY, None)
        return None

    def is_working_day(self, day: date) -> bool:
        # The hot path of counting working days: no FreeDay is built for a plain check.
        return (
            day.weekday() < _SATURDAY
            and day not in self._holidays(day.year)
            and day not in self._added
        )

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def holidays_in(self, year: int) -> dict[date, str]:
        """The work-free holidays of ``year``, the act's and the added ones, by date."""
        days = {day: name for day, name in self._added.items() if day.year == year}
        days.update(self._holidays(year))  # a law's name wins, as in free_day
        return dict(sorted(days.items()))


@dataclass(frozen=True)
class RuleTerms:
    """The terms of a deadline rule.

    ``amount`` is the number of days (0 to ``MAX_DAYS``); a next-session rule does not use it
    (its fall-back's days are ``fallback_days``), but it must still be in range.
    ``fallback_days`` is ignored by the other units.

    :raise ValueError: a number of days out of range.
    """

    amount: int
    unit: DeadlineUnit
    #: NEXT_REGULAR_SESSION only: calendar days when no next regular session is scheduled.
    fallback_days: int | None = None
    #: Calendar days (and the fall-back): a last day that is not a working day moves to the
    #: next working day (ZUP art. 101).
    next_working_day: bool = True
    #: Calendar days after the (possibly extended) due date when a question is long overdue.
    long_overdue_after: int = 30

    def __post_init__(self) -> None:
        # Checked once here, so that no invalid terms reach compute().
        _check_days("amount", self.amount)
        if self.fallback_days is not None:
            _check_days("fallback_days", self.fallback_days)
        _check_days("long_overdue_after", self.long_overdue_after)


def _check_days(what: str, days: int) -> None:
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"{what} must be between 0 and {MAX_DAYS} days, not {days}")


@dataclass(frozen=True)
class DueDate:
    """A computed due date, with how it came about."""

    start: date
    due_on: date
    #: The unit actually applied: CALENDAR_DAYS when a next-session rule fell back.
    unit: DeadlineUnit
    #: Days counted: the fall-back's when it fell back; 0 for a next session.
    amount: int
    #: Calendar days: start + amount, before moving to a working day; else the same as due_on.
    nominal: date
    #: Calendar days: the free days the end moved over (nominal up to due_on - 1), in order.
    moved_over: tuple[FreeDay, ...] = ()
    #: Working days: the days not counted between start (excluded) and due_on, in order.
    skipped: tuple[FreeDay, ...] = ()
    #: NEXT_REGULAR_SESSION: the session's date when one was scheduled.
    next_session: date | None = None
    #: NEXT_REGULAR_SESSION with no session scheduled: the fall-back applied.
    fell_back: bool = False

    def long_overdue_on(self, terms: RuleTerms, extended_to: date | None = None) -> date:
        """The day after which the question counts as long overdue.

        Counted from ``extended_to`` when the deadline was extended, else from the due date.
        """
        end = extended_to if extended_to is not None else self.due_on
        return end + timedelta(days=terms.long_overdue_after)


def _calendar_days(
    start: date, days: int, calendar: Calendar, *, next_working_day: bool
) -> DueDate:
    nominal = due_on = start + timedelta(days=days)
    moved_over = []
    if next_working_day:
        # calendar.next_working_day(nominal), keeping the free days on the way for the record.
        while (free := calendar.free_day(due_on)) is not None:
            moved_over.append(free)
            due_on += _ONE_DAY
    return DueDate(
        start=start,
        due_on=due_on,
        unit=DeadlineUnit.CALENDAR_DAYS,
        amount=days,
        nominal=nominal,
        moved_over=tuple(moved_over),
    )


def _working_days(start: date, days: int, calendar: Calendar) -> DueDate:
    day = start
    skipped = []
    counted = 0
    while counted < days:
        day += _ONE_DAY
        free = calendar.free_day(day)
        if free is None:
            counted += 1
        else:
            skipped.append(free)
    return DueDate(
        start=start,
        due_on=day,
        unit=DeadlineUnit.WORKING_DAYS,
        amount=days,
        nominal=day,
        skipped=tuple(skipped),
    )


def compute(
    terms: RuleTerms,
    start: date,
    calendar: Calendar,
    *,
    next_regular_session: date | None = None,
) -> DueDate:
    """The due date of a question posed on ``start`` under ``terms``.

    ``next_regular_session`` is the date of the next regular session after the start, if one
    is scheduled; only a next-session rule uses it.

    :raise ValueError: the session is not after the start, or a next-session rule has no
        session and no fall-back.
    """
    _require_date(start, "the start")
    match terms.unit:
        case DeadlineUnit.CALENDAR_DAYS:
            return _calendar_days(
                start, terms.amount, calendar, next_working_day=terms.next_working_day
            )
        case DeadlineUnit.WORKING_DAYS:
            return _working_days(start, terms.amount, calendar)
        case DeadlineUnit.NEXT_REGULAR_SESSION:
            if next_regular_session is not None:
                _require_date(next_regular_session, "the next regular session")
                if next_regular_session <= start:
                    # A session on the day of the start is the one the question was posed at.
                    raise ValueError(
                        f"the next regular session ({next_regular_session}) "
                        f"must be after the start ({start})"
                    )
                return DueDate(
                    start=start,
                    due_on=next_regular_session,
                    unit=DeadlineUnit.NEXT_REGULAR_SESSION,
                    amount=0,
                    nominal=next_regular_session,
                    next_session=next_regular_session,
                )
            if terms.fallback_days is None:
                raise ValueError(
                    "no next regular session is scheduled, and the rule has no fall-back"
                )
            fallback = _calendar_days(
                start, terms.fallback_days, calendar, next_working_day=terms.next_working_day
            )
            return replace(fallback, fell_back=True)


def is_overdue(due_on: date, today: date) -> bool:
    """Late from the day after the due date: the due date itself is still in time."""
    return today > due_on


def is_long_overdue(long_overdue_on: date, today: date) -> bool:
    """Long overdue from the day after ``DueDate.long_overdue_on``."""
    return today > long_overdue_on
