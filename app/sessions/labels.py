"""How sessions are named in both languages: "16. redna seja", "the 16th regular session".

Slovenian declines the name ("na 16. redni seji"), so every phrase that names a session is a
message of its own for each kind, not a name put into a sentence.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.templating import local_date
from app.sessions.models import CouncilSession, SessionKind


def ordinal(number: int) -> str:
    """``16.`` in Slovenian, ``16th`` in English."""
    if not str(get_locale() or "sl").startswith("en"):
        return f"{number}."
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def session_title(session: CouncilSession) -> str:
    """The session's name: "16. redna seja" / "16th regular session"."""
    number = ordinal(session.number)
    if session.kind is SessionKind.EXTRAORDINARY:
        return _("%(number)s extraordinary session", number=number)
    if session.kind is SessionKind.CORRESPONDENCE:
        return _("%(number)s correspondence session", number=number)
    return _("%(number)s regular session", number=number)


def posed_at(session: CouncilSession) -> str:
    """The sentence that starts a deadline: "Posed at the 16th regular session on …"."""
    number, day = ordinal(session.number), local_date(session.held_on, "long")
    if session.kind is SessionKind.EXTRAORDINARY:
        return _(
            "Posed at the %(number)s extraordinary session on %(date)s.", number=number, date=day
        )
    if session.kind is SessionKind.CORRESPONDENCE:
        return _(
            "Posed at the %(number)s correspondence session on %(date)s.", number=number, date=day
        )
    return _("Posed at the %(number)s regular session on %(date)s.", number=number, date=day)


def at_session(session: CouncilSession) -> str:
    """A short phrase for cards and links: "at the 16th regular session (20 April 2016)"."""
    number, day = ordinal(session.number), local_date(session.held_on, "long")
    if session.kind is SessionKind.EXTRAORDINARY:
        return _("at the %(number)s extraordinary session (%(date)s)", number=number, date=day)
    if session.kind is SessionKind.CORRESPONDENCE:
        return _("at the %(number)s correspondence session (%(date)s)", number=number, date=day)
    return _("at the %(number)s regular session (%(date)s)", number=number, date=day)
