"""The figure functions on the fixed data (``conftest``), on PostgreSQL and SQLite alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.accountability import figures
from app.accountability.figures import Group
from app.extensions import db
from app.questions.models import Kind, Origin
from tests.accountability.conftest import NOW, TODAY, UNIT_A, UNIT_B, Data

pytestmark = pytest.mark.usefixtures("ctx")


def _units(rows: list[figures.UnitFigures]) -> list[tuple[Any, ...]]:
    return [
        (
            row.year,
            row.unit_name,
            row.answered,
            row.on_time,
            row.late,
            None if row.on_time_rate is None else round(row.on_time_rate, 4),
            row.median_days,
            row.open,
            row.overdue,
        )
        for row in rows
    ]


ALL_YEARS = {
    Group.COUNCILLOR: [
        # B first: "Kabinet" before "Služba" in Slovenian order.
        (None, UNIT_B, 3, 3, 0, 1.0, 7.0, 1, 1),
        (None, UNIT_A, 4, 2, 2, 0.5, 25.0, 2, 1),
    ],
    Group.RESIDENT: [
        (None, UNIT_A, 1, 1, 0, 1.0, 15.0, 0, 0),
        (None, None, 0, 0, 0, None, None, 1, 1),  # R2: no unit yet, last
    ],
    Group.INITIATIVE: [
        (None, UNIT_B, 1, 1, 0, 1.0, 11.0, 2, 1),
        (None, UNIT_A, 2, 1, 1, 0.5, 32.5, 0, 0),
    ],
}


def test_figures_per_unit_over_all_years(figures_data: Data) -> None:
    tables = figures.by_unit(TODAY, NOW)
    assert {group: _units(rows) for group, rows in tables.items()} == ALL_YEARS
    kabinet = tables[Group.COUNCILLOR][0]
    assert (kabinet.unit_id, kabinet.unit_code) == (figures_data.unit_b, "KZ-T")


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(figures_data: Data) -> None:
    # 10, 20, 30, 40: 25.0; 5, 7, 100: 7.0; 20 and 45 days (initiatives): 32.5.
    tables = figures.by_unit(TODAY, NOW)
    assert [row.median_days for row in tables[Group.COUNCILLOR]] == [7.0, 25.0]
    assert [row.median_days for row in tables[Group.INITIATIVE]] == [11.0, 32.5]


def test_the_next_initiative_falling_due_is_known(figures_data: Data) -> None:
    rows = figures.by_unit(TODAY, NOW, groups=(Group.INITIATIVE,))[Group.INITIATIVE]
    assert [row.next_due for row in rows] == [figures_data.next_due, None]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                Group.COUNCILLOR: [
                    (None, UNIT_B, 3, 3, 0, 1.0, 7.0, 0, 0),
                    (None, UNIT_A, 4, 2, 2, 0.5, 25.0, 0, 0),
                ],
                Group.RESIDENT: [(None, UNIT_A, 1, 1, 0, 1.0, 15.0, 0, 0)],
                # I3 reached its threshold on 1 January 2026 in Ljubljana (2025 in UTC).
                Group.INITIATIVE: [(None, UNIT_A, 2, 1, 1, 0.5, 32.5, 0, 0)],
            },
        ),
        (
            2026,
            {
                Group.COUNCILLOR: [
                    (None, UNIT_B, 0, 0, 0, None, None, 1, 1),
                    # A5, A6 open (W withdrawn: counted nowhere but as posed).
                    (None, UNIT_A, 0, 0, 0, None, None, 2, 1),
                ],
                Group.RESIDENT: [(None, None, 0, 0, 0, None, None, 1, 1)],
                Group.INITIATIVE: [(None, UNIT_B, 1, 1, 0, 1.0, 11.0, 2, 1)],
            },
        ),
        (2019, {Group.COUNCILLOR: [], Group.RESIDENT: [], Group.INITIATIVE: []}),
    ],
)
def test_figures_per_unit_in_a_year(
    figures_data: Data, year: int, expected: dict[Group, list[tuple[Any, ...]]]
) -> None:
    tables = figures.by_unit(TODAY, NOW, year=year)
    assert {group: _units(rows) for group, rows in tables.items()} == expected


def test_figures_per_unit_and_year(figures_data: Data) -> None:
    tables = figures.by_unit(TODAY, NOW, by_year=True)
    assert _units(tables[Group.COUNCILLOR]) == [
        (2026, UNIT_B, 0, 0, 0, None, None, 1, 1),
        (2026, UNIT_A, 0, 0, 0, None, None, 2, 1),
        (2025, UNIT_B, 3, 3, 0, 1.0, 7.0, 0, 0),
        (2025, UNIT_A, 4, 2, 2, 0.5, 25.0, 0, 0),
    ]
    assert _units(tables[Group.INITIATIVE]) == [
        (2026, UNIT_B, 1, 1, 0, 1.0, 11.0, 2, 1),
        (2025, UNIT_A, 2, 1, 1, 0.5, 32.5, 0, 0),
    ]


def test_only_the_groups_asked_for_are_counted(figures_data: Data) -> None:
    tables = figures.by_unit(TODAY, NOW, groups=(Group.RESIDENT,))
    assert {group: _units(rows) for group, rows in tables.items()} == {
        Group.RESIDENT: ALL_YEARS[Group.RESIDENT]
    }


def test_figures_per_councillor(figures_data: Data) -> None:
    rows = figures.by_councillor(TODAY)
    assert [
        (
            row.name,
            row.posed,
            row.answered,
            row.on_time,
            row.late,
            None if row.on_time_rate is None else round(row.on_time_rate, 4),
            row.median_days,
            row.open,
            row.overdue,
        )
        for row in rows
    ] == [
        ("Ana Kovač", 4, 2, 2, 0, 1.0, 6.0, 1, 1),
        ("Janez Černe", 3, 2, 1, 1, 0.5, 20.0, 1, 1),
        ("Marko Zupan", 5, 3, 2, 1, 0.6667, 40.0, 2, 1),
    ]
    assert rows[1].person_id == figures_data.people["janez"]
    in_2025 = figures.by_councillor(TODAY, year=2025)
    assert [(row.name, row.posed, row.answered) for row in in_2025] == [
        ("Ana Kovač", 2, 2),
        ("Janez Černe", 2, 2),
        ("Marko Zupan", 3, 3),
    ]


def test_the_askers_verdicts_by_the_unit_that_answered(figures_data: Data) -> None:
    def counts(**kwargs: Any) -> list[tuple[Any, ...]]:
        return [
            (row.unit_name, row.answered, row.partly, row.not_answered, row.total)
            for row in figures.verdicts_by_unit(**kwargs)
        ]

    assert counts() == [(UNIT_B, 2, 0, 0, 2), (UNIT_A, 1, 1, 2, 4)]
    assert counts(group=Group.COUNCILLOR) == [(UNIT_B, 2, 0, 0, 2), (UNIT_A, 1, 1, 1, 3)]
    assert counts(group=Group.RESIDENT) == [(UNIT_A, 0, 0, 1, 1)]
    assert counts(year=2025) == counts()
    assert counts(year=2026) == []


def test_the_answers_overdue_now_longest_first(figures_data: Data) -> None:
    page = figures.overdue_page(TODAY, 1)
    ids = figures_data.questions
    assert page.total == 3
    assert [
        (item.id, item.origin, item.kind, item.authors, item.unit_name, item.due_on)
        for item in page.items
    ] == [
        (ids["R2"], Origin.RESIDENT, Kind.QUESTION, [], None, date(2026, 5, 16)),
        (
            ids["A5"],
            Origin.COUNCILLOR,
            Kind.QUESTION,
            ["Janez Černe", "Ana Kovač"],  # in the order named
            UNIT_A,
            date(2026, 6, 1),
        ),
        # The extended due date counts: 14 June, one day ago.
        (ids["A7"], Origin.COUNCILLOR, Kind.QUESTION, ["Marko Zupan"], UNIT_B, date(2026, 6, 14)),
    ]
    assert [item.days_overdue for item in page.items] == [30, 14, 1]


def test_the_overdue_answers_are_paged(figures_data: Data) -> None:
    first = figures.overdue_page(TODAY, 1, size=2)
    second = figures.overdue_page(TODAY, 2, size=2)
    assert [item.days_overdue for item in first.items] == [30, 14]
    assert [item.days_overdue for item in second.items] == [1]
    assert first.has_next
    assert not second.has_next
    assert figures.overdue_page(TODAY, 3, size=2).past_the_end


def test_every_overdue_answer_for_the_csv(figures_data: Data) -> None:
    batches = list(figures.overdue_batches(TODAY, 2))
    assert [[item.days_overdue for item in batch] for batch in batches] == [[30, 14], [1]]


def test_the_years_with_figures(figures_data: Data) -> None:
    assert figures.years(TODAY) == [2026, 2025]


def test_the_years_without_any_data() -> None:
    assert figures.years(TODAY) == [2026]


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        ("2025-03-30 00:59:00", date(2025, 3, 30)),  # 01:59 winter time
        ("2025-03-30 01:00:00", date(2025, 3, 30)),  # 03:00 summer time
        ("2025-03-29 23:30:00", date(2025, 3, 30)),  # 00:30 winter time
        ("2025-06-30 22:30:00", date(2025, 7, 1)),  # +2 in summer
        ("2025-10-25 22:30:00", date(2025, 10, 26)),  # still summer time
        ("2025-10-26 22:30:00", date(2025, 10, 26)),  # winter again: 23:30
        ("2025-12-31 23:30:00", date(2026, 1, 1)),  # +1 in winter
    ],
)
def test_the_local_day_of_a_moment(moment: str, day: date) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from app.core.db import UTCDateTime

    value = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    column = sa.literal(value, UTCDateTime())
    assert db.session.scalar(sa.select(figures.local_day(column))) == day
    assert (
        db.session.scalar(
            sa.select(figures.days_between(figures.local_day(column), sa.literal(date(2025, 1, 1))))
        )
        == (day - date(2025, 1, 1)).days
    )


@pytest.mark.parametrize("value", ["", None])
def test_no_year_is_all_years(value: object) -> None:
    assert figures.parse_year(value) is None


@pytest.mark.parametrize(
    "value", ["abc", "99999999999999999999", "20255", "-2025", "²⁰²⁵", "0000", "1066", " 2025"]
)
def test_a_year_glas_never_writes_is_refused(value: str) -> None:
    with pytest.raises(figures.BadFilter):
        figures.parse_year(value)


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(figures.BadFilter):
        figures.parse_group("everyone")
