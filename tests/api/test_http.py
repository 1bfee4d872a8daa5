"""HTTP of the API: ETag and 304, caching, CORS and its preflight, no cookies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.conftest import Api, Dataset


def test_a_strong_etag_and_a_304_without_a_body(api: Api, dataset: Dataset) -> None:
    for path in ("/api/v1/initiatives", f"/api/v1/initiatives/{dataset.initiatives[0]}"):
        first = api.get(path)
        etag = first.headers["ETag"]
        assert not etag.startswith("W/")
        assert first.headers["Cache-Control"] == "public, no-cache"
        again = api.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_changes_with_the_data(
    api: Api, publish_initiatives: Callable[[int], list[int]]
) -> None:
    publish_initiatives(1)
    etag = api.get("/api/v1/initiatives").headers["ETag"]
    publish_initiatives(1)  # a write to what the list shows: its cached copy is gone
    response = api.get("/api/v1/initiatives", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert len(response.get_json()["items"]) == 2


def test_a_cached_response_is_the_same_as_a_made_one(api: Api, dataset: Dataset) -> None:
    made = api.get("/api/v1/questions")
    cached = api.get("/api/v1/questions")
    assert cached.headers.get("X-Glas-Cache") == "hit"
    assert cached.data == made.data
    assert cached.headers["ETag"] == made.headers["ETag"]
    assert cached.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_on_every_response_and_no_credentials(api: Api, dataset: Dataset) -> None:
    for path, status in (
        ("/api/v1/", 200),
        ("/api/v1/replies?bogus=1", 400),
        ("/api/v1/replies/999999", 404),
        ("/api/v1/nothing-here", 404),
    ):
        response = api.get(path, headers={"Origin": "https://example.org"})
        assert response.status_code == status, path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
        assert "Link" in response.headers["Access-Control-Expose-Headers"]
        assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_is_answered_204(api: Api, dataset: Dataset, csrf_enabled: None) -> None:
    # With the CSRF check on, as in production: OPTIONS is a safe method to it.
    response = api.options(
        f"/api/v1/questions/{dataset.questions[0]}",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_the_api_sets_no_cookie_and_reads_no_session(
    api: Api, dataset: Dataset, make_user: Callable[..., int], login: Any
) -> None:
    for path in ("/api/v1/", "/api/v1/initiatives", "/api/v1/nothing", "/api/v1/replies?x=1"):
        response = api.get(path)
        assert "Set-Cookie" not in response.headers, path
    # A signed-in visitor's browser sends its cookie along; the API answers the same data.
    anonymous = api.get("/api/v1/initiatives").get_json()
    login(api.client, make_user())
    signed_in = api.get("/api/v1/initiatives")
    assert signed_in.get_json() == anonymous
    assert "Set-Cookie" not in signed_in.headers
    # The site's sign-in layer looked the visitor up: it keeps the answer out of shared caches.
    assert signed_in.headers["Cache-Control"] == "private, no-store"


def test_head_is_get_without_a_body(api: Api, dataset: Dataset) -> None:
    # HEAD is implied by GET (not an operation of its own in the document).
    response = api.client.head("/api/v1/sessions")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"] == api.get("/api/v1/sessions").headers["ETag"]
