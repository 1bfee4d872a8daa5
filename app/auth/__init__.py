"""eID sign-in over OpenID Connect, accounts, server-side sessions and roles."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, g, has_request_context, session
from flask_login import LoginManager
from sqlalchemy.orm import Session

from app.core import i18n
from app.core.time import utcnow

if TYPE_CHECKING:
    from app.auth.models import User

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
#: Session key of the random token that names the server-side session.
SESSION_TOKEN_KEY = "auth"  # noqa: S105  (a dictionary key, not a secret)


def _load_user_from_session(_request: object) -> User | None:
    from app.auth import sessions

    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    now = utcnow()
    auth = sessions.load_session(str(token), now=now)
    if auth is None:
        # Revoked (back-channel logout, "sign out everywhere"), idle or expired.
        session.pop(SESSION_TOKEN_KEY, None)
        return None
    g.auth_session = auth
    if sessions.touch_due(auth, now):
        # Written at the end of the request (``_record_activity``), not by the loader.
        g.session_touch = (auth.id, now)
    return auth.user


def _record_activity(response: Response) -> Response:
    """Persist the session's activity at the request boundary, in a transaction of its own.

    Reading a page is activity too, so this runs for every request, GET included. Whatever
    the view left uncommitted is rolled back first (as the request's teardown would do), so
    this commit carries the touch and nothing else.
    """
    from app.auth import sessions
    from app.extensions import db

    pending = g.pop("session_touch", None)
    if pending is None:
        return response
    session_id, now = pending
    db.session.rollback()
    try:
        sessions.touch(session_id, now)
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        # The page is already made: a missed touch only shortens the idle time once.
        db.session.rollback()
        log.warning("could not record the activity of session %s", session_id, exc_info=True)
    return response


def _touch_with_the_commit(db_session: Session) -> None:
    """Record the session's activity in the transaction the view commits anyway.

    A request that writes (a support, a form) then costs one commit, not two: each commit
    waits for the database to flush its log to disk. ``_record_activity`` is left with the
    requests that commit nothing, such as reading a page.
    """
    from app.auth import sessions

    if not has_request_context() or db_session.in_nested_transaction():
        return
    pending = g.pop("session_touch", None)
    if pending is not None:
        sessions.touch(*pending)


def _saved_language() -> str | None:
    from app.auth.current import current_account

    user = current_account()
    return user.language if user is not None else None


def _save_language(language: str) -> None:
    from app.auth import accounts
    from app.auth.current import current_account

    user = current_account()
    if user is not None:
        accounts.set_language(user, language)


def init_app(app: Flask) -> None:
    from app.auth import oidc

    oidc.init_app(app)
    login_manager.init_app(app)
    login_manager.request_loader(_load_user_from_session)
    login_manager.login_view = "auth.login"
    # No flash on redirect to sign-in: it would give an anonymous visitor a cookie.
    login_manager.login_message = None
    # The server-side session is the protection; Flask-Login must not touch the session.
    login_manager.session_protection = None
    from app.auth import permissions, residency

    app.context_processor(
        lambda: {
            "auth_permissions": permissions,
            # Wherever a page says one cannot take part yet, it says how to change that.
            "residency_instructions": residency.instructions,
        }
    )

    app.after_request(_record_activity)
    from app.extensions import db

    if not sa.event.contains(db.session, "before_commit", _touch_with_the_commit):
        sa.event.listen(db.session, "before_commit", _touch_with_the_commit)

    @app.after_request
    def _private_when_signed_in(response: Response) -> Response:
        # A page made for one person must never be stored by a shared cache.
        if g.get("auth_session") is not None:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    if _saved_language not in i18n.preference_loaders:
        i18n.preference_loaders.insert(0, _saved_language)
        i18n.preference_savers.append(_save_language)


from app.auth import views  # noqa: E402, F401  (registers the routes)
