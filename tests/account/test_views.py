"""My account: profile, data download, sessions, deletion."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import AuthSession, User
from app.extensions import db


@pytest.fixture
def me(make_user, login, client: FlaskClient) -> int:
    user_id = make_user(pseudonym="Tina", email="tina@example.si")
    login(client, user_id)
    return user_id


def _user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


@pytest.mark.parametrize("path", ["/me/", "/me/data.json", "/me/delete"])
def test_needs_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("path", ["/me/", "/me/sessions/end-all", "/me/delete"])
def test_posts_need_sign_in(client: FlaskClient, path: str) -> None:
    assert client.post(path).status_code == 302


def test_overview(client: FlaskClient, me: int) -> None:
    page = client.get("/me/").get_data(as_text=True)
    assert "Moj račun" in page
    assert "Ste potrjeni občan" in page
    assert 'value="Tina"' in page
    assert "Prijavljeni ste na 1 napravi ali brskalniku." in page


def test_unverified_resident_is_told_why(client: FlaskClient, make_user, login) -> None:
    login(client, make_user(resident_verified_at=None, residency_source=None))
    assert "ni potrjeno" in client.get("/me/").get_data(as_text=True)


def test_update_profile(app: Flask, client: FlaskClient, me: int) -> None:
    response = client.post(
        "/me/", data={"pseudonym": "Tina K.", "language": "en", "email": "tina@example.si"}
    )
    assert response.status_code == 302
    user = _user(app, me)
    assert (user.pseudonym, user.language) == ("Tina K.", "en")
    assert "glas_lang=en" in response.headers["Set-Cookie"]


def test_bad_update_keeps_what_was_saved(
    app: Flask, client: FlaskClient, me: int, make_user
) -> None:
    make_user(pseudonym="Taken")
    response = client.post("/me/", data={"pseudonym": "taken", "language": "en"})
    assert response.status_code == 422
    user = _user(app, me)
    assert (user.pseudonym, user.language) == ("Tina", "sl")


def test_removing_the_email(app: Flask, client: FlaskClient, me: int) -> None:
    client.post("/me/", data={"pseudonym": "Tina", "language": "sl", "email": ""})
    assert _user(app, me).email is None


def test_download_my_data(client: FlaskClient, me: int) -> None:
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="glas-my-data.json"'
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["pseudonym"] == "Tina"
    assert data["account"]["email"] == "tina@example.si"


def test_sign_out_everywhere(app: Flask, client: FlaskClient, me: int, login) -> None:
    other_browser = app.test_client()
    login(other_browser, me)
    response = client.post("/me/sessions/end-all")
    assert response.headers["Location"] == "/auth/logged-out"
    assert other_browser.get("/me/").status_code == 302
    with app.app_context():
        reasons = set(db.session.scalars(sa.select(AuthSession.revoked_reason)))
    assert reasons == {"everywhere"}


def test_delete_needs_the_box_ticked(app: Flask, client: FlaskClient, me: int) -> None:
    response = client.post("/me/delete", data={})
    assert response.status_code == 422
    assert "Za potrditev označite polje." in response.get_data(as_text=True)
    assert _user(app, me).deleted_at is None


def test_delete_the_account(app: Flask, client: FlaskClient, me: int) -> None:
    response = client.post("/me/delete", data={"confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/deleted"
    assert "Vaš račun je izbrisan" in client.get("/me/deleted").get_data(as_text=True)
    user = _user(app, me)
    assert user.deleted_at is not None
    assert (user.pseudonym, user.email) == (None, None)
    assert client.get("/me/").status_code == 302  # signed out
