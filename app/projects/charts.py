"""A project's two pictures as SVG made on the server: the schedule and milestones against the
first plan, and each year's spending against its budget.

Inline in the page (no JavaScript, no ``style``: presentation attributes only, which the
strict Content-Security-Policy allows). Each is a ``role="img"`` with a ``<title>`` and a
``<desc>`` that say what it shows in words, and the page has the same numbers in a table
beside it. Colour is never the only sign: the first plan is a dashed outline, a milestone done
is a filled circle, one still open an empty circle, its first planned day a small diamond.
Every text is escaped as the accountability charts escape theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from app.accountability.charts import FONT, INK, MUTED
from app.accountability.charts import _text as xml_text

WIDTH = 720
LABEL_WIDTH = 230
RIGHT = 20
ROW = 30
TOP = 44
BOTTOM = 34
LABEL_MAX = 32
BRAND = "#0a4f8c"
PLAN = "#48525e"
DONE = "#1d6b34"
LATE = "#a4281e"


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


@dataclass(frozen=True)
class MilestoneMark:
    label: str
    original: date
    planned: date
    done: date | None


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{xml_text(FONT)}" font-size="13">'
        f'<title id="{chart_id}-title">{xml_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{xml_text(desc)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  (every text escaped above)


def schedule(
    chart_id: str,
    *,
    title: str,
    desc: str,
    labels: tuple[str, str],
    first_plan: tuple[date, date],
    now: tuple[date, date],
    milestones: Sequence[MilestoneMark],
    today: date,
    today_label: str,
    format_day: Callable[[date], str],
) -> Markup:
    """The project's span as first planned and now, each milestone's days, and today."""
    days = [*first_plan, *now, today]
    for mark in milestones:
        days.extend(d for d in (mark.original, mark.planned, mark.done) if d is not None)
    start, end = min(days), max(days)
    span = max((end - start).days, 1)
    plot = WIDTH - LABEL_WIDTH - RIGHT

    def x(day: date) -> float:
        return LABEL_WIDTH + (day - start).days / span * plot

    rows = 2 + len(milestones)
    height = TOP + rows * ROW + BOTTOM
    body = [
        f'<text x="0" y="20" font-size="15" font-weight="bold" fill="{INK}">'
        f"{xml_text(title)}</text>",
        # The axis: the first and the last day.
        f'<text x="{LABEL_WIDTH}" y="{height - 10}" fill="{MUTED}">'
        f"{xml_text(format_day(start))}</text>",
        f'<text x="{WIDTH - RIGHT}" y="{height - 10}" text-anchor="end" fill="{MUTED}">'
        f"{xml_text(format_day(end))}</text>",
    ]
    for index, (label, (first, last), dashed) in enumerate(
        ((labels[0], first_plan, True), (labels[1], now, False))
    ):
        y = TOP + index * ROW
        body.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 14}" text-anchor="end" fill="{INK}">'
            f"{xml_text(label)}</text>"
        )
        width = max(x(last) - x(first), 2)
        if dashed:
            body.append(
                f'<rect x="{x(first):.1f}" y="{y + 2}" width="{width:.1f}" height="16" '
                f'fill="none" stroke="{PLAN}" stroke-width="2" stroke-dasharray="6 4"/>'
            )
        else:
            body.append(
                f'<rect x="{x(first):.1f}" y="{y + 2}" width="{width:.1f}" height="16" '
                f'fill="{BRAND}"/>'
            )
    for index, mark in enumerate(milestones, start=2):
        y = TOP + index * ROW
        middle = y + 10
        body.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 14}" text-anchor="end" fill="{INK}">'
            f"{xml_text(_cut(mark.label))}</text>"
        )
        actual = mark.done or mark.planned
        late = actual > mark.original
        if actual != mark.original:
            body.append(
                f'<line x1="{x(mark.original):.1f}" y1="{middle}" x2="{x(actual):.1f}" '
                f'y2="{middle}" stroke="{LATE if late else DONE}" stroke-width="2"/>'
            )
        ox = x(mark.original)
        body.append(
            f'<path d="M{ox:.1f} {middle - 6} L{ox + 6:.1f} {middle} L{ox:.1f} {middle + 6} '
            f'L{ox - 6:.1f} {middle} Z" fill="#ffffff" stroke="{PLAN}" stroke-width="2"/>'
        )
        if mark.done is not None:
            body.append(f'<circle cx="{x(actual):.1f}" cy="{middle}" r="7" fill="{DONE}"/>')
        else:
            body.append(
                f'<circle cx="{x(actual):.1f}" cy="{middle}" r="6" fill="#ffffff" '
                f'stroke="{BRAND}" stroke-width="3"/>'
            )
    tx = x(today)
    body.append(
        f'<line x1="{tx:.1f}" y1="{TOP - 8}" x2="{tx:.1f}" y2="{height - BOTTOM + 4}" '
        f'stroke="{INK}" stroke-width="1" stroke-dasharray="2 3"/>'
    )
    anchor = "end" if tx > WIDTH - 80 else "start"
    body.append(
        f'<text x="{tx + (-4 if anchor == "end" else 4):.1f}" y="{TOP - 12}" '
        f'text-anchor="{anchor}" fill="{INK}">{xml_text(today_label)}</text>'
    )
    return _svg(chart_id, title, desc, height, body)


@dataclass(frozen=True)
class YearBars:
    year: int
    original: int
    budget: int
    spent: int


def money(
    chart_id: str,
    *,
    title: str,
    desc: str,
    years: Sequence[YearBars],
    legend: tuple[str, str, str],
    format_amount: Callable[[int], str],
) -> Markup:
    """Per year three bars: the budget first planned (dashed), the budget now, and spent."""
    bar, gap = 12, 14
    group = 3 * bar + gap
    height = TOP + 20 + max(len(years), 1) * group + BOTTOM - 10
    top = max([1, *(max(y.original, y.budget, y.spent) for y in years)])
    plot = WIDTH - LABEL_WIDTH - RIGHT - 130

    def w(cents: int) -> float:
        return max(cents / top * plot, 0)

    body = [
        f'<text x="0" y="20" font-size="15" font-weight="bold" fill="{INK}">'
        f"{xml_text(title)}</text>",
    ]
    # The legend, in words and shapes.
    lx: float = LABEL_WIDTH
    for label, kind in zip(legend, ("plan", "budget", "spent"), strict=True):
        body.append(_bar(kind, lx, TOP - 6, 18, 10))
        body.append(f'<text x="{lx + 24}" y="{TOP + 4}" fill="{INK}">{xml_text(label)}</text>')
        lx += 24 + 7.5 * len(label) + 24
    for index, year in enumerate(years):
        y = TOP + 20 + index * group
        body.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 2 * bar}" text-anchor="end" fill="{INK}" '
            f'font-weight="bold">{year.year}</text>'
        )
        for row, (kind, cents) in enumerate(
            (("plan", year.original), ("budget", year.budget), ("spent", year.spent))
        ):
            top_y = y + row * bar
            body.append(_bar(kind, LABEL_WIDTH, top_y, max(w(cents), 1), bar - 2))
            body.append(
                f'<text x="{LABEL_WIDTH + w(cents) + 6:.1f}" y="{top_y + bar - 3}" '
                f'font-size="11" fill="{INK}">{xml_text(format_amount(cents))}</text>'
            )
    return _svg(chart_id, title, desc, height, body)


def _bar(kind: str, x: float, y: float, width: float, height: float) -> str:
    if kind == "plan":
        return (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height}" fill="none" '
            f'stroke="{PLAN}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    colour = BRAND if kind == "budget" else DONE
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height}" fill="{colour}"/>'
