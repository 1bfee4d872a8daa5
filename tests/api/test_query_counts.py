"""A bounded number of SQL statements per request: the same for a page of 1 and of 30+ items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.questions.models import Origin, QuestionState
from tests.api.conftest import Api
from tests.conftest import made_afresh


def _count(app: Flask, api: Api, count_queries: Any, path: str) -> int:
    api.get(path)  # the reference data and the settings are kept in the process after this
    with made_afresh(app), count_queries() as queries:
        response = api.get(path)
    assert response.status_code == 200, path
    return len(queries)


def test_lists_cost_the_same_for_1_and_for_35_items(
    app: Flask,
    api: Api,
    count_queries: Any,
    publish_initiatives: Callable[[int], list[int]],
    make_question: Callable[..., int],
    letters: Any,
) -> None:
    from app.extensions import db

    paths = [
        "/api/v1/initiatives?limit=200",
        "/api/v1/questions?limit=200",
        "/api/v1/replies?limit=200",
        "/api/v1/sessions?limit=200",
        "/api/v1/councillors?limit=200",
        "/api/v1/initiatives?limit=200&q=pobuda",
        "/api/v1/projects?limit=200",
        "/api/v1/projects?limit=200&q=prehod",
        "/api/v1/commitments?limit=200",
    ]

    def add(n: int) -> None:
        publish_initiatives(n)
        for _ in range(n):
            make_question(Origin.COUNCILLOR, QuestionState.ASSIGNED)
        with app.app_context():
            for _ in range(n):
                letter = letters.create()
                letters.advance(letter, "published")
                _project_with_a_commitment(letter)
            db.session.commit()

    add(1)
    few = {path: _count(app, api, count_queries, path) for path in paths}
    add(34)
    many = {path: _count(app, api, count_queries, path) for path in paths}
    assert many == few
    assert max(few.values()) <= 6, few


def _project_with_a_commitment(letter: Any) -> None:
    """A project (a prehod, so that the search finds it) with a year, a milestone and a link,
    and a commitment of ``letter`` it carries out."""
    from datetime import date

    import sqlalchemy as sa

    from app.extensions import db
    from app.org.models import OrgUnit
    from app.projects import services
    from app.projects.models import LinkRelation, LinkTarget, Project
    from app.reference.models import Topic

    unit = db.session.scalar(sa.select(OrgUnit.id).order_by(OrgUnit.id))
    topic = db.session.scalar(sa.select(Topic.id).filter_by(slug="promet"))
    number = (db.session.scalar(sa.select(sa.func.count()).select_from(Project)) or 0) + 1
    with services.as_the_system():
        project = services.create(
            None,
            f"P-{number:04d}",
            services.Details(f"Prehod {number}", "Prehod.", "", unit, topic, None, None),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            years=[services.YearMoney(2026, 100_000)],
        )
        services.add_milestone(None, project, title="Začetek", planned_on=date(2026, 2, 1))
        services.link(None, project, LinkTarget.REPLY, letter.id, LinkRelation.SPEAKS_OF)
        services.record_commitment(
            None,
            letter,
            text="Prehod bo urejen.",
            owner_unit_id=unit,
            due_on=max(letter.letter_date, date(2026, 12, 31)),
            project_id=project.id,
        )


@pytest.mark.parametrize(
    "name", ["initiatives", "questions", "replies", "sessions", "councillors", "projects"]
)
def test_an_item_costs_a_fixed_number(
    app: Flask, api: Api, count_queries: Any, dataset: Any, name: str
) -> None:
    ids = {
        "initiatives": dataset.initiatives,
        "questions": dataset.questions,
        "replies": dataset.replies,
        "sessions": dataset.sessions,
        "councillors": dataset.councillors,
        "projects": dataset.projects,
    }[name]
    counts = {_count(app, api, count_queries, f"/api/v1/{name}/{item_id}") for item_id in ids}
    assert max(counts) <= 14, counts


def test_the_accountability_figures_cost_a_fixed_number(
    app: Flask, api: Api, count_queries: Any, dataset: Any
) -> None:
    assert _count(app, api, count_queries, "/api/v1/accountability") <= 6
