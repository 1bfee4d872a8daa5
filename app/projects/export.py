"""The projects' CSV: the list's download, and the format officials import (``importer``).

One format both ways, so that an official can download the list, change it in a spreadsheet
and import it again. The columns an import reads come first (``IMPORT_COLUMNS``, then a
``budget_<year>`` and a ``spent_<year>`` per year); the figures Glas works out (the first plan,
totals, delay, the last update, the address) follow, and an import ignores them
(``READ_ONLY_COLUMNS``). Amounts are plain euros with a point ("125000.00"), days ISO dates,
so that the file means the same in every language.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.core import csvstream
from app.core.time import to_local
from app.core.urls import public_url_for
from app.extensions import db
from app.projects.models import Project, ProjectYear
from app.projects.money import plain_euros
from app.projects.queries import Filters, filtered, is_stale

IMPORT_COLUMNS = (
    "code",
    "title",
    "summary",
    "description",
    "unit",
    "topic",
    "community",
    "location",
    "starts_on",
    "ends_on",
    "light",
    "progress",
    "reason",
)
READ_ONLY_COLUMNS = (
    "original_starts_on",
    "original_ends_on",
    "delay_days",
    "budget_total",
    "original_budget_total",
    "spent_total",
    "milestones_done",
    "milestones",
    "stale",
    "updated_at",
    "url",
)
#: A year's columns: ``budget_2026``, ``spent_2026``.
BUDGET_PREFIX, SPENT_PREFIX = "budget_", "spent_"


def _years(filters: Filters) -> list[int]:
    chosen = filtered(filters).with_only_columns(Project.id, maintain_column_froms=True)
    return list(
        db.session.scalars(
            sa.select(ProjectYear.year)
            .where(ProjectYear.project_id.in_(chosen))
            .distinct()
            .order_by(ProjectYear.year)
        )
    )


def header(years: list[int]) -> list[str]:
    money = [f"{prefix}{year}" for year in years for prefix in (BUDGET_PREFIX, SPENT_PREFIX)]
    return [*IMPORT_COLUMNS, *money, *READ_ONLY_COLUMNS]


def _row(project: Project, years: list[int]) -> list[str]:
    by_year = {row.year: row for row in project.years}
    money: list[str] = []
    for year in years:
        row = by_year.get(year)
        money.append(plain_euros(row.budget_cents) if row else "")
        money.append(plain_euros(row.spent_cents) if row else "")
    done = sum(1 for milestone in project.milestones if milestone.is_done)
    cells = [
        project.code,
        project.title,
        project.summary,
        project.description,
        project.unit.code,
        project.topic.slug,
        project.community.slug if project.community else "",
        project.location or "",
        project.starts_on.isoformat(),
        project.ends_on.isoformat(),
        project.light.value,
        str(project.progress),
        project.light_reason or "",
        *money,
        project.original_starts_on.isoformat(),
        project.original_ends_on.isoformat(),
        str(project.delay_days),
        plain_euros(project.budget_cents),
        plain_euros(project.original_budget_cents),
        plain_euros(project.spent_cents),
        str(done),
        str(len(project.milestones)),
        "yes" if is_stale(project) else "no",
        to_local(project.updated_at).isoformat(timespec="seconds"),
        public_url_for("projects.detail", project_id=project.id),
    ]
    return [csvstream.csv_safe(cell) for cell in cells]


def csv_chunks(filters: Filters) -> Iterator[str]:
    """The CSV of the projects the filters choose, by code, a batch at a time."""
    years = _years(filters)
    query = (
        filtered(filters)
        .options(
            joinedload(Project.unit),
            joinedload(Project.topic),
            joinedload(Project.community),
            selectinload(Project.years),
            selectinload(Project.milestones),
        )
        .order_by(Project.code, Project.id)
        .execution_options(yield_per=csvstream.BATCH)
    )

    def batches() -> Iterator[list[list[str]]]:
        for partition in db.session.scalars(query).partitions():
            yield [_row(project, years) for project in partition]

    return csvstream.chunks(header(years), batches())
