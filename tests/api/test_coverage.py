"""Every path and method of the document is exercised by a request with real data, through the
validating client: a documented operation nobody calls could drift unseen."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Api, Dataset, document


def test_every_documented_operation_is_exercised(app: Flask, api: Api, dataset: Dataset) -> None:
    term = api.get(f"/api/v1/sessions/{dataset.sessions[0]}").get_json()["term"]["id"]
    calls = {
        "/": ["/api/v1/"],
        "/openapi.json": ["/api/v1/openapi.json"],
        "/initiatives": ["/api/v1/initiatives", "/api/v1/initiatives?state=rejected&limit=1"],
        "/initiatives/{initiative_id}": [f"/api/v1/initiatives/{dataset.initiatives[1]}"],
        "/questions": ["/api/v1/questions?origin=councillor", "/api/v1/questions?state=rejected"],
        "/questions/{question_id}": [f"/api/v1/questions/{i}" for i in dataset.questions],
        "/replies": ["/api/v1/replies", "/api/v1/replies?type=full"],
        "/replies/{reply_id}": [f"/api/v1/replies/{i}" for i in dataset.replies],
        "/sessions": ["/api/v1/sessions", f"/api/v1/sessions?term={term}"],
        "/sessions/{session_id}": [f"/api/v1/sessions/{i}" for i in dataset.sessions],
        "/councillors": ["/api/v1/councillors?current=true", "/api/v1/councillors?current=false"],
        "/councillors/{person_id}": [f"/api/v1/councillors/{i}" for i in dataset.councillors],
        "/projects": [
            "/api/v1/projects",
            "/api/v1/projects?light=red",
            "/api/v1/projects?light=stale&order=oldest",
            "/api/v1/projects?community=municipality&year=2026&q=prehod",
        ],
        "/projects/{project_id}": [f"/api/v1/projects/{i}" for i in dataset.projects],
        "/commitments": ["/api/v1/commitments", "/api/v1/commitments?state=open"],
        "/accountability": [
            "/api/v1/accountability",
            *(
                f"/api/v1/accountability?group={g}"
                for g in ("councillor", "resident", "initiative")
            ),
        ],
    }
    paths = document(app)["paths"]
    assert set(calls) == set(paths)
    for _template, urls in calls.items():
        for url in urls:
            response = api.get(url)
            assert response.status_code == 200, (url, response.status_code)
        api.options(urls[0], headers={"Origin": "https://example.org"})
    documented = {
        (path, method)
        for path, item in paths.items()
        for method in item
        if method in ("get", "options")
    }
    assert api.seen == documented
