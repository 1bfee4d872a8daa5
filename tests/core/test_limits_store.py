"""Rate limits when their store, a real Redis, stops (issue 13): the site stays up.

Reads are answered; signing in and every write with a limit get a friendly 503 in the
visitor's language, with ``Retry-After``, and write nothing; requests without a limit notice
nothing; once the same Redis is back, everything works again without restarting the app.
And while Redis is up, a limit counts across the app instances that share it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from limits import parse_many
from werkzeug.test import TestResponse

from app import create_app
from app.api.limits import SCOPE as API_SCOPE
from app.auth.models import AuthSession, User
from app.config import ConfigError
from app.core import pagecache
from app.core.outbox import OutboxMessage
from app.core.ratelimits import (
    RETRY_AFTER_SECONDS,
    STORE_PAUSE_SECONDS,
    STORE_TIMEOUT_SECONDS,
    StoreUnavailable,
)
from app.extensions import db, limiter
from app.follows.models import Follow
from app.initiatives.models import Initiative, Support
from app.questions.models import QuestionSupport
from tests.conftest import base_config
from tests.core._outage import StoppableRedis

LOGGER = "app.core.ratelimits"
#: Rounds of three limited requests (the API, an export, a support) against a stalled Redis.
ROUNDS = 10


def refusal_words(app: Flask, language: str) -> tuple[str, str]:
    """The title and explanation of the refusal, as the catalogue of ``language`` has them."""
    with app.test_request_context(), force_locale(language):
        title, message = StoreUnavailable.page_text
        return str(title), str(message)


def assert_refused(app: Flask, response: TestResponse, language: str = "sl") -> None:
    """The friendly 503: in the visitor's language, "try again in a minute", nothing else."""
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "X-RateLimit-Limit" not in response.headers  # nothing was counted
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    title, message = refusal_words(app, language)
    assert title in page
    assert message in page


def supports_of(app: Flask, initiative_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(Support.initiative_id == initiative_id)
        )


def initiatives_of(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) or 0


def confirmed_at(app: Flask, user_id: int) -> datetime | None:
    with app.app_context():
        return db.session.scalar(sa.select(User.email_confirmed_at).where(User.id == user_id))


def signed_in(app: Flask, login: Callable[..., None], user_id: int) -> FlaskClient:
    client = app.test_client()
    login(client, user_id)
    return client


def test_the_refusal_is_translated(app: Flask) -> None:
    assert refusal_words(app, "en") == (
        "We cannot take this right now",
        "Nothing has been changed. Please try again in a minute.",
    )
    # Slovenian is the default: the refusal must be in the catalogue, not fall back to English.
    assert refusal_words(app, "sl")[0] != refusal_words(app, "en")[0]
    assert refusal_words(app, "sl")[1] != refusal_words(app, "en")[1]


def test_with_redis_stopped_reads_are_answered(
    redis_site: Flask, own_redis: StoppableRedis, make_initiative: Callable[..., int], caplog: Any
) -> None:
    initiative_id = make_initiative()
    own_redis.halt()
    visitor = redis_site.test_client()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for path in (
            "/",
            "/initiatives/",
            f"/initiatives/{initiative_id}",
            "/api/v1/initiatives",
            # Reads with a limit of their own: let through uncounted.
            "/initiatives/export.csv",
            "/initiatives/export.csv",
            "/questions/export.csv",
        ):
            response = visitor.get(path)
            response.get_data()  # an export is streamed: read to its end, as a browser does
            assert response.status_code == 200, path
            assert "X-RateLimit-Limit" not in response.headers, path
    reports = [r for r in caplog.records if r.name == LOGGER]
    # Once in the interval, not a traceback per request.
    assert len(reports) == 1, [r.getMessage() for r in reports]
    assert "rate-limit store unavailable (ConnectionError" in reports[0].getMessage()
    assert not reports[0].exc_info


