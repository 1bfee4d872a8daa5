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


# --- my initiatives and my supports (issue 7) -----------------------------------------------


@pytest.fixture
def my_work(app: Flask, me: int, make_initiative) -> dict[str, int]:
    """Tina's draft and published initiative, one she supports (open) and one closed."""
    from app.initiatives import services
    from app.initiatives.models import Initiative, InitiativeState

    ids = {
        "draft": make_initiative(InitiativeState.DRAFT, author_id=me, title="Moj osnutek"),
        "own": make_initiative(author_id=me, title="Moja objavljena pobuda"),
        "open": make_initiative(title="Pobuda, ki jo podpiram"),
        "closed": make_initiative(title="Pobuda, ki se je iztekla"),
    }
    with app.app_context():
        tina = db.session.get(User, me)
        for key in ("open", "closed"):
            services.support(tina, db.session.get(Initiative, ids[key]))  # type: ignore[arg-type]
        closed = db.session.get(Initiative, ids["closed"])
        assert closed is not None
        closed.state = InitiativeState.EXPIRED
        db.session.commit()
    return ids


def test_lists_my_initiatives_drafts_too_and_my_supports(
    client: FlaskClient, my_work: dict[str, int]
) -> None:
    page = client.get("/me/").get_data(as_text=True)
    for title in ("Moj osnutek", "Moja objavljena pobuda"):
        assert title in page
    assert "Osnutek" in page  # the state of the draft
    assert "Pobuda, ki jo podpiram" in page
    assert "Pobuda, ki se je iztekla" in page
    assert 'href="/initiatives/mine"' in page
    # Withdrawing is offered only where it is still allowed, through the initiatives' form.
    assert f'action="/initiatives/{my_work["open"]}/support/withdraw"' in page
    assert f'action="/initiatives/{my_work["closed"]}/support/withdraw"' not in page


def test_withdrawing_a_support_from_my_account(
    app: Flask, client: FlaskClient, me: int, my_work: dict[str, int]
) -> None:
    from app.initiatives.models import Initiative

    response = client.post(f"/initiatives/{my_work['open']}/support/withdraw")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(Initiative, my_work["open"])
        assert item is not None
        assert item.support_count == 0
    assert "Pobuda, ki jo podpiram" not in client.get("/me/").get_data(as_text=True)


def test_nothing_yet(client: FlaskClient, me: int) -> None:
    page = client.get("/me/").get_data(as_text=True)
    assert "Predlagali še niste nobene pobude." in page
    assert "Ne podpirate še nobene pobude." in page


def test_a_long_list_of_supports_is_cut_and_says_so(
    app: Flask, client: FlaskClient, me: int, make_initiative, monkeypatch
) -> None:
    from app.account import views
    from app.initiatives import services
    from app.initiatives.models import Initiative

    monkeypatch.setattr(views, "SUPPORTS_SHOWN", 2)
    ids = [make_initiative(title=f"Pobuda {n}") for n in range(3)]
    with app.app_context():
        tina = db.session.get(User, me)
        for initiative_id in ids:
            services.support(tina, db.session.get(Initiative, initiative_id))  # type: ignore[arg-type]
        db.session.commit()
    page = client.get("/me/").get_data(as_text=True)
    assert "Pobuda 2" in page  # the latest first
    assert "Pobuda 1" in page
    assert "Pobuda 0" not in page
    assert "Prikazane so najnovejše podpore (2 od 3)" in page


@pytest.mark.parametrize("count", [1, 12])
def test_the_page_costs_the_same_whatever_the_number(
    app: Flask, client: FlaskClient, me: int, make_initiative, count_queries, count: int
) -> None:
    from app.initiatives import services
    from app.initiatives.models import Initiative

    own = [make_initiative(author_id=me) for _ in range(count)]
    supported = [make_initiative() for _ in range(count)]
    with app.app_context():
        tina = db.session.get(User, me)
        for initiative_id in supported:
            services.support(tina, db.session.get(Initiative, initiative_id))  # type: ignore[arg-type]
        db.session.commit()
    client.get("/me/")
    with count_queries() as queries:
        page = client.get("/me/").get_data(as_text=True)
    assert page.count("item-card__title") == len(own) + len(supported)
    # The session with its account, and its roles; its sessions; my initiatives (with their
    # topic); my supports and how many.
    queries.expect(6)


# --- how to have one's residence verified (issue 7) -----------------------------------------


def test_an_unverified_resident_is_told_how_to_be_verified(
    client: FlaskClient, make_user, login
) -> None:
    login(client, make_user(resident_verified_at=None, residency_source=None))
    page = client.get("/me/").get_data(as_text=True)
    assert "Kako vam potrdijo prebivališče" in page
    assert "Slovenski trg 1" in page  # the placeholder names the municipality's address


def test_a_verified_resident_is_not(client: FlaskClient, me: int) -> None:
    assert "Kako vam potrdijo prebivališče" not in client.get("/me/").get_data(as_text=True)
