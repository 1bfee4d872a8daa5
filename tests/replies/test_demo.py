"""The demo's reply letters (``app.replies.demo``): the sample letter of 2016, imported by the
real importer and published, answers Janez Černe's question of the 16th regular session in 29
days, on time; with the demo personas, a letter of the mayor's cabinet waits in review.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.demo import seed_org_units, seed_personas
from app.council.demo import seed_council
from app.council.models import CouncilMandate, Person
from app.extensions import db
from app.questions.demo import seed_questions
from app.questions.models import Question, QuestionState
from app.reference.seed import seed_reference_data
from app.replies import demo as replies_demo
from app.replies import services
from app.replies.demo import SAMPLE, SAMPLE_NUMBER, seed_replies
from app.replies.models import (
    Reply,
    ReplyCoverage,
    ReplyEvent,
    ReplyEventKind,
    ReplyParticipant,
    ReplyState,
    ReplyType,
)
from app.sessions.models import CouncilSession, SessionKind

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "reply.schema.json"
SAMPLE_QUESTION = "Projekti e-demokracija, e-uprava"


def _seed(*, personas: bool) -> dict[str, int]:
    added = {
        "units": seed_org_units(),
        "council": seed_council(),
    }
    if personas:
        added["personas"] = seed_personas()
    added["reference"] = seed_reference_data()
    added["questions"] = seed_questions()
    added["replies"] = seed_replies()
    db.session.commit()
    return added


@pytest.fixture
def seeded(app: Flask) -> dict[str, int]:
    """The demo's council, questions and letters, without the personas."""
    with app.app_context():
        return _seed(personas=False)


@pytest.fixture
def seeded_with_personas(app: Flask, upload_folder: Path) -> dict[str, int]:
    """With the personas: the cabinet's letters at each step (their signed PDFs stored in this
    test's folder)."""
    with app.app_context():
        return _seed(personas=True)


def _counts() -> dict[str, int]:
    models = (Reply, ReplyEvent, ReplyCoverage, ReplyParticipant, Question, CouncilSession, Person,
              CouncilMandate)  # fmt: skip
    return {
        m.__name__: int(db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0)
        for m in models
    }


def _sample(app: Flask) -> dict[str, Any]:
    with app.app_context():
        reply = db.session.scalar(sa.select(Reply).where(Reply.reference_number == SAMPLE_NUMBER))
        assert reply is not None
        [row] = reply.coverage
        question = row.question
        assert question is not None
        assert question.session is not None
        return {
            "id": reply.id,
            "state": reply.state,
            "type": reply.reply_type,
            "imported": reply.imported,
            "letter_date": reply.letter_date,
            "sent_at": reply.sent_at,
            "raw_text": reply.raw_text,
            "events": [e.kind for e in reply.events],
            "signatories": [(p.name, p.function) for p in reply.signatories],
            "units": [r.unit.code for r in reply.answering_units],
            "issuer": reply.issuer_unit.code,
            "question_id": question.id,
            "question_title": question.title,
            "question_state": question.state,
            "authors": [a.person.name for a in question.authors],
            "session": (question.session.number, question.session.kind, question.session.held_on),
            "due_on": question.effective_due_on,
            "replied_on": question.replied_on,
            "days_to_reply": services.days_to_reply(reply, question),
            "on_time": services.on_time(reply, question),
        }


def _plain(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_the_sample_letter_is_published_and_answers_janez_cernes_question(
    app: Flask, seeded: dict[str, int]
) -> None:
    assert seeded["replies"] == 1  # the sample; without the personas, no letter in review
    sample = _sample(app)
    assert sample["state"] is ReplyState.PUBLISHED
    assert sample["type"] is ReplyType.FULL
    assert sample["imported"] is True
    assert sample["issuer"] == "KZ"
    assert sample["units"] == ["KZ", "PZP"]
    assert sample["signatories"] == [
        ("Janez Rakar", "vodja Kabineta župana"),
        ("Boštjan Trilar", "župan Mestne občine Kranj"),
    ]
    assert sample["raw_text"] == SAMPLE.read_text(encoding="utf-8")
    assert sample["events"] == [
        ReplyEventKind.IMPORTED,
        ReplyEventKind.SUBMITTED,
        ReplyEventKind.APPROVED,
        ReplyEventKind.PUBLISHED,
    ]
    # The demo's question, not a new one: Janez Černe's, at the 16th regular session.
    assert sample["question_title"] == SAMPLE_QUESTION
    assert sample["authors"] == ["Janez Černe"]
    assert sample["session"] == (16, SessionKind.REGULAR, date(2016, 4, 20))
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Question)
                .where(Question.title.ilike("%e-demokracija%"))
            )
            == 1
        )
    # Answered, 29 days after it was posed, on time (due 20 May 2016).
    assert sample["letter_date"] == date(2016, 5, 19)
    assert sample["question_state"] is QuestionState.ANSWERED
    assert sample["replied_on"] == date(2016, 5, 19)
    assert sample["due_on"] == date(2016, 5, 20)
    assert sample["days_to_reply"] == 29
    assert sample["on_time"] is True


