"""Cross-site request forgery protection for every unsafe request.

Two independent checks, both on every POST, PUT, PATCH and DELETE:

1. The browser's own word on where the request came from: ``Sec-Fetch-Site`` (or, from older
   browsers, ``Origin``) must not name another site.
2. A signed, expiring token from the form (``csrf_token``) or the ``X-CSRF-Token`` header.

Flask-WTF's token lives in the session, so showing any form would give an anonymous visitor a
cookie; Glas promises them none. The token is therefore bound to the signed-in session when
there is one, and otherwise to nothing but our secret key and its age. An anonymous form has
no ambient authority to steal, so the origin check is what matters there; the token still
proves the form came from us recently.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

FIELD_NAME = "csrf_token"
HEADER_NAME = "X-CSRF-Token"
#: Session key of the random value a signed-in session's tokens are bound to.
SESSION_KEY = "csrf_binding"
_ANONYMOUS = "anonymous"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

F = TypeVar("F", bound=Callable[..., object])
_exempt_views: set[str] = set()


class CSRFError(Exception):
    """The request failed the CSRF check; ``reason`` says which part, for the log."""

    def __init__(self, reason: str, *, cross_site: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cross_site = cross_site


def exempt(view: F) -> F:
    """Exempt a view that authenticates its caller another way (e.g. a signed logout token)."""
    _exempt_views.add(f"{view.__module__}.{view.__name__}")
    return view


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="glas.csrf")


def new_session_binding() -> None:
    """Bind future tokens to a fresh random value (call when a session is created)."""
    session[SESSION_KEY] = secrets.token_urlsafe(24)


def generate_token() -> str:
    if "csrf_token" not in g:
        binding = session.get(SESSION_KEY, _ANONYMOUS) if session else _ANONYMOUS
        g.csrf_token = _serializer().dumps(binding)
    return str(g.csrf_token)


def hidden_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD_NAME, generate_token())


def validate_token(token: str | None) -> None:
    if not token:
        raise CSRFError("missing token")
    try:
        binding = _serializer().loads(token, max_age=current_app.config["CSRF_TIME_LIMIT"])
    except SignatureExpired:
        raise CSRFError("expired token") from None
    except BadData:
        raise CSRFError("invalid token") from None
    expected = session.get(SESSION_KEY, _ANONYMOUS) if session else _ANONYMOUS
    if not secrets.compare_digest(str(binding), str(expected)):
        raise CSRFError("token bound to another session")


def check_origin() -> None:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        # "none" is a user-initiated navigation (a bookmark); "same-site" may be a sibling
        # subdomain we do not control, so only same-origin passes.
        if fetch_site not in ("same-origin", "none"):
            raise CSRFError(f"Sec-Fetch-Site: {fetch_site}", cross_site=True)
        return
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        if origin == "null":
            raise CSRFError("opaque origin", cross_site=True)
        return  # a non-browser client: the token decides
    allowed = {_origin(request.host_url), _origin(current_app.config["PUBLIC_URL"])}
    if _origin(origin) not in allowed:
        raise CSRFError("foreign Origin", cross_site=True)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def protect() -> None:
    if request.method in _SAFE_METHODS or not current_app.config.get("CSRF_ENABLED", True):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and f"{view.__module__}.{view.__name__}" in _exempt_views:
        return
    try:
        check_origin()
        validate_token(request.form.get(FIELD_NAME) or request.headers.get(HEADER_NAME))
    except CSRFError as error:
        current_app.logger.warning("CSRF check failed on %s: %s", request.path, error.reason)
        abort(403 if error.cross_site else 400, description="csrf")


def init_app(app: Flask) -> None:
    app.before_request(protect)
    app.jinja_env.globals["csrf_token"] = generate_token
    app.jinja_env.globals["csrf_field"] = hidden_field
