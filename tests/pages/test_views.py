"""The information pages and the accessibility feedback form."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.pages.models import AccessibilityFeedback


def _feedback(app: Flask) -> list[AccessibilityFeedback]:
    with app.app_context():
        return list(db.session.scalars(db.select(AccessibilityFeedback)))


@pytest.mark.parametrize(
    ("path", "slovenian", "english"),
    [
        ("/", "Vaš glas v občini", "Your voice in the municipality"),
        ("/about", "O Glasu", "About Glas"),
        ("/accessibility", "Izjava o dostopnosti", "Accessibility statement"),
        ("/privacy", "Varstvo osebnih podatkov", "Privacy notice"),
    ],
)
def test_page_in_both_languages(
    client: FlaskClient, in_english, path: str, slovenian: str, english: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1" in response.get_data(as_text=True)
    assert slovenian in response.get_data(as_text=True)
    in_english(client)
    assert english in client.get(path).get_data(as_text=True)


def test_statement_names_its_date_and_the_organisation(client: FlaskClient) -> None:
    page = client.get("/accessibility").get_data(as_text=True)
    assert "27. novembra 2026" in page
    assert "Mestna občina Kranj" in page
    assert "delno skladno" in page


def test_feedback_is_stored_without_an_account(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/accessibility",
        data={
            "message": "  The search button has no label.  ",
            "page_url": "/search",
            "contact_name": "Ana",
            "contact_email": "Ana@Example.SI",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility?sent=1#feedback"
    assert "Set-Cookie" not in response.headers  # the thank-you needs no session
    [stored] = _feedback(app)
    assert stored.message == "The search button has no label."
    assert stored.contact_email == "ana@example.si"
    assert stored.language == "sl"
    page = client.get("/accessibility?sent=1").get_data(as_text=True)
    assert "Hvala. Vaše sporočilo smo prejeli." in page


def test_feedback_in_english_remembers_the_language(
    app: Flask, client: FlaskClient, in_english
) -> None:
    in_english(client)
    client.post("/accessibility", data={"message": "Low contrast in the footer."})
    assert [f.language for f in _feedback(app)] == ["en"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"message": ""}, "Prosimo, opišite težavo."),
        ({"message": "   \n  "}, "Prosimo, opišite težavo."),
        ({}, "Prosimo, opišite težavo."),
        ({"message": "x" * 4001}, "Uporabite največ 4000 znakov."),
        ({"message": "ok", "contact_email": "not-an-address"}, "Vpišite e-naslov"),
        ({"message": "ok", "contact_name": "n" * 101}, "Uporabite največ 100 znakov."),
        ({"message": "ok", "page_url": "/" * 501}, "Uporabite največ 500 znakov."),
    ],
)
def test_bad_feedback_is_explained_and_nothing_saved(
    app: Flask, client: FlaskClient, data: dict[str, str], message: str
) -> None:
    response = client.post("/accessibility", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert "Prosimo, popravite naslednje:" in page
    assert _feedback(app) == []


def test_bad_feedback_keeps_what_was_typed(client: FlaskClient) -> None:
    typed = "A long description I do not want to type again"
    response = client.post("/accessibility", data={"message": typed, "contact_email": "bad"})
    assert response.status_code == 422
    assert typed in response.get_data(as_text=True)


def test_feedback_error_message_in_english(client: FlaskClient, in_english) -> None:
    in_english(client)
    response = client.post("/accessibility", data={"message": ""})
    assert "Please describe the problem." in response.get_data(as_text=True)
