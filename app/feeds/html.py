"""The HTML of an entry's content, put together from text (escaped) and sanitised HTML.

Entries carry what the item's page shows, as HTML a feed reader renders: the texts the apps
already keep sanitised (``body_html``, ``response_html`` …, see ``app.core.text``) go in as
they are; everything else is text and is escaped by ``markupsafe``. Nothing here writes XML:
feedgen does (``atom``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.templating import local_date


def sanitised(html: str | None) -> Markup:
    """HTML the app sanitised when it was saved (never anything a visitor sent)."""
    return Markup(html or "")  # noqa: S704 (sanitised on save: app.core.text.render_markdown)


def paragraph(*parts: str | Markup | None, strong: bool = False) -> Markup:
    """One paragraph of the non-empty ``parts``, separated by a middle dot (as on the cards)."""
    text = Markup(" · ").join(escape(part) for part in parts if part)
    if not text:
        return Markup("")
    if strong:
        return Markup("<p><strong>{}</strong></p>").format(text)
    return Markup("<p>{}</p>").format(text)


def heading(text: str) -> Markup:
    return Markup("<h2>{}</h2>").format(text)


def link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def items(lines: Iterable[Markup]) -> Markup:
    """A bulleted list; nothing at all for no lines."""
    inner = Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
    return Markup("<ul>{}</ul>").format(inner) if inner else Markup("")


def day(value: date | datetime) -> str:
    """A day in the visitor's language, as the pages write it (``20. aprila 2016``). Text,
    not a ``<time>`` element: it goes into translated sentences, which are escaped whole."""
    return local_date(value, "long")


def day_written(value: str) -> str | None:
    """``day`` of a day or a moment as a timeline's data keeps it (ISO 8601), if it is one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A day (``2016-05-20``) is read as midnight without a zone: it is that day.
    return day(moment.date() if moment.tzinfo is None else moment)


def step_title(step: str, item: str) -> str:
    """An item's step as an entry's title: feed readers show entries of many feeds together,
    so the step alone ("Progress report") would not say of what."""
    if not step:
        return item
    return _("%(step)s: %(item)s", step=step, item=item)


def join(*blocks: Markup) -> str:
    return str(Markup("").join(blocks))
