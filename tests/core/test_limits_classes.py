"""Every rate-limited request has a class: what it gets when its limit cannot be counted.

*Open*: let through uncounted (it only reads, or only ends something); *closed*: the friendly
503, before anything is written (``app.core.ratelimits``). The test walks every endpoint that
carries a Flask-Limiter limit, for every method it accepts (and for the form button that
changes which limit applies, ``action=check``), and checks the class against ``EXPECTED``, on
a real Redis that is stopped: whoever adds a limit classes it here, and the class is what a
visitor gets, not what a list says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask
from flask_limiter._limits import RuntimeLimit  # what LimitManager gives; not re-exported
from flask_limiter.util import get_qualified_name
from werkzeug.routing import Rule

from app.core.ratelimits import RETRY_AFTER_SECONDS
from app.extensions import limiter
from tests.core._outage import StoppableRedis

OPEN, CLOSED = "open", "closed"
#: A read (an export): let through uncounted. (HEAD runs the GET's view, and its limits.)
READ = {"GET": OPEN, "HEAD": OPEN}
#: A write: it waits. (A limit of a form shown by GET is on its POST only; Flask answers
#: OPTIONS itself, without the view, and so without its limits.)
WRITE = {"POST": CLOSED}
#: The steps of signing in, and links that write: GETs that wait.
ACTING_GET = {"GET": CLOSED, "HEAD": CLOSED}
#: A POST sent by the form's "look for similar initiatives" button.
CHECK = "POST action=check"
#: Form data of the variants of a POST that may change which limits apply.
VARIANTS = {CHECK: {"action": "check"}}

EXPECTED: dict[str, dict[str, str]] = {
    "account.download": READ,
    "account.end_all_sessions": {"POST": OPEN},  # ends sessions
    "account.update": WRITE,
    "accountability.councillors_csv": READ,
    "accountability.overdue_csv": READ,
    "accountability.units_csv": READ,
    "accountability.verdicts_csv": READ,
    "auth.backchannel_logout": {"POST": OPEN},  # ends sessions
    "auth.callback": ACTING_GET,
    "auth.confirm_email": ACTING_GET,  # writes the address as confirmed
    "auth.login": ACTING_GET,
    "auth.welcome": WRITE,
    "follows.follow": WRITE,
    "follows.unfollow": WRITE,
    "initiatives.add_attachment": WRITE,
    "initiatives.edit": {CHECK: OPEN},  # saving the edit has no limit
    "initiatives.export": READ,
    "initiatives.new": {"POST": CLOSED, CHECK: OPEN},
    "initiatives.support": WRITE,
    "initiatives.unsupport": WRITE,
    "notifications.settings": WRITE,
    "notifications.unsubscribe": {"GET": OPEN, "HEAD": OPEN, "POST": OPEN},  # ends mail
    "pages.accessibility": WRITE,
    "projects.add_link": WRITE,
    "projects.add_milestone": WRITE,
    "projects.close_commitment": WRITE,
    "projects.commitments_csv": READ,
    "projects.edit": WRITE,
    "projects.export_csv": READ,
    "projects.import_csv": WRITE,
    "projects.new": WRITE,
    "projects.record_commitment": WRITE,
    "projects.remove_link": WRITE,
    "projects.set_year": WRITE,
    "projects.update_milestone": WRITE,
    "projects.update_schedule": WRITE,
    "projects.update_status": WRITE,
    "questions.export": READ,
    "questions.new": WRITE,
    "questions.record": WRITE,
    "questions.support": WRITE,
    "questions.unsupport": WRITE,
    "replies.add_annex": WRITE,
    "replies.export_csv": READ,
    "replies.import_letter": WRITE,
    "replies.new": WRITE,
    "replies.sign": WRITE,
    "replies.verdict": WRITE,
    "replies.verify": {"POST": OPEN},  # compares a letter's fingerprint, saves nothing
}


@dataclass(frozen=True)
class Limited:
    """One request that a limit applies to: an endpoint's address, a method, a form."""

    endpoint: str
    url: str
    how: str  # "GET", "POST", or a variant such as CHECK
    method: str
    form: dict[str, str]


