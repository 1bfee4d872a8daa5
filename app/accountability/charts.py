"""Horizontal bar charts as SVG text, made on the server: no JavaScript, no inline styles.

The strict Content-Security-Policy (``app.core.security``) allows neither ``data:`` images nor
``style`` attributes or elements, so a chart is its own SVG file, served from Glas's routes, and
drawn with presentation attributes only (``fill=``, ``font-size=``). Its ``<title>`` and
``<desc>`` say the chart and its numbers in words; the page shows the same numbers in a table.
Labels come from the database: every text is escaped, and characters XML 1.0 does not allow
are dropped, so the file is always well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

#: The chart's width, where the labels end and the bars begin, and the room for the value.
WIDTH = 720
LABEL_WIDTH = 300
VALUE_WIDTH = 90
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 40
BOTTOM = 12
#: Longer labels are cut with "…" in the picture (the description and the table say them whole).
LABEL_MAX = 40
# The colours of glas.css (--ink, --ink-muted, --brand): 8.3:1 and more on white.
INK = "#1b1f24"
MUTED = "#48525e"
BAR = "#0a4f8c"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    """Text for an XML element or attribute: escaped, without characters XML cannot hold."""
    return escape(_NOT_XML.sub("", value), quote=True)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def size(rows: int) -> tuple[int, int]:
    """The width and height of a chart of ``rows`` bars (for the ``<img>``'s attributes)."""
    return WIDTH, TOP + max(rows, 1) * ROW_HEIGHT + BOTTOM


def _plain(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    title: str,
    desc: str,
    rows: list[tuple[str, float]],
    unit: str,
    *,
    maximum: float | None = None,
    format_value: Callable[[float], str] | None = None,
    empty: str = "",
) -> str:
    """A horizontal bar chart: one bar per (label, value), in the order given.

    ``unit`` is the values' unit: ``"%"`` scales the bars to 100, any other (or none, ``""``)
    to the largest value, or to ``maximum`` if given. Each bar is followed by its value,
    written by ``format_value`` (the visitor's way: ``flask_babel.format_percent``), or else as
    a plain number and the unit. ``empty`` is written when there are no rows.
    """
    width, height = size(len(rows))
    scale = maximum if maximum is not None else (100.0 if unit == "%" else 0.0)
    top = max([scale, *(value for _label, value in rows)]) or 1.0
    span = width - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title '
        f'chart-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{_text(FONT)}" font-size="13">',
        f'<title id="chart-title">{_text(title)}</title>',
        f'<desc id="chart-desc">{_text(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="0" y="20" font-size="15" font-weight="bold" fill="{INK}">{_text(title)}</text>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="{TOP + 18}" fill="{MUTED}">{_text(empty)}</text>')
    suffix = f"\u00a0{unit}" if unit else ""  # a no-break space: "50 %" stays on one line
    for index, (label, value) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        middle = y + BAR_HEIGHT / 2 + 4.5  # the text's baseline, centred on the bar
        bar = max(0.0, value) / top * span
        parts.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{middle:g}" text-anchor="end" fill="{INK}">'
            f"{_text(_cut(label))}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{middle:g}" fill="{INK}">'
            f"{_text(format_value(value) if format_value else _plain(value) + suffix)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
