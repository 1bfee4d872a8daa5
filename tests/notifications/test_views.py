"""The notifications on the site: the list, the header's number, reading them, the settings,
the one-click unsubscribe (RFC 8058) and what "download my data" and deletion do with them.

Events are made the way the app makes them (a service's timeline step, then the fan-out);
where only the number of notifications matters (the header's "99+", paging), they are inserted
in bulk, one statement each, as the fan-out does.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from app.auth import accounts
from app.auth.models import EmailFrequency, User
from app.core.models import AuditEntry
from app.core.outbox import OutboxMessage
from app.core.time import utcnow
from app.extensions import db
from app.follows.models import Target
from app.notifications import unsubscribe
from app.notifications.models import Event, Notification
from app.questions.models import Origin, QuestionEvent, QuestionEventKind
from tests.conftest import Queries, made_afresh
from tests.initiatives.test_query_counts import CountQueries
from tests.notifications.conftest import fan_out, follow, told
from tests.questions.conftest import People
from tests.replies.factories import Letters

RESIDENTS_TITLE = "Kdaj bo obnovljen pločnik na Koroški cesti?"
COUNCILLORS_TITLE = "Projekti e-demokracija, e-uprava"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def mojca(reader: Callable[..., int]) -> int:
    """A resident with a confirmed address, who gets e-mail at once."""
    return reader("mojca")


@pytest.fixture
def signed_in(client: FlaskClient, login: Callable[[FlaskClient, int], None], mojca: int) -> int:
    login(client, mojca)
    return mojca


def page(client: FlaskClient, path: str, **query: str) -> str:
    response = client.get(path, query_string=query or None)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def badge(html: str) -> str | None:
    """The header's number of unread notifications, as shown (``None``: no number)."""
    found = re.search(r'<span class="count-badge" aria-hidden="true">([^<]*)</span>', html)
    return found.group(1) if found else None


def items(html: str) -> list[str]:
    return re.findall(r'<li class="notification[^"]*">.*?</li>', html, re.S)


def linked_ids(html: str) -> list[int]:
    """The notifications of a page, by the ids of their links, in the page's order."""
    return [int(n) for n in re.findall(r'href="/me/notifications/(\d+)"', html)]


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="(/me/notifications\?after=[^"]+)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def bulk(
    user_id: int,
    count: int,
    *,
    item_type: str = "question",
    item_id: int = 1,
    kind: str = "question.published",
    read: bool = False,
) -> list[int]:
    """In an app context: ``count`` events told to ``user_id``, committed; their
    notifications' ids, oldest first. Two statements, however many."""
    now = utcnow()
    # Each batch after every notification before it, a millisecond apart: the list's order
    # (newest first) is then the order of the ids, whatever keys the list pages by.
    latest = db.session.scalar(sa.select(sa.func.max(Notification.created_at)))
    start = max(now, latest + timedelta(seconds=1)) if latest else now
    first_event = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Event.id), 0))) or 0
    db.session.execute(
        sa.insert(Event),
        [
            {
                "kind": kind,
                "item_type": item_type,
                "item_id": item_id,
                "data": {},
                "created_at": start + timedelta(milliseconds=n),
                "fanned_up_to": user_id,
                "fanned_out_at": now,
                "recipients": 1,
            }
            for n in range(count)
        ],
    )
    event_ids = list(
        db.session.scalars(sa.select(Event.id).where(Event.id > first_event).order_by(Event.id))
    )
    db.session.execute(
        sa.insert(Notification),
        [
            {
                "event_id": event_id,
                "user_id": user_id,
                "created_at": start + timedelta(milliseconds=n),
                "read_at": now if read else None,
                "mail": "none",
            }
            for n, event_id in enumerate(event_ids)
        ],
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.user_id == user_id, Notification.event_id.in_(event_ids))
            .order_by(Notification.id)
        )
    )


