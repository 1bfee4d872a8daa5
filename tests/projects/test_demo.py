"""The demo's projects (``flask seed-demo``): every light and one stale, linked to the demo's
initiatives, questions and letters, commitments of the letters with exactly one late; a second
run adds nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.core.time import today
from app.extensions import db
from app.projects import queries
from app.projects.models import (
    Commitment,
    CommitmentState,
    Light,
    LinkTarget,
    Project,
    ProjectLink,
    ProjectUpdate,
)
from tests.projects.conftest import counts


@pytest.fixture
def demo_site(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("demo_site")
def test_the_demo_has_every_light_and_a_stale_project(app: Flask) -> None:
    with app.app_context():
        projects = list(db.session.scalars(sa.select(Project)))
        assert {p.light for p in projects} == set(Light)
        stale = [p for p in projects if queries.is_stale(p)]
        assert len(stale) >= 1
        assert all(p.light is not Light.DONE for p in stale)
        # Amber and red say why; what became later or dearer shows it on its timeline.
        assert all(p.light_reason for p in projects if p.light in (Light.AMBER, Light.RED))
        assert any(p.delay_days > 0 for p in projects)
        assert any(p.overrun_cents > 0 for p in projects)
        assert all(p.updates for p in projects)
        reasons = db.session.scalars(
            sa.select(ProjectUpdate.reason).where(ProjectUpdate.kind == "schedule")
        ).all()
        assert reasons
        assert all(reasons)


@pytest.mark.usefixtures("demo_site")
def test_the_demo_links_initiatives_questions_and_letters(app: Flask) -> None:
    with app.app_context():
        targets = {row.target for row in db.session.scalars(sa.select(ProjectLink))}
        assert targets == set(LinkTarget)
        for row in db.session.scalars(sa.select(ProjectLink)):
            # Every link is to something public.
            from app.projects.services import public_target

            assert public_target(row.target, row.target_id) is not None


@pytest.mark.usefixtures("demo_site")
def test_the_demo_has_exactly_one_late_commitment(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        commitments = list(db.session.scalars(sa.select(Commitment)))
        late = [c for c in commitments if c.state is CommitmentState.OPEN and c.is_late(today())]
        assert len(late) == 1
        assert queries.late_count() == 1
        assert any(c.state is CommitmentState.DONE for c in commitments)
        assert any(c.project_id for c in commitments)
    html = client.get("/projects/commitments?state=late").get_data(as_text=True)
    assert html.count('<th scope="row">') == 1


def test_seeding_twice_adds_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        before = counts()
    assert before["projects"] >= 6
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert counts() == before


@pytest.mark.usefixtures("demo_site")
@pytest.mark.parametrize("english", [False, True])
def test_every_demo_page_renders(
    app: Flask, client: FlaskClient, in_english: Callable[[FlaskClient], None], english: bool
) -> None:
    if english:
        in_english(client)
    with app.app_context():
        ids = db.session.scalars(sa.select(Project.id)).all()
        links = list(db.session.scalars(sa.select(ProjectLink)))
    for path in ["/projects/", "/projects/commitments", *(f"/projects/{i}" for i in ids)]:
        assert client.get(path).status_code == 200, path
    # The other way: each linked item's page names its project.
    for row in links:
        kind = {"initiative": "initiatives", "question": "questions", "reply": "replies"}[
            row.target.value
        ]
        html = client.get(f"/{kind}/{row.target_id}").get_data(as_text=True)
        assert f'href="/projects/{row.project_id}"' in html, (kind, row.target_id)
