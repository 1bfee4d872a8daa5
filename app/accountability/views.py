"""The accountability page, its CSV files and its charts: read-only, for everyone.

The page costs a fixed number of statements whatever the data (``figures``): the years, the
overdue answers (their count and one page), the figures per unit (questions, initiatives), per
councillor, and the askers' verdicts. Anonymous visitors get it from the cache of pages until
a question, an initiative, a reply or a verdict changes, or the day does ("overdue" is counted
in days); the charts are small files of their own, made from the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from app.accountability import bp, charts, figures
from app.accountability.figures import GROUP_LABELS, Group, UnitFigures
from app.core import pagecache, pagination
from app.core import time as clock
from app.core.csvstream import BATCH, chunks, csv_safe
from app.extensions import limiter
from app.projects import figures as project_figures
from app.questions.models import KIND_NAMES, Origin, title_slug

#: The query parameters of the page (the CSV files and charts read the first two).
PARAMETERS = ("year", "group", "page")


@dataclass(frozen=True)
class Selection:
    """What the visitor chose: a year (``None``: all), a group (``None``: all), a page."""

    year: int | None = None
    group: Group | None = None
    page: int = 1

    @property
    def groups(self) -> tuple[Group, ...]:
        return (self.group,) if self.group else tuple(Group)

    def args(self, **changes: Any) -> dict[str, str]:
        """The query of this selection (with ``changes``), without what says nothing."""
        current = replace(self, **changes)
        args = {
            "year": str(current.year) if current.year else "",
            "group": current.group.value if current.group else "",
            "page": str(current.page) if current.page > 1 else "",
        }
        return {name: value for name, value in args.items() if value}


def parse_selection(args: Any) -> Selection:
    """The selection from a query; ``figures.BadFilter`` for a value Glas never writes."""
    try:
        page = pagination.parse_page_number(args.get("page"))
    except pagination.BadPage:
        raise figures.BadFilter("page") from None
    return Selection(
        year=figures.parse_year(args.get("year")),
        group=figures.parse_group(args.get("group")),
        page=page,
    )


def canonical_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The one address of the page (``pagecache.Policy.canonical``); ``None``: a 400."""
    try:
        selection = parse_selection(dict(pairs))
    except figures.BadFilter:
        return None
    return sorted(selection.args().items())


def _selection_or_400() -> Selection:
    try:
        return parse_selection(request.args)
    except figures.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


def _page_tags() -> tuple[str, ...]:
    # Replies, verdicts, questions, initiatives and councillors' names touch "accountability"
    # (their taggers add it: not a support, which moves no figure here); units are on every
    # page ("site", always added).
    return ("accountability",)


def question_url(question_id: int, title: str, **values: Any) -> str:
    return url_for("questions.detail", question_id=question_id, slug=title_slug(title), **values)


def unit_label(name: str | None) -> str:
    return name or _("No unit yet")


def _percent(rate: float | None) -> str:
    return "" if rate is None else format_percent(rate)


def _decimal(value: float | None) -> str:
    return "" if value is None else format_decimal(value)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "group_labels": GROUP_LABELS,
        "kind_names": KIND_NAMES,
        "origins": Origin,
        "percent": _percent,
        "decimal": _decimal,
        "unit_label": unit_label,
        "overdue_question_url": question_url,
        "chart_size": charts.size,
    }


# --- the page ---------------------------------------------------------------------------------


def _on_time_rows(rows: Sequence[UnitFigures]) -> list[tuple[str, float]]:
    """The on-time chart's bars: the units with an answer that had a due date, in percent."""
    return [
        (unit_label(row.unit_name), row.on_time_rate * 100)
        for row in rows
        if row.on_time_rate is not None
    ]


def _median_rows(rows: Sequence[UnitFigures]) -> list[tuple[str, float]]:
    return [
        (unit_label(row.unit_name), row.median_days) for row in rows if row.median_days is not None
    ]


@bp.get("/")
@pagecache.cached(_page_tags, params=PARAMETERS, canonical=canonical_query)
def index() -> ResponseReturnValue:
    selection = _selection_or_400()
    today, now = clock.today(), clock.utcnow()
    years = figures.years(today)
    overdue = figures.overdue_page(today, selection.page, figures.PAGE_SIZE)
    if overdue.past_the_end:
        abort(404)
    tables = figures.by_unit(today, now, year=selection.year, groups=selection.groups)
    with_questions = selection.group is not Group.INITIATIVE
    councillors = (
        figures.by_councillor(today, year=selection.year)
        if selection.group in (None, Group.COUNCILLOR)
        else None
    )
    verdicts = (
        figures.verdicts_by_unit(year=selection.year, group=selection.group)
        if with_questions
        else None
    )
    # "Overdue" changes with the day, and an initiative's response falls due at its moment.
    pagecache.expires_by(clock.next_midnight())
    pagecache.expires_by(
        min(
            (row.next_due for rows in tables.values() for row in rows if row.next_due), default=None
        )
    )
    return render_template(
        "accountability/index.html",
        selection=selection,
        years=years,
        groups=Group,
        overdue=overdue,
        tables=tables,
        chart_rows={
            group: {"on_time": len(_on_time_rows(rows)), "median": len(_median_rows(rows))}
            for group, rows in tables.items()
        },
        councillors=councillors,
        verdicts=verdicts,
        commitments=project_figures.by_unit(today),
        today=today,
    )


# --- the CSV files ----------------------------------------------------------------------------


def _csv(name: str, text: Iterator[str]) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="glas-{name}.csv"'},
    )


def _rate(value: float | None) -> str:
    # Machine-readable: a dot for the decimals whatever the language, one decimal place.
    return "" if value is None else f"{value * 100:.1f}"


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


