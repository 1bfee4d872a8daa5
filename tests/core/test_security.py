"""Security baseline: headers, cookies, CSRF, request size."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.pages.models import AccessibilityFeedback
from tests.conftest import ROOT

PUBLIC_PAGES = ["/", "/about", "/privacy", "/accessibility", "/healthz", "/does-not-exist"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_strict_headers_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_hsts_over_https(client: FlaskClient) -> None:
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_anonymous_visitor_gets_no_cookie(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert "Set-Cookie" not in response.headers


def test_anonymous_form_error_sets_no_cookie(client: FlaskClient) -> None:
    response = client.post("/accessibility", data={"message": ""})
    assert response.status_code == 422
    assert "Set-Cookie" not in response.headers


def test_choosing_a_language_sets_only_the_language_cookie(client: FlaskClient) -> None:
    response = client.get("/language/en?next=/about")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("glas_lang=en;")
    assert "HttpOnly" in cookies[0]
    assert "SameSite=Lax" in cookies[0]


def _token(client: FlaskClient) -> str:
    page = client.get("/accessibility").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


@pytest.mark.usefixtures("csrf_enabled")
class TestCSRF:
    def _feedback_count(self, app: Flask) -> int:
        with app.app_context():
            return db.session.query(AccessibilityFeedback).count()

    def test_post_without_token_is_refused_and_nothing_saved(
        self, app: Flask, client: FlaskClient
    ) -> None:
        response = client.post("/accessibility", data={"message": "Contrast too low"})
        assert response.status_code == 400
        assert "Obrazec je potekel" in response.get_data(as_text=True)
        assert self._feedback_count(app) == 0

    def test_forged_token_is_refused(self, client: FlaskClient) -> None:
        response = client.post(
            "/accessibility", data={"message": "x", "csrf_token": "forged.token.value"}
        )
        assert response.status_code == 400

    def test_expired_token_is_refused(self, app: Flask, client: FlaskClient) -> None:
        token = _token(client)
        app.config["CSRF_TIME_LIMIT"] = -1
        try:
            response = client.post("/accessibility", data={"message": "x", "csrf_token": token})
        finally:
            app.config["CSRF_TIME_LIMIT"] = 8 * 3600
        assert response.status_code == 400

    def test_valid_token_is_accepted(self, app: Flask, client: FlaskClient) -> None:
        response = client.post(
            "/accessibility",
            data={"message": "The map has no text alternative.", "csrf_token": _token(client)},
            headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        )
        assert response.status_code == 302
        assert self._feedback_count(app) == 1

    @pytest.mark.parametrize(
        "headers",
        [
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
        ],
    )
    def test_cross_site_post_is_refused_even_with_a_token(
        self, app: Flask, client: FlaskClient, headers: dict[str, str]
    ) -> None:
        token = _token(client)
        response = client.post(
            "/accessibility", data={"message": "x", "csrf_token": token}, headers=headers
        )
        assert response.status_code == 403
        assert self._feedback_count(app) == 0


def test_too_large_request_gets_the_friendly_413(client: FlaskClient, in_english) -> None:
    in_english(client)
    body = "x" * (17 * 1024 * 1024)
    response = client.post("/accessibility", data={"message": body})
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize(
    "template",
    sorted((ROOT / "templates").rglob("*.html")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_inline_script_or_style_in_templates(template) -> None:
    text = template.read_text(encoding="utf-8")
    found = [label for pattern, label in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)} has {', '.join(found)}"
