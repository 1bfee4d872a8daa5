"""Sign-in and sign-out against the real development eID provider, over HTTP.

Each pitfall of ``../shared/eid-oidc.md`` has a test here.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth import SESSION_TOKEN_KEY, oidc
from app.auth.models import AuthSession, ResidencySource, User
from app.extensions import db
from tests.eid import (
    CLIENT_ID,
    LEVELS,
    TEST_PUBLIC_URL,
    Flow,
    Provider,
    oidc_config,
    start_provider,
)


def _users(app: Flask) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User)))


def _state_key(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_eid_")]
        return key


@pytest.fixture
def flow(client: FlaskClient) -> Flow:
    return Flow(client)


def test_full_sign_in_then_first_profile_then_sign_out(app: Flask, client: FlaskClient) -> None:
    flow = Flow(client)
    response = flow.sign_in("ana", "high", next_url="/about")
    # A new account chooses its public name first, then goes where it was going.
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/welcome?next=/about")
    welcome = client.get(response.headers["Location"])
    assert welcome.status_code == 200
    assert "Dobrodošli v Glasu" in welcome.get_data(as_text=True)

    response = client.post(
        "/auth/welcome?next=/about",
        data={"pseudonym": "Ana s Planine", "email": "", "language": "en"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/about"
    assert "About Glas" in client.get("/about").get_data(as_text=True)  # her language now

    [user] = _users(app)
    assert user.pseudonym == "Ana s Planine"
    assert user.is_adult
    assert user.last_acr == LEVELS["high"]
    assert user.residency_source is ResidencySource.EID  # municipality_code 052 = Kranj
    # Privacy: no name, birth date or subject from the eID anywhere in the account.
    # Whole values, not substrings: a hash or a timestamp may contain "052" by chance.
    stored = {str(getattr(user, c.key)) for c in sa.inspect(User).columns}
    for personal in ("Kovač", "Ana Kovač", "1986-03-14", "052"):
        assert not any(value == personal or personal in value.split() for value in stored)
    assert not any("Kovač" in value or "1986-03-14" in value for value in stored)
    assert len(user.subject_key) == 64

    # Sign out: the session ends here, then the provider is asked to end its own.
    response = client.post("/auth/logout")
    assert response.status_code == 302
    end_session = urlsplit(response.headers["Location"])
    params = parse_qs(end_session.query)
    assert params["client_id"] == [CLIENT_ID]
    assert params["post_logout_redirect_uri"] == [f"{TEST_PUBLIC_URL}/auth/logged-out"]
    with app.app_context():
        [auth] = db.session.scalars(sa.select(AuthSession))
        assert auth.revoked_reason == "signed-out"
    assert client.get("/me/").status_code == 302  # anonymous again


def test_returning_person_goes_straight_to_next(app: Flask, client: FlaskClient, make_user) -> None:
    Flow(client).sign_in("marko", "substantial")
    client.post("/auth/welcome", data={"pseudonym": "Marko", "language": "sl"})
    client.post("/auth/logout")
    again = Flow(app.test_client()).sign_in("marko", "substantial", next_url="/privacy")
    assert again.status_code == 302
    assert again.headers["Location"] == "/privacy"
    assert len(_users(app)) == 1


def test_authorization_request_carries_pkce_state_nonce_and_essential_acr(flow: Flow) -> None:
    flow.start()
    params = parse_qs(urlsplit(flow.authorize_url or "").query)
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) >= 43
    assert params["state"][0]
    assert params["nonce"][0]
    assert params["acr_values"] == [" ".join([LEVELS["substantial"], LEVELS["high"]])]
    assert '"essential":true' in params["claims"][0]
    assert params["redirect_uri"] == [f"{TEST_PUBLIC_URL}/auth/callback"]


def test_provider_refuses_a_request_without_pkce(flow: Flow, eid_provider: Provider) -> None:
    flow.start()
    url = urlsplit(flow.authorize_url or "")
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    del params["code_challenge"], params["code_challenge_method"]
    response = flow.browser.get(
        f"{eid_provider.issuer}/auth", params=params, allow_redirects=False, timeout=10
    )
    error = parse_qs(urlsplit(response.headers["Location"]).query)
    assert error["error"] == ["invalid_request"]
    assert "PKCE" in error["error_description"][0]


def test_wrong_code_verifier_is_refused(app: Flask, client: FlaskClient, flow: Flow) -> None:
    interaction = flow.start()
    callback = flow.follow_to_callback(flow.choose(interaction, "ana", "high"))
    key = _state_key(client)
    with client.session_transaction() as session:
        state = session[key]
        state["data"]["code_verifier"] = "x" * 64
        session[key] = state
    response = flow.callback(callback)
    assert response.status_code == 400
    assert "Prijava je potekla" in response.get_data(as_text=True)
    assert _users(app) == []


def test_wrong_nonce_is_refused(app: Flask, client: FlaskClient, flow: Flow) -> None:
    interaction = flow.start()
    callback = flow.follow_to_callback(flow.choose(interaction, "ana", "high"))
    key = _state_key(client)
    with client.session_transaction() as session:
        state = session[key]
        state["data"]["nonce"] = "not-the-nonce-we-sent"
        session[key] = state
    response = flow.callback(callback)
    assert response.status_code == 400
    assert "Prijave ni bilo mogoče preveriti" in response.get_data(as_text=True)
    assert _users(app) == []


def test_foreign_state_is_refused(app: Flask, client: FlaskClient, flow: Flow) -> None:
    interaction = flow.start()
    callback = flow.follow_to_callback(flow.choose(interaction, "ana", "high"))
    forged = callback.replace("state=", "state=forged")
    response = flow.callback(forged)
    assert response.status_code == 400
    assert _users(app) == []


def test_callback_in_another_browser_is_refused(app: Flask, flow: Flow) -> None:
    interaction = flow.start()
    callback = flow.follow_to_callback(flow.choose(interaction, "ana", "high"))
    # An attacker's browser with the victim's code: it has no state of ours.
    response = Flow(app.test_client()).callback(callback)
    assert response.status_code == 400
    assert _users(app) == []


def test_replayed_callback_is_refused(app: Flask, client: FlaskClient, flow: Flow) -> None:
    assert flow.sign_in("ana", "high").status_code == 302
    client.post("/auth/logout")
    replay = flow.callback()
    assert replay.status_code == 400
    assert "Prijava je potekla" in replay.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 1


def test_cancelled_sign_in_explains(client: FlaskClient, flow: Flow) -> None:
    interaction = flow.start()
    page = flow.browser.get(interaction, timeout=10)
    assert page.status_code == 200
    abort_url = interaction + "/abort"
    response = flow.browser.post(abort_url, allow_redirects=False, timeout=10)
    result = flow.callback(flow.follow_to_callback(response))
    assert result.status_code == 400
    assert "Prijava je bila preklicana" in result.get_data(as_text=True)


@pytest.mark.parametrize(("persona", "level"), [("rok", "low"), ("ana", "low")])
def test_low_level_is_refused_with_an_explanation(
    app: Flask, flow: Flow, persona: str, level: str
) -> None:
    interaction = flow.start()
    result = flow.callback(flow.follow_to_callback(flow.choose(interaction, persona, level)))
    assert result.status_code == 403
    page = result.get_data(as_text=True)
    assert "Potrebna je močnejša prijava" in page
    assert "smsPASS" in page
    assert _users(app) == []


def test_minor_is_refused_and_nothing_stored(app: Flask, flow: Flow) -> None:
    result = flow.sign_in("luka", "high")
    assert result.status_code == 403
    page = result.get_data(as_text=True)
    assert "15" in page
    assert "Poskusite se znova prijaviti" not in page  # trying again cannot help
    assert _users(app) == []


def test_non_resident_signs_in_without_residency(app: Flask, flow: Flow) -> None:
    assert flow.sign_in("eva", "high").status_code == 302
    [user] = _users(app)
    assert user.resident_verified_at is None
    assert user.is_adult


def test_provider_with_another_issuer_is_refused(
    app_for: Any, eid_provider: Provider, other_eid_provider: Provider
) -> None:
    # Glas trusts eid_provider; its discovery address is swapped for another instance.
    app = app_for(
        **oidc_config(eid_provider.issuer),
        OIDC_METADATA_URL=f"{other_eid_provider.issuer}/.well-known/openid-configuration",
    )
    response = app.test_client().get("/auth/login")
    assert response.status_code == 502
    assert "Prijava začasno ne deluje" in response.get_data(as_text=True)


def test_id_token_from_another_issuer_is_refused(
    app_for: Any, eid_provider: Provider, other_eid_provider: Provider
) -> None:
    """Pitfall 1: the issuer stays pinned even though claims_options is passed."""
    app = app_for(**oidc_config(eid_provider.issuer))
    other = other_eid_provider.discovery
    with app.app_context():
        # A discovery document that claims our issuer but sends us to another provider.
        client = app.extensions["glas_oidc"]
        client.server_metadata.update(
            {**other, "issuer": eid_provider.issuer, "_loaded_at": time.time()}
        )
    test_client = app.test_client()
    flow = Flow(test_client)
    interaction = flow.start()
    assert interaction.startswith(other_eid_provider.issuer)
    result = flow.callback(flow.follow_to_callback(flow.choose(interaction, "ana", "high")))
    assert result.status_code == 400
    assert "Prijave ni bilo mogoče preveriti" in result.get_data(as_text=True)


def test_id_token_for_another_audience_is_refused(
    app_for: Any, app: Flask, eid_provider: Provider
) -> None:
    """Pitfall 2: a real ID token issued to another client fails our audience check."""
    other_app = app_for(**oidc_config(eid_provider.issuer, client_id="glas-other"))
    captured: dict[str, Any] = {}
    with other_app.app_context():
        other_client = other_app.extensions["glas_oidc"]
        original = other_client.fetch_access_token

        def capture(**kwargs: Any) -> Any:
            captured.update(original(**kwargs))
            return captured

        other_client.fetch_access_token = capture
    flow = Flow(other_app.test_client())
    assert flow.sign_in("ana", "high").status_code == 302
    assert "id_token" in captured
    with app.test_request_context():
        ours = app.extensions["glas_oidc"]
        from joserfc.errors import InvalidClaimError

        with pytest.raises(InvalidClaimError, match="aud"):
            ours.parse_id_token(
                {k: v for k, v in captured.items() if k != "access_token"},
                nonce=None,
                claims_options=oidc.claims_options(),
            )


def test_lenient_provider_low_token_is_still_refused(
    app_for: Any, lenient_eid_provider: Provider
) -> None:
    """Pitfall 3: the level is checked here even when the provider ignores 'essential'."""
    app = app_for(**oidc_config(lenient_eid_provider.issuer))
    result = Flow(app.test_client()).sign_in("rok", "low")
    assert result.status_code == 403
    assert "Potrebna je močnejša prijava" in result.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_provider_down_at_login_gives_a_friendly_503(app_for: Any) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    app = app_for(**oidc_config(closed), OIDC_TIMEOUT=2)
    response = app.test_client().get("/auth/login")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Storitev e-identitete ni dosegljiva" in page
    assert "Poskusite se znova prijaviti" in page


def test_provider_down_during_callback_gives_a_friendly_503(app_for: Any, live_port: int) -> None:
    from tests.eid import _clients

    provider = start_provider(_clients(live_port))
    try:
        app = app_for(**oidc_config(provider.issuer), OIDC_TIMEOUT=2)
        flow = Flow(app.test_client())
        interaction = flow.start()
        callback = flow.follow_to_callback(flow.choose(interaction, "ana", "high"))
    finally:
        provider.stop()
    response = flow.callback(callback)
    assert response.status_code == 503
    assert "Storitev e-identitete ni dosegljiva" in response.get_data(as_text=True)


def _closed_port() -> int:
    from tests.eid import free_port

    return free_port()


def test_sign_in_is_rate_limited(client: FlaskClient) -> None:
    statuses = [client.get("/auth/login").status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_login_on_another_host_name_moves_to_the_public_one(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/auth/login?next=/about", base_url="http://127.0.0.1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{TEST_PUBLIC_URL}/auth/login?next=/about"
    assert "Set-Cookie" not in response.headers


def test_login_keeps_only_relative_next(client: FlaskClient) -> None:
    client.get("/auth/login", query_string={"next": "https://evil.example/"})
    with client.session_transaction() as session:
        assert session["login_next"] is None


def test_signed_in_session_cookie_holds_a_random_token_only(
    app: Flask, client: FlaskClient
) -> None:
    Flow(client).sign_in("ana", "high")
    with client.session_transaction() as session:
        token = session[SESSION_TOKEN_KEY]
        assert set(session) == {SESSION_TOKEN_KEY, "csrf_binding"}
    with app.app_context():
        [auth] = db.session.scalars(sa.select(AuthSession))
        assert auth.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash
        assert auth.provider_sid_hash is not None


@pytest.mark.parametrize(
    ("tamper", "status", "message"),
    [
        # Pitfall 4: Authlib returns quietly without userinfo when the ID token is missing.
        ("no-id-token", 502, "Prijave ni bilo mogoče dokončati"),
        # Pitfall 5: Authlib does not compare the userinfo subject with the ID token's.
        ("userinfo-sub", 400, "Prijave ni bilo mogoče preveriti"),
    ],
)
def test_a_misbehaving_provider_is_refused(
    app_for: Any, live_port: int, tamper: str, status: int, message: str
) -> None:
    from tests.eid import _clients

    provider = start_provider(_clients(live_port), tamper=tamper)
    try:
        app = app_for(**oidc_config(provider.issuer))
        result = Flow(app.test_client()).sign_in("ana", "high")
    finally:
        provider.stop()
    assert result.status_code == status
    assert message in result.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_unknown_error_code_cannot_write_into_the_log(client: FlaskClient, caplog) -> None:
    client.get("/auth/login")
    with client.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_eid_")]
    state = key.removeprefix("_state_eid_")
    response = client.get(f"/auth/callback?error=x%0AFORGED%20LINE&state={state}")
    assert response.status_code == 400
    assert not any("FORGED" in record.getMessage() for record in caplog.records)


def test_a_second_tab_cannot_open_a_second_session(app: Flask, client: FlaskClient) -> None:
    # Two tabs start a sign-in; the first to finish starts a fresh session, which voids the
    # other tab's attempt: one browser never holds two sessions.
    first, second = Flow(client), Flow(client)
    first_page, second_page = first.start(), second.start()
    first.callback(first.follow_to_callback(first.choose(first_page, "ana", "high")))
    late = second.callback(second.follow_to_callback(second.choose(second_page, "ana", "high")))
    assert late.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 1


# Defect 2 of issue 7: deleting the account must keep published work anonymous.


def _main(page: str) -> str:
    """The page without its header (which names whoever is signed in)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _support_rows(app: Flask, initiative_id: int) -> list[int]:
    from app.initiatives.models import Support

    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Support.user_id).where(Support.initiative_id == initiative_id)
            )
        )


