"""The cache of anonymous pages on the pages of questions, sessions and councillors.

What each write shows at once: a support, an answer, a councillor's question that takes a
resident's up, a session renamed, a rule changed, a councillor renamed — and that "overdue",
which changes with the day and no write, does not outlive the day. In the process and in Redis.
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.demo import seed_org_units
from app.auth.models import Role
from app.core import pagecache
from app.core.time import next_midnight
from app.council.demo import seed_council
from app.council.models import Person
from app.extensions import db
from app.questions.demo import seed_questions
from app.questions.models import DeadlineRule, Question
from app.reference.seed import seed_reference_data
from app.sessions.models import CouncilSession, SessionKind
from tests.initiatives.test_page_cache import HIT

ADOPTED = "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"
OPEN = "Kdaj bo obnovljen pločnik na Koroški cesti?"
SAMPLE = "Projekti e-demokracija, e-uprava"


@pytest.fixture(params=["process", "redis"])
def site(request: pytest.FixtureRequest, app: Flask, app_for: Callable[..., Flask]) -> Flask:
    with app.app_context():
        seed_org_units()
        seed_council()
        seed_reference_data()
        seed_questions()
        db.session.commit()
    settings: dict[str, Any] = {"PAGE_CACHE_SECONDS": 300}
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.client().flushall()
        settings["CACHE_REDIS_URL"] = server.url
    return app_for(**settings)


def _id(site: Flask, title: str) -> int:
    with site.app_context():
        found = db.session.scalar(sa.select(Question.id).where(Question.title == title))
        assert found is not None
        return found


def _cached(visitor: FlaskClient, path: str) -> str:
    """The page, made once and then served from the cache (checked)."""
    visitor.get(path, follow_redirects=True)
    again = visitor.get(path, follow_redirects=True)
    assert again.headers.get(HIT) == "hit", path
    return again.get_data(as_text=True)


def _fresh(visitor: FlaskClient, path: str) -> str:
    response = visitor.get(path, follow_redirects=True)
    assert response.headers.get(HIT) != "hit", path
    return response.get_data(as_text=True)


def test_a_support_shows_at_once_on_the_page_and_the_list(
    site: Flask, make_user: Callable[..., int], login: Any
) -> None:
    visitor = site.test_client()
    question = _id(site, OPEN)
    page, listed = f"/questions/{question}", "/questions/"
    assert "12 oseb" in _cached(visitor, page)
    _cached(visitor, listed)
    resident = site.test_client()
    login(resident, make_user())
    assert resident.post(f"/questions/{question}/support").status_code == 302
    assert "13 oseb" in _fresh(visitor, page)
    assert "13 oseb" in _fresh(visitor, listed)


def test_an_answer_shows_on_the_question_its_session_its_councillor_and_what_it_adopts(
    site: Flask, make_user: Callable[..., int], login: Any
) -> None:
    visitor = site.test_client()
    councillors = _id(site, "Hrup z gradbišča na Zlatem polju ponoči")
    resident = _id(site, ADOPTED)
    with site.app_context():
        question = db.session.get(Question, councillors)
        assert question is not None
        session, person = question.session_id, question.authors[0].person_id
    pages = [
        f"/questions/{councillors}",
        f"/questions/{resident}",
        f"/sessions/{session}",
        f"/councillors/{person}",
        "/questions/",
        "/search?q=gradbi%C5%A1%C4%8De",
    ]
    for path in pages:
        _cached(visitor, path)
    official = site.test_client()
    login(official, make_user(roles=[(Role.OFFICIAL, "MIR")]))
    response = official.post(
        f"/questions/{councillors}/answer",
        data={"answer-kind": "full", "answer-text": "Redarji bodo nadzirali gradbišče ponoči."},
    )
    assert response.status_code == 302
    for path in pages:
        _fresh(visitor, path)
    assert "Redarji bodo nadzirali" in _cached(visitor, f"/questions/{resident}")


def test_a_changed_session_shows_on_the_questions_posed_at_it(site: Flask) -> None:
    visitor = site.test_client()
    sample = _id(site, SAMPLE)
    text = _cached(visitor, f"/questions/{sample}")
    assert "16. redn" in text
    listed = "/questions/?origin=councillor&sort=newest"
    assert "16. redni seji" in _cached(visitor, listed)  # a card names the session
    with site.app_context():
        session = db.session.scalar(
            sa.select(CouncilSession).where(
                CouncilSession.kind == SessionKind.REGULAR, CouncilSession.number == 16
            )
        )
        assert session is not None
        session.number = 61
        term = session.term_id
        db.session.commit()
    assert "61. redn" in _fresh(visitor, f"/questions/{sample}")
    assert "61. redni seji" in _fresh(visitor, listed)
    assert "61. redn" in _fresh(visitor, f"/sessions/?term={term}")


def test_a_renamed_councillor_shows_everywhere_they_are_named(site: Flask) -> None:
    visitor = site.test_client()
    sample = _id(site, SAMPLE)
    for path in (f"/questions/{sample}", "/questions/", "/councillors/"):
        assert "Janez Černe" in _cached(visitor, path)
    with site.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.name == "Janez Černe"))
        assert person is not None
        person.name = "Janez Č. Černe"
        db.session.commit()
    for path in (f"/questions/{sample}", "/questions/", "/councillors/"):
        assert "Janez Č. Černe" in _fresh(visitor, path)


def test_a_changed_rule_shows_on_every_question_page(
    site: Flask, make_user: Callable[..., int], login: Any
) -> None:
    visitor = site.test_client()
    sample = _id(site, SAMPLE)
    assert "20. maja 2016" in _cached(visitor, f"/questions/{sample}")
    with site.app_context():
        rule = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.form == "oral"))
        assert rule is not None
        rule.amount = 45
        db.session.commit()
    assert "4. junija 2016" in _fresh(visitor, f"/questions/{sample}")


def test_overdue_does_not_outlive_the_day(site: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page that says "due by" is not served after its day, when it says "overdue"."""
    visitor = site.test_client()
    path = f"/questions/{_id(site, OPEN)}"
    _cached(visitor, path)
    # A minute after midnight, as the cache's clock reads it: the entry made today is over.
    after = next_midnight().timestamp() + 60
    clock = types.SimpleNamespace(time=lambda: after, monotonic=time.monotonic)
    monkeypatch.setattr(pagecache, "time", clock)
    _fresh(visitor, path)


def test_the_lists_of_questions_are_cached_only_for_their_parameters(site: Flask) -> None:
    visitor = site.test_client()
    _cached(visitor, "/questions/?state=overdue&sort=due")
    assert visitor.get("/questions/?utm_source=x").headers.get(HIT) != "hit"
    assert visitor.get("/questions/?utm_source=x").headers.get(HIT) != "hit"