def _limits(
    app: Flask, rule: Rule, url: str, method: str, form: dict[str, str]
) -> list[RuntimeLimit]:
    """The decorated limits that apply to this request, as Flask-Limiter decides it."""
    name = get_qualified_name(app.view_functions[rule.endpoint])
    with app.test_request_context(url, method=method, data=form):
        return [
            limit
            for limit in limiter.limit_manager.decorated_limits(name)
            if not limit.method_exempt and not limit.is_exempt
        ]


def limited_requests(app: Flask) -> Iterator[Limited]:
    """Every request that a limit applies to, from the limits Flask-Limiter holds."""
    manager = limiter.limit_manager
    # Limits for every endpoint or a whole blueprint would make every request limited, and
    # this walk (over decorated limits) would miss them: the site has none.
    assert not manager.default_limits
    assert not manager.application_limits
    assert not any(manager.blueprint_limits(app, name) for name in app.blueprints)
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not manager.decorated_limits(get_qualified_name(app.view_functions[rule.endpoint])):
            continue  # (the addresses of views with limits take ids and words: 1 fits all)
        for method in sorted(rule.methods or ()):
            if method == "OPTIONS" and rule.provide_automatic_options:
                continue  # answered by Flask: the view (and so its limits) never runs
            url = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), method=method)
            plain = _limits(app, rule, url, method, {})
            if plain:
                yield Limited(rule.endpoint, url, method, method, {})
            if method != "POST":
                continue
            for how, form in VARIANTS.items():
                # A variant is its own request only where it changes the limits that apply.
                other = _limits(app, rule, url, method, form)
                if other and other != plain:
                    yield Limited(rule.endpoint, url, how, method, form)


def test_every_limited_request_is_classed(app: Flask) -> None:
    found: dict[str, set[str]] = {}
    for request in limited_requests(app):
        found.setdefault(request.endpoint, set()).add(request.how)
    unclassed = sorted(
        f"{endpoint} {how}"
        for endpoint, hows in found.items()
        for how in hows
        if how not in EXPECTED.get(endpoint, {})
    )
    assert not unclassed, (
        "limited requests without a class: add them to EXPECTED (and to app.core.ratelimits "
        f"where the method does not tell): {unclassed}"
    )
    stale = sorted(
        f"{endpoint} {how}"
        for endpoint, hows in EXPECTED.items()
        for how in hows
        if how not in found.get(endpoint, set())
    )
    assert not stale, f"EXPECTED lists requests that no limit applies to: {stale}"


def test_each_class_is_what_a_visitor_gets_when_redis_stops(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    requests = list(limited_requests(redis_site))
    assert len(requests) > 60  # the walk found the site's limits
    resident = make_user()

    def send(request: Limited) -> tuple[int, dict[str, str]]:
        # Signed in, as most limits sit under @login_required and count only then; afresh
        # each time, as "sign out everywhere" is among the requests.
        visitor = redis_site.test_client()
        login(visitor, resident)
        response = visitor.open(request.url, method=request.method, data=request.form)
        response.get_data()  # an export is streamed: read to its end
        assert response.status_code != 500, (request, response.get_data(as_text=True)[:500])
        return response.status_code, dict(response.headers)

    # While Redis answers, each of them is counted: the walk is what the limiter does.
    for request in requests:
        _, headers = send(request)
        assert "X-RateLimit-Limit" in headers, request
    own_redis.halt()
    got: dict[str, dict[str, str]] = {}
    for request in requests:
        status, headers = send(request)
        refused = status == 503 and headers.get("Retry-After") == str(RETRY_AFTER_SECONDS)
        got.setdefault(request.endpoint, {})[request.how] = CLOSED if refused else OPEN
    assert got == EXPECTED
