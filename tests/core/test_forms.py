"""The base form and its fields: every text and every number is checked the same way."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from wtforms import StringField, TextAreaField

from app.auth.models import Role
from app.core.forms import Form, IntegerField
from app.core.text import has_direction_controls
from app.initiatives import rules

HUGE = "9" * 400  # int() reads it; comparing it with a float overflows


@pytest.fixture
def admin(make_user, login, client: FlaskClient, in_english) -> int:
    user_id = make_user(pseudonym="Bojan", roles=[(Role.ADMINISTRATOR, None)])
    login(client, user_id)
    in_english(client)
    return user_id


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (HUGE, "The number is too large."),
        ("-" + HUGE, "The number is too large."),
        ("1" + "0" * 30, "The number is too large."),
        ("9" * 5000, "The number is too large."),  # more digits than int() will read
        ("1e400", "Not a valid integer value."),
    ],
)
@pytest.mark.usefixtures("admin")
def test_a_huge_number_in_an_administrator_field_is_a_clear_422(
    app: Flask, client: FlaskClient, value: str, message: str
) -> None:
    response = client.post(
        "/admin/initiative-rules",
        data={"threshold": value, "support_days": "60", "response_days": "30"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Threshold (supporters needed): {message}" in page
    with app.app_context():
        assert rules.current() == rules.Rules()  # nothing saved: still the defaults


class _NumberForm(Form):
    number = IntegerField("n")


@pytest.mark.parametrize(
    ("raw", "data", "valid"),
    [("42", 42, True), (" 42 ", 42, True), ("-3", -3, True), (HUGE, None, False),
     ("1" + "0" * 18, None, False), ("²", None, False), ("4 2", None, False)],
)  # fmt: skip
def test_the_integer_field_takes_only_modest_whole_numbers(
    app: Flask, raw: str, data: int | None, valid: bool
) -> None:
    with app.test_request_context(method="POST", data={"number": raw}):
        form = _NumberForm()
        assert form.validate() is valid
        assert form.number.data == data


@pytest.mark.parametrize(
    "text",
    ["abc\u202edcba", "\u2066isolate\u2069", "mark\u200f", "\u061c", "x\u202ay"],
)
def test_direction_controls_are_found(text: str) -> None:
    assert has_direction_controls(text)


def test_ordinary_text_has_no_direction_controls() -> None:
    assert not has_direction_controls("Varen prehod čez Savsko cesto — ščž ĆĐ, 20 %\n\tx")


class _TextForm(Form):
    title = StringField("t")
    body = TextAreaField("b")


@pytest.mark.parametrize("field", ["title", "body"])
def test_every_form_refuses_direction_controls_in_any_text(app: Flask, field: str) -> None:
    data = {"title": "Naslov", "body": "Besedilo"}
    data[field] = "Varen prehod \u202eodlokiv\u202c"
    with app.test_request_context(method="POST", data=data, headers={"Cookie": "glas_lang=en"}):
        form = _TextForm()
        assert not form.validate()
        assert [str(error) for error in form[field].errors] == [
            "Remove the invisible characters that change the direction of the text."
        ]
        other = "body" if field == "title" else "title"
        assert not form[other].errors
