"""How to have one's residence verified by hand: a text the administration edits.

A person whose eID does not prove residence is told, wherever they learn that they cannot
take part yet, where to go, when, and what to bring. The text is Markdown, one version per
language, kept in the run-time settings (so a change is audited with its old and new value)
and shown sanitised. Until an administrator writes it, a placeholder stands in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.auth import permissions
from app.auth.models import User
from app.core import settings
from app.core.i18n import current_language
from app.core.text import render_markdown

_PREFIX = "residency.instructions."
#: Long enough for an address, opening hours and a list of documents; short enough to read.
MAX_LENGTH = 2000

_PLACEHOLDER = _l(
    "Come to the reception office of the municipality, %(address)s, during office hours. "
    "Bring an identity card or a passport and, if your address is not on it, a certificate "
    "of permanent or temporary residence. Tell the official your public name in Glas: they "
    "verify your residence while you wait, and you can take part at once."
)


class NotAllowed(Exception):
    """Only administrators edit the instructions."""


@dataclass(frozen=True)
class Instructions:
    #: Sanitised by ``render_markdown`` (an allow-list of tags): safe to mark ``|safe``.
    html: str
    #: The language the text is in: the reader's, or Slovenian when no translation exists.
    language: str


def _languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def placeholder(language: str) -> str:
    with force_locale(language):
        return str(_PLACEHOLDER) % {"address": current_app.config["ORGANISATION_ADDRESS"]}


def texts() -> dict[str, str]:
    """The Markdown of each language as stored ("" where none is)."""
    stored = settings.load([_PREFIX + code for code in _languages()])
    return {
        code: value if isinstance(value := stored.get(_PREFIX + code), str) else ""
        for code in _languages()
    }


def instructions(language: str | None = None) -> Instructions:
    """The text for a reader of ``language``: theirs, else the default language's, else the
    placeholder in their language."""
    language = language or current_language()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    stored = texts()
    for code in (language, default):
        if stored.get(code, "").strip():
            return Instructions(render_markdown(stored[code]), code)
    return Instructions(render_markdown(placeholder(language)), language)


def save(actor: User | None, values: dict[str, str]) -> bool:
    """Store the texts (``actor`` None: the system); True if anything changed. Audited."""
    if actor is not None and not permissions.can_edit_site_texts(actor):
        raise NotAllowed
    cleaned = {code: (values.get(code) or "").strip() for code in _languages()}
    if any(len(text) > MAX_LENGTH for text in cleaned.values()):
        raise ValueError("too long")
    if cleaned == texts():
        return False
    settings.save(actor.id if actor else None, {_PREFIX + k: v for k, v in cleaned.items()})
    return True
