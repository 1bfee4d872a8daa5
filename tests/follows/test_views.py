"""The follow buttons (POST forms that work without JavaScript) and "What I follow".

Every page with a follow button is tried the way a browser without JavaScript uses it: the
form's POST, the redirect to ``next``, and the page again with its count. The counts are read
as numbers from the box, not as words: the Slovenian catalogue may not have these sentences
yet, and Slovenian has four plural forms when it does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.extensions import db
from app.follows import services
from app.follows.models import Follow, Reason, Target
from app.initiatives.models import Initiative, InitiativeState
from app.questions.models import QuestionState
from app.reference.models import LocalCommunity, Topic
from tests.follows.conftest import (
    PLACES,
    WITH_A_PAGE,
    Things,
    account,
    follow_rows,
    follows_of,
)
from tests.initiatives.test_query_counts import CountQueries, measure
from tests.questions.conftest import Council, People, person_of
from tests.replies.factories import Letters

ALL_TARGETS = (*WITH_A_PAGE, *PLACES)


# --- helpers ----------------------------------------------------------------------------------


def follow_box(html: str) -> str:
    found = re.search(r'<div class="follow-box">(.*?)</div>', html, re.S)
    assert found is not None, "the page has no follow box"
    return found.group(1)


def follower_count(html: str) -> int:
    """The number the box says follow (``Nobody follows this yet.`` is 0)."""
    sentence = re.search(r"<p>(.*?)</p>", follow_box(html), re.S)
    assert sentence is not None
    numbers = re.findall(r"\d+", sentence.group(1))
    return int(numbers[0]) if numbers else 0


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def rows(app: Flask, user_id: int) -> list[tuple[Target, int, Reason]]:
    with app.app_context():
        return follows_of(user_id)


def all_follow_rows(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) or 0)


def place_path(app: Flask, things: Things, target: Target) -> str:
    """Where a topic or community's follow leads: the initiatives of that place."""
    model = Topic if target is Target.TOPIC else LocalCommunity
    with app.app_context():
        row = db.session.get(model, things.id_of(target))
        assert row is not None
        word = "topic" if target is Target.TOPIC else "community"
        return f"/initiatives/?{word}={row.slug}"


def follow_via_post(client: FlaskClient, things: Things, target: Target) -> None:
    """Follow the way each target's form does it: the button, or the place form."""
    if target in PLACES:
        response = client.post("/me/follows", data={target.value: str(things.id_of(target))})
    else:
        response = client.post(f"/follows/{target}/{things.id_of(target)}")
    assert response.status_code == 302


@pytest.fixture
def signed_in(client: FlaskClient, login: Callable[[FlaskClient, int], None], resident: int) -> int:
    login(client, resident)
    return resident


# --- the button on each page ------------------------------------------------------------------