def unread_of(user_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


@pytest.fixture
def told_of_two(
    app: Flask, mojca: int, people: People, make_question: Callable[..., int]
) -> dict[str, int]:
    """Mojca follows the topic "promet" and the councillor Janez Černe; a resident's question
    in that topic is published, then Janez Černe's question is recorded; the worker tells her.
    """
    with app.app_context():
        follow(mojca, Target.TOPIC, _topic())
        follow(mojca, Target.COUNCILLOR, people.councillor_person)
    residents = make_question()
    councillors = make_question(Origin.COUNCILLOR)
    with app.app_context():
        fan_out()
        assert told(mojca) == ["question.published", "question.recorded"]
    return {"residents": residents, "councillors": councillors}


def _topic() -> int:
    from tests.questions.conftest import topic_id

    return topic_id()


# --- the list -----------------------------------------------------------------------------------


def test_the_list_says_what_happened_newest_first(
    client: FlaskClient,
    signed_in: int,
    told_of_two: dict[str, int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    in_english(client)
    html = page(client, "/me/notifications")
    shown = items(html)
    assert len(shown) == 2
    assert f"A new councillor&#39;s question: »{COUNCILLORS_TITLE}«." in shown[0]
    assert f"The question »{RESIDENTS_TITLE}« was published." in shown[1]
    for line in shown:
        assert 'class="notification notification--unread"' in line
        assert "<strong>(new)</strong>" in line
        assert "<time datetime=" in line
    assert "You have 2 unread notifications." in html
    assert 'action="/me/notifications/read"' in html
    assert badge(html) == "2"


def test_the_header_counts_unread_on_every_page(
    client: FlaskClient, signed_in: int, told_of_two: dict[str, int]
) -> None:
    for path in ("/", "/me/", "/me/follows", f"/questions/{told_of_two['residents']}"):
        assert badge(page(client, path)) == "2", path


def test_nothing_yet(
    client: FlaskClient, signed_in: int, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client, "/me/notifications")
    assert items(html) == []
    assert "Nothing yet." in html
    assert "You have read all your notifications." in html
    assert 'action="/me/notifications/read"' not in html
    assert badge(html) is None


@pytest.mark.parametrize(("unread", "shown"), [(1, "1"), (99, "99"), (100, "99+"), (150, "99+")])
def test_the_header_number_stops_at_99(
    app: Flask, client: FlaskClient, signed_in: int, unread: int, shown: str
) -> None:
    with app.app_context():
        bulk(signed_in, 3, read=True)  # read ones do not count
        bulk(signed_in, unread)
    html = page(client, "/")
    assert badge(html) == shown
    # A screen reader hears the number in words, not "99+"; the count stops at 100, so that a
    # moderator's thousands are not counted on every page (app/auth/sessions.py).
    hidden = f"{unread} " if unread <= 99 else "več kot 99 neprebranih obvestil"
    assert f'<span class="visually-hidden">: {hidden}' in html


def test_each_signed_in_person_sees_their_own_number(
    app: Flask, client: FlaskClient, login: Callable[[FlaskClient, int], None], reader
) -> None:
    """Found by the benchmark: the count up to 100 was not tied to the session's account, so
    everyone with a session saw everyone's unread notifications."""
    busy, idle, some = reader("veliko"), reader("nic"), reader("malo")
    with app.app_context():
        bulk(busy, 150)
        bulk(some, 5)
    clients = {}
    for user_id in (busy, idle, some):
        clients[user_id] = app.test_client()
        login(clients[user_id], user_id)
    assert badge(page(clients[busy], "/")) == "99+"
    assert badge(page(clients[idle], "/")) is None
    assert badge(page(clients[some], "/")) == "5"
    # The page itself counts exactly, past the header's 100 (and the header's number, a
    # variable of the base template, does not take the place of the page's own).
    assert "Imate 150 neprebranih obvestil." in page(clients[busy], "/me/notifications")


def test_notifications_of_others_do_not_count(
    app: Flask, client: FlaskClient, signed_in: int, reader: Callable[..., int]
) -> None:
    other = reader("janez")
    with app.app_context():
        bulk(other, 5)
    html = page(client, "/me/notifications")
    assert badge(html) is None
    assert items(html) == []


def test_an_item_gone_is_said_to_be_so(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
) -> None:
    with app.app_context():
        [gone] = bulk(signed_in, 1, item_type="initiative", item_id=2_000_000)
    in_english(client)
    [line] = items(page(client, "/me/notifications"))
    assert "This item is no longer public." in line
    assert "/me/notifications/" not in line  # nothing to open
    assert client.get(f"/me/notifications/{gone}").status_code == 404


# --- reading them -----------------------------------------------------------------------------


def test_mark_all_as_read(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    told_of_two: dict[str, int],
    reader: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    other = reader("janez")
    with app.app_context():
        bulk(other, 2)
    in_english(client)  # the message is made in the language of the POST
    response = client.post("/me/notifications/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/notifications"
    html = page(client, "/me/notifications")
    assert badge(html) is None
    assert "notification--unread" not in html
    assert "(new)" not in html
    assert len(items(html)) == 2  # still listed, read
    assert "You have read all your notifications." in html
    assert "All notifications are marked as read." in html
    with app.app_context():
        assert unread_of(signed_in) == 0
        assert unread_of(other) == 2


@pytest.mark.parametrize("item_type", ["question", "initiative", "reply"])
def test_opening_one_marks_it_read_and_goes_to_its_item(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
    item_type: str,
) -> None:
    if item_type == "question":
        item_id, kind, path = make_question(), "question.published", "/questions/"
    elif item_type == "initiative":
        item_id, kind, path = make_initiative(), "initiative.published", "/initiatives/"
    else:
        with app.app_context():
            item_id = letters.make("published").id
            db.session.commit()
        kind, path = "reply.published", "/replies/"
    with app.app_context():
        first, second = bulk(signed_in, 2, item_type=item_type, item_id=item_id, kind=kind)

    response = client.get(f"/me/notifications/{first}")

    assert response.status_code == 302
    # A path on this site (not the public URL of e-mails), so it works on any host.
    assert response.headers["Location"] == f"{path}{item_id}"
    with app.app_context():
        assert db.session.get(Notification, first).read_at is not None  # type: ignore[union-attr]
        assert db.session.get(Notification, second).read_at is None  # type: ignore[union-attr]
    assert badge(page(client, "/me/notifications")) == "1"


def test_opening_one_again_keeps_when_it_was_read(
    app: Flask, client: FlaskClient, signed_in: int, make_question: Callable[..., int]
) -> None:
    question_id = make_question()
    with app.app_context():
        [one] = bulk(signed_in, 1, item_id=question_id, read=True)
        read_at = db.session.get(Notification, one).read_at  # type: ignore[union-attr]
    assert client.get(f"/me/notifications/{one}").status_code == 302
    with app.app_context():
        assert db.session.get(Notification, one).read_at == read_at  # type: ignore[union-attr]


def test_someone_elses_notification_is_404(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    reader: Callable[..., int],
    make_question: Callable[..., int],
) -> None:
    question_id = make_question()
    other = reader("janez")
    with app.app_context():
        [theirs] = bulk(other, 1, item_id=question_id)
    assert client.get(f"/me/notifications/{theirs}").status_code == 404
    with app.app_context():
        assert unread_of(other) == 1  # not marked read by a stranger


@pytest.mark.parametrize("number", ["2147483647", "2147483648", "99999999999", "0", "abc", "01"])
def test_an_unknown_notification_is_404(client: FlaskClient, signed_in: int, number: str) -> None:
    assert client.get(f"/me/notifications/{number}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/notifications"),
        ("post", "/me/notifications/read"),
        ("get", "/me/notifications/1"),
        ("post", "/me/notifications/settings"),
    ],
)
def test_signed_out_leads_to_sign_in(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.usefixtures("csrf_enabled")
def test_mark_all_as_read_needs_the_token(app: Flask, client: FlaskClient, signed_in: int) -> None:
    with app.app_context():
        bulk(signed_in, 2)
    assert client.post("/me/notifications/read").status_code == 400
    html = page(client, "/me/notifications")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    cross = client.post(
        "/me/notifications/read",
        data={"csrf_token": token.group(1)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    with app.app_context():
        assert unread_of(signed_in) == 2
    same = client.post("/me/notifications/read", data={"csrf_token": token.group(1)})
    assert same.status_code == 302
    with app.app_context():
        assert unread_of(signed_in) == 0


# --- pages of notifications -----------------------------------------------------------------


def test_pages_by_cursor_neither_repeat_nor_skip(
    app: Flask, client: FlaskClient, signed_in: int, make_question: Callable[..., int]
) -> None:
    question_id = make_question()
    with app.app_context():
        made = bulk(signed_in, 75, item_id=question_id)
    seen: list[int] = []
    path: str | None = "/me/notifications"
    pages = 0
    while path is not None:
        html = page(client, path)
        seen += linked_ids(html)
        if pages:
            assert 'href="/me/notifications">' in html  # back to the first page
        path = next_link(html)
        pages += 1
    assert pages == 3
    assert seen == sorted(made, reverse=True)


def test_a_new_notification_does_not_shift_the_next_page(
    app: Flask, client: FlaskClient, signed_in: int, make_question: Callable[..., int]
) -> None:
    """Keyset pages: what arrives while one reads page 1 goes on top, not into page 2."""
    question_id = make_question()
    with app.app_context():
        made = bulk(signed_in, 40, item_id=question_id)
    first = page(client, "/me/notifications")
    assert linked_ids(first) == sorted(made, reverse=True)[:30]
    with app.app_context():
        newer = bulk(signed_in, 5, item_id=question_id)
    following = next_link(first)
    assert following is not None
    second = page(client, following)
    assert linked_ids(second) == sorted(made, reverse=True)[30:]
    assert next_link(second) is None
    assert linked_ids(page(client, "/me/notifications"))[:5] == sorted(newer, reverse=True)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = {
    "not base64": "abc",
    "punctuation": "!!!",
    "a NUL": "%00",
    "too long": "x" * 600,
    "empty": "",
    "an object": _cursor('{"id": 1}'),
    "no value": _cursor("[]"),
    "text": _cursor('["5"]'),
    "null": _cursor("[null]"),
    "infinity": _cursor("[1e400]"),
    "deeply nested": _cursor("[" * 300 + "]" * 300),
}


@pytest.mark.parametrize("after", BAD_CURSORS.values(), ids=list(BAD_CURSORS))
def test_a_bad_cursor_is_400(app: Flask, client: FlaskClient, signed_in: int, after: str) -> None:
    with app.app_context():
        bulk(signed_in, 2)
    response = client.get("/me/notifications", query_string={"after": after})
    assert response.status_code == 400, after


def _time(value: str) -> dict[str, str]:
    return {"t": value}


#: Changes to a cursor the list wrote (its values: the time and id of the last row shown),
#: none of which it would write.
TAMPERED: dict[str, Callable[[list[Any]], list[Any]]] = {
    "a value fewer": lambda values: values[:-1],
    "a value more": lambda values: [*values, 1],
    "the id as text": lambda values: [*values[:-1], str(values[-1])],
    "the id a fraction": lambda values: [*values[:-1], values[-1] + 0.5],
    "the id null": lambda values: [*values[:-1], None],
    # Numbers no id can be: the database refuses to compare them (a 500 without a check).
    "the id of 20 digits": lambda values: [*values[:-1], 10**20],
    "the id 2**63": lambda values: [*values[:-1], 2**63],
    # JSON's true is a Python int too; Glas never writes it.
    "the id a boolean": lambda values: [*values[:-1], True],
    "a time that is no time": lambda values: [
        _time("gestern") if isinstance(v, dict) else v for v in values
    ],
    "a time without its zone": lambda values: [
        _time("2026-01-01T00:00:00") if isinstance(v, dict) else v for v in values
    ],
    # Year 1 at +14:00 is before year 1 in UTC: no database time can hold it.
    "a time before year 1 in UTC": lambda values: [
        _time("0001-01-01T00:00:00+14:00") if isinstance(v, dict) else v for v in values
    ],
    "a time after year 9999 in UTC": lambda values: [
        _time("9999-12-31T23:59:59-14:00") if isinstance(v, dict) else v for v in values
    ],
    "a time as a number": lambda values: [1 if isinstance(v, dict) else v for v in values],
}


@pytest.mark.parametrize("change", TAMPERED.values(), ids=list(TAMPERED))
def test_a_tampered_cursor_is_400(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    make_question: Callable[..., int],
    change: Callable[[list[Any]], list[Any]],
) -> None:
    question_id = make_question()
    with app.app_context():
        bulk(signed_in, 31, item_id=question_id)
    following = next_link(page(client, "/me/notifications"))
    assert following is not None
    cursor = following.partition("after=")[2]
    values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert isinstance(values, list)
    assert page(client, "/me/notifications", after=cursor)  # as written, it works
    forged = _cursor(json.dumps(change(values)))
    response = client.get("/me/notifications", query_string={"after": forged})
    assert response.status_code == 400, change(values)


# --- what the list costs ----------------------------------------------------------------------


def _measure(client: FlaskClient, count_queries: CountQueries) -> Queries:
    first = client.get("/me/notifications")
    assert first.status_code == 200
    with made_afresh(client.application), count_queries() as queries:
        response = client.get("/me/notifications")
        assert response.status_code == 200
        response.get_data()
    return queries


#: The session with its account and the header's unread number (up to 100); the exact unread
#: number the page says in words; the page of notifications; their events; their items of
#: one kind; the timeline steps they come from; the account's roles.
LIST_QUERIES = 7


def test_the_list_costs_the_same_for_one_notification_and_thirty(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    make_question: Callable[..., int],
    count_queries: CountQueries,
) -> None:
    """Each notification of a real timeline step has a step of its own (and its note): 30
    steps must not be 30 look-ups."""
    question_id = make_question()
    with app.app_context():
        follow(signed_in, Target.QUESTION, question_id)
        fan_out()  # its publication
        assert told(signed_in) == ["question.published"]
    one = _measure(client, count_queries)
    one.expect(LIST_QUERIES)
    with app.app_context():
        for n in range(29):
            db.session.add(
                QuestionEvent(
                    question_id=question_id,
                    kind=QuestionEventKind.EXTENDED,
                    note=f"Podaljšano za {n + 1} dni.",
                )
            )
        db.session.commit()
        fan_out()
        assert len(told(signed_in)) == 30
    _measure(client, count_queries).expect(len(one))


def test_items_of_every_kind_cost_one_query_each(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
    count_queries: CountQueries,
) -> None:
    question_id, initiative_id = make_question(), make_initiative()
    with app.app_context():
        reply_id = letters.make("published").id
        db.session.commit()
        bulk(signed_in, 1, item_id=question_id)
        bulk(
            signed_in, 1, item_type="initiative", item_id=initiative_id, kind="initiative.published"
        )
        bulk(signed_in, 1, item_type="reply", item_id=reply_id, kind="reply.published")
    three = _measure(client, count_queries)
    with app.app_context():
        bulk(signed_in, 9, item_id=question_id)
        bulk(
            signed_in, 9, item_type="initiative", item_id=initiative_id, kind="initiative.published"
        )
        bulk(signed_in, 9, item_type="reply", item_id=reply_id, kind="reply.published")
    _measure(client, count_queries).expect(len(three))


# --- the settings form ------------------------------------------------------------------------


def test_the_account_page_has_the_settings(
    client: FlaskClient, signed_in: int, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client, "/me/")
    section = re.search(r'<section class="panel" id="notifications".*?</section>', html, re.S)
    assert section is not None
    form = section.group(0)
    assert "Notifications and following" in form
    assert 'action="/me/notifications/settings"' in form
    for value in ("immediate", "daily", "never"):
        assert f'value="{value}"' in form
    assert re.search(r'<input[^>]*checked[^>]*value="immediate"', form) or re.search(
        r'<input[^>]*value="immediate"[^>]*checked', form
    )
    assert 'name="follow_automatically"' in form


@pytest.mark.parametrize("frequency", list(EmailFrequency))
@pytest.mark.parametrize("automatically", [True, False])
def test_each_setting_is_saved(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    frequency: EmailFrequency,
    automatically: bool,
    in_english: Callable[[FlaskClient], None],
) -> None:
    data = {"email_frequency": frequency.value}
    if automatically:
        data["follow_automatically"] = "y"
    in_english(client)
    response = client.post("/me/notifications/settings", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/#notifications"
    with app.app_context():
        saved = user(signed_in)
        assert (saved.email_frequency, saved.follow_automatically) == (frequency, automatically)
    html = page(client, "/me/")
    assert "Your notification settings are saved." in html
    checked = re.search(r'<input[^>]*name="email_frequency"[^>]*>', html)
    assert checked is not None
    radios = re.findall(r'<input[^>]*name="email_frequency"[^>]*>', html)
    assert [r for r in radios if "checked" in r] == [
        r for r in radios if f'value="{frequency.value}"' in r
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email_frequency": "weekly"}, "Not a valid choice"),
        ({"email_frequency": "IMMEDIATE"}, "Not a valid choice"),
        ({"email_frequency": "never "}, "Not a valid choice"),
        ({"email_frequency": ""}, "Choose how often you get e-mail."),
        ({}, "Choose how often you get e-mail."),
        ({"follow_automatically": "y"}, "Choose how often you get e-mail."),
    ],
)
def test_an_invalid_setting_is_refused_with_the_error_summary(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
    data: dict[str, str],
    message: str,
) -> None:
    with app.app_context():
        user(signed_in).follow_automatically = False
        user(signed_in).email_frequency = EmailFrequency.DAILY
        db.session.commit()
    in_english(client)
    response = client.post("/me/notifications/settings", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert "Please correct the following:" in html
    assert message in html
    assert '<a href="#email_frequency">E-mail about what you follow: ' in html
    with app.app_context():
        saved = user(signed_in)
        assert (saved.email_frequency, saved.follow_automatically) == (EmailFrequency.DAILY, False)


def test_settings_signed_out_change_nothing(app: Flask, client: FlaskClient, mojca: int) -> None:
    response = client.post("/me/notifications/settings", data={"email_frequency": "never"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    with app.app_context():
        assert user(mojca).email_frequency is EmailFrequency.IMMEDIATE


@pytest.mark.usefixtures("csrf_enabled")
def test_settings_need_the_token(app: Flask, client: FlaskClient, signed_in: int) -> None:
    response = client.post("/me/notifications/settings", data={"email_frequency": "never"})
    assert response.status_code == 400
    with app.app_context():
        assert user(signed_in).email_frequency is EmailFrequency.IMMEDIATE


# --- one-click unsubscribe (RFC 8058) -----------------------------------------------------------


def token_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        return unsubscribe.token_for(user(user_id))


def frequency_of(app: Flask, user_id: int) -> EmailFrequency:
    with app.app_context():
        return user(user_id).email_frequency


def unsubscribe_audits(app: Flask, user_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "notifications.unsubscribe",
                    AuditEntry.target_id == user_id,
                )
            )
            or 0
        )


def test_the_link_asks_first_and_changes_nothing(
    app: Flask, client: FlaskClient, mojca: int, in_english: Callable[[FlaskClient], None]
) -> None:
    """A link checker or a mail preview opens the link: that must not unsubscribe anyone."""
    token = token_of(app, mojca)
    in_english(client)
    response = client.get(f"/notifications/unsubscribe/{token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = re.search(r"<form[^>]*>.*?</form>", html, re.S)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert f'action="/notifications/unsubscribe/{token}"' in form.group(0)
    assert "Unsubscribe</button>" in form.group(0)
    assert frequency_of(app, mojca) is EmailFrequency.IMMEDIATE
    assert unsubscribe_audits(app, mojca) == 0
    assert "Set-Cookie" not in response.headers


@pytest.mark.usefixtures("csrf_enabled")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"),
        ("", None),
    ],
)
def test_a_post_without_a_session_or_token_unsubscribes(
    app: Flask,
    mojca: int,
    in_english: Callable[[FlaskClient], None],
    body: str,
    content_type: str | None,
) -> None:
    """As a mail provider's server sends it (RFC 8058): no cookie, no CSRF token, from
    another site."""
    token = token_of(app, mojca)
    server = app.test_client()
    in_english(server)
    kwargs: dict[str, Any] = {"data": body, "headers": {"Sec-Fetch-Site": "cross-site"}}
    if content_type:
        kwargs["content_type"] = content_type
    response = server.post(f"/notifications/unsubscribe/{token}", **kwargs)
    assert response.status_code == 200
    assert "Done: you will get no more notification e-mails." in response.get_data(as_text=True)
    assert frequency_of(app, mojca) is EmailFrequency.NEVER
    assert unsubscribe_audits(app, mojca) == 1


@pytest.mark.usefixtures("csrf_enabled")
def test_the_one_click_body_as_multipart_works_too(app: Flask, mojca: int) -> None:
    token = token_of(app, mojca)
    response = app.test_client().post(
        f"/notifications/unsubscribe/{token}",
        data={"List-Unsubscribe": "One-Click"},
        content_type="multipart/form-data",
        headers={"Origin": "https://mail.example"},
    )
    assert response.status_code == 200
    assert frequency_of(app, mojca) is EmailFrequency.NEVER


def test_unsubscribing_sets_no_cookie(app: Flask, mojca: int) -> None:
    token = token_of(app, mojca)
    response = app.test_client().post(
        f"/notifications/unsubscribe/{token}", data="List-Unsubscribe=One-Click"
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_unsubscribing_twice_is_still_done(app: Flask, mojca: int) -> None:
    token = token_of(app, mojca)
    server = app.test_client()
    for _ in range(2):
        assert server.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert frequency_of(app, mojca) is EmailFrequency.NEVER
    assert unsubscribe_audits(app, mojca) == 1


def test_unsubscribing_keeps_the_notifications_on_the_site(
    app: Flask, mojca: int, told_of_two: dict[str, int]
) -> None:
    app.test_client().post(f"/notifications/unsubscribe/{token_of(app, mojca)}")
    with app.app_context():
        assert unread_of(mojca) == 2


def test_the_link_of_a_queued_mail_works(
    app: Flask, mojca: int, told_of_two: dict[str, int]
) -> None:
    """The address in the mail's List-Unsubscribe header, POSTed as RFC 8058 says."""
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == "mojca@example.si")
        ).first()
        assert message is not None
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        address = message.headers["List-Unsubscribe"].strip("<>")
    assert address.startswith("http://localhost/notifications/unsubscribe/")
    response = app.test_client().post(
        address.removeprefix("http://localhost"),
        data=message_body(),
        content_type="application/x-www-form-urlencoded",
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    assert frequency_of(app, mojca) is EmailFrequency.NEVER


def message_body() -> str:
    return "List-Unsubscribe=One-Click"


def _tampered(app: Flask, user_id: int, how: str) -> str:
    token = token_of(app, user_id)
    with app.app_context():
        address = user(user_id).email or ""
        fingerprint = unsubscribe._fingerprint(address)
        elsewhere = unsubscribe._fingerprint("someone@example.si")
    right = URLSafeSerializer(app.config["SECRET_KEY"], salt="glas.unsubscribe")
    if how == "a signature character":
        # Not the signature's very last character: of its six bits only the first four are
        # the signature's, so "A" for "B" there may change nothing at all (a flaky test). A
        # change of its first character changes the signature's first bits.
        payload, _, signature = token.rpartition(".")
        return f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    if how == "truncated":
        return token[: len(token) // 2]
    if how == "another account's id":
        _payload, _, signature = token.partition(".")
        other = base64.urlsafe_b64encode(json.dumps([user_id + 1, fingerprint]).encode())
        return other.decode().rstrip("=") + "." + signature
    if how == "another secret":
        return str(
            URLSafeSerializer("x" * 48, salt="glas.unsubscribe").dumps([user_id, fingerprint])
        )
    if how == "another salt":
        return str(URLSafeSerializer(app.config["SECRET_KEY"]).dumps([user_id, fingerprint]))
    if how == "another address":
        return str(right.dumps([user_id, elsewhere]))
    if how == "not a list":
        return str(right.dumps({"id": user_id}))
    if how == "a boolean id":
        return str(right.dumps([True, fingerprint]))
    if how == "a text id":
        return str(right.dumps([str(user_id), fingerprint]))
    if how == "nonsense":
        return "abc"
    raise ValueError(how)


@pytest.mark.parametrize(
    "how",
    [
        "a signature character",
        "truncated",
        "another account's id",
        "another secret",
        "another salt",
        "another address",
        "not a list",
        "a boolean id",
        "a text id",
        "nonsense",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_token_is_404_and_changes_nothing(
    app: Flask,
    mojca: int,
    reader: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
    how: str,
    method: str,
) -> None:
    reader("janez")  # the account with the next id: a forged id must not reach it either
    token = _tampered(app, mojca, how)
    server = app.test_client()
    in_english(server)
    response = getattr(server, method)(
        f"/notifications/unsubscribe/{token}", data="List-Unsubscribe=One-Click"
    )
    assert response.status_code == 404, how
    assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert set(db.session.scalars(sa.select(User.email_frequency))) == {
            EmailFrequency.IMMEDIATE
        }


@pytest.mark.parametrize("change", ["new address", "no address", "deleted"])
def test_a_token_for_an_address_the_account_no_longer_has_is_404(
    app: Flask, mojca: int, change: str
) -> None:
    token = token_of(app, mojca)
    with app.app_context():
        account = user(mojca)
        if change == "new address":
            account.email = "mojca.nova@example.si"
        elif change == "no address":
            account.email = None
        else:
            accounts.delete_account(account)
        db.session.commit()
    response = app.test_client().post(f"/notifications/unsubscribe/{token}")
    assert response.status_code == 404
    with app.app_context():
        assert user(mojca).email_frequency is EmailFrequency.IMMEDIATE
    assert unsubscribe_audits(app, mojca) == 0


def test_the_token_of_the_same_address_written_otherwise_still_works(
    app: Flask, mojca: int
) -> None:
    token = token_of(app, mojca)
    with app.app_context():
        user(mojca).email = "Mojca@Example.SI"
        db.session.commit()
    assert app.test_client().post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert frequency_of(app, mojca) is EmailFrequency.NEVER


# --- privacy ----------------------------------------------------------------------------------


def test_download_my_data_has_the_settings_and_notifications(
    app: Flask, client: FlaskClient, signed_in: int, told_of_two: dict[str, int]
) -> None:
    client.post(
        "/me/notifications/settings",
        data={"email_frequency": "daily", "follow_automatically": "y"},
    )
    with app.app_context():
        first = db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == signed_in)
            .order_by(Notification.id)
        ).first()
        assert first is not None
        first.read_at = utcnow()
        db.session.commit()
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert data["notification_settings"] == {
        "email": "daily",
        "email_refused_at": None,
        "email_refused_reason": None,
    }
    assert data["follow_automatically"] is True
    assert [(n["what"], n["item"]) for n in data["notifications"]] == [
        ("question.published", {"type": "question", "id": told_of_two["residents"]}),
        ("question.recorded", {"type": "question", "id": told_of_two["councillors"]}),
    ]
    assert data["notifications"][0]["read_at"] is not None
    assert data["notifications"][1]["read_at"] is None
    assert all(
        n["at"] and n["email"] in ("none", "queued", "digest", "digested")
        for n in data["notifications"]
    )
    assert {(f["target"], f["reason"]) for f in data["follows"]} == {
        ("topic", "chosen"),
        ("councillor", "chosen"),
    }


def test_deleting_the_account_removes_its_notifications(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    reader: Callable[..., int],
    told_of_two: dict[str, int],
) -> None:
    other = reader("janez")
    with app.app_context():
        bulk(other, 2)
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    assert client.post("/me/delete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        mine = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == signed_in)
        )
        assert mine == 0
        assert unread_of(other) == 2
        # The events are public facts, kept; nothing is left that names her.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before
        assert user(signed_in).email is None


# --- both languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("english", [False, True])
def test_the_pages_render_in_both_languages(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    told_of_two: dict[str, int],
    in_english: Callable[[FlaskClient], None],
    english: bool,
) -> None:
    if english:
        in_english(client)
    language = "en" if english else "sl"
    token = token_of(app, signed_in)
    for path in ("/me/notifications", "/me/", "/me/follows", f"/notifications/unsubscribe/{token}"):
        html = page(client, path)
        assert f'<html lang="{language}">' in html, path
    listed = page(client, "/me/notifications")
    assert len(items(listed)) == 2
    assert RESIDENTS_TITLE in listed
    assert COUNCILLORS_TITLE in listed
    refused = client.post("/me/notifications/settings", data={"email_frequency": "x"})
    assert refused.status_code == 422
    assert f'<html lang="{language}">' in refused.get_data(as_text=True)
    done = client.post(f"/notifications/unsubscribe/{token}")
    assert done.status_code == 200
    forged = client.get("/notifications/unsubscribe/abc")
    assert forged.status_code == 404
    assert f'<html lang="{language}">' in forged.get_data(as_text=True)
