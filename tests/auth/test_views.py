"""The first-sign-in form, the header, e-mail confirmation and CSRF for signed-in people."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import User
from app.core.time import utcnow
from app.extensions import db


def _user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


@pytest.fixture
def newcomer(make_user, login, client: FlaskClient) -> int:
    """Signed in, no public name yet."""
    user_id = make_user(pseudonym=None)
    login(client, user_id)
    return user_id


def test_without_a_public_name_every_page_leads_to_welcome(
    client: FlaskClient, newcomer: int
) -> None:
    response = client.get("/about")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/welcome?next=/about"
    # …but the privacy notice and the statement can still be read first.
    assert client.get("/privacy").status_code == 200


def test_welcome_saves_the_profile(app: Flask, client: FlaskClient, newcomer: int) -> None:
    response = client.post(
        "/auth/welcome?next=/about", data={"pseudonym": "Tina iz Stražišča", "language": "sl"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/about"
    assert _user(app, newcomer).pseudonym == "Tina iz Stražišča"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pseudonym": "", "language": "sl"}, "Izberite javno ime."),
        ({"pseudonym": "ab", "language": "sl"}, "Uporabite vsaj 3 znake."),
        ({"pseudonym": "x" * 41, "language": "sl"}, "Uporabite največ 40 znakov."),
        ({"pseudonym": "<script>", "language": "sl"}, "Uporabite samo latinične črke"),
        ({"pseudonym": "123", "language": "sl"}, "Uporabite vsaj dve črki."),
        ({"pseudonym": "Župan", "language": "sl"}, "zamenjali z občino"),
        ({"pseudonym": "Tina", "language": "de"}, "Neveljavna izbira."),
        ({"pseudonym": "Tina"}, "Izberite jezik."),
        ({"pseudonym": "Tina", "language": "sl", "email": "nope"}, "Vpišite e-naslov"),
    ],
)
def test_welcome_explains_bad_input_and_saves_nothing(
    app: Flask, client: FlaskClient, newcomer: int, data: dict[str, str], message: str
) -> None:
    response = client.post("/auth/welcome", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user(app, newcomer).pseudonym is None


def test_welcome_refuses_a_taken_name(
    app: Flask, client: FlaskClient, newcomer: int, make_user
) -> None:
    make_user(pseudonym="Tina")
    response = client.post("/auth/welcome", data={"pseudonym": "TINA", "language": "sl"})
    assert response.status_code == 422
    assert "To javno ime je že zasedeno." in response.get_data(as_text=True)


def test_welcome_needs_sign_in(client: FlaskClient) -> None:
    response = client.get("/auth/welcome")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_header_shows_the_account_when_signed_in(client: FlaskClient, make_user, login) -> None:
    login(client, make_user(pseudonym="Tina"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/me/"' in page
    assert ">Tina<" in page
    assert "Odjava" in page
    assert "Skrbništvo" not in page


def test_header_offers_sign_in_when_anonymous(client: FlaskClient) -> None:
    page = client.get("/about").get_data(as_text=True)
    assert 'href="/auth/login?next=/about"' in page


def test_signed_in_pages_are_private_to_caches(client: FlaskClient, make_user, login) -> None:
    login(client, make_user())
    assert client.get("/").headers["Cache-Control"] == "private, no-store"


def test_the_language_switch_is_saved_on_the_account(
    app: Flask, client: FlaskClient, make_user, login
) -> None:
    user_id = make_user()
    login(client, user_id)
    client.get("/language/en?next=/")
    assert _user(app, user_id).language == "en"
    # Another browser of the same person gets English without a cookie.
    other = app.test_client()
    login(other, user_id)
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("csrf_enabled")
def test_a_form_token_from_before_sign_in_is_refused(client: FlaskClient, make_user, login) -> None:
    page = client.get("/accessibility").get_data(as_text=True)
    anonymous_token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert anonymous_token
    login(client, make_user())
    response = client.post("/auth/logout", data={"csrf_token": anonymous_token.group(1)})
    assert response.status_code == 400


@pytest.mark.usefixtures("csrf_enabled")
def test_sign_out_needs_a_token(client: FlaskClient, make_user, login) -> None:
    login(client, make_user())
    assert client.post("/auth/logout").status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert token
    assert client.post("/auth/logout", data={"csrf_token": token.group(1)}).status_code == 302


def test_sign_out_when_not_signed_in_just_leaves(client: FlaskClient) -> None:
    response = client.post("/auth/logout")
    assert response.status_code == 302


def test_logged_out_page(client: FlaskClient) -> None:
    assert "Odjavili ste se" in client.get("/auth/logged-out").get_data(as_text=True)


def test_callback_without_a_sign_in_in_progress(client: FlaskClient) -> None:
    response = client.get("/auth/callback?code=abc&state=xyz")
    assert response.status_code == 400
    assert "Prijava je potekla" in response.get_data(as_text=True)


def test_callback_with_a_provider_error(client: FlaskClient) -> None:
    client.get("/auth/login")  # a sign-in in progress: its state is in the session
    with client.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_eid_")]
    state = key.removeprefix("_state_eid_")
    response = client.get(f"/auth/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "Prijava je bila preklicana" in response.get_data(as_text=True)


def test_only_three_sign_in_attempts_are_remembered(client: FlaskClient) -> None:
    for _ in range(6):
        client.get("/auth/login")
    with client.session_transaction() as session:
        assert len([k for k in session if k.startswith("_state_eid_")]) == 3


class TestEmail:
    def test_a_new_address_is_unconfirmed_until_the_link(
        self, app: Flask, client: FlaskClient, make_user, login, smtp
    ) -> None:
        user_id = make_user(pseudonym="Tina")
        login(client, user_id)
        response = client.post(
            "/me/", data={"pseudonym": "Tina", "language": "sl", "email": "Tina@Example.SI"}
        )
        assert response.status_code == 302
        user = _user(app, user_id)
        assert user.email == "tina@example.si"
        assert user.email_confirmed_at is None
        with app.app_context():
            from app.core.outbox import OutboxMessage

            [message] = db.session.scalars(sa.select(OutboxMessage))
        link = re.search(r"http://localhost(/auth/confirm-email/\S+)", message.body_text)
        assert link, message.body_text
        page = client.get(link.group(1))
        assert page.status_code == 200
        assert "E-naslov je potrjen" in page.get_data(as_text=True)
        assert _user(app, user_id).email_confirmed_at is not None

    def test_a_link_for_a_replaced_address_is_void(
        self, app: Flask, client: FlaskClient, make_user, login
    ) -> None:
        user_id = make_user(pseudonym="Tina")
        login(client, user_id)
        client.post("/me/", data={"pseudonym": "Tina", "language": "sl", "email": "a@example.si"})
        with app.app_context():
            from app.core.outbox import OutboxMessage

            first = db.session.scalars(sa.select(OutboxMessage)).one()
            link = re.search(r"http://localhost(/auth/confirm-email/\S+)", first.body_text)
        client.post("/me/", data={"pseudonym": "Tina", "language": "sl", "email": "b@example.si"})
        assert link
        response = client.get(link.group(1))
        assert response.status_code == 400
        assert "Povezava ni veljavna" in response.get_data(as_text=True)
        assert _user(app, user_id).email_confirmed_at is None

    def test_a_forged_link_is_refused(self, client: FlaskClient) -> None:
        response = client.get("/auth/confirm-email/forged.token")
        assert response.status_code == 400

    def test_an_expired_link_is_refused(
        self, app: Flask, client: FlaskClient, make_user, login
    ) -> None:
        user_id = make_user(pseudonym="Tina")
        login(client, user_id)
        client.post("/me/", data={"pseudonym": "Tina", "language": "sl", "email": "a@example.si"})
        with app.app_context():
            from app.core.outbox import OutboxMessage

            message = db.session.scalars(sa.select(OutboxMessage)).one()
        link = re.search(r"http://localhost(/auth/confirm-email/\S+)", message.body_text)
        assert link
        app.config["EMAIL_CONFIRMATION_HOURS"] = -1
        try:
            response = client.get(link.group(1))
        finally:
            app.config["EMAIL_CONFIRMATION_HOURS"] = 48
        assert response.status_code == 400
        assert "Povezava je potekla" in response.get_data(as_text=True)


# What a new resident tripped over (issue 7).
def test_a_newcomer_is_not_shown_as_a_former_user(client: FlaskClient, newcomer: int) -> None:
    page = client.get("/auth/welcome").get_data(as_text=True)
    assert "Nekdanji uporabnik" not in page
    assert ">Moj račun<" in page


def test_a_newcomer_in_the_administration_is_not_a_former_user(app: Flask, make_user) -> None:
    with app.test_request_context():
        newcomer = db.session.get(User, make_user(pseudonym=None))
        assert newcomer is not None
        assert newcomer.display_name == "Račun še brez javnega imena"
        newcomer.deleted_at = newcomer.created_at
        assert newcomer.display_name == "Nekdanji uporabnik"


@pytest.mark.parametrize("name", ["Tina K.", "Tina"])
def test_the_greeting_ends_in_one_full_stop(client: FlaskClient, newcomer: int, name: str) -> None:
    response = client.post(
        "/auth/welcome", data={"pseudonym": name, "language": "sl"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert name in page
    assert ".." not in page


def test_the_header_links_my_initiatives(client: FlaskClient, make_user, login) -> None:
    login(client, make_user(pseudonym="Tina"))
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/initiatives/mine">Moje pobude</a>' in page
    mine = client.get("/initiatives/mine").get_data(as_text=True)
    assert '<a href="/initiatives/mine" aria-current="page">Moje pobude</a>' in mine


def test_a_newcomer_without_residence_is_told_how_to_have_it_verified(
    client: FlaskClient, make_user, login
) -> None:
    login(client, make_user(pseudonym=None, resident_verified_at=None, residency_source=None))
    page = client.get("/auth/welcome").get_data(as_text=True)
    assert "Kako vam potrdijo prebivališče" in page
    assert "Storitev e-identitete ni potrdila, da živite v občini." in page


def test_a_newcomer_who_lives_here_is_not(client: FlaskClient, newcomer: int) -> None:
    assert "Kako vam potrdijo prebivališče" not in client.get("/auth/welcome").get_data(
        as_text=True
    )


# --- the session's activity, written at the request boundary (issue 7) ----------------------


def _session_seen(app: Flask) -> datetime:
    from app.auth.models import AuthSession

    with app.app_context():
        [seen] = db.session.scalars(sa.select(AuthSession.last_seen_at))
        return seen


def _age_session(app: Flask, minutes: int) -> datetime:
    from app.auth.models import AuthSession

    with app.app_context():
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()
        return auth.last_seen_at


def test_reading_pages_extends_the_idle_timeout(
    app: Flask, client: FlaskClient, make_user, login
) -> None:
    login(client, make_user())
    idle = app.config["SESSION_IDLE_MINUTES"]
    before = _age_session(app, idle - 1)
    assert client.get("/about").status_code == 200  # a GET that writes nothing else
    assert _session_seen(app) > before + timedelta(minutes=idle - 2)
    # Again just before the limit: still signed in, because the reading counted.
    _age_session(app, idle - 1)
    assert client.get("/me/").status_code == 200


def test_an_idle_session_ends(app: Flask, client: FlaskClient, make_user, login) -> None:
    login(client, make_user())
    _age_session(app, app.config["SESSION_IDLE_MINUTES"])
    assert client.get("/me/").status_code == 302


def test_activity_is_written_at_most_once_a_minute(
    app: Flask, client: FlaskClient, make_user, login
) -> None:
    login(client, make_user())
    seen = _session_seen(app)
    client.get("/about")
    assert _session_seen(app) == seen


def test_the_touch_commits_nothing_the_view_left_uncommitted(
    app_for, client: FlaskClient, make_user, login
) -> None:
    from app.auth.current import signed_in_account

    other = app_for()

    @other.get("/_test/flush-and-leave")
    def flush_and_leave() -> str:
        # A view that changes something and returns without committing (a refused form).
        user = signed_in_account()
        user.pseudonym = "Changed"
        db.session.flush()
        return "ok"

    user_id = make_user(pseudonym="Tina")
    browser = other.test_client()
    login(browser, user_id)
    before = _age_session(other, 10)
    assert browser.get("/_test/flush-and-leave").get_data(as_text=True) == "ok"
    assert _session_seen(other) > before  # the touch is written …
    assert _user(other, user_id).pseudonym == "Tina"  # … and only the touch