@pytest.mark.parametrize("target", WITH_A_PAGE)
def test_the_button_follows_and_the_page_counts_one_more(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    path = things.page_of(target)
    target_id = things.id_of(target)
    before = page(client, path)
    box = follow_box(before)
    # A plain form, as without JavaScript: its action, its token field and where it leads back.
    assert f'action="/follows/{target}/{target_id}"' in box
    assert 'name="csrf_token"' in box
    assert f'name="next" value="{path}"' in box
    counted = follower_count(before)

    response = client.post(f"/follows/{target}/{target_id}", data={"next": path})

    assert response.status_code == 302
    assert response.headers["Location"] == path
    after = page(client, path)
    assert follower_count(after) == counted + 1
    assert f'action="/follows/{target}/{target_id}/stop"' in follow_box(after)
    assert rows(app, signed_in) == [(target, target_id, Reason.CHOSEN)]


@pytest.mark.parametrize("target", WITH_A_PAGE)
def test_without_next_the_button_leads_back_to_the_page(
    client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    response = client.post(f"/follows/{target}/{things.id_of(target)}")
    assert response.headers["Location"] == things.page_of(target)


@pytest.mark.parametrize("target", PLACES)
def test_a_place_is_followed_from_what_i_follow(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    form = page(client, "/me/follows")
    select = re.search(rf'<select[^>]*name="{target}".*?</select>', form, re.S)
    assert select is not None
    assert f'<option value="{things.id_of(target)}">' in select.group(0)

    response = client.post("/me/follows", data={target.value: str(things.id_of(target))})

    assert response.status_code == 302
    assert response.headers["Location"] == "/me/follows"
    assert rows(app, signed_in) == [(target, things.id_of(target), Reason.CHOSEN)]
    listed = page(client, "/me/follows")
    assert f'href="{place_path(app, things, target)}"' in listed


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_following_twice_keeps_one_row(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    follow_via_post(client, things, target)
    follow_via_post(client, things, target)
    # The button's address too, for a topic or community (a double click, a second tab).
    assert client.post(f"/follows/{target}/{things.id_of(target)}").status_code == 302
    assert rows(app, signed_in) == [(target, things.id_of(target), Reason.CHOSEN)]


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_stop_following(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    follow_via_post(client, things, target)
    back = things.page_of(target) if target in WITH_A_PAGE else place_path(app, things, target)

    response = client.post(f"/follows/{target}/{things.id_of(target)}/stop")

    assert response.status_code == 302
    assert response.headers["Location"] == back
    assert rows(app, signed_in) == []
    # Stopping again is no error: nothing to stop, the same way back.
    again = client.post(f"/follows/{target}/{things.id_of(target)}/stop")
    assert (again.status_code, again.headers["Location"]) == (302, back)


@pytest.mark.parametrize("target", WITH_A_PAGE)
def test_after_stopping_the_page_counts_one_fewer(
    client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    path = things.page_of(target)
    counted = follower_count(page(client, path))
    client.post(f"/follows/{target}/{things.id_of(target)}")
    assert follower_count(page(client, path)) == counted + 1
    client.post(f"/follows/{target}/{things.id_of(target)}/stop", data={"next": path})
    after = page(client, path)
    assert follower_count(after) == counted
    assert f'action="/follows/{target}/{things.id_of(target)}"' in follow_box(after)


def test_stopping_leaves_the_others_follows(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    make_user: Callable[..., int],
    login: Callable[[FlaskClient, int], None],
) -> None:
    other = make_user()
    other_client = app.test_client()
    login(other_client, other)
    for who in (client, other_client):
        who.post(f"/follows/session/{things.session}")
    client.post(f"/follows/session/{things.session}/stop")
    with app.app_context():
        assert follow_rows(Target.SESSION, things.session) == [other]


# --- what the box says, in both languages -------------------------------------------------------


@pytest.mark.parametrize(
    ("followers", "english", "slovenian"),
    [
        (0, "Nobody follows this yet.", None),
        (1, "1 person follows this.", "oseba"),
        (2, "2 people follow this.", "osebi"),
        (3, "3 people follow this.", "osebe"),
        (4, "4 people follow this.", "osebe"),
        (5, "5 people follow this.", "oseb"),
    ],
)
def test_the_count_in_both_languages(
    app: Flask,
    client: FlaskClient,
    things: Things,
    make_user: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
    followers: int,
    english: str,
    slovenian: str | None,
) -> None:
    """The session has no follower of its own. Slovenian has four plural forms (one, two,
    three and four, five and more): the noun after the number shows which one was chosen."""
    with app.app_context():
        for _ in range(followers):
            services.follow(account(make_user()), Target.SESSION, things.session)
        db.session.commit()
    path = things.page_of(Target.SESSION)
    box = follow_box(page(client, path))
    assert follower_count(box_page(box)) == followers
    if slovenian is not None:
        form = re.search(rf"\b{followers} (oseba|osebi|osebe|oseb)\b", box)
        assert form is not None
        assert form.group(1) == slovenian
    in_english(client)
    assert english in follow_box(page(client, path))


def box_page(box: str) -> str:
    return f'<div class="follow-box">{box}</div>'


def test_the_box_says_you_are_one_of_them(
    client: FlaskClient,
    things: Things,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
) -> None:
    in_english(client)
    path = things.page_of(Target.COUNCILLOR)
    assert "You are one of them." not in page(client, path)
    client.post(f"/follows/councillor/{things.councillor}")
    box = follow_box(page(client, path))
    assert "1 person follows this. You are one of them." in box
    assert "Stop following" in box


def test_signed_out_the_box_offers_sign_in(client: FlaskClient, things: Things) -> None:
    for target in WITH_A_PAGE:
        response = client.get(things.page_of(target))
        box = follow_box(response.get_data(as_text=True))
        assert "<form" not in box
        assert f'href="/auth/login?next={things.page_of(target)}"' in box
        assert "Set-Cookie" not in response.headers  # an anonymous visitor gets no cookie


@pytest.mark.parametrize("target", WITH_A_PAGE)
def test_an_anonymous_page_shows_the_new_count(
    app: Flask,
    things: Things,
    resident: int,
    login: Callable[[FlaskClient, int], None],
    target: Target,
) -> None:
    """The anonymous page is cached; a follow makes it again with the new number."""
    visitor, member = app.test_client(), app.test_client()
    login(member, resident)
    path = things.page_of(target)
    counted = follower_count(page(visitor, path))
    assert follower_count(page(visitor, path)) == counted  # from the cache
    member.post(f"/follows/{target}/{things.id_of(target)}")
    assert follower_count(page(visitor, path)) == counted + 1
    member.post(f"/follows/{target}/{things.id_of(target)}/stop")
    assert follower_count(page(visitor, path)) == counted


# --- next ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_path", ["/questions/", "/questions/?state=open&page=2", "/me/follows", "/"]
)
@pytest.mark.parametrize("action", ["", "/stop"])
def test_a_local_next_is_honoured(
    client: FlaskClient, things: Things, signed_in: int, next_path: str, action: str
) -> None:
    response = client.post(f"/follows/question/{things.question}{action}", data={"next": next_path})
    assert response.headers["Location"] == next_path


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "http://evil.example/questions/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "javascript:alert(1)",
        "http:evil.example",
        "evil.example/questions",
        "/questions/\r\nSet-Cookie: x=1",
        "",
    ],
)
@pytest.mark.parametrize("action", ["", "/stop"])
def test_a_foreign_next_is_ignored(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, next_path: str, action: str
) -> None:
    response = client.post(f"/follows/question/{things.question}{action}", data={"next": next_path})
    assert response.status_code == 302
    assert response.headers["Location"] == things.page_of(Target.QUESTION)
    expected = [] if action else [(Target.QUESTION, things.question, Reason.CHOSEN)]
    assert rows(app, signed_in) == expected


def test_a_foreign_next_of_a_place_leads_to_its_initiatives(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    response = client.post(f"/follows/topic/{things.topic}", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == place_path(app, things, Target.TOPIC)


# --- what cannot be followed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["petition", "user", "Initiative", "INITIATIVE", "initiatives", "x"]
)
@pytest.mark.parametrize("action", ["", "/stop"])
def test_an_unknown_target_word_is_404(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, word: str, action: str
) -> None:
    assert client.post(f"/follows/{word}/{things.initiative}{action}").status_code == 404
    assert rows(app, signed_in) == []


@pytest.mark.parametrize(
    "number", ["0", "-1", "01", "1.5", "abc", "1e3", "2147483648", "99999999999999999999", "٣"]
)
@pytest.mark.parametrize("action", ["", "/stop"])
def test_an_id_that_is_no_id_is_404(
    app: Flask, client: FlaskClient, signed_in: int, number: str, action: str
) -> None:
    assert client.post(f"/follows/initiative/{number}{action}").status_code == 404
    assert all_follow_rows(app) == 0 or rows(app, signed_in) == []


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_what_does_not_exist_is_404(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    assert client.post(f"/follows/{target}/2147483647").status_code == 404
    assert rows(app, signed_in) == []


def _hidden(
    case: str,
    app: Flask,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
    make_user: Callable[..., int],
) -> tuple[Target, int]:
    """A thing that exists and that the public may not see."""
    if case == "initiative withdrawn unpublished":
        initiative_id = make_initiative(InitiativeState.WITHDRAWN)
        with app.app_context():
            initiative = db.session.get(Initiative, initiative_id)
            assert initiative is not None
            initiative.published_at = None  # withdrawn before a moderator published it
            db.session.commit()
        return Target.INITIATIVE, initiative_id
    if case.startswith("initiative "):
        state = InitiativeState(case.removeprefix("initiative "))
        return Target.INITIATIVE, make_initiative(state)
    if case == "question submitted":
        return Target.QUESTION, make_question(state=QuestionState.SUBMITTED)
    if case == "question withdrawn unpublished":
        return Target.QUESTION, make_question(state=QuestionState.WITHDRAWN, published=False)
    if case.startswith("reply "):
        with app.app_context():
            reply = letters.make(case.removeprefix("reply "))
            db.session.commit()
            return Target.REPLY, reply.id
    if case.startswith(("topic", "community")):
        model = Topic if case.startswith("topic") else LocalCommunity
        with app.app_context():
            row = db.session.scalars(sa.select(model).order_by(model.id)).first()
            assert row is not None
            row.is_active = False
            db.session.commit()
            return Target(case.split()[0]), row.id
    if case == "councillor without a seat":
        # A person record of an account with the councillor's role and no mandate: the
        # councillors' pages do not show it (404), so nobody can follow it either.
        user_id = make_user(roles=[(Role.COUNCILLOR, None)])
        with app.app_context():
            return Target.COUNCILLOR, person_of(user_id)
    raise ValueError(case)


@pytest.mark.parametrize(
    "case",
    [
        "initiative draft",
        "initiative submitted",
        "initiative withdrawn unpublished",
        "question submitted",
        "question withdrawn unpublished",
        "reply draft",
        "reply in_review",
        "reply signed",
        "reply sent",
        "topic inactive",
        "community inactive",
        "councillor without a seat",
    ],
)
def test_what_the_public_cannot_see_cannot_be_followed(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
    make_user: Callable[..., int],
    case: str,
) -> None:
    target, target_id = _hidden(case, app, make_initiative, make_question, letters, make_user)
    response = client.post(f"/follows/{target}/{target_id}", data={"next": "/"})
    assert response.status_code == 404, case
    assert rows(app, signed_in) == []
    if target in WITH_A_PAGE:
        # The public has no page of it either.
        public = Things(target_id, target_id, target_id, target_id, target_id, 0, 0, 0)
        assert app.test_client().get(public.page_of(target)).status_code == 404


@pytest.mark.parametrize("case", ["initiative draft", "question submitted", "reply draft"])
def test_a_page_the_public_cannot_see_has_no_follow_button(
    app: Flask,
    client: FlaskClient,
    people: People,
    login: Callable[[FlaskClient, int], None],
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    letters: Letters,
    make_user: Callable[..., int],
    case: str,
) -> None:
    """Its author (or drafter) sees the page; it offers nothing to follow yet."""
    target, target_id = _hidden(case, app, make_initiative, make_question, letters, make_user)
    viewer = {
        Target.INITIATIVE: people.resident,
        Target.QUESTION: people.author,
        Target.REPLY: letters.drafter,
    }[target]
    login(client, viewer)
    path = {
        Target.INITIATIVE: f"/initiatives/{target_id}",
        Target.QUESTION: f"/questions/{target_id}",
        Target.REPLY: f"/replies/{target_id}",
    }[target]
    html = page(client, path)
    assert 'class="follow-box"' not in html
    assert f"/follows/{target}/" not in html


@pytest.mark.parametrize("target", [Target.INITIATIVE, Target.QUESTION])
def test_a_rejected_item_is_public_and_can_be_followed(
    app: Flask,
    client: FlaskClient,
    signed_in: int,
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    target: Target,
) -> None:
    """A refused item shows its title and the reason to everyone: it may be followed."""
    if target is Target.INITIATIVE:
        target_id = make_initiative(InitiativeState.REJECTED)
    else:
        target_id = make_question(state=QuestionState.REJECTED)
    assert client.post(f"/follows/{target}/{target_id}").status_code == 302
    assert rows(app, signed_in) == [(target, target_id, Reason.CHOSEN)]


@pytest.mark.parametrize("action", ["", "/stop"])
def test_signed_out_a_post_leads_to_sign_in(
    app: Flask, client: FlaskClient, things: Things, people: People, action: str
) -> None:
    response = client.post(f"/follows/initiative/{things.initiative}{action}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    with app.app_context():
        # Only its author's own follow, from the fixture.
        assert follow_rows(Target.INITIATIVE, things.initiative) == [people.resident]


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_what_i_follow_leads_to_sign_in(
    app: Flask, client: FlaskClient, things: Things, method: str
) -> None:
    before = all_follow_rows(app)
    response = getattr(client, method)("/me/follows", data={"topic": str(things.topic)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert all_follow_rows(app) == before


def test_get_on_a_button_address_is_not_allowed(
    client: FlaskClient, things: Things, signed_in: int
) -> None:
    assert client.get(f"/follows/initiative/{things.initiative}").status_code == 405


# --- CSRF ---------------------------------------------------------------------------------------


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.usefixtures("csrf_enabled")
@pytest.mark.parametrize("action", ["", "/stop"])
def test_a_post_without_a_token_is_refused(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, action: str
) -> None:
    if action:
        with app.app_context():
            services.follow(account(signed_in), Target.SESSION, things.session)
            db.session.commit()
    response = client.post(f"/follows/session/{things.session}{action}")
    assert response.status_code == 400
    expected = [(Target.SESSION, things.session, Reason.CHOSEN)] if action else []
    assert rows(app, signed_in) == expected


@pytest.mark.usefixtures("csrf_enabled")
def test_a_cross_site_post_is_refused_even_with_a_token(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    token = _token(page(client, things.page_of(Target.SESSION)))
    response = client.post(
        f"/follows/session/{things.session}",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert rows(app, signed_in) == []


@pytest.mark.usefixtures("csrf_enabled")
def test_the_pages_own_form_passes_the_check(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    path = things.page_of(Target.SESSION)
    token = _token(follow_box(page(client, path)))
    response = client.post(
        f"/follows/session/{things.session}",
        data={"csrf_token": token, "next": path},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302
    token = _token(follow_box(page(client, path)))
    response = client.post(
        f"/follows/session/{things.session}/stop",
        data={"csrf_token": token, "next": path},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302
    assert rows(app, signed_in) == []


@pytest.mark.usefixtures("csrf_enabled")
def test_the_place_form_is_checked_too(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    place = str(things.topic)
    assert client.post("/me/follows", data={"topic": place}).status_code == 400
    token = _token(page(client, "/me/follows"))
    cross = client.post(
        "/me/follows",
        data={"topic": place, "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    assert rows(app, signed_in) == []
    same = client.post(
        "/me/follows",
        data={"topic": place, "csrf_token": token},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 302
    assert rows(app, signed_in) == [(Target.TOPIC, things.topic, Reason.CHOSEN)]


# --- What I follow ----------------------------------------------------------------------------


def test_what_i_follow_lists_each_with_its_name_link_and_button(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
) -> None:
    for target in ALL_TARGETS:
        follow_via_post(client, things, target)
    in_english(client)
    html = page(client, "/me/follows")
    items = re.findall(r'<li class="item-card">(.*?)</li>', html, re.S)
    assert len(items) == len(ALL_TARGETS)
    expected_names = {
        Target.INITIATIVE: "Varen prehod za pešce pred šolo",
        Target.QUESTION: "Kdaj bo obnovljen pločnik na Koroški cesti?",
        Target.REPLY: "032-11/2026-2 · Odgovor na svetniško vprašanje",
        Target.COUNCILLOR: "Janez Černe",
        Target.SESSION: "20th regular session",
        Target.TOPIC: "Traffic and roads",
        Target.COMMUNITY: "Besnica",
        Target.PROJECT: "Osvetlitev prehoda",
    }
    labels = {
        Target.INITIATIVE: "Initiative",
        Target.QUESTION: "Question",
        Target.REPLY: "Reply letter",
        Target.COUNCILLOR: "Councillor",
        Target.SESSION: "Session",
        Target.TOPIC: "Topic",
        Target.COMMUNITY: "Local community",
        Target.PROJECT: "Project",
    }
    # Newest first: the last followed is on top.
    for item, target in zip(items, reversed(ALL_TARGETS), strict=True):
        link = things.page_of(target) if target in WITH_A_PAGE else place_path(app, things, target)
        assert f'href="{link}"' in item, target
        assert expected_names[target] in item, target
        assert labels[target] in item, target
        assert f'action="/follows/{target}/{things.id_of(target)}/stop"' in item
        assert 'name="next" value="/me/follows"' in item
        assert "Stop following" in item


def test_stopping_from_the_list_returns_to_the_list(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    follow_via_post(client, things, Target.REPLY)
    response = client.post(f"/follows/reply/{things.reply}/stop", data={"next": "/me/follows"})
    assert response.headers["Location"] == "/me/follows"
    assert rows(app, signed_in) == []
    assert f"/follows/reply/{things.reply}/stop" not in page(client, "/me/follows")


def _hide(app: Flask, things: Things, target: Target) -> None:
    """Make a followed thing no longer public (a moderator's second thought, a topic retired)."""
    with app.app_context():
        if target is Target.INITIATIVE:
            initiative = db.session.get(Initiative, things.initiative)
            assert initiative is not None
            initiative.state = InitiativeState.SUBMITTED
        elif target is Target.TOPIC:
            topic = db.session.get(Topic, things.topic)
            assert topic is not None
            topic.is_active = False
        else:
            community = db.session.get(LocalCommunity, things.community)
            assert community is not None
            community.is_active = False
        db.session.commit()


@pytest.mark.parametrize("target", [Target.INITIATIVE, Target.TOPIC, Target.COMMUNITY])
def test_a_follow_no_longer_public_is_listed_as_such_and_can_be_stopped(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
    target: Target,
) -> None:
    follow_via_post(client, things, target)
    _hide(app, things, target)
    in_english(client)
    html = page(client, "/me/follows")
    items = re.findall(r'<li class="item-card">(.*?)</li>', html, re.S)
    assert len(items) == 1
    assert "This item is no longer public." in items[0]
    assert "<a href" not in items[0]  # no link to a page the public cannot see
    stop = f"/follows/{target}/{things.id_of(target)}/stop"
    assert f'action="{stop}"' in items[0]

    response = client.post(stop, data={"next": "/me/follows"})

    assert response.headers["Location"] == "/me/follows"
    assert rows(app, signed_in) == []
    # Without a next, a hidden target has no page to go back to: the list.
    follow_none = client.post(stop)
    assert follow_none.headers["Location"] == "/me/follows"


def test_nothing_followed_says_so(
    client: FlaskClient, signed_in: int, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    assert "You follow nothing yet." in page(client, "/me/follows")


#: What a forged or empty form sends, what it is refused with, and on which field.
FORGED_PLACES: dict[str, tuple[dict[str, str], str, str]] = {
    "nothing chosen": (
        {"topic": "", "community": ""},
        "topic",
        "Choose a topic or a local community.",
    ),
    "no fields": ({}, "topic", "Choose a topic or a local community."),
    "unknown topic": ({"topic": "999999"}, "topic", "Choose one from the list."),
    "unknown community": ({"community": "999999"}, "community", "Choose one from the list."),
    "the old form's value": ({"topic": "topic:1"}, "topic", "Choose one from the list."),
    "another kind": ({"topic": "initiative:1"}, "topic", "Choose one from the list."),
    "text": ({"topic": "abc"}, "topic", "Choose one from the list."),
    "a leading zero": ({"topic": "01"}, "topic", "Choose one from the list."),
    "negative": ({"community": "-1"}, "community", "Choose one from the list."),
    "an exponent": ({"community": "1e0"}, "community", "Choose one from the list."),
    "a space": ({"topic": " 1"}, "topic", "Choose one from the list."),
    "huge": ({"topic": "9" * 30}, "topic", "Choose one from the list."),
    "one good, one forged": (
        {"topic": "1", "community": "999999"},
        "community",
        "Choose one from the list.",
    ),
}


@pytest.mark.parametrize(
    ("data", "field", "message"), FORGED_PLACES.values(), ids=list(FORGED_PLACES)
)
def test_a_forged_place_is_refused_with_a_message(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    in_english(client)
    before = all_follow_rows(app)
    response = client.post("/me/follows", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    label = "Topic" if field == "topic" else "Local community"
    assert f'<a href="#{field}">{label}: {message}</a>' in html
    assert "<title>Error: " in html
    assert all_follow_rows(app) == before  # nothing, not even the good one of two


def test_a_topic_and_a_community_at_once(
    app: Flask, client: FlaskClient, things: Things, signed_in: int
) -> None:
    response = client.post(
        "/me/follows", data={"topic": str(things.topic), "community": str(things.community)}
    )
    assert response.status_code == 302
    assert sorted(rows(app, signed_in)) == sorted(
        [
            (Target.TOPIC, things.topic, Reason.CHOSEN),
            (Target.COMMUNITY, things.community, Reason.CHOSEN),
        ]
    )


@pytest.mark.parametrize("target", PLACES)
def test_an_inactive_place_is_not_offered_and_refused(
    app: Flask, client: FlaskClient, things: Things, signed_in: int, target: Target
) -> None:
    with app.app_context():
        model = Topic if target is Target.TOPIC else LocalCommunity
        row = db.session.get(model, things.id_of(target))
        assert row is not None
        row.is_active = False
        db.session.commit()
    value = str(things.id_of(target))
    select = re.search(
        rf'<select[^>]*name="{target}".*?</select>', page(client, "/me/follows"), re.S
    )
    assert select is not None
    assert f'<option value="{value}">' not in select.group(0)
    assert client.post("/me/follows", data={target.value: value}).status_code == 422
    assert rows(app, signed_in) == []


def test_what_i_follow_costs_the_same_for_few_and_many(
    app: Flask,
    client: FlaskClient,
    things: Things,
    signed_in: int,
    council: Council,
    people: People,
    letters: Letters,
    make_question: Callable[..., int],
    count_queries: CountQueries,
) -> None:
    """One query per kind of thing followed, however many of each (``targets.describe``)."""
    for target in ALL_TARGETS:
        follow_via_post(client, things, target)
    few = measure(client, count_queries, "/me/follows")
    # The session with its account; the form's topics and communities; the follows; one
    # look-up for each of the eight kinds; the account's roles.
    few.expect(13)
    more_questions = [make_question(title=f"Vprašanje {n}") for n in range(3)]
    with app.app_context():
        me = account(signed_in)
        more = [
            *((Target.QUESTION, q) for q in more_questions),
            *((Target.SESSION, s) for s in (council.future_session_id, council.session_2016_id)),
            (Target.COUNCILLOR, people.other_councillor_person),
            *((Target.REPLY, letters.make("published").id) for _ in range(2)),
            *((Target.TOPIC, t) for t in db.session.scalars(sa.select(Topic.id).limit(5))),
            *((Target.COMMUNITY, c) for c in db.session.scalars(sa.select(LocalCommunity.id))),
        ]
        for target, target_id in more:
            services.follow(me, target, target_id)
        db.session.commit()
    many = measure(client, count_queries, "/me/follows")
    assert len(items_of(page(client, "/me/follows"))) > 30
    many.expect(len(few))


def items_of(html: str) -> list[str]:
    return re.findall(r'<li class="item-card">(.*?)</li>', html, re.S)


# --- both languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("english", [False, True])
def test_the_pages_render_in_both_languages(
    client: FlaskClient,
    things: Things,
    signed_in: int,
    in_english: Callable[[FlaskClient], None],
    english: bool,
) -> None:
    if english:
        in_english(client)
    for target in ALL_TARGETS:
        follow_via_post(client, things, target)
    html = page(client, "/me/follows")
    assert f'lang="{"en" if english else "sl"}"' in html
    for target in WITH_A_PAGE:
        assert follower_count(page(client, things.page_of(target))) >= 1
    assert client.post("/me/follows", data={"topic": "abc"}).status_code == 422
