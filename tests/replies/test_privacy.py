"""A person's verdicts are in "download my data", and stay (as "Former user") when they go."""

from __future__ import annotations

from flask import Flask

from app.auth import accounts
from app.extensions import db
from app.questions.models import Question
from app.replies import services
from app.replies.models import AnswerVerdict, Verdict
from app.replies.services import Covered
from tests.questions.conftest import People, account
from tests.replies.factories import Letters


def test_the_verdicts_one_gave_are_in_ones_data(
    app: Flask, letters: Letters, people: People
) -> None:
    with app.app_context():
        asked = letters.question()
        reply = letters.make("published", covers=(Covered(question_id=asked),))
        question = db.session.get(Question, asked)
        assert question is not None
        services.give_verdict(
            account(people.councillor), reply, question, verdict=Verdict.NOT_ANSWERED,
            reason="Ni odgovora na rok.", asker=True, supporter=False,
        )  # fmt: skip
        db.session.commit()
        data = accounts.export_data(account(people.councillor))
        assert data["reply_verdicts"] == [
            {
                "reply": reply.reference_number,
                "question_id": asked,
                "verdict": "not_answered",
                "reason": "Ni odgovora na rok.",
                "as_who_asked": True,
                "given_at": data["reply_verdicts"][0]["given_at"],
                "changed_at": data["reply_verdicts"][0]["changed_at"],
            }
        ]
        assert accounts.export_data(account(people.resident))["reply_verdicts"] == []


def test_a_deleted_account_leaves_its_verdict_as_a_former_users(
    app: Flask, letters: Letters, people: People, make_question: object
) -> None:
    with app.test_request_context():
        asked = letters.question()
        reply = letters.make("published", covers=(Covered(question_id=asked),))
        question = db.session.get(Question, asked)
        assert question is not None
        services.give_verdict(
            account(people.councillor), reply, question, verdict=Verdict.ANSWERED,
            reason="Odgovor je popoln.", asker=True, supporter=False,
        )  # fmt: skip
        db.session.commit()
        accounts.delete_account(account(people.councillor))
        db.session.commit()
        verdict = db.session.query(AnswerVerdict).one()
        assert verdict.reason == "Odgovor je popoln."
        assert verdict.user.display_name in ("Former user", "Nekdanji uporabnik")
