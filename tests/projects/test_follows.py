"""Following a project: the button's POST, "What I follow", the data download.

The follow box on the project's page is the projects' own template; these tests go through
the same routes it posts to (``/follows/project/<id>``), as a browser without JavaScript does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.follows import targets
from app.follows.models import Follow, Reason, Target, page_tags
from tests.projects._integration import (  # noqa: F401 (fixtures, found by name)
    World,
    council,
    make_councillor,
    make_ugdp_project,
    people,
    reference,
    world,
)

TITLE = "Razsvetljava prehoda pri Osnovni šoli Stražišče"


@pytest.fixture
def project(make_ugdp_project: Callable[..., int]) -> int:  # noqa: F811
    return make_ugdp_project("OB-2026-014", TITLE)


@pytest.fixture
def signed_in(
    client: FlaskClient, login: Callable[[FlaskClient, int], None], make_user: Callable[..., int]
) -> int:
    resident = make_user(pseudonym="Mojca Sledilka")
    login(client, resident)
    return resident


def _follows(app: Flask, user_id: int) -> list[tuple[Target, int, Reason]]:
    with app.app_context():
        return [
            (row.target, row.target_id, row.reason)
            for row in db.session.scalars(
                sa.select(Follow).where(Follow.user_id == user_id).order_by(Follow.id)
            )
        ]


def test_a_project_is_followed_and_unfollowed_by_its_button(
    app: Flask, client: FlaskClient, project: int, signed_in: int
) -> None:
    page = f"/projects/{project}"
    response = client.post(f"/follows/project/{project}", data={"next": page})
    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert _follows(app, signed_in) == [(Target.PROJECT, project, Reason.CHOSEN)]
    # A second click (or a second tab) makes no second row.
    assert client.post(f"/follows/project/{project}").status_code == 302
    assert _follows(app, signed_in) == [(Target.PROJECT, project, Reason.CHOSEN)]

    response = client.post(f"/follows/project/{project}/stop", data={"next": page})
    assert response.status_code == 302
    assert _follows(app, signed_in) == []


def test_a_project_that_does_not_exist_cannot_be_followed(
    app: Flask, client: FlaskClient, project: int, signed_in: int
) -> None:
    assert client.post(f"/follows/project/{project + 1000}").status_code == 404
    assert _follows(app, signed_in) == []


def test_following_needs_an_account(client: FlaskClient, project: int) -> None:
    response = client.post(f"/follows/project/{project}")
    assert response.status_code in (302, 401)
    assert "/follows/" not in response.headers.get("Location", "")


def test_what_i_follow_lists_the_project_with_its_page(
    client: FlaskClient, project: int, signed_in: int, in_english: Callable
) -> None:
    in_english(client)
    client.post(f"/follows/project/{project}")
    page = client.get("/me/follows").get_data(as_text=True)
    assert f'<a href="/projects/{project}">{TITLE}</a>' in page
    assert '<p class="item-card__meta">Project</p>' in page
    assert f'action="/follows/project/{project}/stop"' in page


def test_the_data_download_names_the_followed_project(
    client: FlaskClient, project: int, signed_in: int
) -> None:
    client.post(f"/follows/project/{project}")
    data = client.get("/me/data.json").get_json()
    assert {
        "target": "project",
        "id": project,
        "name": TITLE,
        "reason": "chosen",
    }.items() <= data["follows"][0].items()


def test_a_project_is_described_in_bulk_and_its_page_tag_is_its_own(
    app: Flask,
    make_ugdp_project: Callable[..., int],  # noqa: F811
) -> None:
    ids = [make_ugdp_project(f"B-{n}", f"Projekt {n}") for n in range(3)]
    with app.test_request_context():
        described = targets.describe(Target.PROJECT, [*ids, max(ids) + 1])
    assert sorted(described) == ids  # the missing one is left out
    assert described[ids[0]].title == "Projekt 0"
    assert described[ids[0]].endpoint == "projects.detail"
    # The project's page says how many follow: a follow changes that page (and only it).
    assert page_tags(Target.PROJECT, 7) == ("project:7",)


def test_the_follows_column_takes_the_new_target(app: Flask, project: int, signed_in: int) -> None:
    """The migration's column is a VARCHAR(20) without a CHECK of its values (m9notify0001):
    a new kind of target needs no migration. The row written is read back as the member."""
    assert len(Target.PROJECT.value) <= 20
    with app.app_context():
        db.session.execute(
            sa.insert(Follow).values(
                user_id=signed_in, target="project", target_id=project, reason="chosen"
            )
        )
        stored = db.session.scalar(
            sa.select(sa.text("target")).select_from(Follow).where(Follow.user_id == signed_in)
        )
        db.session.rollback()
    assert stored == "project"
