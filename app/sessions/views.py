"""Sessions of the council: the list, a session's page, and the council office's record."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.auth.current import login_required, signed_in_account
from app.core import pagecache
from app.core.routing import id_or_400
from app.core.time import next_midnight
from app.core.time import today as local_today
from app.extensions import db
from app.questions import permissions
from app.questions import queries as question_queries
from app.sessions import bp, services
from app.sessions.forms import SessionForm
from app.sessions.models import CouncilSession, SessionKind


@bp.get("/")
@pagecache.cached(lambda: ("sessions", "council"), params=("term",))
def index() -> ResponseReturnValue:
    """One term's sessions (the latest term's by default), with links to the other terms."""
    terms = question_queries.terms()
    try:
        term = question_queries.term_or_latest(terms, id_or_400(request.args.get("term")))
    except LookupError:
        abort(404)
    return render_template(
        "sessions/list.html",
        terms=terms,
        term=term,
        sessions=question_queries.sessions(term.id) if term else [],
        today=local_today(),
    )


def _previous_regular(session: CouncilSession) -> date | None:
    """The day of the regular session before this one (replies "presented" since then)."""
    found: date | None = db.session.scalar(
        sa.select(sa.func.max(CouncilSession.held_on)).where(
            CouncilSession.body_id == session.body_id,
            CouncilSession.kind == SessionKind.REGULAR,
            CouncilSession.held_on < session.held_on,
        )
    )
    return found


@bp.get("/<id:session_id>")
@pagecache.cached(lambda session_id: (f"session:{session_id}", "sessions", "questions"))
def detail(session_id: int) -> ResponseReturnValue:
    session = db.first_or_404(
        sa.select(CouncilSession)
        .where(CouncilSession.id == session_id)
        .options(
            joinedload(CouncilSession.body),
            joinedload(CouncilSession.term),
            selectinload(CouncilSession.agenda),
        )
    )
    today = local_today()
    previous = _previous_regular(session)
    # Answers given between the previous regular session and this one are presented at it.
    presented = (
        question_queries.answered_in(previous, session.held_on)
        if session.kind is SessionKind.REGULAR and previous is not None
        else []
    )
    pagecache.expires_by(next_midnight())  # the cards say "overdue" by the day
    return render_template(
        "sessions/detail.html",
        session=session,
        posed=question_queries.at_session(session.id),
        presented=presented,
        previous=previous,
        today=today,
    )


def _form_page(
    form: SessionForm, session: CouncilSession | None, status: int
) -> ResponseReturnValue:
    return render_template("sessions/form.html", form=form, session=session), status


def _saved(form: SessionForm, session: CouncilSession | None) -> ResponseReturnValue | None:
    """Save a valid form (a new session, or changes to ``session``); ``None``: show it again."""
    if not form.validate_on_submit():
        return None
    try:
        if session is None:
            session = services.create(signed_in_account(), form.content())
        else:
            services.update(signed_in_account(), session, form.content())
    except services.InvalidValue as error:
        db.session.rollback()
        _error(form, error.field)
        return None
    except services.Duplicate:
        db.session.rollback()
        form.number.errors = [
            _("A session of this kind with this number already exists in the term.")
        ]
        return None
    db.session.commit()
    flash(_("The session is saved."), "success")
    return redirect(url_for("sessions.detail", session_id=session.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    if not permissions.can_manage_sessions(signed_in_account()):
        abort(403)
    form = SessionForm()
    return _saved(form, None) or _form_page(form, None, 422 if form.errors else 200)


_MESSAGES = {
    "body": _l("Choose the body."),
    "term": _l("Choose a term of this body."),
    "held_on": _l("The date must fall within the term."),
    "number": _l("Give a number from 1 to 9999."),
    "agenda": _l(
        "At most %(items)d items of at most %(length)d characters.",
        items=services.MAX_AGENDA_ITEMS,
        length=services.AGENDA_ITEM_MAX,
    ),
}


def _error(form: SessionForm, field: str) -> None:
    target = getattr(form, field, None)
    if target is None:
        abort(400)
    target.errors = [*target.errors, str(_MESSAGES[field])]


class _SessionData:
    def __init__(self, session: CouncilSession) -> None:
        self.body = str(session.body_id)
        self.term = str(session.term_id)
        self.kind = session.kind.value
        self.number = session.number
        self.held_on = session.held_on
        self.note = session.note or ""
        self.agenda = "\n".join(item.title for item in session.agenda)


@bp.route("/<id:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int) -> ResponseReturnValue:
    session = db.get_or_404(CouncilSession, session_id)
    if not permissions.can_manage_sessions(signed_in_account()):
        abort(403)
    form = SessionForm(obj=None if request.method == "POST" else _SessionData(session))
    return _saved(form, session) or _form_page(form, session, 422 if form.errors else 200)
