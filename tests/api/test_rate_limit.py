"""One rate limit per client address for the whole API, also for what the page cache answers."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Dataset


def test_the_limit_holds_for_cached_responses(app_for: Any, api_for: Any, dataset: Dataset) -> None:
    other = app_for(API_RATE_LIMIT="5 per minute")
    api = api_for(other)
    path = f"/api/v1/initiatives/{dataset.initiatives[0]}"
    answers = [api.get(path) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 5
    # Served from the cache of pages after the first: the limiter counted them all the same.
    assert all(r.headers.get("X-Glas-Cache") == "hit" for r in answers[1:])
    refused = api.get(path)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["status"] == 429
    assert refused.headers["X-RateLimit-Limit"] == "5"


def test_the_limit_is_one_budget_for_the_whole_api(
    app_for: Any, api_for: Any, dataset: Dataset
) -> None:
    other = app_for(API_RATE_LIMIT="4 per minute")
    api = api_for(other)
    for path in ("/api/v1/", "/api/v1/sessions", "/api/v1/openapi.json", "/api/v1/councillors"):
        assert api.get(path).status_code == 200
    assert api.get("/api/v1/replies").status_code == 429
    assert api.options("/api/v1/replies").status_code == 429  # a preflight counts too
    # Another address has its own budget.
    other_client = api_for(other)
    response = other_client.client.get("/api/v1/replies", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    other_client.check(response)
    assert response.status_code == 200


def test_the_site_is_not_limited_by_the_api(app_for: Any, api_for: Any, dataset: Dataset) -> None:
    other = app_for(API_RATE_LIMIT="1 per minute")
    api = api_for(other)
    assert api.get("/api/v1/sessions").status_code == 200
    assert api.get("/api/v1/sessions").status_code == 429
    assert other.test_client().get("/sessions/").status_code == 200
