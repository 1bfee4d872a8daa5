"""A second click on a state-changing button gets a gentle message and the current state.

The first click did the work (or someone else did it meanwhile): the second must neither
fail with a 500 nor accuse the person with a 403 page. It changes nothing, says what the
initiative is now, and shows it. Someone who could never have done it still gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.core.models import AuditEntry
from app.extensions import db
from app.initiatives.models import EventKind, Initiative, InitiativeEvent, InitiativeState
from app.org.models import OrgUnit, OrgUnitKind
from app.reference.models import RejectionReason

_S = InitiativeState
GENTLE = "Nothing was done: the initiative is now"


def _state(app: Flask, initiative_id: int) -> _S | None:
    with app.app_context():
        item = db.session.get(Initiative, initiative_id)
        return item.state if item else None


def _version(app: Flask, initiative_id: int) -> str:
    with app.app_context():
        item = db.session.get(Initiative, initiative_id)
        assert item is not None
        return item.updated_at.isoformat()


def _events(app: Flask, initiative_id: int, kind: EventKind) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(InitiativeEvent)
                .filter_by(initiative_id=initiative_id, kind=kind)
            )
            or 0
        )


def _twice(client: FlaskClient, path: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    first = client.post(path, data=data or {})
    second = client.post(path, data=data or {})
    return first, second


def _assert_gentle(client: FlaskClient, response, initiative_id: int, state_label: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/initiatives/{initiative_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{GENTLE} “{state_label}”" in page


@pytest.fixture
def english(client: FlaskClient, in_english: Callable[[FlaskClient], None]) -> None:
    in_english(client)


pytestmark = pytest.mark.usefixtures("english")


def test_submit_twice(app: Flask, client, make_user, login, make_initiative) -> None:
    author = make_user()
    item = make_initiative(_S.DRAFT, author_id=author)
    login(client, author)
    first, second = _twice(client, f"/initiatives/{item}/submit")
    assert first.status_code == 302
    _assert_gentle(client, second, item, "Waiting for moderation")
    assert _state(app, item) is _S.SUBMITTED


def test_publish_twice(app: Flask, client, make_user, login, make_initiative) -> None:
    login(client, make_user(roles=[(Role.MODERATOR, None)]))
    item = make_initiative(_S.SUBMITTED)
    seen = _version(app, item)
    first, second = _twice(client, f"/initiatives/{item}/publish", {"seen": seen})
    assert first.status_code == 302
    _assert_gentle(client, second, item, "Open for support")
    assert _events(app, item, EventKind.PUBLISHED) == 1


def test_reject_after_another_moderator_published(
    app: Flask, client, make_user, login, make_initiative
) -> None:
    login(client, make_user(roles=[(Role.MODERATOR, None)]))
    item = make_initiative(_S.PUBLISHED)
    with app.app_context():
        reason = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="offensive"))
    response = client.post(
        f"/initiatives/{item}/reject",
        data={"seen": _version(app, item), "reject-reason": str(reason), "reject-note": ""},
    )
    _assert_gentle(client, response, item, "Open for support")


def test_respond_twice(app: Flask, client, make_user, login, make_initiative) -> None:
    login(client, make_user(roles=[(Role.ADMINISTRATOR, None)]))
    item = make_initiative(_S.AWAITING_RESPONSE)
    data = {"respond-kind": "accepted", "respond-text": "Sprejeto."}
    first, second = _twice(client, f"/initiatives/{item}/respond", data)
    assert first.status_code == 302
    _assert_gentle(client, second, item, "Answered")
    assert _events(app, item, EventKind.ANSWERED) == 1
    with app.app_context():
        responses = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .filter_by(action="initiative.respond", target_id=item)
        )
    assert responses == 1


def test_assign_after_the_answer(app: Flask, client, make_user, login, make_initiative) -> None:
    login(client, make_user(roles=[(Role.MODERATOR, None)]))
    item = make_initiative(_S.ANSWERED)
    with app.app_context():
        unit = OrgUnit(code="env", name="Okolje", kind=OrgUnitKind.OFFICE)
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
    response = client.post(f"/initiatives/{item}/unit", data={"unit-unit": str(unit_id)})
    _assert_gentle(client, response, item, "Answered")


def test_withdraw_twice(app: Flask, client, make_user, login, make_initiative) -> None:
    author = make_user()
    item = make_initiative(_S.PUBLISHED, author_id=author)
    login(client, author)
    first, second = _twice(client, f"/initiatives/{item}/withdraw")
    assert first.status_code == 302
    _assert_gentle(client, second, item, "Withdrawn")
    assert _events(app, item, EventKind.WITHDRAWN) == 1


def test_delete_twice(app: Flask, client, make_user, login, make_initiative) -> None:
    author = make_user()
    item = make_initiative(_S.DRAFT, author_id=author)
    login(client, author)
    first, second = _twice(client, f"/initiatives/{item}/delete")
    assert first.status_code == 302
    assert second.status_code == 303
    assert second.headers["Location"] == "/initiatives/mine"
    page = client.get("/initiatives/mine").get_data(as_text=True)
    assert "This draft no longer exists: it has already been deleted." in page
    assert _state(app, item) is None


def test_someone_who_could_never_do_it_still_gets_403(
    app: Flask, client, make_user, login, make_initiative
) -> None:
    login(client, make_user())  # a resident, not the author, not a moderator
    published = make_initiative(_S.PUBLISHED)
    assert client.post(f"/initiatives/{published}/publish", data={"seen": "x"}).status_code == 403
    assert client.post(f"/initiatives/{published}/withdraw").status_code == 403
    data = {"respond-kind": "accepted", "respond-text": "Sprejeto."}
    assert client.post(f"/initiatives/{published}/respond", data=data).status_code == 403
    assert _state(app, published) is _S.PUBLISHED


def test_deleting_someone_elses_draft_is_still_404(
    app: Flask, client, make_user, login, make_initiative
) -> None:
    item = make_initiative(_S.DRAFT)
    login(client, make_user())
    assert client.post(f"/initiatives/{item}/delete").status_code == 404
    assert _state(app, item) is _S.DRAFT
