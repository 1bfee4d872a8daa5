"""The projects and commitments of the API: what their pages show, filtered as the pages
filter, paged without skipping or repeating while new ones are recorded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.org.models import OrgUnit
from app.projects import services
from app.projects.models import Project
from app.reference.models import Topic
from tests.api.conftest import Api, Dataset, walk


def _all(api: Api, path: str) -> list[dict[str, Any]]:
    return list(walk(api, path))


def _record(app: Flask, n: int) -> list[int]:
    with app.app_context():
        unit = db.session.scalar(sa.select(OrgUnit.id).order_by(OrgUnit.id))
        topic = db.session.scalar(sa.select(Topic.id).filter_by(slug="promet"))
        start = (db.session.scalar(sa.select(sa.func.count()).select_from(Project)) or 0) + 1
        ids = []
        with services.as_the_system():
            for number in range(start, start + n):
                project = services.create(
                    None,
                    f"W-{number:04d}",
                    services.Details(f"Projekt {number}", "Povzetek.", "", unit, topic, None, None),
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                )
                ids.append(project.id)
        db.session.commit()
        return ids


def test_a_walk_sees_every_project_once_while_new_ones_are_recorded(
    app: Flask, api: Api, dataset: Dataset
) -> None:
    before = [*dataset.projects, *_record(app, 11)]
    for order in ("newest", "oldest"):
        seen: list[int] = []
        url: str | None = f"/api/v1/projects?limit=3&order={order}"
        while url is not None:
            body = api.get(url).get_json()
            seen.extend(item["id"] for item in body["items"])
            url = body["links"]["next"]
            _record(app, 2)  # recorded between two pages
        assert len(seen) == len(set(seen)), "a project was listed twice"
        assert set(before) <= set(seen), "a project that existed at the start was skipped"


def test_a_project_as_its_page_shows_it(api: Api, dataset: Dataset) -> None:
    body = api.get(f"/api/v1/projects/{dataset.projects[0]}").get_json()
    assert body["code"] == "OB-2026-014"
    assert body["light"] == "red"
    assert body["light_reason"] == "Pritožba."
    # The first plan beside the current one: a month later, the delay in days.
    assert (body["original_ends_on"], body["ends_on"]) == ("2026-09-01", "2026-10-01")
    assert body["delay_days"] == 30
    assert body["years"] == [
        {"year": 2026, "budget_cents": 6_800_000, "original_budget_cents": 6_800_000,
         "spent_cents": 120_000}
    ]  # fmt: skip
    assert [m["title"] for m in body["milestones"]] == ["Izbira izvajalca"]
    assert {(link["kind"], link["relation"]) for link in body["links"]} == {
        ("initiative", "led_to"),
        ("reply", "speaks_of"),
    }
    # Only the commitment of the published letter; the timeline newest first, with the
    # value it had before each change.
    assert [c["id"] for c in body["commitments"]] == dataset.commitments
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds[-1] == "created"
    schedule = next(e for e in body["timeline"] if e["kind"] == "schedule")
    assert schedule["before"] == {"ends_on": "2026-09-01"}
    assert schedule["after"] == {"ends_on": "2026-10-01"}
    assert schedule["reason"] == "Dobava zamuja."


def test_projects_are_filtered_as_the_page_filters_them(api: Api, dataset: Dataset) -> None:
    assert [p["code"] for p in _all(api, "/api/v1/projects?light=red")] == ["OB-2026-014"]
    assert [p["code"] for p in _all(api, "/api/v1/projects?light=done")] == ["OB-2025-002"]
    assert [p["code"] for p in _all(api, "/api/v1/projects?year=2025")] == ["OB-2025-002"]
    assert [p["code"] for p in _all(api, "/api/v1/projects?q=prehod")] == ["OB-2026-014"]
    for wrong in ("light=purple", "unit=NOPE", "topic=nope", "community=nope", "year=1800"):
        response = api.get(f"/api/v1/projects?{wrong}")
        assert response.status_code == 400, wrong
        assert response.mimetype == "application/problem+json"


def test_a_stale_project_is_listed_as_stale(app: Flask, api: Api, dataset: Dataset) -> None:
    with app.app_context():
        project = db.session.get(Project, dataset.projects[0])
        assert project is not None
        project.updated_at = project.updated_at - timedelta(days=400)
        db.session.commit()
    stale = _all(api, "/api/v1/projects?light=stale")
    assert [(p["id"], p["stale"]) for p in stale] == [(dataset.projects[0], True)]
    done = api.get(f"/api/v1/projects/{dataset.projects[1]}").get_json()
    assert done["stale"] is False  # a project that is done is never stale


def test_commitments_of_public_letters_only(api: Api, dataset: Dataset) -> None:
    assert [c["id"] for c in _all(api, "/api/v1/commitments")] == dataset.commitments
    commitment = _all(api, "/api/v1/commitments?state=open")[0]
    assert commitment["project"]["code"] == "OB-2026-014"
    assert commitment["reply"]["reference_number"]
    assert _all(api, "/api/v1/commitments?state=dropped") == []
    assert api.get("/api/v1/commitments?state=lost").status_code == 400


def test_an_unknown_project_is_a_problem(api: Api, dataset: Dataset) -> None:
    response = api.get("/api/v1/projects/999999")
    assert response.status_code == 404
    assert response.get_json()["instance"] == "/api/v1/projects/999999"
