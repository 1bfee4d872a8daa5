"""Language selection: Slovenian unless the visitor chose otherwise.

The language is a preference, never part of the URL. An explicit choice is remembered in a
small cookie (the only cookie an anonymous visitor ever gets, and only after choosing), or on
the account of a signed-in resident. The browser's Accept-Language is deliberately not used:
a municipal site in Slovenia answers in Slovenian first, and the switch is one click away.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale
from werkzeug.wrappers import Response as BaseResponse

LANGUAGE_COOKIE = "glas_lang"
_COOKIE_MAX_AGE = 365 * 24 * 3600

#: Feature packages may add a way to read a saved preference (e.g. the signed-in account)
#: and to save one when the visitor uses the switch.
preference_loaders: list[Callable[[], str | None]] = []
preference_savers: list[Callable[[str], None]] = []


def save_preference(language: str) -> None:
    for saver in preference_savers:
        saver(language)


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    if "locale" in g:
        return str(g.locale)
    if not has_request_context():
        # The command line (an import's report, a worker): the site's language.
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    # This browser's explicit choice first, then what the signed-in account saved.
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen not in supported_languages():
        chosen = next((value for loader in preference_loaders if (value := loader())), None)
    if chosen not in supported_languages():
        chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
    g.locale = chosen
    return chosen


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_language(response: BaseResponse, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=_COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


#: Each language's own name, shown in the switch in that language (WCAG 3.1.2: marked with lang).
LANGUAGE_NAMES = {"sl": "Slovenščina", "en": "English", "it": "Italiano", "hu": "Magyar"}


def init_app(app: Flask) -> None:
    @app.after_request
    def _vary_on_cookie(response: Response) -> Response:
        # The same URL is served in several languages, chosen by cookie.
        response.vary.add("Cookie")
        return response
