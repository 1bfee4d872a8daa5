"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/v1/`` is answered here — a bad parameter, an unknown id or path, a
wrong method, the rate limit, a fault — through the site's one error handler
(``app.core.errors.renderers``), so that the site's friendly HTML pages stay for everything
else. The ``title`` and ``detail`` are in the client's language (``http.api_locale``); the
``type`` is ``about:blank`` (the status says what happened), and a 400 lists what was wrong
with each parameter in ``invalid_params``, with a stable ``code`` for programs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import json, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException

from app.core import errors

PROBLEM_TYPE = "application/problem+json"

#: Title and detail of each status the API answers with; others fall back to 400 or 500.
MESSAGES = {
    400: (
        _l("The request is not valid"),
        _l("A query parameter of the request is not valid; see invalid_params."),
    ),
    404: (
        _l("Not found"),
        _l("There is nothing at this address: the id or the path is not one the API has."),
    ),
    405: (
        _l("Method not allowed"),
        _l("The API is read-only: use GET, HEAD or OPTIONS."),
    ),
    429: (
        _l("Too many requests"),
        _l("This address has made too many requests. Wait for the time in Retry-After."),
    ),
    500: (
        _l("Internal error"),
        _l("Something went wrong on our side. The error has been logged; try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The service cannot answer right now. Try again after the time in Retry-After."),
    ),
}

#: What can be wrong with a parameter: stable codes for programs, reasons for people.
REASONS = {
    "unknown": _l("This parameter is not known here."),
    "duplicate": _l("This parameter may be given only once."),
    "empty": _l("This parameter must not be empty."),
    "too_long": _l("This value is too long."),
    "invalid": _l("This value is not one the parameter accepts."),
    "out_of_range": _l("This number is outside the range the parameter accepts."),
    "bad_cursor": _l("This cursor was not made by the API for this list and order."),
}


@dataclass(frozen=True)
class InvalidParam:
    name: str
    code: str


class InvalidParams(BadRequest):
    """One or more query parameters are not valid: a 400 that names each of them."""

    def __init__(self, params: list[InvalidParam]) -> None:
        super().__init__(description="invalid params")
        self.params = params


def invalid(name: str, code: str) -> InvalidParams:
    return InvalidParams([InvalidParam(name, code)])


def problem_body(error: HTTPException) -> dict[str, Any]:
    code = error.code or 500
    title, detail = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(title),
        "status": code,
        "detail": str(detail),
        # The path as asked (not the whole URL: a query may be long, and is the client's own).
        "instance": request.path,
    }
    if isinstance(error, InvalidParams):
        body["invalid_params"] = [
            {"name": item.name, "code": item.code, "reason": str(REASONS[item.code])}
            for item in error.params
        ]
    return body


def render(error: HTTPException) -> ResponseReturnValue:
    """The problem details of ``error``, in the client's language, with its own headers."""
    from app.api.http import api_locale  # http imports this module

    code = error.code or 500
    with force_locale(api_locale()):
        body = problem_body(error)
    headers: dict[str, str] = {"Content-Type": PROBLEM_TYPE}
    # Allow (405) and Retry-After (429, 503) belong to the problem as much as its body.
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After") or name.startswith("X-RateLimit-"):
            headers[name] = value
    if code == 405:
        # Werkzeug lists what the route has (GET, HEAD, OPTIONS): the same three everywhere.
        headers["Allow"] = "GET, HEAD, OPTIONS"
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return text, code, headers


# Registered on import: the app imports the API's views (``app.register_blueprints``), which
# import this module. ("/api/v1" without its slash is only ever redirected to it.)
errors.renderers["/api/v1/"] = render