def test_the_sample_letters_pages(app: Flask, seeded: dict[str, int], client: FlaskClient) -> None:
    sample = _sample(app)
    client.set_cookie("glas_lang", "en")
    page = client.get(f"/replies/{sample['id']}")
    assert page.status_code == 200
    text = _plain(page)
    for printed in (
        SAMPLE_NUMBER,
        "Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava",
        "SVET MESTNE OBČINE KRANJ",
        "Smart Kranj (pametna skupnost)",
        "Janez Rakar",
        "župan Mestne občine Kranj",
        "Poslano:",
        "29 days from the question to the letter",
        "sent on time",
        "Imported letter",
    ):
        assert printed in text, printed
    assert "<strong>Smart Kranj (pametna skupnost)</strong>" in page.get_data(as_text=True)
    # Without its signed PDF, it says so instead of a fingerprint.
    assert "imported from the municipality's records without its signed PDF" in text
    assert f"/replies/{sample['id']}" in client.get("/replies/").get_data(as_text=True)
    question = client.get(f"/questions/{sample['question_id']}", follow_redirects=True)
    assert question.status_code == 200
    assert SAMPLE_NUMBER in _plain(question)

    data = client.get(f"/replies/{sample['id']}.json").get_json()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(data)] == []
    [item] = data["in_reply_to"]
    assert item["days_to_reply"] == 29
    assert item["on_time"] is True
    assert item["due_on"] == "2016-05-20"
    assert item["session"] == {
        "body": item["session"]["body"],
        "number": 16,
        "type": None,
        "date": "2016-04-20",
    }
    assert data["signed_by"][0]["order"] == 1
    assert data["signed_by"][1]["function"] == "župan Mestne občine Kranj"


def test_seeding_twice_adds_nothing(app: Flask, seeded: dict[str, int]) -> None:
    with app.app_context():
        before = _counts()
        assert seed_replies() == 0
        assert seed_questions() == 0
        db.session.commit()
        assert _counts() == before


def test_with_the_personas_the_cabinet_has_a_letter_at_each_step(
    app: Flask, seeded_with_personas: dict[str, int]
) -> None:
    from tests.replies.factories import Letters

    demo_letters = {letter.number: letter for letter in getattr(replies_demo, "DEMO_LETTERS", ())}
    with app.app_context():
        maja, vesna = replies_demo._official("Maja"), replies_demo._official("Vesna")
        assert maja is not None
        assert vesna is not None
        replies = db.session.scalars(
            sa.select(Reply).where(Reply.reference_number != SAMPLE_NUMBER)
        ).all()
        assert replies, "the personas' letters"
        assert seeded_with_personas["replies"] == len(replies) + 1
        for reply in replies:
            assert reply.drafted_by_id == maja.id, reply
            # Four eyes: whoever approved it is not who drafted it.
            if reply.approved_at is not None:
                assert reply.reviewed_by_id == vesna.id != reply.drafted_by_id
            if reply.reference_number in demo_letters:
                assert Letters.stage(reply) == demo_letters[reply.reference_number].stage
            if reply.state in (ReplyState.SIGNED, ReplyState.SENT, ReplyState.PUBLISHED):
                assert reply.signed_pdf_sha256 is not None
                assert reply.signed_original is not None
        before = _counts()
        assert seed_replies() == 0
        db.session.commit()
        assert _counts() == before
