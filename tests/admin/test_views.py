"""The administration: who may enter, granting and revoking roles, verifying residents."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote, unquote

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
    assert client.get("/admin/users?role=bogus").status_code == 200  # an unknown role: all
    # A page number Glas never writes is a 400, one past the end a 404 (as on public lists).
    for bad in ("-4", "0", "²", "9" * 400, "abc"):
        assert client.get(f"/admin/users?page={bad}").status_code == 400
    for path in ("/admin/users", "/admin/audit", "/admin/feedback"):
        assert client.get(f"{path}?page=2").status_code == 404
        assert client.get(f"{path}?page=9999").status_code == 404


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


# Defect 6 of issue 7: an address must not be able to add recipients or headers to a link.
class _Links(HTMLParser):
    def __init__(self, *, main_only: bool) -> None:
        super().__init__()
        self.mailto: list[str] = []
        self.main_only = main_only
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "main":
            self.in_main = True
        if tag == "a" and href.startswith("mailto:") and (self.in_main or not self.main_only):
            self.mailto.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False


def _mailto_links(page: str, *, main_only: bool = False) -> list[str]:
    parser = _Links(main_only=main_only)
    parser.feed(page)
    return parser.mailto


@pytest.mark.parametrize(
    ("address", "linked"),
    [
        ("a?cc=evil@example.com", True),  # ? and = are allowed in the local part
        ("a&bcc=evil@example.com", True),
        ("a%3Fcc%3Devil@example.com", True),
        ("tina+glas@example.si", True),
        ("a&bcc=evil@example.com@example.com", False),
        ("ana@example.si?subject=x&body=y", False),
        ("a b@example.com", False),
        ("a\r\ncc: evil@example.com", False),
        ("a,evil@example.com", False),
        ('a"@example.com', False),
    ],
)
def test_a_feedback_address_links_to_exactly_itself_or_not_at_all(
    app: Flask, client: FlaskClient, admin: int, address: str, linked: bool
) -> None:
    from app.pages.models import AccessibilityFeedback

    with app.app_context():
        # Straight into the table: the form's validator must not be the only guard.
        db.session.add(AccessibilityFeedback(message="m", contact_email=address, language="sl"))
        db.session.commit()
    # The footer's link is the municipality's; the page's own are the feedback's.
    links = _mailto_links(client.get("/admin/feedback").get_data(as_text=True), main_only=True)
    for href in links:
        target = href.removeprefix("mailto:")
        # Nothing a mail program reads as a header, a second recipient or a line break.
        assert not set(target) & set('?&,;= \r\n"<>')
        assert unquote(target) == address
    # Not one valid address: shown as text only.
    assert len(links) == (1 if linked else 0)


def test_every_mailto_link_of_the_site_is_encoded(app_for) -> None:
    other = app_for(
        ORGANISATION_EMAIL="info?cc=evil@example.com",
        DATA_PROTECTION_EMAIL="dpo&bcc=evil@example.com",
        ACCESSIBILITY_EMAIL="a11y%0Abcc=evil@example.com",
    )
    client = other.test_client()
    for path, address in [
        ("/", "info?cc=evil@example.com"),
        ("/privacy", "dpo&bcc=evil@example.com"),
        ("/accessibility", "a11y%0Abcc=evil@example.com"),
    ]:
        links = _mailto_links(client.get(path).get_data(as_text=True))
        assert links
        for href in links:
            assert not set(href.removeprefix("mailto:")) & set("?&,;= \r\n")
        assert f"mailto:{quote(address, safe='@')}" in links


# --- how to have one's residence verified (issue 7) -----------------------------------------

RESIDENCY = "/admin/residency-instructions"


def test_residency_instructions_need_sign_in(client: FlaskClient) -> None:
    for response in (client.get(RESIDENCY), client.post(RESIDENCY, data={"text_sl": "x"})):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("roles", [[], [(Role.OFFICIAL, "KZ")], [(Role.MODERATOR, None)]])
def test_only_administrators_edit_the_residency_instructions(
    app: Flask, client: FlaskClient, make_user, login, roles: list
) -> None:
    login(client, make_user(roles=roles))
    assert client.get(RESIDENCY).status_code == 403
    assert client.post(RESIDENCY, data={"text_sl": "Pridite."}).status_code == 403
    with app.app_context():
        assert _stored_instructions() == {}


def _stored_instructions() -> dict[str, object]:
    from app.core.settings import SiteSetting

    rows = db.session.scalars(
        sa.select(SiteSetting).where(SiteSetting.key.startswith("residency."))
    )
    return {row.key: row.value for row in rows}


def test_the_form_starts_from_the_placeholder(client: FlaskClient, admin: int) -> None:
    page = client.get(RESIDENCY).get_data(as_text=True)
    assert "Pridite v sprejemno pisarno občine, Slovenski trg 1, 4000 Kranj" in page
    assert "Come to the reception office of the municipality" in page  # the English field
    assert 'aria-current="page">Potrjevanje prebivališča<' in page


def test_saving_the_instructions_is_audited_and_shown_sanitised(
    app: Flask, client: FlaskClient, admin: int, make_user, login, in_english
) -> None:
    text = (
        "Pridite v **sprejemno pisarno**, ob ponedeljkih od 8. do 12. ure.\n\n"
        "- osebna izkaznica\n\n<script>alert(1)</script> [več](javascript:alert(1))"
    )
    response = client.post(RESIDENCY, data={"text_sl": text, "text_en": ""})
    assert response.status_code == 302
    with app.app_context():
        assert _stored_instructions()["residency.instructions.sl"] == text
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.action, entry.actor_id) == ("settings.change", admin)
        assert entry.data["residency.instructions.sl"][1] == text

    reader = app.test_client()
    login(reader, make_user(resident_verified_at=None, residency_source=None))
    page = reader.get("/me/").get_data(as_text=True)
    assert "<strong>sprejemno pisarno</strong>" in page
    assert "<li>osebna izkaznica</li>" in page
    assert "<script>" not in page
    assert 'href="javascript:' not in page
    # No English version: English readers get the Slovenian one, marked as Slovenian.
    in_english(reader)
    page = reader.get("/me/").get_data(as_text=True)
    assert '<div class="prose" lang="sl">' in page
    assert "<strong>sprejemno pisarno</strong>" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text_sl": "", "text_en": "Come."}, "Napišite navodila v slovenščini."),
        ({"text_sl": "x" * 2001}, "Uporabite največ 2000 znakov."),
        ({"text_sl": "Pridite.", "text_en": "y" * 2001}, "Uporabite največ 2000 znakov."),
        ({"text_sl": "Pri\x07dite."}, "Odstranite nevidne kontrolne znake."),
        ({"text_sl": "Pri\u202edite."}, "Odstranite nevidne znake, ki spreminjajo smer besedila."),
    ],
)
def test_bad_instructions_are_explained_and_change_nothing(
    app: Flask, client: FlaskClient, admin: int, data: dict[str, str], message: str
) -> None:
    response = client.post(RESIDENCY, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _stored_instructions() == {}


def test_saving_the_same_text_again_changes_nothing(
    app: Flask, client: FlaskClient, admin: int
) -> None:
    client.post(RESIDENCY, data={"text_sl": "Pridite.", "text_en": "Come."})
    response = client.post(RESIDENCY, data={"text_sl": "Pridite. ", "text_en": "Come."})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nič se ni spremenilo." in page
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action == "settings.change")
        )
        assert len(list(actions)) == 1


def test_the_instructions_appear_wherever_one_cannot_take_part_yet(
    app: Flask, client: FlaskClient, admin: int, make_user, login, in_english
) -> None:
    client.post(RESIDENCY, data={"text_sl": "Pridite v **sobo 12**.", "text_en": "Room **12**."})
    reader = app.test_client()
    login(reader, make_user(resident_verified_at=None, residency_source=None))
    assert "<strong>sobo 12</strong>" in reader.get("/me/").get_data(as_text=True)
    cannot = reader.get("/initiatives/new")
    assert cannot.status_code == 403
    assert "<strong>sobo 12</strong>" in cannot.get_data(as_text=True)
    in_english(reader)
    assert "Room <strong>12</strong>" in reader.get("/me/").get_data(as_text=True)
    newcomer = app.test_client()
    login(newcomer, make_user(pseudonym=None, resident_verified_at=None, residency_source=None))
    assert "<strong>sobo 12</strong>" in newcomer.get("/auth/welcome").get_data(as_text=True)
    # Who is verified, or only lacks a stronger sign-in, is not sent to the counter.
    resident = app.test_client()
    login(resident, make_user())
    assert "sobo 12" not in resident.get("/me/").get_data(as_text=True)
