"""What questions hold about a person (my data, deletion), and the commands of questions and
of the council."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.core.models import AuditEntry
from app.council.models import CouncilMandate, Person, Term
from app.extensions import db
from app.questions.models import Question, QuestionEventKind, QuestionState

_Q = QuestionState


def _ask(client: FlaskClient, app: Flask, title: str) -> int:
    with app.app_context():
        topic = db.session.execute(sa.text("SELECT id FROM topics LIMIT 1")).scalar()
    response = client.post(
        "/questions/new", data={"title": title, "body": "Podrobnosti.", "topic": str(topic)}
    )
    assert response.status_code == 302
    with app.app_context():
        found = db.session.scalar(sa.select(Question.id).where(Question.title == title))
        assert found is not None
        return found


@pytest.mark.usefixtures("demo")
def test_my_data_holds_my_questions_and_supports(
    app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
) -> None:
    me = make_user()
    login(client, me)
    asked = _ask(client, app, "Kdaj bo nova klop?")
    with app.app_context():
        other = db.session.scalar(
            sa.select(Question.id).where(
                Question.title == "Kdaj bo obnovljen pločnik na Koroški cesti?"
            )
        )
    assert client.post(f"/questions/{other}/support").status_code == 302
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert [q["id"] for q in data["questions"]] == [asked]
    assert data["questions"][0]["state"] == "submitted"
    assert [s["question_id"] for s in data["question_supports"]] == [other]


@pytest.mark.usefixtures("demo")
def test_deleting_the_account_deletes_what_was_never_public_and_keeps_the_rest(
    app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
) -> None:
    me = make_user()
    login(client, me)
    waiting = _ask(client, app, "Vprašanje, ki čaka")
    published = _ask(client, app, "Vprašanje, ki je objavljeno")
    with app.app_context():
        question = db.session.get(Question, published)
        assert question is not None
        question.state = _Q.POSED
        question.published_at = question.submitted_at
        db.session.commit()
    assert client.post("/me/delete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Question, waiting) is None
        kept = db.session.get(Question, published)
        assert kept is not None
        assert kept.author is not None
        assert kept.author.deleted_at is not None
    page = client.get(f"/questions/{published}", follow_redirects=True).get_data(as_text=True)
    assert "Nekdanji uporabnik" in page or "Former user" in page


@pytest.mark.usefixtures("demo")
def test_mark_overdue_records_each_question_once(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        # The demo records the ones already late; forget that, as if the job never ran.
        db.session.execute(sa.update(Question).values(overdue_recorded_at=None))
        db.session.commit()
    first = runner.invoke(args=["questions", "mark-overdue"])
    assert first.exit_code == 0, first.output
    marked = int(first.output.split()[0])
    assert marked > 0
    again = runner.invoke(args=["questions", "mark-overdue"])
    assert again.output.startswith("0 ")
    with app.app_context():
        late = db.session.scalar(
            sa.select(sa.func.count()).where(Question.overdue_recorded_at.is_not(None))
        )
        assert late == marked


@pytest.mark.usefixtures("demo")
def test_recompute_due_changes_nothing_when_nothing_changed(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questions", "recompute-due"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 ")


@pytest.mark.usefixtures("demo")
def test_lapse_closes_the_open_questions_of_an_ended_term_only(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        ended = db.session.scalar(sa.select(Term.id).where(Term.ends_on.is_not(None)))
        running = db.session.scalar(sa.select(Term.id).where(Term.ends_on.is_(None)))
        old = db.session.scalar(
            sa.select(Question).where(Question.title == "Obnova igrišča v Struževem")
        )
        assert old is not None
        old.state = _Q.ASSIGNED  # reopened, so that the term's end finds one open
        db.session.commit()
    refused = runner.invoke(args=["questions", "lapse", "--term", str(running)])
    assert refused.exit_code != 0
    assert "has not ended" in refused.output
    unknown = runner.invoke(args=["questions", "lapse", "--term", "999999"])
    assert unknown.exit_code != 0
    done = runner.invoke(args=["questions", "lapse", "--term", str(ended)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("1 ")
    with app.app_context():
        lapsed = db.session.scalar(
            sa.select(Question).where(Question.title == "Obnova igrišča v Struževem")
        )
        assert lapsed is not None
        assert lapsed.state is _Q.LAPSED
        assert any(e.kind is QuestionEventKind.LAPSED for e in lapsed.events)


def test_the_council_is_set_up_from_the_command_line(app: Flask, runner: FlaskCliRunner) -> None:
    made = runner.invoke(
        args=["council", "add-term", "--name", "Mestni svet", "--starts", "2030-12-01"]
    )
    assert made.exit_code == 0, made.output
    overlapping = runner.invoke(args=["council", "add-term", "--starts", "2031-01-01"])
    assert overlapping.exit_code != 0
    bad_day = runner.invoke(args=["council", "add-term", "--starts", "1. 12. 2030"])
    assert bad_day.exit_code != 0
    assert "YYYY-MM-DD" in bad_day.output
    seated = runner.invoke(
        args=[
            "council", "add-member", "--term-starts", "2030-12-01", "--name", "Nina  Nova",
            "--list", "Lista X", "--group", "Skupina Y",
        ]
    )  # fmt: skip
    assert seated.exit_code == 0, seated.output
    twice = runner.invoke(
        args=[
            "council", "add-member", "--term-starts", "2030-12-01", "--name", "Nina Nova",
            "--list", "Lista X",
        ]
    )  # fmt: skip
    assert twice.exit_code != 0
    no_term = runner.invoke(
        args=[
            "council", "add-member", "--term-starts", "2031-12-01", "--name", "N", "--list", "L",
        ]
    )  # fmt: skip
    assert no_term.exit_code != 0
    ended = runner.invoke(
        args=["council", "end-term", "--starts", "2030-12-01", "--ends", "2034-11-30"]
    )
    assert ended.exit_code == 0, ended.output
    with app.app_context():
        mandate = db.session.scalar(
            sa.select(CouncilMandate).join(Person).where(Person.name == "Nina Nova")
        )
        assert mandate is not None
        assert mandate.group is not None
        assert mandate.group.name == "Skupina Y"
        assert mandate.ends_on is not None
        assert mandate.ends_on.isoformat() == "2034-11-30"
        assert db.session.scalar(
            sa.select(AuditEntry.id).where(AuditEntry.action == "council.member")
        )