OVERDUE_HEADER = (
    "id", "url", "origin", "kind", "title", "asked_by", "unit", "due_on", "days_overdue",
)  # fmt: skip


@bp.get("/overdue.csv")
@limiter.limit("30 per minute")
def overdue_csv() -> ResponseReturnValue:
    """Every answer overdue now, the longest overdue first (streamed)."""
    today = clock.today()
    public_url = current_app.config["PUBLIC_URL"]

    def line(item: figures.Overdue) -> list[object]:
        asked_by = "; ".join(item.authors) if item.origin is Origin.COUNCILLOR else "resident"
        return [
            item.id,
            public_url + question_url(item.id, item.title),
            item.origin.value,
            item.kind.value,
            csv_safe(item.title),
            csv_safe(asked_by),
            csv_safe(item.unit_name or ""),
            item.due_on.isoformat(),
            item.days_overdue,
        ]

    batches = ([line(item) for item in batch] for batch in figures.overdue_batches(today, BATCH))
    return _csv("overdue-answers", stream_with_context(chunks(OVERDUE_HEADER, batches)))


UNITS_HEADER = (
    "group", "year", "unit_code", "unit", "answered", "answered_on_time", "answered_late",
    "on_time_rate_percent", "median_days_to_reply", "open", "overdue_now",
)  # fmt: skip


@bp.get("/units.csv")
@limiter.limit("30 per minute")
def units_csv() -> ResponseReturnValue:
    """The figures per group, unit and year (``?year=`` and ``?group=`` narrow them)."""
    selection = _selection_or_400()
    tables = figures.by_unit(
        clock.today(), clock.utcnow(), year=selection.year, groups=selection.groups, by_year=True
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
    return _csv("accountability-units", chunks(UNITS_HEADER, [rows]))


COUNCILLORS_HEADER = (
    "person_id", "councillor", "posed", "answered", "answered_on_time", "answered_late",
    "on_time_rate_percent", "median_days_to_reply", "open", "overdue_now",
)  # fmt: skip


@bp.get("/councillors.csv")
@limiter.limit("30 per minute")
def councillors_csv() -> ResponseReturnValue:
    selection = _selection_or_400()
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
        for row in figures.by_councillor(clock.today(), year=selection.year)
    ]
    return _csv("accountability-councillors", chunks(COUNCILLORS_HEADER, [rows]))


VERDICTS_HEADER = ("unit_code", "unit", "answered", "partly_answered", "not_answered")


@bp.get("/verdicts.csv")
@limiter.limit("30 per minute")
def verdicts_csv() -> ResponseReturnValue:
    selection = _selection_or_400()
    if selection.group is Group.INITIATIVE:
        abort(400, description="filter:group")  # verdicts are on questions' replies
    rows = [
        [
            csv_safe(row.unit_code or ""),
            csv_safe(row.unit_name or ""),
            row.answered,
            row.partly,
            row.not_answered,
        ]
        for row in figures.verdicts_by_unit(year=selection.year, group=selection.group)
    ]
    return _csv("accountability-verdicts", chunks(VERDICTS_HEADER, [rows]))


# --- the charts -------------------------------------------------------------------------------


def _chart_group() -> tuple[Group, Selection]:
    selection = _selection_or_400()
    if selection.group is None:
        abort(400, description="filter:group")  # a chart is of one group
    return selection.group, selection


def _svg(text: str) -> ResponseReturnValue:
    response = Response(text, content_type="image/svg+xml; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # May be kept, but asked for again each time: a matching ETag costs no body.
    response.headers["Cache-Control"] = "public, no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _period(selection: Selection) -> str:
    return str(selection.year) if selection.year else _("all years")


def _described(rows: list[tuple[str, float]], write: Any) -> str:
    return "; ".join(f"{label}: {write(value)}" for label, value in rows)


@bp.get("/charts/on-time.svg")
@pagecache.cached(_page_tags, params=("year", "group"))
def chart_on_time() -> ResponseReturnValue:
    group, selection = _chart_group()
    pagecache.expires_by(clock.next_midnight())
    table = figures.by_unit(clock.today(), clock.utcnow(), year=selection.year, groups=(group,))
    rows = _on_time_rows(table[group])
    title = _(
        "On-time rate by unit: %(group)s, %(period)s",
        group=GROUP_LABELS[group],
        period=_period(selection),
    )
    if rows:
        desc = _(
            "Share of the answers given by their due date, for each unit: %(figures)s.",
            figures=_described(rows, lambda value: format_percent(value / 100)),
        )
    else:
        desc = _("No answer with a due date yet.")
    svg = charts.bar_chart(
        title,
        desc,
        rows,
        "%",
        format_value=lambda value: format_percent(value / 100),
        empty=_("No answer with a due date yet."),
    )
    return _svg(svg)


@bp.get("/charts/median-days.svg")
@pagecache.cached(_page_tags, params=("year", "group"))
def chart_median_days() -> ResponseReturnValue:
    group, selection = _chart_group()
    pagecache.expires_by(clock.next_midnight())
    table = figures.by_unit(clock.today(), clock.utcnow(), year=selection.year, groups=(group,))
    rows = _median_rows(table[group])
    title = _(
        "Median days to reply by unit: %(group)s, %(period)s",
        group=GROUP_LABELS[group],
        period=_period(selection),
    )
    if rows:
        desc = _(
            "Median number of calendar days to the reply, for each unit: %(figures)s.",
            figures=_described(rows, format_decimal),
        )
    else:
        desc = _("No reply yet.")
    svg = charts.bar_chart(
        title, desc, rows, _("days"), format_value=format_decimal, empty=_("No reply yet.")
    )
    return _svg(svg)
