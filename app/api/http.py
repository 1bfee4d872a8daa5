"""HTTP of the API: JSON bodies, ETags, caching, CORS and the language of its messages.

- **ETag and 304.** Every 200 carries a strong ETag made from its body (Werkzeug's SHA-1 of
  the bytes); ``If-None-Match`` with it gets a 304 without a body. When the page cache keeps
  the response it answers the condition itself, after keeping the whole body
  (``pagecache.storing``); otherwise it is answered here.
- **Cache-Control: public, no-cache**, as the site's cached pages: anyone may keep a copy, but
  must ask again each time. A list changes with every write (a new item, a count), and a
  stale count in someone's dashboard is worse than a round trip, which the ETag makes cheap.
  Problems are ``no-store``: a 429 or a 503 is about this moment only.
- **CORS.** Anyone may read the data from any origin: ``Access-Control-Allow-Origin: *`` on
  every response of the API (errors and 304s too), never with credentials (the API reads no
  cookie of its own and sets none), and a preflight ``OPTIONS`` answered 204 here.
- **Language.** Data is language-neutral (codes, both names); only the messages of problems
  are translated, into the language of ``Accept-Language`` (a program's natural way to ask),
  else the site's language cookie, else Slovenian. Problems therefore vary on it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request

from app.api import bp
from app.core import pagecache
from app.core.i18n import LANGUAGE_COOKIE

PREFIX = "/api/v1/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match"
#: What a script on another origin may read besides the simple headers.
EXPOSED_HEADERS = (
    "ETag, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
#: How long a browser may keep a preflight's answer (Chromium keeps it at most two hours).
PREFLIGHT_MAX_AGE = "7200"
CACHE_CONTROL = "public, no-cache"


def api_locale() -> str:
    """The language of the API's messages: ``Accept-Language``, the site's cookie, Slovenian."""
    languages = list(current_app.config["LANGUAGES"])
    asked = request.accept_languages.best_match(languages)
    if asked:
        return str(asked)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen is not None and chosen in languages:
        return chosen
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def json_response(body: Any, *, headers: dict[str, str] | None = None) -> Response:
    """A 200 with ``body`` as compact UTF-8 JSON (the ETag and caching come after the view)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return Response(text, mimetype="application/json", headers=headers)


@bp.before_request
def _preflight() -> Response | None:
    # Before the view: a preflight asks what a GET from another origin may send, nothing more.
    if request.method != "OPTIONS":
        return None
    return Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Allow": ALLOWED_METHODS,
        },
    )


@bp.after_app_request
def _finish(response: Response) -> Response:
    """Every response under ``/api/v1/`` (also errors and unknown paths, which have no
    blueprint): CORS, and the cache headers of a body or of a problem."""
    if not request.path.startswith(PREFIX):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if response.status_code >= 400:
        headers["Cache-Control"] = "no-store"
        response.vary.add("Accept-Language")
        return response
    if response.status_code == 200 and response.mimetype == "application/json":
        response.add_etag()
        headers["Cache-Control"] = CACHE_CONTROL
        if not pagecache.storing():
            response.make_conditional(request)
    return response
