"""The administration: who may enter, granting and revoking roles, verifying residents."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.extensions import db


@pytest.fixture
def admin(make_user, login, client: FlaskClient) -> int:
    user_id = make_user(pseudonym="Bojan", roles=[(Role.ADMINISTRATOR, None)])
    login(client, user_id)
    return user_id


def _roles(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return sorted(grant.role.value for grant in user.role_grants)


@pytest.mark.parametrize("path", ["/admin/", "/admin/users", "/admin/audit"])
def test_visitors_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("roles", [[], [(Role.MODERATOR, None)], [(Role.COUNCILLOR, None)]])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_residents_and_others_are_forbidden(
    client: FlaskClient, make_user, login, roles: list, path: str
) -> None:
    login(client, make_user(roles=roles))
    assert client.get(path).status_code == 403


def test_an_official_sees_accounts_but_not_the_audit_log(
    client: FlaskClient, make_user, login
) -> None:
    login(client, make_user(roles=[(Role.OFFICIAL, "KZ")]))
    assert client.get("/admin/users").status_code == 200
    assert client.get("/admin/audit").status_code == 403
    target = make_user(pseudonym="Somebody", resident_verified_at=None, residency_source=None)
    page = client.get(f"/admin/users/{target}").get_data(as_text=True)
    assert "Potrdi kot občana" in page
    assert "Dodelitev vloge" not in page  # only administrators grant roles
    assert (
        client.post(f"/admin/users/{target}/roles", data={"role": "moderator"}).status_code == 403
    )


def test_list_and_search(client: FlaskClient, admin: int, make_user) -> None:
    make_user(pseudonym="Ana s Planine")
    make_user(pseudonym="Marko")
    page = client.get("/admin/users?q=ana").get_data(as_text=True)
    assert "Ana s Planine" in page
    assert "Marko" not in page
    page = client.get("/admin/users?role=administrator").get_data(as_text=True)
    assert "Bojan" in page
    assert "Ana s Planine" not in page
    assert client.get("/admin/users?role=bogus&page=-4").status_code == 200


def test_grant_and_revoke_a_role(app: Flask, client: FlaskClient, admin: int, make_user) -> None:
    target = make_user(pseudonym="Nina")
    response = client.post(f"/admin/users/{target}/roles", data={"role": "moderator"})
    assert response.status_code == 302
    assert _roles(app, target) == ["moderator"]
    with app.app_context():
        user = db.session.get(User, target)
        assert user is not None
        grant_id = user.role_grants[0].id
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.action, entry.actor_id, entry.target_id) == ("role.grant", admin, target)
    assert client.post(f"/admin/users/{target}/roles/{grant_id}/revoke").status_code == 302
    assert _roles(app, target) == []


def test_grant_an_official_role_with_its_unit(
    app: Flask, client: FlaskClient, admin: int, make_user
) -> None:
    from app.auth.demo import seed_org_units

    with app.app_context():
        seed_org_units()
        db.session.commit()
    target = make_user(pseudonym="Maja")
    response = client.post(
        f"/admin/users/{target}/roles", data={"role": "official", "org_unit": "KZ"}
    )
    assert response.status_code == 302
    assert "Kabinet župana" in client.get(f"/admin/users/{target}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "official"}, "Vloga uradnika potrebuje organizacijsko enoto"),
        ({"role": "councillor"}, "Vloga svetnika potrebuje javni zapis osebe"),
        ({"role": "king"}, "Neveljavna izbira."),
        ({}, "Izberite vlogo."),
        ({"role": "moderator", "org_unit": "NOPE"}, "Neveljavna izbira."),
    ],
)
def test_bad_grants_are_explained(
    app: Flask, client: FlaskClient, admin: int, make_user, data: dict, message: str
) -> None:
    target = make_user()
    response = client.post(f"/admin/users/{target}/roles", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _roles(app, target) == []


def test_granting_twice_is_explained(
    app: Flask, client: FlaskClient, admin: int, make_user
) -> None:
    target = make_user(roles=[(Role.MODERATOR, None)])
    response = client.post(f"/admin/users/{target}/roles", data={"role": "moderator"})
    assert response.status_code == 422
    assert "Račun že ima to vlogo." in response.get_data(as_text=True)


def test_the_last_administrator_cannot_revoke_themself(
    app: Flask, client: FlaskClient, admin: int
) -> None:
    with app.app_context():
        user = db.session.get(User, admin)
        assert user is not None
        grant_id = user.role_grants[0].id
    client.post(f"/admin/users/{admin}/roles/{grant_id}/revoke")
    assert _roles(app, admin) == ["administrator"]


def test_revoke_checks_the_grant_belongs_to_the_user(
    client: FlaskClient, admin: int, make_user, app: Flask
) -> None:
    other = make_user(roles=[(Role.MODERATOR, None)])
    with app.app_context():
        user = db.session.get(User, other)
        assert user is not None
        grant_id = user.role_grants[0].id
    assert client.post(f"/admin/users/{admin}/roles/{grant_id}/revoke").status_code == 404
    assert client.post(f"/admin/users/{other}/roles/99999/revoke").status_code == 404


def test_verify_a_resident_by_hand(app: Flask, client: FlaskClient, admin: int, make_user) -> None:
    target = make_user(resident_verified_at=None, residency_source=None)
    assert (
        client.post(f"/admin/users/{target}/residency", data={"verified": "yes"}).status_code == 302
    )
    with app.app_context():
        user = db.session.get(User, target)
        assert user is not None
        assert user.resident_verified_at is not None
    assert (
        client.post(f"/admin/users/{target}/residency", data={"verified": "maybe"}).status_code
        == 400
    )


def test_unknown_or_deleted_account_is_404(
    client: FlaskClient, admin: int, make_user, app: Flask
) -> None:
    from app.core.time import utcnow

    gone = make_user(deleted_at=utcnow(), pseudonym=None)
    assert client.get(f"/admin/users/{gone}").status_code == 404
    assert client.get("/admin/users/99999").status_code == 404


def test_audit_log_lists_actions(client: FlaskClient, admin: int, make_user) -> None:
    target = make_user()
    client.post(f"/admin/users/{target}/roles", data={"role": "moderator"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "role.grant" in page
    assert "Bojan" in page


def test_huge_ids_are_404_not_errors(client: FlaskClient, admin: int) -> None:
    assert client.get("/admin/users/99999999999999999999").status_code == 404
    assert client.post("/admin/users/0/residency", data={"verified": "yes"}).status_code == 404


def test_an_official_cannot_verify_themself(
    app: Flask, client: FlaskClient, make_user, login
) -> None:
    official = make_user(
        roles=[(Role.OFFICIAL, "KZ")], resident_verified_at=None, residency_source=None
    )
    login(client, official)
    response = client.post(f"/admin/users/{official}/residency", data={"verified": "yes"})
    assert response.status_code == 403


def test_accessibility_feedback_is_read_and_handled(
    app: Flask, client: FlaskClient, admin: int
) -> None:
    anonymous = app.test_client()
    anonymous.post("/accessibility", data={"message": "Gumb za iskanje nima oznake."})
    page = client.get("/admin/feedback").get_data(as_text=True)
    assert "Gumb za iskanje nima oznake." in page
    from app.pages.models import AccessibilityFeedback

    with app.app_context():
        feedback_id = db.session.scalar(sa.select(AccessibilityFeedback.id))
    assert client.post(f"/admin/feedback/{feedback_id}/handled").status_code == 302
    with app.app_context():
        handled = db.session.get(AccessibilityFeedback, feedback_id)
        assert handled is not None
        assert handled.handled_at is not None
        assert (
            db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1))
            == "feedback.handle"
        )


def test_only_administrators_read_feedback(client: FlaskClient, make_user, login) -> None:
    login(client, make_user(roles=[(Role.OFFICIAL, "KZ")]))
    assert client.get("/admin/feedback").status_code == 403
    assert client.post("/admin/feedback/1/handled").status_code == 403
