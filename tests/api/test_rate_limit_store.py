"""The API's limit on a real Redis (the store several servers share), and what happens when
the store cannot be reached: reads are let through, and the API stays up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.extensions import limiter
from tests.api.conftest import Dataset


@pytest.fixture
def restore_limiter(app: Flask) -> Iterator[None]:
    """The rate limiter is one object: another app's ``init_app`` gives it that app's store.
    Give it back the suite's (in memory) afterwards, so that no later test counts on Redis."""
    yield
    limiter.init_app(app)


@pytest.mark.usefixtures("restore_limiter")
def test_the_limit_holds_on_redis_for_cached_answers(
    app_for: Any, api_for: Any, dataset: Dataset, redis_server: Any
) -> None:
    other = app_for(
        API_RATE_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI=f"redis+unix://{redis_server.socket}",
    )
    with other.app_context():
        limiter.reset()
    api = api_for(other)
    path = f"/api/v1/projects/{dataset.projects[0]}"
    answers = [api.get(path) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers.get("X-Glas-Cache") for r in answers[1:]] == ["hit", "hit"]
    refused = api.get(path)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Limit"] == "3"
    # Counted in Redis: the store holds the API's key for this address.
    import redis

    keys = redis.Redis(unix_socket_path=str(redis_server.socket)).keys("*glas-api*")
    assert keys, "the API's budget is kept in Redis"


@pytest.mark.usefixtures("restore_limiter")
def test_a_store_that_cannot_be_reached_lets_reads_through(
    app_for: Any, api_for: Any, dataset: Dataset, tmp_path: Any, caplog: Any
) -> None:
    other = app_for(
        API_RATE_LIMIT="1 per minute",
        RATELIMIT_STORAGE_URI=f"redis+unix://{tmp_path / 'nobody-listens.sock'}",
    )
    api = api_for(other)
    for _ in range(3):
        assert api.get("/api/v1/projects").status_code == 200
    assert "rate-limit store unavailable" in caplog.text
    assert "reads are let through" in caplog.text
    # One report for the outage, not a traceback for each request.
    reports = [r for r in caplog.records if "rate-limit store unavailable" in r.getMessage()]
    assert len(reports) == 1
