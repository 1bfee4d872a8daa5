"""Due dates of questions: the Slovenian calendar of working days, and the three kinds of rule.

Pure unit tests: no app, no database. Every expected date is written out (or, for the calendar
of 1995 to 2040, built from the law's list by an algorithm of its own), never taken from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.easter import easter

from app.questions import deadlines
from app.questions.deadlines import (
    Calendar,
    DeadlineUnit,
    DueDate,
    FreeDay,
    FreeReason,
    RuleTerms,
    compute,
    is_long_overdue,
    is_overdue,
)

SL = Calendar()
THIRTY_DAYS = RuleTerms(30, DeadlineUnit.CALENDAR_DAYS)
THIRTY_DAYS_AS_IS = RuleTerms(30, DeadlineUnit.CALENDAR_DAYS, next_working_day=False)


def working_days(n: int) -> RuleTerms:
    return RuleTerms(n, DeadlineUnit.WORKING_DAYS)


def sat(day: date) -> FreeDay:
    return FreeDay(day, FreeReason.SATURDAY, None)


def sun(day: date) -> FreeDay:
    return FreeDay(day, FreeReason.SUNDAY, None)


def holiday(day: date, name: str) -> FreeDay:
    return FreeDay(day, FreeReason.HOLIDAY, name)


# --- the calendar -------------------------------------------------------------------------


def work_free_days_by_law(year: int) -> set[date]:
    """ZPDPD's list, written down independently of the library the module uses."""
    easter_sunday = easter(year)
    days = {
        date(year, 1, 1),
        date(year, 2, 8),
        easter_sunday,
        easter_sunday + timedelta(days=1),
        date(year, 4, 27),
        date(year, 5, 1),
        date(year, 5, 2),
        easter_sunday + timedelta(days=49),  # Whit Sunday
        date(year, 6, 25),
        date(year, 8, 15),
        date(year, 10, 31),
        date(year, 11, 1),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if not 2013 <= year <= 2016:  # 2 January was a working day in those years only
        days.add(date(year, 1, 2))
    if year == 2023:
        days.add(date(2023, 8, 14))  # the Solidarity Day after the floods
    return days


@pytest.mark.parametrize("year", range(1995, 2041))
def test_work_free_days_are_the_laws_every_year(year: int) -> None:
    expected = work_free_days_by_law(year)
    assert set(SL.holidays_in(year)) == expected
    assert not any(SL.is_working_day(day) for day in expected)
    # Every other weekday of the year is a working day.
    day = date(year, 1, 1)
    while day.year == year:
        if day not in expected and day.weekday() < 5:
            assert SL.is_working_day(day), day
        day += timedelta(days=1)


def test_holidays_that_are_not_work_free_are_working_days() -> None:
    assert SL.is_working_day(date(2026, 11, 23))  # Rudolf Maister Day, a Monday
    assert SL.free_day(date(2026, 11, 23)) is None
    assert SL.is_working_day(date(2026, 6, 8))  # Primož Trubar Day, a Monday
    assert date(2026, 11, 23) not in SL.holidays_in(2026)


def test_free_day_says_why() -> None:
    assert SL.free_day(date(2026, 9, 5)) == sat(date(2026, 9, 5))
    assert SL.free_day(date(2026, 9, 6)) == sun(date(2026, 9, 6))
    assert SL.free_day(date(2026, 6, 25)) == holiday(date(2026, 6, 25), "dan državnosti")
    # A holiday on a Sunday is reported as the holiday: its name says more.
    assert SL.free_day(date(2026, 2, 8)) == holiday(
        date(2026, 2, 8), "Prešernov dan, slovenski kulturni praznik"
    )
    assert SL.free_day(date(2026, 9, 7)) is None  # a plain Monday


def test_next_working_day() -> None:
    assert SL.next_working_day(date(2026, 9, 7)) == date(2026, 9, 7)  # a Monday: itself
    assert SL.next_working_day(date(2026, 9, 5)) == date(2026, 9, 7)
    # Friday 1 May, Saturday 2 May (also a holiday), Sunday 3 May.
    assert SL.next_working_day(date(2026, 5, 1)) == date(2026, 5, 4)


def test_solidarity_day_2023_is_kept() -> None:
    assert SL.free_day(date(2023, 8, 14)) == holiday(date(2023, 8, 14), "dan solidarnosti")
    assert SL.is_working_day(date(2024, 8, 14))  # one-off: a Wednesday the next year


def test_holidays_in_lists_a_year_in_date_order() -> None:
    days = SL.holidays_in(2026)
    assert list(days) == sorted(days)
    assert days[date(2026, 1, 2)] == "novo leto"
    assert days[date(2026, 5, 24)] == "binkoštna nedelja"
    assert days[date(2026, 12, 26)] == "dan samostojnosti in enotnosti"


def test_english_names() -> None:
    english = Calendar(language="en_US")
    assert english.free_day(date(2026, 12, 25)) == holiday(date(2026, 12, 25), "Christmas Day")
    assert english.holidays_in(2026)[date(2026, 1, 2)] == "New Year's Day"
    assert english.holidays_in(2023)[date(2023, 8, 14)] == "Solidarity Day"
    assert SL.free_day(date(2026, 12, 25)) == holiday(date(2026, 12, 25), "božič")


def test_a_language_without_names_is_refused() -> None:
    with pytest.raises(ValueError, match="'de'"):
        Calendar(language="de")


def test_each_year_is_worked_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    work_out = deadlines.work_free_days

    def counting(year: int, language: str = "sl") -> dict[date, str]:
        asked.append(year)
        return work_out(year, language)

    monkeypatch.setattr(deadlines, "work_free_days", counting)
    calendar = Calendar()
    start = date(2026, 1, 1)
    due = []
    for offset in range(0, 3650, 7):  # a due date each week for ten years
        due.append(compute(working_days(60), start + timedelta(days=offset), calendar).due_on)
    # 20 working days in January (after 1 and 2 January), 20 in February, 20 to 27 March.
    assert due[0] == date(2026, 3, 27)
    assert sorted(asked) == list(range(2026, 2037))  # each year once, however many due dates


def test_before_the_act_only_weekends_are_free() -> None:
    assert SL.holidays_in(1991) == {}
    assert SL.is_working_day(date(1991, 12, 25))  # a Wednesday
    assert SL.holidays_in(1992)[date(1992, 12, 25)] == "božič"


# --- calendar days ------------------------------------------------------------------------


def test_the_sample_case() -> None:
    # Posed at the session of 20 April 2016; the start day is not counted.
    due = compute(THIRTY_DAYS, date(2016, 4, 20), SL)
    assert due == DueDate(
        start=date(2016, 4, 20),
        due_on=date(2016, 5, 20),  # a Friday: no move
        unit=DeadlineUnit.CALENDAR_DAYS,
        amount=30,
        nominal=date(2016, 5, 20),
        moved_over=(),
        skipped=(),
        next_session=None,
        fell_back=False,
    )


def test_a_last_day_on_saturday_moves_to_monday() -> None:
    due = compute(THIRTY_DAYS, date(2026, 8, 6), SL)
    assert due.nominal == date(2026, 9, 5)
    assert due.due_on == date(2026, 9, 7)
    assert due.moved_over == (sat(date(2026, 9, 5)), sun(date(2026, 9, 6)))
    assert due.skipped == ()


def test_a_last_day_on_sunday_moves_to_monday() -> None:
    due = compute(THIRTY_DAYS, date(2026, 8, 7), SL)
    assert (due.nominal, due.due_on) == (date(2026, 9, 6), date(2026, 9, 7))
    assert due.moved_over == (sun(date(2026, 9, 6)),)


@pytest.mark.parametrize("start", [date(2026, 8, 6), date(2026, 8, 7)])
def test_without_moving_a_weekend_last_day_stays(start: date) -> None:
    due = compute(THIRTY_DAYS_AS_IS, start, SL)
    assert due.due_on == due.nominal == start + timedelta(days=30)
    assert due.due_on.weekday() >= 5
    assert due.moved_over == ()


def test_zero_calendar_days_from_a_sunday_is_the_monday() -> None:
    due = compute(RuleTerms(0, DeadlineUnit.CALENDAR_DAYS), date(2026, 9, 6), SL)
    assert (due.nominal, due.due_on) == (date(2026, 9, 6), date(2026, 9, 7))


# --- Easter ---------------------------------------------------------------------------------

EASTERS = [
    # Easter Monday, then the Tuesday after it, the Thursday and Friday before it.
    (date(2016, 3, 28), date(2016, 3, 29), date(2016, 3, 24), date(2016, 3, 25)),
    (date(2019, 4, 22), date(2019, 4, 23), date(2019, 4, 18), date(2019, 4, 19)),
    (date(2024, 4, 1), date(2024, 4, 2), date(2024, 3, 28), date(2024, 3, 29)),
]


@pytest.mark.parametrize(("monday", "tuesday", "_thursday", "_friday"), EASTERS)
def test_a_last_day_on_easter_moves_to_tuesday(
    monday: date, tuesday: date, _thursday: date, _friday: date
) -> None:
    sunday = monday - timedelta(days=1)
    saturday = monday - timedelta(days=2)
    easter_sunday = holiday(sunday, "velikonočna nedelja")
    easter_monday = holiday(monday, "velikonočni ponedeljek")

    on_sunday = compute(THIRTY_DAYS, sunday - timedelta(days=30), SL)
    assert on_sunday.due_on == tuesday
    assert on_sunday.moved_over == (easter_sunday, easter_monday)

    on_monday = compute(THIRTY_DAYS, monday - timedelta(days=30), SL)
    assert on_monday.due_on == tuesday
    assert on_monday.moved_over == (easter_monday,)

    on_saturday = compute(THIRTY_DAYS, saturday - timedelta(days=30), SL)
    assert on_saturday.due_on == tuesday
    assert on_saturday.moved_over == (sat(saturday), easter_sunday, easter_monday)


@pytest.mark.parametrize(("monday", "tuesday", "thursday", "friday"), EASTERS)
def test_working_days_across_easter_skip_the_weekend_and_monday(
    monday: date, tuesday: date, thursday: date, friday: date
) -> None:
    # Good Friday is a working day in Slovenia.
    due = compute(working_days(2), thursday, SL)
    assert due.due_on == tuesday
    assert due.nominal == tuesday
    assert due.skipped == (
        sat(friday + timedelta(days=1)),
        holiday(monday - timedelta(days=1), "velikonočna nedelja"),
        holiday(monday, "velikonočni ponedeljek"),
    )
    assert due.moved_over == ()
    assert compute(working_days(1), thursday, SL).due_on == friday


# --- year ends ------------------------------------------------------------------------------


def test_christmas_and_the_weekend_after_it_are_moved_over() -> None:
    due = compute(THIRTY_DAYS, date(2014, 11, 25), SL)
    assert due.nominal == date(2014, 12, 25)  # a Thursday
    assert due.due_on == date(2014, 12, 29)
    assert due.moved_over == (
        holiday(date(2014, 12, 25), "božič"),
        holiday(date(2014, 12, 26), "dan samostojnosti in enotnosti"),
        sat(date(2014, 12, 27)),
        sun(date(2014, 12, 28)),
    )


def test_2_january_2015_was_a_working_day() -> None:
    due = compute(THIRTY_DAYS, date(2014, 12, 3), SL)
    assert due.due_on == due.nominal == date(2015, 1, 2)  # a Friday: stays
    assert due.moved_over == ()
    # One working day from New Year's Eve: 1 January is skipped, 2 January counts.
    one = compute(working_days(1), date(2014, 12, 31), SL)
    assert one.due_on == date(2015, 1, 2)
    assert one.skipped == (holiday(date(2015, 1, 1), "novo leto"),)


def test_2_january_2018_was_work_free() -> None:
    due = compute(THIRTY_DAYS, date(2017, 12, 3), SL)
    assert due.nominal == date(2018, 1, 2)
    assert due.due_on == date(2018, 1, 3)
    assert due.moved_over == (holiday(date(2018, 1, 2), "novo leto"),)
    one = compute(working_days(1), date(2017, 12, 29), SL)
    assert one.due_on == date(2018, 1, 3)
    assert one.skipped == (
        sat(date(2017, 12, 30)),
        sun(date(2017, 12, 31)),
        holiday(date(2018, 1, 1), "novo leto"),
        holiday(date(2018, 1, 2), "novo leto"),
    )


def test_working_days_across_the_new_year() -> None:
    assert SL.is_working_day(date(2025, 12, 24))  # Christmas Eve is not work-free
    due = compute(working_days(5), date(2025, 12, 23), SL)
    # Counted: 24, 29, 30 and 31 December, then 5 January.
    assert due.due_on == date(2026, 1, 5)
    assert due.skipped == (
        holiday(date(2025, 12, 25), "božič"),
        holiday(date(2025, 12, 26), "dan samostojnosti in enotnosti"),
        sat(date(2025, 12, 27)),
        sun(date(2025, 12, 28)),
        holiday(date(2026, 1, 1), "novo leto"),
        holiday(date(2026, 1, 2), "novo leto"),
        sat(date(2026, 1, 3)),
        sun(date(2026, 1, 4)),
    )


# --- working days ---------------------------------------------------------------------------


def test_the_start_is_not_counted_whatever_it_is() -> None:
    due = compute(working_days(1), date(2026, 9, 5), SL)  # posed on a Saturday
    assert due.due_on == date(2026, 9, 7)
    assert due.skipped == (sun(date(2026, 9, 6)),)  # the Saturday itself is not "between"


def test_zero_working_days_is_the_start() -> None:
    due = compute(working_days(0), date(2026, 9, 5), SL)
    assert due.due_on == due.nominal == date(2026, 9, 5)
    assert due.skipped == ()


def test_working_days_in_a_plain_week() -> None:
    due = compute(working_days(8), date(2026, 9, 7), SL)  # a Monday
    assert due.due_on == date(2026, 9, 17)
    assert due.skipped == (sat(date(2026, 9, 12)), sun(date(2026, 9, 13)))
    assert due.unit is DeadlineUnit.WORKING_DAYS
    assert due.amount == 8


# --- one-off days an administrator added ------------------------------------------------------

ADDED_DAY = date(2026, 9, 14)  # a Monday
WITH_ADDED = Calendar({ADDED_DAY: "izredni dela prost dan"})


def test_an_added_day_is_free_and_named() -> None:
    assert SL.is_working_day(ADDED_DAY)
    assert not WITH_ADDED.is_working_day(ADDED_DAY)
    assert WITH_ADDED.free_day(ADDED_DAY) == FreeDay(
        ADDED_DAY, FreeReason.ADDED, "izredni dela prost dan"
    )
    assert WITH_ADDED.holidays_in(2026)[ADDED_DAY] == "izredni dela prost dan"
    assert ADDED_DAY not in WITH_ADDED.holidays_in(2025)


def test_a_last_day_on_an_added_day_moves() -> None:
    assert compute(THIRTY_DAYS, date(2026, 8, 15), SL).due_on == ADDED_DAY
    due = compute(THIRTY_DAYS, date(2026, 8, 15), WITH_ADDED)
    assert due.due_on == date(2026, 9, 15)
    assert due.moved_over == (FreeDay(ADDED_DAY, FreeReason.ADDED, "izredni dela prost dan"),)


def test_working_days_skip_an_added_day() -> None:
    assert compute(working_days(1), date(2026, 9, 11), SL).due_on == ADDED_DAY
    due = compute(working_days(1), date(2026, 9, 11), WITH_ADDED)
    assert due.due_on == date(2026, 9, 15)
    assert due.skipped == (
        sat(date(2026, 9, 12)),
        sun(date(2026, 9, 13)),
        FreeDay(ADDED_DAY, FreeReason.ADDED, "izredni dela prost dan"),
    )


def test_an_added_day_on_a_holiday_or_a_weekend() -> None:
    calendar = Calendar({date(2026, 12, 25): "dan odprtih vrat", date(2026, 9, 12): "sobota"})
    assert calendar.free_day(date(2026, 12, 25)) == holiday(date(2026, 12, 25), "božič")
    assert calendar.holidays_in(2026)[date(2026, 12, 25)] == "božič"
    assert calendar.free_day(date(2026, 9, 12)) == FreeDay(
        date(2026, 9, 12), FreeReason.ADDED, "sobota"
    )


def test_the_added_days_are_copied() -> None:
    added = {ADDED_DAY: "izredni dela prost dan"}
    calendar = Calendar(added)
    added.clear()
    assert not calendar.is_working_day(ADDED_DAY)


# --- by the next regular session ----------------------------------------------------------

NEXT_SESSION = RuleTerms(0, DeadlineUnit.NEXT_REGULAR_SESSION, fallback_days=30)


def test_due_at_the_next_session_as_scheduled() -> None:
    # A Saturday, and still not moved: a session is held when it is held.
    due = compute(NEXT_SESSION, date(2026, 4, 15), SL, next_regular_session=date(2026, 5, 16))
    assert due == DueDate(
        start=date(2026, 4, 15),
        due_on=date(2026, 5, 16),
        unit=DeadlineUnit.NEXT_REGULAR_SESSION,
        amount=0,
        nominal=date(2026, 5, 16),
        moved_over=(),
        skipped=(),
        next_session=date(2026, 5, 16),
        fell_back=False,
    )


def test_a_session_is_enough_without_a_fall_back() -> None:
    terms = RuleTerms(0, DeadlineUnit.NEXT_REGULAR_SESSION)
    due = compute(terms, date(2026, 4, 15), SL, next_regular_session=date(2026, 4, 16))
    assert due.due_on == date(2026, 4, 16)


def test_with_no_session_the_fall_back_applies() -> None:
    due = compute(NEXT_SESSION, date(2026, 4, 1), SL)
    assert due.fell_back is True
    assert due.unit is DeadlineUnit.CALENDAR_DAYS
    assert due.amount == 30
    assert due.next_session is None
    assert due.nominal == date(2026, 5, 1)
    assert due.due_on == date(2026, 5, 4)
    assert due.moved_over == (
        holiday(date(2026, 5, 1), "praznik dela"),
        holiday(date(2026, 5, 2), "praznik dela"),  # a Saturday, and a holiday
        sun(date(2026, 5, 3)),
    )


def test_the_fall_back_without_moving() -> None:
    terms = RuleTerms(
        0, DeadlineUnit.NEXT_REGULAR_SESSION, fallback_days=30, next_working_day=False
    )
    due = compute(terms, date(2026, 4, 1), SL)
    assert (due.due_on, due.fell_back, due.moved_over) == (date(2026, 5, 1), True, ())


@pytest.mark.parametrize("session", [date(2026, 4, 15), date(2026, 4, 14)])
def test_a_session_not_after_the_start_is_refused(session: date) -> None:
    with pytest.raises(ValueError, match="must be after the start"):
        compute(NEXT_SESSION, date(2026, 4, 15), SL, next_regular_session=session)


def test_no_session_and_no_fall_back_is_refused() -> None:
    terms = RuleTerms(0, DeadlineUnit.NEXT_REGULAR_SESSION)
    with pytest.raises(ValueError, match="no fall-back"):
        compute(terms, date(2026, 4, 15), SL)


def test_other_rules_ignore_a_session() -> None:
    due = compute(THIRTY_DAYS, date(2016, 4, 20), SL, next_regular_session=date(2016, 4, 27))
    assert due.due_on == date(2016, 5, 20)
    assert due.next_session is None


# --- overdue --------------------------------------------------------------------------------


def test_overdue_from_the_day_after_the_due_date() -> None:
    assert not is_overdue(date(2016, 5, 20), date(2016, 5, 19))
    assert not is_overdue(date(2016, 5, 20), date(2016, 5, 20))
    assert is_overdue(date(2016, 5, 20), date(2016, 5, 21))


def test_long_overdue_counts_from_the_due_date_or_its_extension() -> None:
    due = compute(THIRTY_DAYS, date(2016, 4, 20), SL)
    assert due.long_overdue_on(THIRTY_DAYS) == date(2016, 6, 19)
    assert due.long_overdue_on(THIRTY_DAYS, date(2016, 6, 3)) == date(2016, 7, 3)
    sixty = RuleTerms(30, DeadlineUnit.CALENDAR_DAYS, long_overdue_after=60)
    assert due.long_overdue_on(sixty) == date(2016, 7, 19)


def test_long_overdue_from_the_day_after() -> None:
    assert not is_long_overdue(date(2016, 6, 19), date(2016, 6, 19))
    assert is_long_overdue(date(2016, 6, 19), date(2016, 6, 20))


def test_long_overdue_counts_from_a_moved_due_date() -> None:
    due = compute(THIRTY_DAYS, date(2026, 8, 6), SL)  # moved from Saturday 5 to Monday 7 Sept
    assert due.long_overdue_on(THIRTY_DAYS) == date(2026, 10, 7)


# --- bad terms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: RuleTerms(-1, DeadlineUnit.CALENDAR_DAYS),
        lambda: RuleTerms(3651, DeadlineUnit.CALENDAR_DAYS),
        lambda: RuleTerms(-1, DeadlineUnit.WORKING_DAYS),
        lambda: RuleTerms(3651, DeadlineUnit.WORKING_DAYS),
        lambda: RuleTerms(0, DeadlineUnit.NEXT_REGULAR_SESSION, fallback_days=-1),
        lambda: RuleTerms(0, DeadlineUnit.NEXT_REGULAR_SESSION, fallback_days=3651),
        lambda: RuleTerms(30, DeadlineUnit.CALENDAR_DAYS, long_overdue_after=-1),
    ],
)
def test_bad_amounts_are_refused(make: Callable[[], RuleTerms]) -> None:
    with pytest.raises(ValueError, match="between 0 and 3650"):
        make()


def test_the_longest_amounts_are_allowed() -> None:
    due = compute(RuleTerms(3650, DeadlineUnit.CALENDAR_DAYS), date(2026, 1, 1), SL)
    assert due.nominal == date(2035, 12, 30)  # a Sunday
    assert due.due_on == date(2035, 12, 31)
    long = compute(RuleTerms(3650, DeadlineUnit.WORKING_DAYS), date(2026, 1, 1), SL)
    assert long.due_on.year == 2040  # about 250 working days a year
    assert SL.is_working_day(long.due_on)


def test_a_datetime_is_not_a_day() -> None:
    moment = datetime(2026, 9, 7, 12, 0, tzinfo=UTC)
    with pytest.raises(TypeError, match="not a datetime"):
        compute(THIRTY_DAYS, moment, SL)
    with pytest.raises(TypeError, match="not a datetime"):
        Calendar({moment: "izredni dela prost dan"})