def test_a_returning_person_starts_afresh_and_old_work_stays_anonymous(
    app: Flask, client: FlaskClient, make_initiative
) -> None:
    import json

    from app.initiatives.models import Initiative

    flow = Flow(client)
    flow.sign_in("ana", "high")
    client.post("/auth/welcome", data={"pseudonym": "Ana s Planine", "language": "sl"})
    [first] = _users(app)
    own = make_initiative(author_id=first.id, title="Klopi v parku Pungert")
    other = make_initiative(title="Kolesarska steza ob Savi")
    assert client.post(f"/initiatives/{other}/support").status_code == 302
    assert _support_rows(app, other) == [first.id]
    assert client.post("/me/delete", data={"confirm": "y"}).headers["Location"] == "/me/deleted"

    # She comes back with the same eID: a new account, which chooses a public name first.
    again = Flow(client).sign_in("ana", "high")
    assert again.headers["Location"].startswith("/auth/welcome")
    client.post("/auth/welcome", data={"pseudonym": "Ana Nova", "language": "sl"})
    client.get("/")  # where the greeting (with her new name) is shown
    users = {user.id: user for user in _users(app)}
    [current] = [user for user in users.values() if user.pseudonym == "Ana Nova"]
    assert current.id != first.id
    assert users[first.id].deleted_at is not None
    assert users[first.id].pseudonym is None

    # The old work is not hers in any visible way (the header names her, the pages not).
    detail = _main(client.get(f"/initiatives/{own}").get_data(as_text=True))
    assert "Ana Nova" not in detail
    assert "Nekdanji uporabnik" in detail
    assert f"/initiatives/{own}/withdraw" not in detail
    assert client.get(f"/initiatives/{own}/withdraw").status_code == 403
    assert "Klopi v parku Pungert" not in client.get("/initiatives/mine").get_data(as_text=True)
    account_page = _main(client.get("/me/").get_data(as_text=True))
    assert "Klopi v parku Pungert" not in account_page
    assert "Kolesarska steza ob Savi" not in account_page
    assert "Ana Nova" not in client.get("/initiatives/export.csv").get_data(as_text=True)
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert data["initiatives"] == []
    assert data["supports"] == []
    assert data["account"]["pseudonym"] == "Ana Nova"

    # She can neither support again nor withdraw the old support.
    refused = client.post(f"/initiatives/{other}/support", follow_redirects=True)
    assert "To pobudo že podpirate." in refused.get_data(as_text=True)
    client.post(f"/initiatives/{other}/support/withdraw")
    assert _support_rows(app, other) == [first.id]
    with app.app_context():
        item = db.session.get(Initiative, other)
        assert item is not None
        assert item.support_count == 1
