"""eID sign-in over OpenID Connect, accounts, server-side sessions and roles."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, session
from flask_login import LoginManager, current_user

from app.core import i18n

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
#: Session key of the random token that names the server-side session.
SESSION_TOKEN_KEY = "auth"  # noqa: S105  (a dictionary key, not a secret)


def _load_user_from_session(_request: object) -> object | None:
    from app.auth import services

    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    auth = services.load_session(str(token))
    if auth is None:
        # Revoked (back-channel logout, "sign out everywhere"), idle or expired.
        session.pop(SESSION_TOKEN_KEY, None)
        return None
    g.auth_session = auth
    return auth.user


def _saved_language() -> str | None:
    if current_user and current_user.is_authenticated:
        return str(current_user.language)
    return None


def _save_language(language: str) -> None:
    from app.auth import services

    if current_user and current_user.is_authenticated:
        services.set_language(current_user._get_current_object(), language)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    from app.auth import oidc

    oidc.init_app(app)
    login_manager.init_app(app)
    login_manager.request_loader(_load_user_from_session)
    login_manager.login_view = "auth.login"
    # No flash on redirect to sign-in: it would give an anonymous visitor a cookie.
    login_manager.login_message = None  # type: ignore[assignment]
    # The server-side session is the protection; Flask-Login must not touch the session.
    login_manager.session_protection = None  # type: ignore[assignment]
    from app.auth import permissions

    app.context_processor(lambda: {"auth_permissions": permissions})

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
