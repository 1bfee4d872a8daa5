"""Administration of topics, local communities, rejection reasons and the initiative rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.core.models import AuditEntry
from app.core.settings import SiteSetting
from app.extensions import db
from app.initiatives import rules
from app.reference.models import LocalCommunity, RejectionReason, Topic

KINDS = {"topics": Topic, "communities": LocalCommunity, "reasons": RejectionReason}


@pytest.fixture
def admin(make_user, login, client: FlaskClient, in_english) -> int:
    user_id = make_user(pseudonym="Bojan", roles=[(Role.ADMINISTRATOR, None)])
    login(client, user_id)
    in_english(client)
    return user_id


@pytest.fixture
def make_item(app: Flask) -> Callable[..., int]:
    """Add a reference item directly (committed); returns its id."""

    def _make(model: type, slug: str, name_sl: str, name_en: str | None = None, **extra) -> int:
        with app.app_context():
            item = model(slug=slug, name_sl=name_sl, name_en=name_en, **extra)
            db.session.add(item)
            db.session.commit()
            return item.id

    return _make


@pytest.fixture
def topic(make_item) -> int:
    return make_item(Topic, "promet", "Promet in ceste", "Traffic and roads")


def _get(app: Flask, model: type, item_id: int) -> tuple[str, str | None, str, bool]:
    with app.app_context():
        item = db.session.get(model, item_id)
        assert item is not None
        return item.name_sl, item.name_en, item.slug, item.is_active


def _all(app: Flask, model: type) -> list[tuple[str, str | None, str, bool]]:
    with app.app_context():
        return [
            (item.name_sl, item.name_en, item.slug, item.is_active)
            for item in db.session.scalars(sa.select(model).order_by(model.id))
        ]


def _audit(app: Flask) -> list[tuple[str, int | None, str, int | None, dict]]:
    with app.app_context():
        return [
            (entry.action, entry.actor_id, entry.target_type, entry.target_id, entry.data)
            for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        ]


def _stored_rules(app: Flask) -> tuple[rules.Rules, int]:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(SiteSetting)) or 0
        return rules.current(), count


PATHS = [
    "/admin/topics",
    "/admin/communities",
    "/admin/reasons",
    "/admin/topics/{topic}",
    "/admin/initiative-rules",
]


# --- who may enter ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_visitors_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, topic: int, path: str, method: str
) -> None:
    response = getattr(client, method)(path.format(topic=topic), data={"name_sl": "X"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert _get(app, Topic, topic) == ("Promet in ceste", "Traffic and roads", "promet", True)
    assert _all(app, LocalCommunity) == []


@pytest.mark.parametrize(
    "roles",
    [[], [(Role.MODERATOR, None)], [(Role.OFFICIAL, "KZ")], [(Role.COUNCILLOR, None)]],
    ids=["resident", "moderator", "official", "councillor"],
)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_everyone_but_administrators_is_forbidden(
    app: Flask,
    client: FlaskClient,
    make_user,
    login,
    topic: int,
    roles: list,
    path: str,
    method: str,
) -> None:
    login(client, make_user(roles=roles))
    data = {"name_sl": "Okolje", "threshold": "5", "support_days": "10", "response_days": "10"}
    response = getattr(client, method)(path.format(topic=topic), data=data)
    assert response.status_code == 403
    assert _get(app, Topic, topic) == ("Promet in ceste", "Traffic and roads", "promet", True)
    assert _stored_rules(app) == (rules.Rules(), 0)


@pytest.mark.parametrize("path", PATHS)
def test_administrators_enter(client: FlaskClient, admin: int, topic: int, path: str) -> None:
    assert client.get(path.format(topic=topic)).status_code == 200


def test_the_navigation_links_the_pages_for_administrators_only(
    client: FlaskClient, admin: int, make_user, login
) -> None:
    page = client.get("/admin/users").get_data(as_text=True)
    for path in ("/admin/topics", "/admin/communities", "/admin/reasons"):
        assert f'href="{path}"' in page
    assert 'href="/admin/initiative-rules"' in page
    page = client.get("/admin/communities").get_data(as_text=True)
    assert 'href="/admin/communities" aria-current="page"' in page
    login(client, make_user(roles=[(Role.OFFICIAL, "KZ")]))
    assert 'href="/admin/topics"' not in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/things",
        "/admin/topics/99999",
        "/admin/communities/1x",
        "/admin/reasons/-1",
        "/admin/topics/1/edit",
        "/admin/topics/0",
        "/admin/topics/99999999999999999999",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_kinds_and_items_are_404(
    client: FlaskClient, admin: int, path: str, method: str
) -> None:
    response = getattr(client, method)(path, data={"name_sl": "Okolje", "is_active": "y"})
    assert response.status_code == 404


def test_an_item_of_another_kind_is_404(client: FlaskClient, admin: int, topic: int) -> None:
    assert client.get(f"/admin/communities/{topic}").status_code == 404
    response = client.post(f"/admin/reasons/{topic}", data={"name_sl": "Razlog"})
    assert response.status_code == 404


# --- the lists ---------------------------------------------------------------------------------


def test_the_list_shows_both_names_and_the_state(
    client: FlaskClient, admin: int, make_item
) -> None:
    active = make_item(LocalCommunity, "zlato-polje", "Zlato polje")
    old = make_item(LocalCommunity, "stara-ks", "Stara KS", "Old community", is_active=False)
    page = client.get("/admin/communities").get_data(as_text=True)
    assert "Local communities" in page
    assert "Zlato polje" in page
    assert "Old community" in page
    assert "deactivated" in page
    assert f'href="/admin/communities/{active}"' in page
    assert f'href="/admin/communities/{old}"' in page
    # Active entries first: the ones forms offer.
    assert page.index("Zlato polje") < page.index("Stara KS")


@pytest.mark.parametrize("kind", KINDS)
def test_add_an_item(app: Flask, client: FlaskClient, admin: int, kind: str) -> None:
    response = client.post(
        f"/admin/{kind}", data={"name_sl": "  Gorenja   Sava ", "name_en": "Upper Sava"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/{kind}"
    assert _all(app, KINDS[kind]) == [("Gorenja Sava", "Upper Sava", "gorenja-sava", True)]
    action, actor, _type, _target, data = _audit(app)[-1]
    assert action.endswith(".create")
    assert actor == admin
    assert data["slug"] == "gorenja-sava"
    page = client.get(f"/admin/{kind}").get_data(as_text=True)
    assert "Added: Upper Sava." in page  # the flash, in the administrator's language
    assert "Gorenja Sava" in page


def test_adding_a_namesake_of_another_slug_numbers_the_slug(
    app: Flask, client: FlaskClient, admin: int, topic: int
) -> None:
    assert client.post("/admin/topics", data={"name_sl": "Promet"}).status_code == 302
    assert [slug for _sl, _en, slug, _on in _all(app, Topic)] == ["promet", "promet-2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the name in Slovenian."),
        ({"name_en": "Environment"}, "Enter the name in Slovenian."),
        ({"name_sl": ""}, "Enter the name in Slovenian."),
        ({"name_sl": "   "}, "Enter the name in Slovenian."),
        ({"name_sl": "x" * 81}, "Use at most 80 characters."),
        ({"name_sl": "Okolje", "name_en": "y" * 81}, "Use at most 80 characters."),
        ({"name_sl": "Oko\x07lje"}, "Remove the invisible control characters."),
        (
            {"name_sl": "PROMET IN CESTE"},
            "Another entry in this list already has this name: Promet in ceste.",
        ),
        (
            {"name_sl": "Promet in čéste"},
            "Another entry in this list already has this name: Promet in ceste.",
        ),
        (
            {"name_sl": "Okolje", "name_en": "traffic  and ROADS"},
            "Another entry in this list already has this name: Traffic and roads.",
        ),
    ],
)
def test_bad_additions_are_explained_and_change_nothing(
    app: Flask, client: FlaskClient, admin: int, topic: int, data: dict, message: str
) -> None:
    before = _audit(app)
    response = client.post("/admin/topics", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert "Please correct the following:" in page
    assert _all(app, Topic) == [("Promet in ceste", "Traffic and roads", "promet", True)]
    assert _audit(app) == before


def test_a_deactivated_namesake_is_pointed_out(
    app: Flask, client: FlaskClient, admin: int, make_item
) -> None:
    make_item(RejectionReason, "old", "Star razlog", is_active=False)
    response = client.post("/admin/reasons", data={"name_sl": "star razlog"})
    assert response.status_code == 422
    assert "Activate it again instead of adding a new one." in response.get_data(as_text=True)
    assert len(_all(app, RejectionReason)) == 1


# --- one item -------------------------------------------------------------------------------


def test_the_item_page_shows_the_form_with_the_current_values(
    client: FlaskClient, admin: int, topic: int
) -> None:
    page = client.get(f"/admin/topics/{topic}").get_data(as_text=True)
    assert 'value="Promet in ceste"' in page
    assert 'value="Traffic and roads"' in page
    assert "<code>promet</code>" in page
    assert '<input checked class="choice__input" id="is_active" name="is_active"' in page


def test_rename_keeps_the_slug(app: Flask, client: FlaskClient, admin: int, topic: int) -> None:
    response = client.post(
        f"/admin/topics/{topic}",
        data={"name_sl": "Promet", "name_en": "Traffic", "is_active": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/topics"
    assert _get(app, Topic, topic) == ("Promet", "Traffic", "promet", True)
    assert _audit(app)[-1] == (
        "topic.rename",
        admin,
        "topic",
        topic,
        {
            "slug": "promet",
            "name_sl": ["Promet in ceste", "Promet"],
            "name_en": ["Traffic and roads", "Traffic"],
        },
    )
    assert "Saved: Traffic." in client.get("/admin/topics").get_data(as_text=True)


def test_deactivate_and_activate_again(
    app: Flask, client: FlaskClient, admin: int, topic: int
) -> None:
    names = {"name_sl": "Promet in ceste", "name_en": "Traffic and roads"}
    assert client.post(f"/admin/topics/{topic}", data=names).status_code == 302
    assert _get(app, Topic, topic)[3] is False
    assert _audit(app)[-1][:4] == ("topic.deactivate", admin, "topic", topic)
    assert "deactivated" in client.get("/admin/topics").get_data(as_text=True)
    response = client.post(f"/admin/topics/{topic}", data={**names, "is_active": "y"})
    assert response.status_code == 302
    assert _get(app, Topic, topic)[3] is True
    assert _audit(app)[-1][:4] == ("topic.activate", admin, "topic", topic)


def test_saving_without_changes_records_nothing(
    app: Flask, client: FlaskClient, admin: int, topic: int
) -> None:
    before = _audit(app)
    response = client.post(
        f"/admin/topics/{topic}",
        data={"name_sl": "Promet in ceste", "name_en": "Traffic and roads", "is_active": "y"},
    )
    assert response.status_code == 302
    assert _audit(app) == before
    assert "Nothing changed." in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the name in Slovenian."),
        ({"name_sl": " "}, "Enter the name in Slovenian."),
        ({"name_sl": "z" * 81}, "Use at most 80 characters."),
        ({"name_sl": "Promet", "name_en": "\x1b[31m"}, "Remove the invisible control characters."),
        ({"name_sl": "okolje"}, "Another entry in this list already has this name: Okolje."),
        ({"name_sl": "Promet", "name_en": "ENVIRONMENT"}, "already has this name: Environment."),
    ],
)
def test_bad_renames_are_explained_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    admin: int,
    topic: int,
    make_item,
    data: dict,
    message: str,
) -> None:
    make_item(Topic, "okolje", "Okolje", "Environment")
    before = _audit(app)
    # The box is unticked too: a refused form must not deactivate half-way.
    response = client.post(f"/admin/topics/{topic}", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _get(app, Topic, topic) == ("Promet in ceste", "Traffic and roads", "promet", True)
    assert _audit(app) == before


# --- initiative rules ---------------------------------------------------------------------------


def test_the_rules_page_shows_the_values_limits_and_what_a_change_means(
    client: FlaskClient, admin: int
) -> None:
    page = client.get("/admin/initiative-rules").get_data(as_text=True)
    assert (
        'inputmode="numeric" name="threshold" required spellcheck="false" type="text" value="300"'
        in page
    )
    assert 'value="90"' in page
    assert 'value="30"' in page
    assert "From 1 to 100,000." in page
    assert "From 7 to 365 days." in page
    assert "From 1 to 180 days." in page
    assert "applies to initiatives published from now on" in page
    assert "keeps the threshold" in page


def test_save_the_rules(app: Flask, client: FlaskClient, admin: int) -> None:
    response = client.post(
        "/admin/initiative-rules",
        data={"threshold": "500", "support_days": "60", "response_days": " 45 "},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/initiative-rules"
    current, stored = _stored_rules(app)
    assert current == rules.Rules(threshold=500, support_days=60, response_days=45)
    assert stored == 3
    action, actor, _type, _target, data = _audit(app)[-1]
    assert (action, actor) == ("settings.change", admin)
    assert data["initiatives.threshold"] == [None, 500]
    page = client.get("/admin/initiative-rules").get_data(as_text=True)
    assert "The rules have been saved." in page
    assert 'value="500"' in page


def test_saving_the_same_rules_records_nothing(app: Flask, client: FlaskClient, admin: int) -> None:
    before = _audit(app)
    response = client.post(
        "/admin/initiative-rules",
        data={"threshold": "300", "support_days": "90", "response_days": "30"},
    )
    assert response.status_code == 302
    assert _audit(app) == before
    assert _stored_rules(app) == (rules.Rules(), 0)


VALID = {"threshold": "300", "support_days": "90", "response_days": "30"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**VALID, "threshold": "-1"}, "Number must be between 1 and 100000."),
        ({**VALID, "threshold": "0"}, "Number must be between 1 and 100000."),
        ({**VALID, "threshold": "abc"}, "Not a valid integer value."),
        ({**VALID, "threshold": "999999999"}, "Number must be between 1 and 100000."),
        ({**VALID, "threshold": "1.5"}, "Not a valid integer value."),
        ({**VALID, "threshold": "9" * 5000}, "The number is too large."),
        ({**VALID, "threshold": ""}, "Enter a whole number."),
        ({"support_days": "90", "response_days": "30"}, "Enter a whole number."),
        ({**VALID, "support_days": "6"}, "Number must be between 7 and 365."),
        ({**VALID, "support_days": "366"}, "Number must be between 7 and 365."),
        ({**VALID, "response_days": "0"}, "Number must be between 1 and 180."),
        ({**VALID, "response_days": "181"}, "Number must be between 1 and 180."),
        ({**VALID, "response_days": "thirty"}, "Not a valid integer value."),
        ({}, "Enter a whole number."),
    ],
)
def test_bad_rules_are_explained_and_change_nothing(
    app: Flask, client: FlaskClient, admin: int, data: dict, message: str
) -> None:
    before = _audit(app)
    response = client.post("/admin/initiative-rules", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert page.count(message) >= 2  # in the summary and on the field
    assert _stored_rules(app) == (rules.Rules(), 0)
    assert _audit(app) == before
