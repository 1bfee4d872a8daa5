"""Who may change projects and commitments: the pure rules, then every write endpoint against
every kind of visitor. Only the right people get through; everyone else gets a 403 (a
visitor: the way to sign in, as every ``login_required`` page), and nothing changes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import today
from app.extensions import db
from app.projects import permissions, services
from app.projects.models import Commitment, CommitmentState, LinkRelation, LinkTarget
from tests.projects.conftest import Actors, Org, account, project

ROLES = (
    "anonymous",
    "resident",
    "moderator",
    "administrator",
    "other_official",
    "official",
    "issuer",
)


# --- the rules themselves --------------------------------------------------------------------


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize("role", ROLES)
def test_the_rules(role: str, org: Org, actors: Actors, make_project: Callable[..., int]) -> None:
    pid = make_project()
    user = None if role == "anonymous" else account(getattr(actors, role))
    found = project(pid)
    commitment = Commitment(owner_unit_id=org.unit, reply_id=0)
    assert permissions.can_create(user, org.unit) is (role == "official")
    assert permissions.can_create(user) is (role in ("official", "other_official", "issuer"))
    assert permissions.can_import(user) is (role in ("official", "other_official", "issuer"))
    assert permissions.can_update(user, found) is (role == "official")
    assert permissions.can_record_commitment(user, org.kz) is (role == "issuer")
    assert permissions.can_close_commitment(user, commitment, org.kz) is (
        role in ("official", "issuer")
    )


@pytest.mark.usefixtures("ctx")
def test_an_official_of_both_units_may_act_for_both(
    org: Org, actors: Actors, make_project: Callable[..., int]
) -> None:
    both = account(actors.both)
    assert permissions.can_create(both, org.unit)
    assert permissions.can_create(both, org.other_unit)
    assert not permissions.can_create(both, org.kz)
    assert permissions.can_update(both, project(make_project()))


# --- every write endpoint, every visitor -----------------------------------------------------


@dataclass(frozen=True)
class World:
    project: int
    milestone: int
    link: int
    initiative: int  # public, not linked yet
    reply: int  # published by KZ
    commitment: int  # of that letter, owned by UGDP


@pytest.fixture
def world(
    app: Flask,
    org: Org,
    actors: Actors,
    make_project: Callable[..., int],
    add_milestone: Callable[..., int],
    make_initiative: Callable[..., int],
    published_reply: int,
    make_commitment: Callable[..., int],
) -> World:
    pid = make_project()
    milestone = add_milestone(pid, planned_on=today() - timedelta(days=3))
    linked, other = make_initiative(), make_initiative()
    with app.app_context(), services.as_the_system():
        link = services.link(None, project(pid), LinkTarget.INITIATIVE, linked, LinkRelation.LED_TO)
        db.session.commit()
        link_id = link.id
    return World(
        project=pid,
        milestone=milestone,
        link=link_id,
        initiative=other,
        reply=published_reply,
        commitment=make_commitment(published_reply, org.unit, project_id=pid),
    )


def _csv(text: str) -> dict[str, Any]:
    return {"file": (io.BytesIO(text.encode()), "projekti.csv")}


def _requests(w: World, org: Org) -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    """Each write endpoint: its path and the form a person allowed to send it would send."""
    p = f"/projects/{w.project}"
    yesterday = (today() - timedelta(days=1)).isoformat()
    soon = (today() + timedelta(days=40)).isoformat()
    details = {
        "title": "Nov naslov",
        "summary": "Talne utripajoče luči na prehodu.",
        "description": "",
        "unit": str(org.unit),
        "topic": str(org.topic),
        "community": "",
        "location": "",
    }
    return {
        "new": (
            "/projects/new",
            lambda: {
                **details,
                "code": "OB-NEW-1",
                "starts_on": "2026-03-01",
                "ends_on": "2026-10-31",
            },
        ),
        "edit": (f"{p}/edit", lambda: details),
        "status": (
            f"{p}/status",
            lambda: {"status-light": "amber", "status-progress": "30", "status-reason": "Zamuja."},
        ),
        "schedule": (
            f"{p}/schedule",
            lambda: {
                "schedule-starts_on": "2026-03-01",
                "schedule-ends_on": "2026-11-30",
                "schedule-reason": "Pritožba.",
            },
        ),
        "years": (f"{p}/years", lambda: {"year-year": "2027", "year-budget": "1.000,00"}),
        "milestone-add": (
            f"{p}/milestones",
            lambda: {"milestone-title": "Razpis", "milestone-planned_on": "2026-05-01"},
        ),
        "milestone-update": (
            f"{p}/milestones/{w.milestone}",
            lambda: {
                f"m{w.milestone}-planned_on": (today() - timedelta(days=3)).isoformat(),
                f"m{w.milestone}-done_on": yesterday,
            },
        ),
        "link-add": (
            f"{p}/links",
            lambda: {
                "link-target": "initiative",
                "link-target_id": str(w.initiative),
                "link-relation": "speaks_of",
            },
        ),
        "link-remove": (f"{p}/links/{w.link}/remove", dict),
        "import": ("/projects/import", lambda: _csv("code,title\nOB-2026-014,Nov naslov\n")),
        "commitment-record": (
            f"/projects/commitments/for-reply/{w.reply}",
            lambda: {
                "commitment-text": "Luči bodo postavljene do jeseni.",
                "commitment-owner_unit": str(org.unit),
                "commitment-due_on": soon,
            },
        ),
        "commitment-close": (
            f"/projects/commitments/{w.commitment}/close",
            lambda: {
                f"close{w.commitment}-state": "done",
                f"close{w.commitment}-closed_on": yesterday,
                f"close{w.commitment}-note": "Postavljene.",
            },
        ),
    }


#: Who gets through each endpoint; officials of other units get the form back (422) where
#: they may use the page for their own unit (a project of theirs, a file of theirs).
ALLOWED = {
    "commitment-record": {"issuer"},
    "commitment-close": {"official", "issuer"},
}
FORM_FOR_OTHERS = {"new", "import"}


def _who(actors: Actors, role: str) -> int | None:
    return None if role == "anonymous" else getattr(actors, role)


def _state(app: Flask, w: World) -> Any:
    from tests.projects.conftest import counts, snapshot

    with app.app_context():
        found = db.session.get(Commitment, w.commitment)
        assert found is not None
        return counts(), snapshot(w.project), (found.state, found.closed_on)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "endpoint",
    [
        "new",
        "edit",
        "status",
        "schedule",
        "years",
        "milestone-add",
        "milestone-update",
        "link-add",
        "link-remove",
        "import",
        "commitment-record",
        "commitment-close",
    ],
)
def test_only_the_right_people_write(
    app: Flask,
    org: Org,
    actors: Actors,
    world: World,
    signed_in: Callable[..., FlaskClient],
    endpoint: str,
    role: str,
) -> None:
    path, data = _requests(world, org)[endpoint]
    client = signed_in(_who(actors, role))
    before = _state(app, world)
    response = client.post(path, data=data())
    after = _state(app, world)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    elif role in ALLOWED.get(endpoint, {"official"}):
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        assert "/auth/login" not in response.headers["Location"]
        assert after != before  # it did something
        return
    elif endpoint in FORM_FOR_OTHERS and role in ("other_official", "issuer"):
        assert response.status_code == 422
    else:
        assert response.status_code == 403
    assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["new", "edit", "import"])
def test_only_officials_see_the_forms(
    org: Org,
    actors: Actors,
    world: World,
    signed_in: Callable[..., FlaskClient],
    page: str,
    role: str,
) -> None:
    path = {
        "new": "/projects/new",
        "edit": f"/projects/{world.project}/edit",
        "import": "/projects/import",
    }[page]
    response = signed_in(_who(actors, role)).get(path)
    if role == "anonymous":
        assert response.status_code == 302
    elif role == "official" or (page != "edit" and role in ("other_official", "issuer")):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_the_page_shows_the_forms_only_to_the_units_officials(
    actors: Actors, world: World, signed_in: Callable[..., FlaskClient], role: str
) -> None:
    page = signed_in(_who(actors, role)).get(f"/projects/{world.project}").get_data(as_text=True)
    shows = f'action="/projects/{world.project}/status"' in page
    assert shows is (role == "official")
    assert (f"/projects/{world.project}/links/{world.link}/remove" in page) is (role == "official")


def test_an_unknown_project_milestone_link_or_commitment_is_a_404(
    actors: Actors,
    world: World,
    signed_in: Callable[..., FlaskClient],
    make_project: Callable[..., int],
) -> None:
    official = signed_in(actors.official)
    other = make_project("OB-OTHER")
    assert official.post("/projects/999999/status", data={}).status_code == 404
    assert official.post(f"/projects/{world.project}/milestones/999999", data={}).status_code == 404
    assert official.post(f"/projects/{world.project}/links/999999/remove").status_code == 404
    # A link of another project is not this project's.
    assert official.post(f"/projects/{other}/links/{world.link}/remove").status_code == 404
    assert official.post("/projects/commitments/999999/close", data={}).status_code == 404
    assert official.post("/projects/commitments/for-reply/999999", data={}).status_code == 404


def test_handing_a_project_on_through_the_form_needs_both_units(
    app: Flask,
    org: Org,
    actors: Actors,
    world: World,
    signed_in: Callable[..., FlaskClient],
    in_english: Callable[[FlaskClient], None],
) -> None:
    path, data = _requests(world, org)["edit"]
    handed = {**data(), "unit": str(org.other_unit)}
    official = signed_in(actors.official)
    in_english(official)
    before = _state(app, world)
    response = official.post(path, data=handed)
    assert response.status_code == 422
    assert "You can hand a project only to a unit you work in." in response.get_data(as_text=True)
    assert _state(app, world) == before
    assert signed_in(actors.both).post(path, data=handed).status_code == 302
    with app.app_context():
        assert project(world.project).unit_id == org.other_unit
        state = db.session.scalar(
            sa.select(Commitment.state).where(Commitment.id == world.commitment)
        )
    assert state is CommitmentState.OPEN