def test_a_support_is_refused_in_slovenian_and_english_and_not_written(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    initiative_id = make_initiative()
    resident = signed_in(redis_site, login, make_user())
    own_redis.halt()
    assert_refused(redis_site, resident.post(f"/initiatives/{initiative_id}/support"), "sl")
    resident.set_cookie("glas_lang", "en")
    assert_refused(redis_site, resident.post(f"/initiatives/{initiative_id}/support"), "en")
    assert supports_of(redis_site, initiative_id) == 0


def test_other_writes_with_a_limit_are_refused_and_not_written(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_question: Callable[..., int],
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    question_id = make_question()
    initiative_id = make_initiative()
    user_id = make_user()
    resident = signed_in(redis_site, login, user_id)
    with redis_site.app_context():
        question_supports = db.session.scalar(
            sa.select(sa.func.count()).select_from(QuestionSupport)
        )
    own_redis.halt()
    for path in (
        f"/questions/{question_id}/support",
        f"/follows/initiative/{initiative_id}",
        "/me/notifications/settings",
    ):
        assert_refused(redis_site, resident.post(path, data={"frequency": "never"}))
    with redis_site.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(QuestionSupport))
            == question_supports
        )
        assert db.session.scalar(sa.select(sa.func.count()).where(Follow.user_id == user_id)) == 0
    # An anonymous form with a limit too (the accessibility feedback).
    assert_refused(
        redis_site, redis_site.test_client().post("/accessibility", data={"message": "Stopnice"})
    )


def test_signing_in_is_refused(redis_site: Flask, own_redis: StoppableRedis) -> None:
    own_redis.halt()
    visitor = redis_site.test_client()
    for path in ("/auth/login", "/auth/callback?code=abc&state=def"):
        response = visitor.get(path)
        assert_refused(redis_site, response)
        # The view never ran: no sign-in begun, no cookie.
        assert "Set-Cookie" not in response.headers


