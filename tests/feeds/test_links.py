"""Every list and item page links its feed in its head (and in a visible link); other pages,
and the pages of what the public does not see, link none."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.questions.models import Origin, QuestionState
from tests.feeds.conftest import parse
from tests.questions.conftest import Council, People
from tests.replies.factories import Letters

_HEAD = re.compile(
    r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">'
)
_VISIBLE = re.compile(r'<a href="([^"]+)" type="application/atom\+xml">([^<]+)</a>')


def feed_links(client: FlaskClient, path: str) -> tuple[list[str], list[str]]:
    """The feeds a page links in its head and in its content (the addresses, unescaped)."""
    response = client.get(path)
    assert response.status_code in (200, 400, 404), path
    page = response.get_data(as_text=True)
    head = page.split("</head>", 1)[0]
    body = page.split("</head>", 1)[1]
    unescape = lambda href: href.replace("&amp;", "&")  # noqa: E731
    return (
        [unescape(href) for _title, href in _HEAD.findall(head)],
        [unescape(href) for href, _text in _VISIBLE.findall(body)],
    )


@pytest.fixture
def items(
    app: Flask,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
) -> dict[str, int]:
    with app.app_context():
        reply = letters.make("published")
        draft = letters.make("draft")
        db.session.commit()
        reply_id, draft_id = reply.id, draft.id
    return {
        "initiative": make_initiative("published"),
        "draft": make_initiative("draft"),
        "question": make_question(Origin.RESIDENT, QuestionState.POSED),
        "reply": reply_id,
        "draft_reply": draft_id,
    }


def test_list_pages_link_their_feed_with_their_filters(
    client: FlaskClient, items: dict[str, int]
) -> None:
    for page, feed in (
        ("/initiatives/", "/initiatives/feed.atom"),
        ("/initiatives/?topic=promet&sort=supported&page=1", "/initiatives/feed.atom?topic=promet"),
        ("/initiatives/?state=all&q=", "/initiatives/feed.atom"),
        ("/questions/", "/questions/feed.atom"),
        (
            "/questions/?origin=resident&state=open",
            "/questions/feed.atom?origin=resident&state=open",
        ),
        ("/replies/", "/replies/feed.atom"),
        ("/replies/?type=full", "/replies/feed.atom?type=full"),
        ("/sessions/", "/sessions/feed.atom"),
    ):
        head, visible = feed_links(client, page)
        assert head == [feed], page
        assert visible == [feed], page
        response = client.get(feed)
        assert response.status_code == 200, feed
        parse(response.data, response.headers["Content-Type"])


def test_item_pages_link_their_feed(
    client: FlaskClient, items: dict[str, int], council: Council, people: People
) -> None:
    for page, feed in (
        (f"/initiatives/{items['initiative']}", f"/initiatives/{items['initiative']}/feed.atom"),
        (f"/questions/{items['question']}", f"/questions/{items['question']}/feed.atom"),
        (f"/replies/{items['reply']}", f"/replies/{items['reply']}/feed.atom"),
        (
            f"/sessions/{council.held_session_id}",
            f"/sessions/{council.held_session_id}/feed.atom",
        ),
        (
            f"/councillors/{people.councillor_person}",
            f"/councillors/{people.councillor_person}/feed.atom",
        ),
    ):
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, page
        head, visible = feed_links(client, response.request.path)
        assert head == [feed], page
        assert visible == [feed], page
        assert client.get(feed).status_code == 200, feed


def test_the_head_link_is_named_in_the_visitors_language(
    client: FlaskClient, items: dict[str, int], in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    page = client.get("/initiatives/").get_data(as_text=True)
    (title, _href), *_ = _HEAD.findall(page)
    assert title == "Atom feed of this page"
    assert "Atom feed of this page</a>" in page


def test_pages_without_a_feed_link_none(
    client: FlaskClient,
    items: dict[str, int],
    login: Callable[..., None],
    people: People,
    letters: Letters,
) -> None:
    for page in (
        "/",
        "/about",
        "/search?q=prehod",
        "/councillors/",
        "/initiatives/?state=nonsense",  # the list's 400 page
        "/initiatives/999999",  # a 404 page of an item
        "/no-such-page",
    ):
        assert feed_links(client, page) == ([], []), page
    # The author sees their draft's page; the draft has no feed, so none is linked.
    login(client, people.resident)
    assert client.get(f"/initiatives/{items['draft']}").status_code == 200
    assert feed_links(client, f"/initiatives/{items['draft']}") == ([], [])
    # Nor does a letter in the works, which its unit's officials see.
    official = client.application.test_client()
    login(official, letters.drafter)
    assert official.get(f"/replies/{items['draft_reply']}").status_code == 200
    assert feed_links(official, f"/replies/{items['draft_reply']}") == ([], [])
