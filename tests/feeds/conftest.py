"""Fixtures for the feeds: the council, people and letters of ``tests/questions`` and
``tests/replies``, initiatives taken through their services, and ``read``, which fetches a feed
and parses it with a real feed parser.

A non-root conftest may not declare ``pytest_plugins``; importing the fixtures here makes them
this package's too (they are found by name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.initiatives import services
from app.initiatives.models import ResponseKind
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    Council,
    People,
    account,
    council,
    make_councillor,
    make_question,
    people,
    reason_id,
    reference,
    topic_id,
)
from tests.replies.conftest import letters, upload_folder  # noqa: F401 (fixtures)

ATOM = "application/atom+xml; charset=utf-8"

#: The stages an initiative is taken to, through the services, in this order.
STAGES = ("draft", "submitted", "published", "rejected", "answered", "progress")


def parse(body: bytes, content_type: str = ATOM) -> Any:
    """The feed as a real feed parser reads it; it must find nothing to complain about."""
    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def read(client: FlaskClient) -> Callable[..., Any]:
    """``read(path)``: GET a feed, check its content type, and parse it (``parse``)."""

    def _read(path: str, visitor: FlaskClient | None = None) -> Any:
        response = (visitor or client).get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["Content-Type"] == ATOM
        return parse(response.data, response.headers["Content-Type"])

    return _read


def listed(client: FlaskClient, path: str) -> list[str]:
    """The addresses of the items a list page shows, in its order (its cards' title links)."""
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    return re.findall(r'class="item-card__title"><a href="([^"]+)"', page)


def paths(parsed: Any) -> list[str]:
    """The entries' links, as paths on the site (``PUBLIC_URL`` is ``http://localhost``)."""
    return [entry.link.removeprefix("http://localhost") for entry in parsed.entries]


@pytest.fixture
def make_initiative(app: Flask, reference: None, people: People) -> Callable[..., int]:  # noqa: F811
    """An initiative taken to ``stage`` (``STAGES``) through the services; its id.

    Written by ``people.resident`` (or ``author_id``), moderated by ``people.moderator``,
    answered by ``people.official`` (accepted) and, for ``progress``, reported on once.
    """

    def _make(
        stage: str = "published",
        *,
        title: str = "Varen prehod za pešce pred šolo",
        topic: str = "promet",
        author_id: int | None = None,
        body: str = "Predlagam **osvetljen** prehod.",
    ) -> int:
        with app.app_context():
            author = account(author_id or people.resident)
            item = services.create_draft(
                author,
                title=title,
                summary="Otroci prečkajo cesto brez semaforja.",
                body=body,
                topic_id=topic_id(topic),
                community_id=None,
                location=None,
            )
            if stage != "draft":
                services.submit(author, item)
            moderator, official = account(people.moderator), account(people.official)
            if stage == "rejected":
                services.reject(
                    moderator,
                    item,
                    seen=services.version(item),
                    reason_id=reason_id("duplicate"),
                    note="Enaka pobuda je že objavljena.",
                )
            elif stage in ("published", "answered", "progress"):
                services.publish(moderator, item, seen=services.version(item))
            if stage in ("answered", "progress"):
                services.respond(
                    official, item, kind=ResponseKind.ACCEPTED, text="Prehod bomo uredili."
                )
            if stage == "progress":
                services.report_progress(official, item, note="Dela so se začela.", completed=False)
            db.session.commit()
            return item.id

    return _make
