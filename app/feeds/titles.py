"""Feed titles: the list's name, and the filters it is filtered by, in the visitor's language.

A reader who follows two filtered lists tells their feeds apart by the title. The filters
are named as the list's form names them: the msgids of its template where the labels live
there (``templates/*/list.html``), the models' labels where they live in Python.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.council.models import Person
from app.extensions import db
from app.initiatives import queries as initiative_queries
from app.projects import queries as project_queries
from app.projects.models import LIGHT_LABELS, Light
from app.questions import queries as question_queries
from app.questions.models import KIND_LABELS, Origin
from app.replies import queries as reply_queries
from app.replies.models import TYPE_LABELS
from app.sessions.labels import session_title
from app.sessions.models import CouncilSession

_IS = initiative_queries.StateFilter
_QS = question_queries.StateFilter

#: ``templates/initiatives/list.html``'s names of the states.
INITIATIVE_STATES = {
    _IS.OPEN: _l("Open for support"),
    _IS.AWAITING: _l("Awaiting a response"),
    _IS.OVERDUE: _l("Response overdue"),
    _IS.ANSWERED: _l("Answered"),
    _IS.COMPLETED: _l("Carried out"),
    _IS.EXPIRED: _l("Expired"),
    _IS.WITHDRAWN: _l("Withdrawn"),
    _IS.REJECTED: _l("Not published"),
}
#: ``templates/questions/list.html``'s names of the states and of who asks.
QUESTION_STATES = {
    _QS.OPEN: _l("Waiting for an answer"),
    _QS.OVERDUE: _l("Answer overdue"),
    _QS.ANSWERED: _l("Answered"),
    _QS.PARTIAL: _l("Interim or partial answer"),
    _QS.CLOSED: _l("Withdrawn, merged or lapsed"),
    _QS.REJECTED: _l("Not published"),
}
ORIGINS = {Origin.RESIDENT: _l("Residents"), Origin.COUNCILLOR: _l("Councillors")}


def site(title: str) -> str:
    """A feed's title as a page's ``<title>`` is written (``base.html``)."""
    return f"{title} · Glas · {current_app.config['ORGANISATION_NAME']}"


def _filtered(name: str, parts: list[str | None]) -> str:
    named = [part for part in parts if part]
    if not named:
        return site(name)
    return site(_("%(list)s: %(filters)s", list=name, filters=", ".join(named)))


def _searched(text: str) -> str | None:
    return _("“%(text)s”", text=text) if text else None


def _session(session_id: int | None) -> str | None:
    session = db.session.get(CouncilSession, session_id) if session_id else None
    return session_title(session) if session is not None else None


def _councillor(person_id: int | None) -> str | None:
    person = db.session.get(Person, person_id) if person_id else None
    return person.name if person is not None else None


def initiatives(filters: initiative_queries.Filters) -> str:
    return _filtered(
        _("Initiatives"),
        [
            str(INITIATIVE_STATES[filters.state]) if filters.state in INITIATIVE_STATES else None,
            filters.topic.name if filters.topic else None,
            filters.community.name if filters.community else None,
            _searched(filters.text),
        ],
    )


def questions(filters: question_queries.Filters) -> str:
    """One statement for a councillor's name and one for a session's, when filtered by them."""
    return _filtered(
        _("Questions"),
        [
            str(ORIGINS[filters.origin]) if filters.origin else None,
            str(KIND_LABELS[filters.kind]) if filters.kind else None,
            str(QUESTION_STATES[filters.state]) if filters.state in QUESTION_STATES else None,
            _councillor(filters.councillor),
            _session(filters.session),
            filters.unit.name if filters.unit else None,
            filters.topic.name if filters.topic else None,
            filters.community.name if filters.community else None,
            _searched(filters.text),
        ],
    )


def replies(filters: reply_queries.Filters) -> str:
    return _filtered(
        _("Replies"),
        [
            filters.unit.name if filters.unit else None,
            str(filters.year) if filters.year else None,
            str(TYPE_LABELS[filters.reply_type]) if filters.reply_type else None,
            _councillor(filters.councillor),
            _session(filters.session),
            _searched(filters.text),
        ],
    )


#: The list's name of its "stale" choice of the light filter.
STALE = _l("Not updated for a long time")


def projects(filters: project_queries.Filters) -> str:
    light = None
    if filters.light == project_queries.STALE:
        light = str(STALE)
    elif filters.light is not None:
        light = str(LIGHT_LABELS[Light(filters.light)])
    return _filtered(
        _("Projects"),
        [
            light,
            filters.unit.name if filters.unit else None,
            filters.topic.name if filters.topic else None,
            _("The whole municipality")
            if filters.municipality
            else filters.community.name
            if filters.community
            else None,
            str(filters.year) if filters.year else None,
            _searched(filters.text),
        ],
    )
