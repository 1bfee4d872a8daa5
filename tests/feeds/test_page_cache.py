"""Feeds in the cache of anonymous pages: kept as their pages are, under the same tags, so the
write that changes a page changes its feed at once. In the process and in a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.initiatives import services
from app.initiatives.models import Initiative, ResponseKind
from app.replies import services as reply_services
from app.replies.models import Reply
from tests.feeds.conftest import ATOM, parse
from tests.initiatives.test_page_cache import HIT
from tests.questions.conftest import People, account
from tests.replies.factories import Letters


@pytest.fixture(params=["process", "redis"])
def site(request: pytest.FixtureRequest, app_for: Callable[..., Flask]) -> Flask:
    """An app with the cache of pages on; its writes replace the generations it reads."""
    settings: dict[str, Any] = {"PAGE_CACHE_SECONDS": 300}
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.client().flushall()
        settings["CACHE_REDIS_URL"] = server.url
    return app_for(**settings)


def _cached(visitor: FlaskClient, path: str) -> Any:
    """The feed, made once and then served from the cache (checked)."""
    visitor.get(path)
    again = visitor.get(path)
    assert again.headers.get(HIT) == "hit", path
    assert again.headers["Content-Type"] == ATOM
    assert again.headers["Cache-Control"] == "public, no-cache"
    return parse(again.data)


def _fresh(visitor: FlaskClient, path: str) -> Any:
    response = visitor.get(path)
    assert response.status_code == 200
    assert response.headers.get(HIT) != "hit", path
    return parse(response.data, response.headers["Content-Type"])


def test_a_feed_is_kept_and_answers_a_conditional_request(
    site: Flask, make_initiative: Callable[..., int]
) -> None:
    make_initiative("published")
    visitor = site.test_client()
    _cached(visitor, "/initiatives/feed.atom")
    etag = visitor.get("/initiatives/feed.atom").headers["ETag"]
    again = visitor.get("/initiatives/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_response_shows_at_once_in_the_list_feed_and_the_items(
    site: Flask, make_initiative: Callable[..., int], people: People
) -> None:
    initiative = make_initiative("published", title="Klopi v parku")
    visitor = site.test_client()
    item = f"/initiatives/{initiative}/feed.atom"
    assert "Prehod bomo uredili." not in str(_cached(visitor, "/initiatives/feed.atom").entries)
    before = len(_cached(visitor, item).entries)
    with site.app_context():
        found = db.session.get(Initiative, initiative)
        assert found is not None
        services.respond(
            account(people.official), found, kind=ResponseKind.ACCEPTED, text="Prehod bomo uredili."
        )
        db.session.commit()
    listed = _fresh(visitor, "/initiatives/feed.atom")
    assert "Prehod bomo uredili." in listed.entries[0].content[0].value
    assert len(_fresh(visitor, item).entries) == before + 1


def test_a_progress_report_shows_at_once_in_the_items_feed(
    site: Flask, make_initiative: Callable[..., int], people: People
) -> None:
    initiative = make_initiative("answered")
    visitor = site.test_client()
    path = f"/initiatives/{initiative}/feed.atom"
    _cached(visitor, path)
    with site.app_context():
        found = db.session.get(Initiative, initiative)
        assert found is not None
        services.report_progress(
            account(people.official), found, note="Klopi so postavljene.", completed=True
        )
        db.session.commit()
    assert "Klopi so postavljene." in _fresh(visitor, path).entries[0].content[0].value


def test_a_retraction_shows_at_once_in_the_letters_feeds(
    site: Flask, app: Flask, letters: Letters
) -> None:
    with app.app_context():
        reply = letters.make("published")
        db.session.commit()
        reply_id = reply.id
    visitor = site.test_client()
    item, listed = f"/replies/{reply_id}/feed.atom", "/replies/feed.atom"
    assert len(_cached(visitor, item).entries) == 1
    _cached(visitor, listed)
    with site.app_context():
        found = db.session.get(Reply, reply_id)
        assert found is not None
        reply_services.retract(account(letters.drafter), found, reason="Poslano pomotoma.")
        db.session.commit()
    assert len(_fresh(visitor, item).entries) == 2
    assert "Poslano pomotoma." in _fresh(visitor, listed).entries[0].content[0].value
