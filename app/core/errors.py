"""Error pages: a clear message in the visitor's language, never a stack trace."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.extensions import db

#: Title and explanation of each error page; the template adds a way forward.
MESSAGES = {
    401: (
        _l("Please sign in"),
        _l("This page is only available after signing in."),
    ),
    400: (
        _l("The request could not be understood"),
        _l("Something in what was sent is not valid. Go back, check the form and try again."),
    ),
    403: (
        _l("You may not do this"),
        _l("Your account does not have permission for this page or action."),
    ),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. It may have moved, or the link may be wrong."),
    ),
    405: (
        _l("This action is not possible here"),
        _l("This address does not accept this kind of request. Go back and use the form."),
    ),
    413: (
        _l("What you sent is too large"),
        _l("The form or file is larger than we accept. Make it smaller and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried this too often in a short time. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("The error has been logged and we will look into it. Please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("This service cannot be reached right now. Please try again in a few minutes."),
    ),
}
#: Used when a form's CSRF token is missing or too old: the common, harmless case.
CSRF_MESSAGE = (
    _l("The form has expired"),
    _l(
        "For your security, forms can only be sent for a limited time after they are shown. "
        "Go back, reload the page and send the form again."
    ),
)


#: Used when a list's URL carries a filter value Glas does not know.
FILTER_MESSAGE = (
    _l("This address has a filter we do not know"),
    _l(
        "A filter or page number in the address is not one Glas offers. Go to the list and "
        "choose the filters again."
    ),
)


#: Parts of the site that answer errors in a format of their own (the API's problem details),
#: by path prefix: registered by the feature (``core`` imports none), used for every error.
renderers: dict[str, Callable[[HTTPException], ResponseReturnValue]] = {}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz"))


def render_error(error: HTTPException) -> ResponseReturnValue:
    for prefix, renderer in renderers.items():
        if request.path.startswith(prefix):
            return renderer(error)
    code = error.code or 500
    title, message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    # An error may bring its own words (app.core.ratelimits.StoreUnavailable).
    title, message = getattr(error, "page_text", None) or (title, message)
    if error.description == "csrf":
        title, message = CSRF_MESSAGE
    elif str(error.description).startswith("filter:"):
        title, message = FILTER_MESSAGE
    if _wants_json():
        return jsonify(error=str(title), status=code), code
    response = render_template("errors/error.html", code=code, title=title, message=message)
    return response, code, _extra_headers(error)


def _extra_headers(error: HTTPException) -> dict[str, str]:
    headers = {}
    # Keep Allow (405) and Retry-After (429, 503) from the original exception.
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After"):
            headers[name] = value
    return headers


def handle_internal_error(error: InternalServerError) -> ResponseReturnValue:
    # Flask has already logged the original exception with its traceback; the visitor sees
    # none of it, and nothing half-done is committed by a later flush.
    db.session.rollback()
    return render_error(error)


def handle_database_error(error: sa.exc.DBAPIError) -> ResponseReturnValue:
    """The database could not be reached (restarted, failing over): 503, "try again".

    Any other database error is a fault, and goes on to the 500 page with its traceback logged.
    """
    lost = error.connection_invalidated or (
        # Raised while connecting (no statement was sent): the server is not there.
        isinstance(error, sa.exc.OperationalError) and error.statement is None
    )
    if not lost:
        raise error
    current_app.logger.warning("database unreachable, answered 503: %s", error.orig)
    # The session's transaction died with its connection; the page may query on a new one.
    db.session.rollback()
    # The page speaks as to a visitor: finding out who is signed in would need the database,
    # which may still be down (Flask-Login's own way of setting the request's user).
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None:
        login_manager._update_request_context_with_user()
    return render_error(ServiceUnavailable(retry_after=5))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(sa.exc.DBAPIError, handle_database_error)
