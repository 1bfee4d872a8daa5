"""Error pages: in the visitor's language, with a way forward, never a stack trace."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from tests.conftest import base_config


def test_unknown_url_gives_404_in_slovenian_by_default(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="sl">' in page
    assert "Strani ni mogoče najti" in page
    assert "Na domačo stran" in page


def test_unknown_url_gives_404_in_english_after_the_switch(client: FlaskClient, in_english) -> None:
    in_english(client)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Page not found" in page


def test_wrong_method_gives_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/about")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "To dejanje tu ni mogoče" in response.get_data(as_text=True)


def test_rate_limit_gives_429_page(client: FlaskClient) -> None:
    statuses = [
        client.post("/accessibility", data={"message": f"barrier {n}"}).status_code
        for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    response = client.post("/accessibility", data={"message": "again"})
    assert response.status_code == 429
    assert "Preveč poskusov" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_api_paths_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    # An RFC 9457 problem (app/api/problems.py), not the site's HTML page.
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert response.json["status"] == 404
    assert response.json["instance"] == "/api/v1/nothing-here"


@pytest.fixture
def failing_app(database_url: str):
    """An app with a route that fails, as a bug in a view would."""
    # As in production: exceptions become the 500 page instead of reaching the test.
    app = create_app(base_config(database_url, PROPAGATE_EXCEPTIONS=False))

    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/boom", view_func=boom)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_internal_error_gives_500_page_without_stack_trace(failing_app, caplog) -> None:
    client = failing_app.test_client()
    client.set_cookie("glas_lang", "en")
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "Traceback" not in page
    assert "secret internal detail" not in page
    # ...but the operators get the whole story in the log.
    assert any("secret internal detail" in (r.exc_text or "") for r in caplog.records)
