"""Bad requests get a problem (RFC 9457) naming what is wrong, in the client's language; never
a 500 or a stack trace. The site's own pages keep their HTML errors."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import Api, Dataset

BAD = [
    # (query, the parameter named, its code)
    ("bogus=1", "bogus", "unknown"),
    ("page=2", "page", "unknown"),  # the pages' number: the API pages by cursor
    ("state=open&state=answered", "state", "duplicate"),
    ("state=", "state", "empty"),
    ("state=nope", "state", "invalid"),
    ("topic=ni-teme", "topic", "invalid"),
    ("topic=Not%20A%20Slug", "topic", "invalid"),
    ("community=ni-skupnosti", "community", "invalid"),
    ("q=" + "a" * 201, "q", "too_long"),
    ("q=%01", "q", "invalid"),
    ("order=best", "order", "invalid"),
    ("limit=abc", "limit", "invalid"),
]


@pytest.mark.parametrize(("query", "name", "code"), BAD)
def test_a_bad_parameter_of_initiatives_is_named(
    api: Api, dataset: Dataset, query: str, name: str, code: str
) -> None:
    response = api.get(f"/api/v1/initiatives?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["invalid_params"][0]["name"] == name
    assert body["invalid_params"][0]["code"] == code
    assert body["instance"] == "/api/v1/initiatives"


@pytest.mark.parametrize(
    ("path", "name", "code"),
    [
        ("questions?councillor=abc", "councillor", "invalid"),
        ("questions?councillor=0", "councillor", "out_of_range"),
        ("questions?councillor=99999999999", "councillor", "out_of_range"),
        ("questions?session=-5", "session", "invalid"),
        ("questions?unit=NI", "unit", "invalid"),
        ("questions?origin=alien", "origin", "invalid"),
        ("questions?kind=poem", "kind", "invalid"),
        ("questions?state=all&state=all", "state", "duplicate"),
        ("replies?year=20", "year", "invalid"),
        ("replies?year=1066", "year", "out_of_range"),
        ("replies?type=letter", "type", "invalid"),
        ("replies?unit=", "unit", "empty"),
        ("sessions?term=99999", "term", "invalid"),
        ("sessions?term=x", "term", "invalid"),
        ("councillors?current=yes", "current", "invalid"),
        ("accountability?year=abcd", "year", "invalid"),
        ("accountability?group=everyone", "group", "invalid"),
        ("accountability?page=2", "page", "unknown"),
        ("initiatives/1?slug=x", "slug", "unknown"),
        ("?x=1", "x", "unknown"),
    ],
)
def test_a_bad_parameter_of_any_resource_is_named(
    api: Api, dataset: Dataset, path: str, name: str, code: str
) -> None:
    response = api.get(f"/api/v1/{path}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert [(p["name"], p["code"]) for p in response.get_json()["invalid_params"]] == [(name, code)]


def test_every_bad_parameter_is_named_at_once(api: Api, dataset: Dataset) -> None:
    response = api.get("/api/v1/questions?a=1&b=2&kind=x&kind=y&origin=")
    names = {(p["name"], p["code"]) for p in response.get_json()["invalid_params"]}
    assert names == {("a", "unknown"), ("b", "unknown"), ("kind", "duplicate"), ("origin", "empty")}


@pytest.mark.parametrize(
    "path",
    [
        "initiatives/999999",
        "initiatives/2147483648",  # beyond any id: not found, not an overflow
        "initiatives/99999999999999999999999",
        "initiatives/007",
        "initiatives/-1",
        "initiatives/abc",
        "questions/0",
        "replies/999999",
        "sessions/999999",
        "councillors/999999",
        "nothing",
        "initiatives/1/more",
        "v2",
    ],
)
def test_what_does_not_exist_is_a_404_problem(api: Api, dataset: Dataset, path: str) -> None:
    response = api.get(f"/api/v1/{path}")
    assert response.status_code == 404
    assert response.get_json()["instance"] == f"/api/v1/{path}"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_api_is_read_only(api: Api, dataset: Dataset, method: str) -> None:
    response = api.request(method, "/api/v1/initiatives")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    ("headers", "cookie", "language"),
    [
        ({}, None, "sl"),  # Slovenian unless asked otherwise
        ({"Accept-Language": "en-GB,en;q=0.9"}, None, "en"),
        ({"Accept-Language": "de"}, None, "sl"),  # not offered: the default
        ({}, "en", "en"),  # the site's own choice, by its cookie
        ({"Accept-Language": "sl"}, "en", "sl"),  # what the program asks for comes first
    ],
)
def test_messages_are_in_the_language_asked_for(
    app: Flask, api: Api, headers: dict[str, str], cookie: str | None, language: str
) -> None:
    from flask_babel import force_locale

    from app.api.problems import MESSAGES, REASONS

    if cookie:
        api.client.set_cookie("glas_lang", cookie)
    body = api.get("/api/v1/initiatives?state=x", headers=headers).get_json()
    with app.test_request_context(), force_locale(language):
        assert body["title"] == str(MESSAGES[400][0])
        assert body["invalid_params"][0]["reason"] == str(REASONS["invalid"])


def test_english_messages(api: Api) -> None:
    body = api.get("/api/v1/initiatives?state=x", headers={"Accept-Language": "en"}).get_json()
    assert body["title"] == "The request is not valid"
    assert body["invalid_params"][0]["reason"] == "This value is not one the parameter accepts."


def test_problems_vary_on_the_language_and_are_not_stored(api: Api) -> None:
    response = api.get("/api/v1/initiatives?state=x", headers={"Accept-Language": "en"})
    assert "Accept-Language" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_fault_is_a_500_problem_without_a_trace(
    app_for: Any, api_for: Any, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api import initiatives

    other = app_for(PROPAGATE_EXCEPTIONS=False)

    def broken(_initiative: Any) -> dict[str, Any]:
        raise RuntimeError("a fault with secret details")

    monkeypatch.setattr(initiatives, "item", broken)
    response = api_for(other).get(f"/api/v1/initiatives/{dataset.initiatives[0]}")
    assert response.status_code == 500
    assert "secret details" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_lost_database_is_a_503_problem_with_retry_after(api_for: Any, database_url: str) -> None:
    """A real database that does not answer: nothing listens on port 1 of loopback."""
    from app import create_app
    from tests.conftest import base_config

    unreachable = "postgresql+psycopg://glas@127.0.0.1:1/nothing"
    other = create_app(base_config(unreachable, PROPAGATE_EXCEPTIONS=False))
    response = api_for(other).get("/api/v1/initiatives/1")
    assert response.status_code == 503
    assert response.get_json()["status"] == 503
    # At least the 5 s the database asks for (the limiter may name a later moment).
    assert int(response.headers["Retry-After"]) >= 5


def test_the_site_keeps_its_html_error_pages(app: Flask) -> None:
    response = app.test_client().get("/initiatives/?state=nope")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
