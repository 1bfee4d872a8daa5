"""A supplementary question in the same case, one click from a reply that did not answer.

A councillor's opens the record form prefilled (``?follow_up_of=``); a resident's opens the
ask form for a question that follows up their own earlier one, with its case number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.questions import services
from app.questions.models import Origin, Question, QuestionState
from tests.questions.conftest import Council, People, account, topic_id

_Q = QuestionState


def _ask(client: FlaskClient, **extra: str) -> Any:
    data = {"title": "Zakaj odgovor ne pove, kdaj?", "body": "Odgovor ni povedal roka.", **extra}
    data["topic"] = str(topic_id())
    return client.post("/questions/new", data=data)


class TestResidents:
    def test_a_resident_follows_up_their_own_question_in_its_case(
        self,
        app: Flask,
        client: FlaskClient,
        login: Callable[[FlaskClient, int], None],
        people: People,
        make_question: Callable[..., int],
    ) -> None:
        earlier = make_question(Origin.RESIDENT, _Q.POSED)
        with app.app_context():
            question = db.session.get(Question, earlier)
            assert question is not None
            question.case_number = "032-7/2026"
            db.session.commit()
        login(client, people.author)
        form = client.get(f"/questions/new?follow_up_of={earlier}")
        assert form.status_code == 200
        page = form.get_data(as_text=True)
        assert f'name="follow_up_of" type="hidden" value="{earlier}"' in page
        with app.app_context():
            response = _ask(client, follow_up_of=str(earlier))
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            asked = db.session.scalar(
                sa.select(Question).where(Question.title == "Zakaj odgovor ne pove, kdaj?")
            )
            assert asked is not None
            assert (asked.follow_up_of_id, asked.case_number) == (earlier, "032-7/2026")

    def test_nobody_follows_up_another_residents_question(
        self,
        app: Flask,
        client: FlaskClient,
        login: Callable[[FlaskClient, int], None],
        people: People,
        make_question: Callable[..., int],
    ) -> None:
        earlier = make_question(Origin.RESIDENT, _Q.POSED)
        login(client, people.resident)
        assert client.get(f"/questions/new?follow_up_of={earlier}").status_code == 404
        with app.app_context():
            before = db.session.scalar(sa.select(sa.func.count(Question.id)))
            # The hidden field changed by hand: refused, nothing saved.
            assert _ask(client, follow_up_of=str(earlier)).status_code == 400
            assert _ask(client, follow_up_of="abc").status_code == 422
            assert db.session.scalar(sa.select(sa.func.count(Question.id))) == before

    @pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999"])
    def test_a_bad_follow_up_in_the_address_is_a_4xx(
        self, client: FlaskClient, login: Callable[[FlaskClient, int], None], people: People,
        value: str,
    ) -> None:  # fmt: skip
        login(client, people.author)
        assert client.get(f"/questions/new?follow_up_of={value}").status_code in (400, 404)

    def test_the_service_refuses_a_question_not_yet_public(
        self, app: Flask, people: People, make_question: Callable[..., int]
    ) -> None:
        waiting = make_question(Origin.RESIDENT, _Q.SUBMITTED)
        with app.app_context():
            content = services.ResidentContent(
                title="Še enkrat", body="x", topic_id=topic_id(), community_id=None,
                unit_id=None, follow_up_of_id=waiting,
            )  # fmt: skip
            with pytest.raises(services.InvalidChoice):
                services.ask(account(people.author), content)


class TestCouncillors:
    def test_the_record_form_is_prefilled_in_the_same_case(
        self,
        app: Flask,
        client: FlaskClient,
        login: Callable[[FlaskClient, int], None],
        council: Council,
        people: People,
        make_question: Callable[..., int],
    ) -> None:
        earlier = make_question(Origin.COUNCILLOR, _Q.POSED, case_number="032-9/2026")
        login(client, people.councillor)
        page = client.get(f"/questions/record?follow_up_of={earlier}").get_data(as_text=True)
        assert "032-9/2026" in page
        assert f'value="{earlier}"' in page
