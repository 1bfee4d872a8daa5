"""The CSV text of each built-in dataset.

Where a list has a CSV export on the site, the dataset is that export with no filter (the
list's default view): the same columns, rows and order, so that a file from the dump and one
downloaded from the list agree (``tests/opendata`` compares them byte for byte). The council's
sessions and councillors have no export on the site; theirs are written here in the same
style, with the columns their pages show.

Every function runs inside the dump's request context (``dumps.dump``): ``url_for`` builds
addresses on ``PUBLIC_URL`` there, as the site's exports expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.accountability import figures
from app.accountability.views import COUNCILLORS_HEADER, UNITS_HEADER
from app.core import time as clock
from app.core.csvstream import BATCH, chunks, csv_safe
from app.core.urls import public_url_for
from app.council.models import CouncilBody, Term
from app.extensions import db
from app.initiatives import export as initiative_export
from app.initiatives import queries as initiative_queries
from app.questions import export as question_export
from app.questions import queries as question_queries
from app.questions.models import LISTED, Question
from app.replies import export as reply_export
from app.replies import queries as reply_queries
from app.sessions.models import CouncilSession


def initiatives() -> Iterator[str]:
    return initiative_export.csv_chunks(
        initiative_queries.Filters(), clock.utcnow(), current_app.config["PUBLIC_URL"]
    )


def questions() -> Iterator[str]:
    return question_export.csv_chunks(
        question_queries.Filters(), clock.today(), current_app.config["PUBLIC_URL"]
    )


def replies() -> Iterator[str]:
    return reply_export.csv_chunks(reply_queries.Filters())


def _head(endpoint: str, **values: Any) -> str:
    """An item's address without its id (asked once, not per row; the exports do the same)."""
    return public_url_for(endpoint, **values).removesuffix("1")


SESSIONS_HEADER = (
    "id", "url", "body", "term", "kind", "number", "held_on", "note", "questions",
)  # fmt: skip


def sessions() -> Iterator[str]:
    """Every session, the latest first, with the number of public questions posed at it.

    "Public" as on the session's page (``questions.queries.at_session``): listed questions.
    """
    head = _head("sessions.detail", session_id=1)
    posed = (
        sa.select(Question.session_id, sa.func.count().label("questions"))
        .where(Question.session_id.is_not(None), Question.state.in_(list(LISTED)))
        .group_by(Question.session_id)
        .subquery("posed")
    )
    statement = (
        sa.select(
            CouncilSession.id,
            CouncilSession.kind,
            CouncilSession.number,
            CouncilSession.held_on,
            CouncilSession.note,
            CouncilBody.slug.label("body"),
            Term.starts_on,
            Term.ends_on,
            sa.func.coalesce(posed.c.questions, 0).label("questions"),
        )
        .join(CouncilBody, CouncilBody.id == CouncilSession.body_id)
        .join(Term, Term.id == CouncilSession.term_id)
        .outerjoin(posed, posed.c.session_id == CouncilSession.id)
        .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())
        .execution_options(yield_per=BATCH)
    )

    def line(row: Any) -> list[object]:
        # Term.label, from the two columns: "2022–2026", "2026–" while its end is open.
        term = f"{row.starts_on.year}–{row.ends_on.year if row.ends_on else ''}"
        return [
            row.id,
            f"{head}{row.id}",
            csv_safe(row.body),
            term,
            row.kind.value,
            row.number,
            row.held_on.isoformat(),
            csv_safe(row.note or ""),
            row.questions,
        ]

    with db.session.execute(statement) as result:
        yield from chunks(
            SESSIONS_HEADER, ([line(row) for row in batch] for batch in result.partitions())
        )


COUNCILLORS_LIST_HEADER = (
    "id", "url", "name", "current", "list_or_party", "group", "terms",
)  # fmt: skip


def councillors() -> Iterator[str]:
    """Everyone who has held a seat, by name, as the councillors' page lists them.

    The list or party and the group are those of the latest seat (the page's columns); the
    council has a few dozen seats a term, so the people are read in one go, as the page does.
    """
    head = _head("council.detail", person_id=1)
    today = clock.today()
    rows = [
        [
            person.id,
            f"{head}{person.id}",
            csv_safe(person.name),
            "yes" if person.mandate_on(today) else "no",
            csv_safe(person.mandates[0].list_name),
            csv_safe(person.mandates[0].group.name if person.mandates[0].group else ""),
            "; ".join(mandate.term.label for mandate in person.mandates),
        ]
        for person in question_queries.councillors()
    ]
    return chunks(COUNCILLORS_LIST_HEADER, [rows])


def _rate(value: float | None) -> str:
    # As the accountability page's files write it: a dot, one decimal place, in percent.
    return "" if value is None else f"{value * 100:.1f}"


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def accountability_units() -> Iterator[str]:
    """``/accountability/units.csv`` for all years and groups."""
    tables = figures.by_unit(
        clock.today(), clock.utcnow(), year=None, groups=tuple(figures.Group), by_year=True
    )
    rows = [
        [
            group.value,
            row.year or "",
            csv_safe(row.unit_code or ""),
            csv_safe(row.unit_name or ""),
            row.answered,
            row.on_time,
            row.late,
            _rate(row.on_time_rate),
            _days(row.median_days),
            row.open,
            row.overdue,
        ]
        for group, table in tables.items()
        for row in table
    ]
    return chunks(UNITS_HEADER, [rows])


def accountability_councillors() -> Iterator[str]:
    """``/accountability/councillors.csv`` for all years."""
    rows = [
        [
            row.person_id,
            csv_safe(row.name),
            row.posed,
            row.answered,
            row.on_time,
            row.late,
            _rate(row.on_time_rate),
            _days(row.median_days),
            row.open,
            row.overdue,
        ]
        for row in figures.by_councillor(clock.today(), year=None)
    ]
    return chunks(COUNCILLORS_HEADER, [rows])
