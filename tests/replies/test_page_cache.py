"""The cache of anonymous pages on reply letters and the accountability figures.

A letter's page, JSON and QR code are kept and served from the cache; a change of the letter
or of what it answers shows at once. A support — which moves no figure — leaves the cached
accountability page and its charts alone; an answer does not. In the process and in Redis.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.demo import seed_org_units
from app.council.demo import seed_council
from app.extensions import db
from app.questions import services as question_services
from app.questions.demo import seed_questions
from app.questions.models import Question
from app.reference.seed import seed_reference_data
from app.replies.demo import SAMPLE_NUMBER, seed_replies
from app.replies.models import Reply
from tests.questions.conftest import account
from tests.questions.test_page_cache import _cached, _fresh

OPEN = "Kdaj bo obnovljen pločnik na Koroški cesti?"


@pytest.fixture(params=["process", "redis"])
def site(request: pytest.FixtureRequest, app: Flask, app_for: Callable[..., Flask]) -> Flask:
    with app.app_context():
        seed_org_units()
        seed_council()
        seed_reference_data()
        seed_questions()
        seed_replies()
        db.session.commit()
    settings: dict[str, Any] = {"PAGE_CACHE_SECONDS": 300}
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.client().flushall()
        settings["CACHE_REDIS_URL"] = server.url
    return app_for(**settings)


def _sample(site: Flask) -> int:
    with site.app_context():
        found = db.session.scalar(
            sa.select(Reply.id).where(Reply.reference_number == SAMPLE_NUMBER)
        )
        assert found is not None
        return found


def test_a_letter_its_json_and_qr_are_kept_and_a_change_shows_at_once(site: Flask) -> None:
    visitor = site.test_client()
    reply_id = _sample(site)
    paths = (f"/replies/{reply_id}", f"/replies/{reply_id}.json", f"/replies/{reply_id}/qr.svg")
    for path in paths:
        _cached(visitor, path)
    with site.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        reply.summary = "Povzetek, popravljen v uredništvu."
        db.session.commit()
    assert "Povzetek, popravljen v uredništvu." in _fresh(visitor, paths[0])
    assert json.loads(_fresh(visitor, paths[1]))["summary"] == "Povzetek, popravljen v uredništvu."
    _fresh(visitor, paths[2])


def test_a_question_renamed_shows_on_the_letter_that_answers_it(site: Flask) -> None:
    visitor = site.test_client()
    reply_id = _sample(site)
    _cached(visitor, f"/replies/{reply_id}")
    _cached(visitor, "/replies/")
    with site.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        question = reply.coverage[0].question
        assert question is not None
        question.title = "Projekti e-demokracije (preimenovano)"
        db.session.commit()
    assert "Projekti e-demokracije (preimenovano)" in _fresh(visitor, f"/replies/{reply_id}")
    assert "Projekti e-demokracije (preimenovano)" in _fresh(visitor, "/replies/")


def test_a_support_leaves_the_figures_and_an_answer_does_not(
    site: Flask, make_user: Callable[..., int]
) -> None:
    visitor = site.test_client()
    page, chart = "/accountability/", "/accountability/charts/on-time.svg?group=resident"
    _cached(visitor, page)
    _cached(visitor, chart)
    supporter = make_user()
    with site.test_request_context():
        question = db.session.scalar(sa.select(Question).where(Question.title == OPEN))
        assert question is not None
        question_services.support(account(supporter), question)
        db.session.commit()
    _cached(visitor, page)  # still the cached page: a support moves no figure
    with site.test_request_context():
        question = db.session.scalar(sa.select(Question).where(Question.title == OPEN))
        assert question is not None
        question.answer_text = "Odgovor."  # a write of the question's row, as an answer is
        db.session.commit()
    _fresh(visitor, page)
    _fresh(visitor, chart)