def test_requests_without_a_limit_and_writes_that_end_something_go_on(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    user_id = make_user()
    phone, laptop = signed_in(redis_site, login, user_id), signed_in(redis_site, login, user_id)
    own_redis.halt()
    assert phone.get("/me/").status_code == 200
    # "Sign out everywhere" has a limit, but refusing it would keep a lost phone signed in.
    assert laptop.post("/me/sessions/end-all").status_code == 302
    assert phone.get("/me/").status_code == 302  # signed out there too: off to sign in
    again = signed_in(redis_site, login, user_id)
    response = again.post("/auth/logout")  # no limit at all
    assert response.status_code == 302
    with redis_site.app_context():
        open_sessions = db.session.scalar(
            sa.select(sa.func.count()).where(
                AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
            )
        )
    assert open_sessions == 0
    assert again.get("/auth/logged-out").status_code == 200


def test_everything_works_again_when_redis_is_back(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
    eid_provider: Any,
    caplog: Any,
) -> None:
    initiative_id = make_initiative()
    resident = signed_in(redis_site, login, make_user())
    visitor = redis_site.test_client()
    own_redis.halt()
    assert resident.post(f"/initiatives/{initiative_id}/support").status_code == 503
    assert visitor.get("/auth/login").status_code == 503
    own_redis.resume()  # the same socket, as a restarted Redis; the app is not restarted
    # The limits (and the page cache) leave the store alone for a moment after a failure.
    time.sleep(max(STORE_PAUSE_SECONDS, pagecache.RETRY_AFTER_SECONDS))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert resident.post(f"/initiatives/{initiative_id}/support").status_code == 302
    assert supports_of(redis_site, initiative_id) == 1
    assert any("store answers again" in r.getMessage() for r in caplog.records)
    started = visitor.get("/auth/login")
    assert started.status_code == 302
    assert started.headers["Location"].startswith(eid_provider.issuer)
    counted = visitor.get("/initiatives/export.csv")
    counted.get_data()
    assert counted.status_code == 200
    assert counted.headers["X-RateLimit-Limit"] == "30"
    assert own_redis.client().keys("LIMITS*"), "counted in Redis again"
    # The page cache is used again too.
    anonymous = redis_site.test_client()  # ``visitor`` has a session now: sign-in began
    anonymous.get(f"/initiatives/{initiative_id}")
    assert anonymous.get(f"/initiatives/{initiative_id}").headers.get("X-Glas-Cache") == "hit"


def test_a_stalled_redis_costs_a_request_its_timeout_not_a_worker(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    """A Redis that accepts connections and never answers (a stopped process, a dead host
    behind a firewall that drops): a limited request waits one timeout, then goes on."""
    initiative_id = make_initiative()
    resident = signed_in(redis_site, login, make_user())
    own_redis.stop_answering()
    try:
        started = time.monotonic()
        exported = redis_site.test_client().get("/initiatives/export.csv")
        assert exported.status_code == 200
        exported.get_data()
        assert resident.post(f"/initiatives/{initiative_id}/support").status_code == 503
        took = time.monotonic() - started
    finally:
        own_redis.answer_again()
    # Two limited requests: a timeout each, and one of the page cache's, which then rests.
    assert took < 2 * STORE_TIMEOUT_SECONDS + pagecache.REDIS_TIMEOUT_SECONDS + 1.5
    assert supports_of(redis_site, initiative_id) == 0


def test_a_stalled_redis_costs_one_timeout_then_the_limits_rest(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
    caplog: Any,
) -> None:
    """After a failure the limits leave the store alone for ``STORE_PAUSE_SECONDS``: with sync
    workers, half a second for every API request would be two requests a second per worker.
    The decisions stay those of a failure; once the pause is over, the store counts again."""
    initiative_id = make_initiative()
    resident = signed_in(redis_site, login, make_user())
    visitor, api = redis_site.test_client(), redis_site.test_client()
    budget = parse_many(str(redis_site.config["API_RATE_LIMIT"]))[0]
    own_redis.stop_answering()
    try:
        started = time.monotonic()
        statuses: list[int] = []
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            for _ in range(ROUNDS):
                # The API's own limit first: its failure rests Flask-Limiter's limits as well.
                statuses.append(api.get("/api/v1/initiatives").status_code)
                exported = visitor.get("/initiatives/export.csv")
                exported.get_data()
                statuses.append(exported.status_code)
                statuses.append(resident.post(f"/initiatives/{initiative_id}/support").status_code)
        took = time.monotonic() - started
    finally:
        own_redis.answer_again()
    assert statuses == [200, 200, 503] * ROUNDS
    # One timeout of the limits' store and one of the page cache's (which rests as well), and
    # the requests' own work; a timeout for each limited request would be 15 s.
    assert took < STORE_TIMEOUT_SECONDS + pagecache.REDIS_TIMEOUT_SECONDS + 1.5, took
    reports = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(reports) == 1, reports
    assert "rate-limit store unavailable (TimeoutError" in reports[0]
    # Redis answers again, but the pause is not over: decided as in the outage, not asked.
    assert time.monotonic() - started < STORE_PAUSE_SECONDS - 1
    assert resident.post(f"/initiatives/{initiative_id}/support").status_code == 503
    assert supports_of(redis_site, initiative_id) == 0
    # After the pause the limits count again, by themselves.
    time.sleep(STORE_PAUSE_SECONDS)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert resident.post(f"/initiatives/{initiative_id}/support").status_code == 302
    assert supports_of(redis_site, initiative_id) == 1
    assert any("store answers again" in r.getMessage() for r in caplog.records)
    counted = visitor.get("/initiatives/export.csv")
    counted.get_data()
    assert counted.headers["X-RateLimit-Limit"] == "30"

    def api_budget_left() -> int:
        return limiter.limiter.get_window_stats(budget, API_SCOPE, "127.0.0.1").remaining

    left = api_budget_left()
    assert api.get("/api/v1/initiatives").status_code == 200
    assert api_budget_left() == left - 1, "the API's limit counts in Redis again"


def test_looking_something_up_goes_on_uncounted(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    people: Any,
    login: Callable[..., None],
) -> None:
    """Forms that only look something up save nothing: let through like a read. Checking a
    letter's fingerprint, and "look for similar initiatives" on the new and the edit form."""
    make_initiative(title="Klop in streha na postaji Primskovo")
    draft_id = make_initiative("draft", author_id=people.resident)
    resident = signed_in(redis_site, login, people.resident)
    before = initiatives_of(redis_site)
    own_redis.halt()
    checked = redis_site.test_client().post("/replies/verify", data={"sha256": "ab" * 32})
    assert checked.status_code == 200
    assert "ab" * 32 in checked.get_data(as_text=True)  # the answer for that fingerprint
    for path in ("/initiatives/new", f"/initiatives/{draft_id}/edit"):
        similar = resident.post(path, data={"action": "check", "title": "klop na postaji"})
        assert similar.status_code == 200, path
        assert "Klop in streha na postaji Primskovo" in similar.get_data(as_text=True), path
        assert "X-RateLimit-Limit" not in similar.headers
    # Saving the new draft is a write: it waits.
    assert_refused(
        redis_site,
        resident.post("/initiatives/new", data={"title": "Klop na postaji", "summary": "Da."}),
    )
    assert initiatives_of(redis_site) == before


def test_an_address_is_not_confirmed_while_the_limit_cannot_count(
    redis_site: Flask,
    own_redis: StoppableRedis,
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    """The link of a confirmation e-mail is a GET that writes: it waits like a write."""
    user_id = make_user(pseudonym="Tina")
    resident = signed_in(redis_site, login, user_id)
    form = {"pseudonym": "Tina", "language": "sl", "email": "tina@example.si"}
    assert resident.post("/me/", data=form).status_code == 302
    with redis_site.app_context():
        message = db.session.scalars(sa.select(OutboxMessage)).one()
    link = re.search(r"http://localhost(/auth/confirm-email/\S+)", message.body_text)
    assert link, message.body_text
    own_redis.halt()
    assert_refused(redis_site, resident.get(link.group(1)))
    assert confirmed_at(redis_site, user_id) is None
    own_redis.resume()
    time.sleep(STORE_PAUSE_SECONDS)
    assert resident.get(link.group(1)).status_code == 200
    assert confirmed_at(redis_site, user_id) is not None


def test_a_store_that_fails_after_the_count_leaves_the_page_without_headers(
    app_for: Callable[..., Flask], own_redis: StoppableRedis, restore_limiter: None
) -> None:
    """Flask-Limiter asks the store again after the view, for the X-RateLimit-* headers: a
    Redis gone by then must not turn the page into a 500."""
    other = app_for(RATELIMIT_STORAGE_URI=own_redis.limits_url)

    @limiter.limit("10 per minute")
    def counted(stop: str) -> str:
        if stop == "stop":
            own_redis.halt()
        return "done"

    other.add_url_rule("/test/counted/<stop>", view_func=counted)
    visitor = other.test_client()
    first = visitor.get("/test/counted/go")
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "10"
    second = visitor.get("/test/counted/stop")
    assert second.status_code == 200
    assert second.get_data(as_text=True) == "done"
    assert "X-RateLimit-Limit" not in second.headers


def test_the_limit_counts_across_app_instances_sharing_redis(
    app_for: Callable[..., Flask], own_redis: StoppableRedis, restore_limiter: None
) -> None:
    """The accessibility form takes 5 an hour from an address: 5 in all, not 5 per server."""
    one = app_for(RATELIMIT_STORAGE_URI=own_redis.limits_url)
    statuses = [
        one.test_client().post("/accessibility", data={"message": f"ovira {n}"}).status_code
        for n in range(3)
    ]
    first_store = limiter.storage
    # The limiter is one object in this process: the second app gives it a store (a client
    # and its connections) of its own, and only Redis knows what the first one counted. With
    # a store in each process (memory://) the count would start again here.
    two = app_for(RATELIMIT_STORAGE_URI=own_redis.limits_url)
    assert limiter.storage is not first_store
    statuses += [
        two.test_client().post("/accessibility", data={"message": f"ovira {n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [302] * 5 + [429]
    assert own_redis.client().keys("LIMITS*pages.accessibility*")


def test_a_redis_store_gets_short_timeouts(
    app_for: Callable[..., Flask], own_redis: StoppableRedis, restore_limiter: None
) -> None:
    app_for(RATELIMIT_STORAGE_URI=own_redis.limits_url)
    connection = limiter.storage.storage.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert connection["socket_timeout"] == STORE_TIMEOUT_SECONDS
    assert connection["socket_connect_timeout"] == STORE_TIMEOUT_SECONDS
    # The operator's own value wins; the other is still short.
    app_for(
        RATELIMIT_STORAGE_URI=own_redis.limits_url, RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 1}
    )
    connection = limiter.storage.storage.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert connection["socket_timeout"] == 1
    assert connection["socket_connect_timeout"] == STORE_TIMEOUT_SECONDS


def test_the_page_caches_redis_has_short_timeouts(redis_site: Flask) -> None:
    backend = redis_site.extensions["cache"][pagecache.cache]
    connection = backend._write_client.connection_pool.connection_kwargs
    assert connection["socket_timeout"] == pagecache.REDIS_TIMEOUT_SECONDS
    assert connection["socket_connect_timeout"] == pagecache.REDIS_TIMEOUT_SECONDS


def test_store_options_only_for_redis_and_only_an_object() -> None:
    assert create_app(base_config("sqlite://")).config["RATELIMIT_STORAGE_OPTIONS"] == {}
    with pytest.raises(ConfigError, match="FLASK_RATELIMIT_STORAGE_OPTIONS must be a JSON"):
        create_app(base_config("sqlite://", RATELIMIT_STORAGE_OPTIONS="socket_timeout=1"))
