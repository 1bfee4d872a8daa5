"""No personal data of residents in the open data: strings planted where only the database
(and the people it concerns) may see them never reach a dump, the manifest or the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import User
from app.extensions import db
from app.initiatives.models import LISTED as LISTED_INITIATIVES
from app.initiatives.models import Initiative, InitiativeState
from app.questions.models import LISTED as LISTED_QUESTIONS
from app.questions.models import Question
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply
from tests.opendata.conftest import read_csv

PLANTED = "PLANTED-"


@pytest.fixture
def planted(app: Flask, demo_site: None) -> list[str]:
    """The demo, with a marked string in every private place; the exact strings planted."""
    secrets: list[str] = []

    def mark(what: str, number: int) -> str:
        secrets.append(value := f"{PLANTED}{what}-{number}")
        return value

    with app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.email = mark("mail", user.id) + "@example.org"
            secrets.append(user.subject_key)  # the HMAC of the eID identity
        for initiative in db.session.scalars(sa.select(Initiative)):
            if initiative.state not in LISTED_INITIATIVES:
                if initiative.state is not InitiativeState.REJECTED:
                    initiative.title = mark("unpublished-title", initiative.id)
                initiative.summary = mark("unpublished-summary", initiative.id)
                initiative.location = mark("unpublished-location", initiative.id)
            initiative.body = mark("body", initiative.id)  # the lists show the summary only
            initiative.rejection_note = mark("moderator-note", initiative.id)
        for question in db.session.scalars(sa.select(Question)):
            if question.state not in LISTED_QUESTIONS:
                question.title = mark("unpublished-question", question.id)
            question.rejection_note = mark("question-note", question.id)
        for reply in db.session.scalars(sa.select(Reply)):
            if reply.state not in PUBLIC_REPLIES:
                reply.subject = mark("draft-subject", reply.id)
                reply.summary = mark("draft-summary", reply.id)
        db.session.commit()
    assert len(secrets) > 30
    return secrets


def test_no_planted_string_reaches_the_open_data(
    client: FlaskClient, dump: Callable[..., Result], folder: Path, planted: list[str]
) -> None:
    result = dump()
    assert result.exit_code == 0, result.output
    published = [path.read_bytes().decode("utf-8") for path in sorted(folder.iterdir())]
    published += [
        client.get(path).get_data(as_text=True)
        for path in ("/open-data", "/open-data/catalog.ttl", "/open-data/catalog.jsonld")
    ]
    for text in published:
        assert PLANTED not in text
        leaked = [secret for secret in planted if secret in text]
        assert not leaked
    # Nor a column that could hold an account: no e-mail, no account or user number.
    for path in folder.glob("*.csv"):
        header = read_csv(path.read_bytes())[0]
        for column in header:
            assert not any(word in column for word in ("email", "mail", "user", "account")), (
                path.name,
                column,
            )


def test_the_planted_data_is_there_to_be_found(app: Flask, planted: list[str]) -> None:
    """The guard above could pass on an empty database: the marks are really stored."""
    with app.app_context():
        emails = db.session.scalars(sa.select(User.email)).all()
        notes = db.session.scalars(sa.select(Initiative.rejection_note)).all()
    assert emails
    assert all(email and email.startswith(PLANTED) for email in emails)
    assert all(note and note.startswith(PLANTED) for note in notes)
    assert sum(secret.startswith(f"{PLANTED}unpublished-title") for secret in planted) >= 1
    assert sum(secret.startswith(f"{PLANTED}unpublished-question") for secret in planted) >= 1
    assert sum(secret.startswith(f"{PLANTED}draft-subject") for secret in planted) >= 1
