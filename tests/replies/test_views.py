"""Reply letters over HTTP: the whole workflow as the officials walk it, what each visitor sees,
and what bad input gets — a 4xx with a message on the page, never a 500, nothing saved.

The letter is drafted on ``/replies/new`` by an official of the mayor's cabinet (KZ) and
answered also by UOP; a second official of KZ approves it (four eyes), the drafter signs it with
a real PDF, sends and publishes it. Everything after is public: the letter's page, the list, the
question's page. The pages are read in English (the language cookie), the letter itself is
printed in Slovenian as it was written.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import LOCAL_TZ
from app.core.time import today as local_today
from app.extensions import db
from app.replies import services
from app.replies.models import (
    AnswerVerdict,
    Reply,
    ReplyAttachment,
    ReplyEvent,
    ReplyEventKind,
    ReplyState,
    ReplyType,
)
from app.replies.services import Covered
from tests.questions.conftest import People
from tests.replies.factories import Letters, account, pdf_bytes, pdf_upload, png_bytes
from tests.replies.letters import SAMPLE
from tests.replies.pdfs import letter_pdf

_R = ReplyState

NUMBER = "032-90/2026-2-(52/17)"
SUBJECT = "Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def browser(app: Flask, login: Callable[[FlaskClient, int], None]) -> Callable[..., FlaskClient]:
    """A new client reading the pages in English, signed in as ``user_id`` (or anonymous)."""

    def _make(user_id: int | None = None) -> FlaskClient:
        client = app.test_client()
        client.set_cookie("glas_lang", "en")
        if user_id is not None:
            login(client, user_id)
        return client

    return _make


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _plain(response: Any) -> str:
    """The page's text without tags and with HTML's quotes decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _text(response))).split())


def _errors(response: Any) -> str:
    """The messages of the page's error summary and fields, for an assertion's report."""
    found = re.findall(
        r'class="(?:field__error|flash[^"]*|error-summary[^"]*)"[^>]*>(.*?)</',
        _text(response),
        re.S,
    )
    return " | ".join(html.unescape(re.sub(r"<[^>]+>", " ", m)).strip() for m in found)


def _count(app: Flask, model: type[Any], *where: Any) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int(db.session.scalar(query) or 0)


def _reply(app: Flask, reply_id: int) -> dict[str, Any]:
    """What a test checks of a letter, read afresh."""
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        return {
            "state": reply.state,
            "approved_at": reply.approved_at,
            "reviewed_by_id": reply.reviewed_by_id,
            "signed_pdf_sha256": reply.signed_pdf_sha256,
            "signed_at": reply.signed_at,
            "sent_at": reply.sent_at,
            "reply_type": reply.reply_type,
            "supersedes_id": reply.supersedes_id,
            "reference_number": reply.reference_number,
            "retraction_reason": reply.retraction_reason,
            "subject": reply.subject,
            "events": [e.kind for e in reply.events],
            "attachments": len(reply.attachments),
        }


def _local(moment: datetime) -> str:
    """A moment as the form's local time field writes it."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def _id_from(location: str) -> int:
    match = re.search(r"/replies/(\d+)", location)
    assert match is not None, location
    return int(match[1])


def letter_form(letters: Letters, question_id: int | None, **overrides: Any) -> dict[str, Any]:
    """The form of ``/replies/new`` filled in as the sample letter; ``None`` drops a field."""
    data: dict[str, Any] = {
        "issuer": str(letters.kz),
        "reference_number": NUMBER,
        "letter_date": (local_today() - timedelta(days=2)).isoformat(),
        "place": "Kranj",
        "reply_type": "full",
        "forwarded_to": "",
        "extended_to": "",
        "extension_reason": "",
        "addressee_kind": "body",
        "addressee_person": "",
        "addressee_text": "SVET MESTNE OBČINE KRANJ",
        "subject": SUBJECT,
        "session_reference_text": "Na 20. seji Sveta Mestne občine Kranj",
        "question_restatement": (
            "Na 20. seji Sveta Mestne občine Kranj je svetnik Janez Černe izpostavil projekte "
            "e-demokracije. Zanimalo ga je, katere projekte občina pripravlja."
        ),
        "answering_units": [str(letters.kz), str(letters.uop)],
        "body": "Občina pripravlja **dva** projekta:\n\n- e-demokracija\n- e-uprava",
        "summary": "Občina pripravlja dva projekta e-demokracije.",
        "prepared_by-0-name": "Ana Vizovišek",
        "prepared_by-0-unit_text": "Pisarna za podjetja",
        "signatories-0-name": "Janez Rakar",
        "signatories-0-function": "vodja Kabineta župana",
        "signatories-1-name": "Boštjan Trilar",
        "signatories-1-function": "župan Mestne občine Kranj",
        "distribution-0-recipient": "Svet Mestne občine Kranj",
        "distribution-0-kind": "to",
        "covers-0-kind": "question",
        "covers-0-number": "" if question_id is None else str(question_id),
        "covers-0-coverage": "full",
    }
    for key, value in overrides.items():
        name = key.replace("__", "-")
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _pdf_file(data: bytes, name: str = "odgovor.pdf") -> tuple[io.BytesIO, str, str]:
    return (io.BytesIO(data), name, "application/pdf")


def _upload(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    """POST a form with files; the request's body is closed at once (a large one is a temporary
    file, which Werkzeug's client closes only when it follows redirects)."""
    response = client.post(path, data=data, content_type="multipart/form-data")
    response.get_data()
    response.request.input_stream.close()
    return response


def _sign_form(data: bytes, signed_at: datetime | None = None) -> dict[str, Any]:
    moment = signed_at or datetime.now(LOCAL_TZ) - timedelta(hours=1)
    return {
        "sign-file": _pdf_file(data),
        "sign-signed_at": _local(moment),
        "sign-method": "qualified_esig",
    }


@pytest.fixture
def clients(letters: Letters, people: People, browser: Callable[..., FlaskClient]) -> Any:
    """A client for everyone who plays a part."""

    class Clients:
        drafter = browser(letters.drafter)
        colleague = browser(letters.colleague)
        answering = browser(letters.answering)
        unrelated = browser(letters.unrelated)
        resident = browser(people.resident)
        asker = browser(people.councillor)
        anonymous = browser()

    return Clients


# --- the whole workflow over HTTP ---------------------------------------------------------------


class TestWorkflow:
    def test_from_draft_to_public_letter(
        self, app: Flask, letters: Letters, clients: Any, people: People
    ) -> None:
        question = letters.question()
        drafted = clients.drafter.post("/replies/new", data=letter_form(letters, question))
        assert drafted.status_code == 302, _plain(drafted)
        reply_id = _id_from(drafted.headers["Location"])
        state = _reply(app, reply_id)
        assert state["state"] is _R.DRAFT
        assert state["reference_number"] == NUMBER

        own = clients.drafter.get(f"/replies/{reply_id}")
        assert own.status_code == 200
        assert NUMBER in _text(own)
        assert "Not public" in _plain(own)
        # Nobody outside the issuing and answering units learns the draft exists.
        for outsider in (clients.anonymous, clients.resident, clients.unrelated):
            assert outsider.get(f"/replies/{reply_id}").status_code == 404
            assert outsider.get(f"/replies/{reply_id}.json").status_code == 404
            assert outsider.get(f"/replies/{reply_id}/qr.svg").status_code == 404
        seen = clients.answering.get(f"/replies/{reply_id}")
        assert seen.status_code == 200
        assert SUBJECT in _plain(seen)

        submitted = clients.drafter.post(f"/replies/{reply_id}/submit")
        assert submitted.status_code == 303
        assert _reply(app, reply_id)["state"] is _R.IN_REVIEW

        # Four eyes: the drafter cannot approve their own letter; the page tells them so.
        page = clients.drafter.get(f"/replies/{reply_id}")
        assert "the drafter cannot approve their own letter" in _plain(page)
        refused = clients.drafter.post(f"/replies/{reply_id}/approve")
        assert refused.status_code in (303, 403)
        if refused.status_code == 303:
            assert "Nothing was done" in _plain(clients.drafter.get(refused.headers["Location"]))
        # Nor may the answering unit's official, who is not of the issuing unit.
        assert clients.answering.post(f"/replies/{reply_id}/approve").status_code == 403
        state = _reply(app, reply_id)
        assert state["state"] is _R.IN_REVIEW
        assert state["approved_at"] is None
        assert ReplyEventKind.APPROVED not in state["events"]

        approved = clients.colleague.post(f"/replies/{reply_id}/approve")
        assert approved.status_code == 303
        state = _reply(app, reply_id)
        assert state["approved_at"] is not None
        assert state["reviewed_by_id"] == letters.colleague

        pdf = letter_pdf(SAMPLE).data
        signed = clients.drafter.post(
            f"/replies/{reply_id}/sign",
            data=_sign_form(pdf),
            content_type="multipart/form-data",
        )
        assert signed.status_code == 303, _plain(signed)
        state = _reply(app, reply_id)
        assert state["state"] is _R.SIGNED
        assert state["signed_pdf_sha256"] == hashlib.sha256(pdf).hexdigest()

        sent = clients.drafter.post(
            f"/replies/{reply_id}/send",
            data={"send-sent_at": _local(datetime.now(LOCAL_TZ) - timedelta(minutes=30))},
        )
        assert sent.status_code == 303, _plain(sent)
        assert _reply(app, reply_id)["state"] is _R.SENT
        # Still internal until it is published.
        assert clients.anonymous.get(f"/replies/{reply_id}").status_code == 404

        published = clients.drafter.post(f"/replies/{reply_id}/publish", data={})
        assert published.status_code == 303, _plain(published)
        assert _reply(app, reply_id)["state"] is _R.PUBLISHED

        public = clients.anonymous.get(f"/replies/{reply_id}")
        assert public.status_code == 200
        text = _plain(public)
        for printed in (NUMBER, SUBJECT, "Janez Rakar", "vodja Kabineta župana", "Boštjan Trilar"):
            assert printed in text
        assert "Poslano:" in text
        assert "Svet Mestne občine Kranj" in text
        assert "<strong>dva</strong>" in _text(public)
        assert hashlib.sha256(pdf).hexdigest() in text
        assert "Not public" not in text
        # The signed original is there to download, for anyone.
        with app.app_context():
            attachment = db.session.scalar(
                sa.select(ReplyAttachment).where(ReplyAttachment.reply_id == reply_id)
            )
            assert attachment is not None
            url = f"/replies/{reply_id}/files/{attachment.id}/{attachment.filename}"
        with clients.anonymous.get(url) as download:
            assert download.status_code == 200
            assert download.data == pdf

        listed = clients.anonymous.get("/replies/")
        assert listed.status_code == 200
        assert SUBJECT in _plain(listed)
        assert f"/replies/{reply_id}" in _text(listed)

        asked = clients.anonymous.get(f"/questions/{question}", follow_redirects=True)
        assert asked.status_code == 200
        assert NUMBER in _plain(asked)
        assert f"/replies/{reply_id}" in _text(asked)

    def test_the_answering_units_official_sees_but_cannot_act(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            reply_id = letters.create().id
            db.session.commit()
        page = clients.answering.get(f"/replies/{reply_id}")
        assert page.status_code == 200
        assert f"/replies/{reply_id}/submit" not in _text(page)
        assert clients.answering.post(f"/replies/{reply_id}/submit").status_code == 403
        assert clients.answering.get(f"/replies/{reply_id}/edit").status_code == 403
        assert clients.answering.post(f"/replies/{reply_id}/delete").status_code == 403
        assert clients.unrelated.post(f"/replies/{reply_id}/submit").status_code == 404
        assert _reply(app, reply_id)["state"] is _R.DRAFT

    def test_a_draft_is_not_in_the_public_list_but_in_the_units_drafts(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            reply = letters.create(subject="Odgovor – osnutek za pregled")
            reply_id = reply.id
            db.session.commit()
        assert "osnutek za pregled" not in _plain(clients.anonymous.get("/replies/"))
        for who in (clients.drafter, clients.answering):
            drafts = who.get("/replies/drafts")
            assert drafts.status_code == 200
            assert f"/replies/{reply_id}" in _text(drafts)
        assert f"/replies/{reply_id}" not in _text(clients.unrelated.get("/replies/drafts"))
        assert clients.resident.get("/replies/drafts").status_code == 403
        assert clients.anonymous.get("/replies/drafts").status_code in (302, 401)

    def test_new_prefills_from_the_question(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        question = letters.question(title="Razsvetljava pešpoti ob Savi")
        page = clients.drafter.get(f"/replies/new?question={question}")
        assert page.status_code == 200
        text = _text(page)
        assert f'value="{question}"' in text
        assert "Razsvetljava pešpoti ob Savi" in text
        assert clients.drafter.get("/replies/new?question=abc").status_code == 400
        assert clients.drafter.get("/replies/new?question=-1").status_code == 400
        assert clients.drafter.get("/replies/new?question=99999999").status_code == 404
        assert clients.resident.get("/replies/new").status_code == 403

    def test_the_reviewer_returns_it_with_a_note(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            reply = letters.make("in_review")
            reply_id = reply.id
            db.session.commit()
        empty = clients.colleague.post(f"/replies/{reply_id}/return", data={"return-note": " "})
        assert empty.status_code == 422
        assert "Write a note." in _plain(empty)
        assert _reply(app, reply_id)["state"] is _R.IN_REVIEW
        # The drafter may not return their own letter either.
        own = clients.drafter.post(f"/replies/{reply_id}/return", data={"return-note": "Ne."})
        assert own.status_code in (303, 403)
        assert _reply(app, reply_id)["state"] is _R.IN_REVIEW
        returned = clients.colleague.post(
            f"/replies/{reply_id}/return", data={"return-note": "Popravite povzetek."}
        )
        assert returned.status_code == 303
        assert _reply(app, reply_id)["state"] is _R.DRAFT
        assert "Popravite povzetek." in _plain(clients.drafter.get(f"/replies/{reply_id}"))

    def test_the_drafter_edits_the_draft(self, app: Flask, letters: Letters, clients: Any) -> None:
        question = letters.question()
        drafted = clients.drafter.post("/replies/new", data=letter_form(letters, question))
        reply_id = _id_from(drafted.headers["Location"])
        form = clients.drafter.get(f"/replies/{reply_id}/edit")
        assert form.status_code == 200
        assert NUMBER in _text(form)
        data = letter_form(letters, question, subject="Odgovor – popravljena zadeva", issuer=None)
        saved = clients.drafter.post(f"/replies/{reply_id}/edit", data=data)
        assert saved.status_code == 302, _plain(saved)
        assert _reply(app, reply_id)["subject"] == "Odgovor – popravljena zadeva"
        # Once in review, nobody edits it: the page of the step says so to the issuing unit.
        clients.drafter.post(f"/replies/{reply_id}/submit")
        again = clients.drafter.post(f"/replies/{reply_id}/edit", data=data)
        assert again.status_code == 303
        assert "Nothing was done" in _plain(clients.drafter.get(again.headers["Location"]))

    def test_a_draft_is_deleted_by_its_unit(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            reply_id = letters.create().id
            db.session.commit()
        assert clients.answering.post(f"/replies/{reply_id}/delete").status_code == 403
        deleted = clients.drafter.post(f"/replies/{reply_id}/delete")
        assert deleted.status_code == 303
        assert _count(app, Reply, Reply.id == reply_id) == 0
        assert clients.drafter.get(f"/replies/{reply_id}").status_code == 404

    def test_an_annex_is_attached_and_removed(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            reply_id = letters.create().id
            db.session.commit()
        added = clients.drafter.post(
            f"/replies/{reply_id}/annexes",
            data={"annex-file": _pdf_file(pdf_bytes("Priloga")), "annex-description": "Načrt"},
            content_type="multipart/form-data",
        )
        assert added.status_code == 303, _plain(added)
        with app.app_context():
            annex = db.session.scalar(
                sa.select(ReplyAttachment).where(ReplyAttachment.reply_id == reply_id)
            )
            assert annex is not None
            annex_id = annex.id
        assert "Načrt" in _plain(clients.drafter.get(f"/replies/{reply_id}"))
        assert (
            clients.answering.post(f"/replies/{reply_id}/annexes/{annex_id}/delete").status_code
            == 403
        )
        removed = clients.drafter.post(f"/replies/{reply_id}/annexes/{annex_id}/delete")
        assert removed.status_code == 303
        assert _reply(app, reply_id)["attachments"] == 0


# --- bad input ----------------------------------------------------------------------------------

#: A field of the letter's form, a bad value, and (part of) the message the page shows.
BAD_LETTERS = {
    "empty_subject": ({"subject": ""}, "Write the subject."),
    "blank_subject": ({"subject": "   "}, "Write the subject."),
    "long_subject": ({"subject": "Z" * 301}, "Use at most 300 characters."),
    "empty_number": ({"reference_number": ""}, "Write the letter's number."),
    "case_only_number": ({"reference_number": "032-11/2016"}, "Write the number as it is"),
    "word_number": ({"reference_number": "abc"}, "Write the number as it is printed"),
    "zero_document": ({"reference_number": "032-11/2016-0"}, "Write the number as it is"),
    # The column holds 60 characters, its suffix 40 (PostgreSQL refuses more: not a 500).
    "long_number": (
        {"reference_number": "032-11/2016-2-(" + "5" * 60 + ")"},
        "Write the number as it is printed",
    ),
    "long_suffix": (
        {"reference_number": "032-11/2016-2-(" + "5" * 41 + ")"},
        "Write the number as it is printed",
    ),
    "no_date": ({"letter_date": ""}, "Give the letter's date."),
    "bad_date": ({"letter_date": "19.5.2016"}, "Not a valid date value."),
    "future_date": (
        {"letter_date": (local_today() + timedelta(days=1)).isoformat()},
        "The letter's date cannot be in the future.",
    ),
    "ancient_date": ({"letter_date": "1066-10-14"}, "The letter's date cannot be"),
    "empty_place": ({"place": ""}, "Write the place."),
    "long_place": ({"place": "K" * 81}, "Use at most 80 characters."),
    "no_type": ({"reply_type": None}, "Choose the type of reply."),
    "unknown_type": ({"reply_type": "nope"}, "Not a valid choice"),
    "correction_type": ({"reply_type": "correction"}, "Not a valid choice"),
    "empty_addressee": ({"addressee_text": ""}, "Write the addressee."),
    "empty_restatement": ({"question_restatement": ""}, "Restate the question."),
    "long_restatement": ({"question_restatement": "v" * 5001}, "Use at most 5000 characters."),
    "empty_body": ({"body": ""}, "Write the reply."),
    "long_body": ({"body": "b" * 50_001}, "Use at most 50000 characters."),
    "empty_summary": ({"summary": ""}, "Write a summary."),
    "long_summary": ({"summary": "s" * 301}, "Use at most 300 characters."),
    "no_unit": ({"answering_units": None}, "Choose at least one unit."),
    "unknown_unit": ({"answering_units": ["999999"]}, "is not a valid choice"),
    "word_unit": ({"answering_units": ["abc"]}, "is not a valid choice"),
    "unknown_question": ({"covers__0__number": "999999"}, "Give the numbers of published"),
    "negative_question": ({"covers__0__number": "-5"}, "Give the number of a question or"),
    "huge_question": ({"covers__0__number": "99999999999"}, "Give the number of a question or"),
    "word_question": ({"covers__0__number": "abc"}, "Not a valid integer value."),
    "question_twice": (
        {"covers__1__kind": "question", "covers__1__number": "{question}"},
        "each once",
    ),
    "unknown_initiative": (
        {"covers__0__kind": "initiative", "covers__0__number": "999999"},
        "Give the numbers of published",
    ),
    "forwarded_without_unit": ({"reply_type": "forwarded"}, "Choose the unit the matter was"),
    "forwarded_unknown_unit": (
        {"reply_type": "forwarded", "forwarded_to": "999999"},
        "Not a valid choice",
    ),
    "extension_without_reason": (
        {
            "reply_type": "interim",
            "extended_to": (local_today() + timedelta(days=30)).isoformat(),
        },
        "Say why the due date moves.",
    ),
    "extension_before_letter": (
        {
            "reply_type": "interim",
            "extended_to": (local_today() - timedelta(days=20)).isoformat(),
            "extension_reason": "Zbiramo podatke.",
        },
        "The new due date must be after the letter's date",
    ),
    "long_extension_reason": (
        {
            "reply_type": "interim",
            "extended_to": (local_today() + timedelta(days=30)).isoformat(),
            "extension_reason": "r" * 2001,
        },
        "Use at most 2000 characters.",
    ),
    "unknown_person": (
        {"addressee_kind": "person", "addressee_person": "999999"},
        "Not a valid choice",
    ),
    "long_preparer": ({"prepared_by__0__name": "P" * 151}, "Use at most 150 characters."),
    "long_function": ({"signatories__0__function": "f" * 201}, "Use at most 200 characters."),
    "long_recipient": ({"distribution__0__recipient": "r" * 201}, "Use at most 200 characters."),
    "unknown_recipient_kind": ({"distribution__0__kind": "bcc"}, "Not a valid choice"),
    "control_characters": ({"subject": "Odgovor\x1bna vprašanje"}, "control characters"),
    "control_characters_in_a_row": (
        {"signatories__0__name": "Janez\x1bRakar"},
        "control characters",
    ),
}


class TestBadLetters:
    @pytest.mark.parametrize(("fields", "message"), BAD_LETTERS.values(), ids=list(BAD_LETTERS))
    def test_new_refuses_with_a_message_and_saves_nothing(
        self,
        app: Flask,
        letters: Letters,
        clients: Any,
        fields: dict[str, Any],
        message: str,
    ) -> None:
        question = letters.question()
        values = {
            key: value.format(question=question) if isinstance(value, str) else value
            for key, value in fields.items()
        }
        before = _count(app, Reply), _count(app, ReplyEvent)
        response = clients.drafter.post(
            "/replies/new", data=letter_form(letters, question, **values)
        )
        assert response.status_code == 422, _plain(response)[:2000]
        assert message in _plain(response), _errors(response)
        assert (_count(app, Reply), _count(app, ReplyEvent)) == before

    def test_a_nul_character_is_a_400_before_any_form(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        before = _count(app, Reply)
        for field in ("subject", "signatories-0-name", "covers-0-number"):
            data = letter_form(letters, letters.question())
            data[field] = "Odgovor\x00vprašanje"
            response = clients.drafter.post("/replies/new", data=data)
            assert response.status_code == 400, field
            assert "The request could not be understood" in _plain(response)
        assert _count(app, Reply) == before

    def test_a_duplicate_number_is_refused(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            existing = letters.create().reference_number
            db.session.commit()
        before = _count(app, Reply)
        response = clients.drafter.post(
            "/replies/new",
            data=letter_form(letters, letters.question(), reference_number=existing),
        )
        assert response.status_code == 422
        assert "Another letter already has this number." in _plain(response)
        assert _count(app, Reply) == before

    def test_a_duplicate_number_is_refused_on_edit(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        with app.app_context():
            existing = letters.create().reference_number
            reply = letters.create()
            reply_id, number = reply.id, reply.reference_number
            db.session.commit()
        response = clients.drafter.post(
            f"/replies/{reply_id}/edit",
            data=letter_form(letters, letters.question(), reference_number=existing, issuer=None),
        )
        assert response.status_code == 422
        assert "Another letter already has this number." in _plain(response)
        assert _reply(app, reply_id)["reference_number"] == number

    def test_an_issuer_not_of_ones_units_is_refused(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        before = _count(app, Reply)
        for issuer, status in ((str(letters.ugdp), 403), ("", 403), ("abc", 400)):
            response = clients.drafter.post(
                "/replies/new", data=letter_form(letters, letters.question(), issuer=issuer)
            )
            assert response.status_code == status, issuer
        assert _count(app, Reply) == before

    @pytest.mark.parametrize(
        "path",
        [
            "/replies/abc",
            "/replies/abc.json",
            "/replies/abc/qr.svg",
            "/replies/0",
            "/replies/007",
            "/replies/99999999999",
            "/replies/1/files/abc/x.pdf",
        ],
    )
    def test_a_malformed_id_in_the_address_is_a_404(self, clients: Any, path: str) -> None:
        assert clients.anonymous.get(path).status_code == 404
        assert clients.drafter.get(path).status_code == 404

    @pytest.mark.parametrize(
        "step", ["submit", "approve", "sign", "send", "publish", "retract", "correct", "delete"]
    )
    def test_a_malformed_id_in_a_steps_address_is_a_404(self, clients: Any, step: str) -> None:
        assert clients.drafter.post(f"/replies/abc/{step}").status_code == 404
        assert clients.drafter.post(f"/replies/99999999/{step}").status_code == 404

    @pytest.mark.parametrize(
        "query",
        [
            "year=abc",
            "year=99999999999",
            "year=1200",
            "type=nope",
            "unit=NOPE",
            "page=0",
            "page=-1",
            "page=abc",
            "session=abc",
            "councillor=-3",
        ],
    )
    def test_a_filter_glas_does_not_know_is_a_400(
        self, letters: Letters, clients: Any, query: str
    ) -> None:
        for path in ("/replies/", "/replies/export.csv"):
            response = clients.anonymous.get(f"{path}?{query}")
            assert response.status_code == 400, path
            assert "filter we do not know" in _plain(response)

    def test_the_list_filters(self, app: Flask, letters: Letters, clients: Any) -> None:
        with app.app_context():
            full = letters.make("published", subject="Odgovor – polni odgovor o parkih")
            interim = letters.make(
                "published", reply_type=ReplyType.INTERIM, subject="Odgovor – vmesni o cestah"
            )
            year = full.letter_date.year
            ids = full.id, interim.id
            db.session.commit()
        everything = _plain(clients.anonymous.get("/replies/"))
        assert "polni odgovor o parkih" in everything
        assert "vmesni o cestah" in everything
        only_interim = _plain(clients.anonymous.get("/replies/?type=interim"))
        assert "vmesni o cestah" in only_interim
        assert "polni odgovor o parkih" not in only_interim
        assert "polni odgovor" in _plain(clients.anonymous.get(f"/replies/?unit=KZ&year={year}"))
        assert "polni odgovor" in _plain(clients.anonymous.get("/replies/?unit=UOP"))
        assert "polni odgovor" not in _plain(clients.anonymous.get("/replies/?unit=UGDP"))
        assert "polni odgovor" not in _plain(clients.anonymous.get(f"/replies/?year={year - 1}"))
        csv = clients.anonymous.get("/replies/export.csv?type=interim")
        assert csv.status_code == 200
        assert csv.mimetype == "text/csv"
        assert f"/replies/{ids[1]}" in _text(csv)
        assert f"/replies/{ids[0]}," not in _text(csv)
        assert clients.anonymous.get("/replies/?page=5").status_code == 404


class TestBadSteps:
    @pytest.fixture
    def approved(self, app: Flask, letters: Letters) -> int:
        with app.app_context():
            reply_id = letters.make("approved").id
            db.session.commit()
        return reply_id

    @pytest.fixture
    def signed(self, app: Flask, letters: Letters) -> int:
        with app.app_context():
            reply_id = letters.make("signed").id
            db.session.commit()
        return reply_id

    @pytest.fixture
    def published(self, app: Flask, letters: Letters) -> int:
        with app.app_context():
            reply_id = letters.make("published").id
            db.session.commit()
        return reply_id

    def test_a_picture_is_not_a_signed_original(
        self, app: Flask, clients: Any, approved: int
    ) -> None:
        response = clients.drafter.post(
            f"/replies/{approved}/sign",
            data={
                "sign-file": (io.BytesIO(png_bytes()), "odgovor.pdf", "application/pdf"),
                "sign-signed_at": _local(datetime.now(LOCAL_TZ) - timedelta(hours=1)),
                "sign-method": "qualified_esig",
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert "PDF" in _plain(response)
        state = _reply(app, approved)
        assert state["state"] is _R.IN_REVIEW
        assert state["signed_pdf_sha256"] is None
        assert state["attachments"] == 0

    def test_a_too_large_signed_original_is_a_413(
        self, app: Flask, clients: Any, approved: int
    ) -> None:
        big = b"%PDF-1.4\n" + b"0" * (app.config["ATTACHMENT_MAX_BYTES"] + 10)
        response = _upload(clients.drafter, f"/replies/{approved}/sign", _sign_form(big))
        assert response.status_code == 413
        assert "larger than" in _plain(response)
        assert _reply(app, approved)["state"] is _R.IN_REVIEW

    def test_signing_needs_a_file_a_time_and_a_method(
        self, app: Flask, clients: Any, approved: int
    ) -> None:
        cases = [
            ({"sign-signed_at": _local(datetime.now(LOCAL_TZ)), "sign-method": "eseal"}, "PDF"),
            (
                {"sign-file": _pdf_file(pdf_bytes()), "sign-method": "eseal", "sign-signed_at": ""},
                "Give the date and time of signing.",
            ),
            (
                {
                    "sign-file": _pdf_file(pdf_bytes()),
                    "sign-method": "unknown",
                    "sign-signed_at": _local(datetime.now(LOCAL_TZ)),
                },
                "Not a valid choice",
            ),
            (
                {
                    "sign-file": _pdf_file(pdf_bytes()),
                    "sign-method": "eseal",
                    "sign-signed_at": "yesterday",
                },
                "Not a valid datetime value.",
            ),
        ]
        for data, message in cases:
            response = clients.drafter.post(
                f"/replies/{approved}/sign", data=data, content_type="multipart/form-data"
            )
            assert response.status_code == 422, data
            assert message in _plain(response), data
        assert _reply(app, approved)["state"] is _R.IN_REVIEW

    def test_signed_in_the_future_or_before_the_letter_is_refused(
        self, app: Flask, clients: Any, approved: int
    ) -> None:
        for moment in (
            datetime.now(LOCAL_TZ) + timedelta(days=1),
            datetime.now(LOCAL_TZ) - timedelta(days=30),
        ):
            response = clients.drafter.post(
                f"/replies/{approved}/sign",
                data=_sign_form(pdf_bytes(), signed_at=moment),
                content_type="multipart/form-data",
            )
            assert response.status_code == 422
            assert "It cannot be signed before the letter's date or in the future." in _plain(
                response
            )
        state = _reply(app, approved)
        assert state["state"] is _R.IN_REVIEW
        assert state["attachments"] == 0

    def test_only_after_approval_and_only_by_the_issuing_unit(
        self, app: Flask, letters: Letters, clients: Any, approved: int
    ) -> None:
        assert (
            clients.answering.post(
                f"/replies/{approved}/sign",
                data=_sign_form(pdf_bytes()),
                content_type="multipart/form-data",
            ).status_code
            == 403
        )
        with app.app_context():
            draft = letters.create().id
            db.session.commit()
        early = clients.drafter.post(
            f"/replies/{draft}/sign",
            data=_sign_form(pdf_bytes()),
            content_type="multipart/form-data",
        )
        assert early.status_code == 303
        assert _reply(app, draft)["state"] is _R.DRAFT

    def test_sent_before_signed_or_in_the_future_is_refused(
        self, app: Flask, clients: Any, signed: int
    ) -> None:
        signed_at = _reply(app, signed)["signed_at"]
        assert signed_at is not None
        for moment in (signed_at - timedelta(hours=2), datetime.now(LOCAL_TZ) + timedelta(days=2)):
            response = clients.drafter.post(
                f"/replies/{signed}/send", data={"send-sent_at": _local(moment)}
            )
            assert response.status_code == 422
            assert "It cannot be sent before it was signed or in the future." in _plain(response)
        for value, message in (("", "Give the date and time it was sent."), ("x", "Not a valid")):
            response = clients.drafter.post(f"/replies/{signed}/send", data={"send-sent_at": value})
            assert response.status_code == 422
            assert message in _plain(response)
        state = _reply(app, signed)
        assert state["state"] is _R.SIGNED
        assert state["sent_at"] is None

    def test_a_second_publish_tells_the_issuer_nothing_was_done(
        self, app: Flask, clients: Any, published: int
    ) -> None:
        again = clients.drafter.post(f"/replies/{published}/publish", data={})
        assert again.status_code == 303
        assert "Nothing was done" in _plain(clients.drafter.get(again.headers["Location"]))
        assert clients.answering.post(f"/replies/{published}/publish").status_code == 403
        assert clients.resident.post(f"/replies/{published}/publish").status_code == 403
        events = _reply(app, published)["events"]
        assert events.count(ReplyEventKind.PUBLISHED) == 1
        # The drafter could never approve it: that is a 403, not "nothing was done".
        assert clients.drafter.post(f"/replies/{published}/approve").status_code == 403
        for step in ("submit", "send", "delete"):
            repeated = clients.drafter.post(f"/replies/{published}/{step}")
            assert repeated.status_code == 303, step
        assert _reply(app, published)["state"] is _R.PUBLISHED

    def test_retracting_needs_a_reason(self, app: Flask, clients: Any, published: int) -> None:
        for note in ("", "   ", "r" * 2001):
            response = clients.drafter.post(
                f"/replies/{published}/retract", data={"retract-note": note}
            )
            assert response.status_code == 422
            assert "Write a note." in _plain(response) or "Use at most 2000" in _plain(response)
        assert _reply(app, published)["state"] is _R.PUBLISHED
        assert (
            clients.answering.post(
                f"/replies/{published}/retract", data={"retract-note": "Pomota."}
            ).status_code
            == 403
        )

    def test_a_retracted_letter_stays_listed_with_its_reason(
        self, app: Flask, clients: Any, published: int
    ) -> None:
        subject = _reply(app, published)["subject"]
        retracted = clients.drafter.post(
            f"/replies/{published}/retract",
            data={"retract-note": "Pismo je bilo poslano napačnemu naslovniku."},
        )
        assert retracted.status_code == 303
        state = _reply(app, published)
        assert state["state"] is _R.RETRACTED
        assert state["retraction_reason"] == "Pismo je bilo poslano napačnemu naslovniku."
        listed = clients.anonymous.get("/replies/")
        assert f"/replies/{published}" in _text(listed)
        assert "Retracted" in _plain(listed)
        page = clients.anonymous.get(f"/replies/{published}")
        assert page.status_code == 200
        assert "This letter was retracted" in _plain(page)
        assert "Pismo je bilo poslano napačnemu naslovniku." in _plain(page)
        assert subject in _plain(page)
        again = clients.drafter.post(f"/replies/{published}/retract", data={"retract-note": "x"})
        assert again.status_code == 303

    def test_a_correction_supersedes_the_letter_once_published(
        self, app: Flask, letters: Letters, clients: Any, published: int
    ) -> None:
        original = _reply(app, published)
        # The public page is cached for anonymous visitors: the correction must reach it.
        assert clients.anonymous.get(f"/replies/{published}").status_code == 200
        assert clients.answering.post(f"/replies/{published}/correct").status_code == 403
        started = clients.drafter.post(f"/replies/{published}/correct")
        assert started.status_code == 303
        assert re.search(r"/replies/\d+/edit$", started.headers["Location"])
        correction_id = _id_from(started.headers["Location"])
        correction = _reply(app, correction_id)
        assert correction["state"] is _R.DRAFT
        assert correction["reply_type"] is ReplyType.CORRECTION
        assert correction["supersedes_id"] == published
        case = original["reference_number"].rsplit("-", 1)[0]
        assert correction["reference_number"] == f"{case}-3"
        # A second correction of the same letter is not started while one is in the works.
        second = clients.drafter.post(f"/replies/{published}/correct")
        assert second.status_code == 303
        assert _count(app, Reply, Reply.supersedes_id == published) == 1

        edit = clients.drafter.get(f"/replies/{correction_id}/edit")
        assert edit.status_code == 200
        with app.app_context():
            question_id = db.session.get(Reply, published).coverage[0].question_id  # type: ignore[union-attr]
        data = letter_form(
            letters,
            question_id,
            issuer=None,
            reply_type="correction",
            reference_number=correction["reference_number"],
            summary="Popravek: občina pripravlja tri projekte.",
        )
        saved = clients.drafter.post(f"/replies/{correction_id}/edit", data=data)
        assert saved.status_code == 302, _plain(saved)
        # The old letter is still the public one until the correction is published.
        assert "This letter was corrected" not in _plain(
            clients.anonymous.get(f"/replies/{published}")
        )

        assert clients.drafter.post(f"/replies/{correction_id}/submit").status_code == 303
        assert clients.colleague.post(f"/replies/{correction_id}/approve").status_code == 303
        signed = clients.drafter.post(
            f"/replies/{correction_id}/sign",
            data=_sign_form(pdf_bytes("Popravek")),
            content_type="multipart/form-data",
        )
        assert signed.status_code == 303, _plain(signed)
        sent = clients.drafter.post(
            f"/replies/{correction_id}/send",
            data={"send-sent_at": _local(datetime.now(LOCAL_TZ) - timedelta(minutes=10))},
        )
        assert sent.status_code == 303, _plain(sent)
        assert clients.drafter.post(f"/replies/{correction_id}/publish").status_code == 303
        assert _reply(app, correction_id)["state"] is _R.PUBLISHED
        assert _reply(app, published)["state"] is _R.CORRECTED

        old = clients.anonymous.get(f"/replies/{published}")
        assert old.status_code == 200
        assert "This letter was corrected." in _plain(old)
        assert f"/replies/{correction_id}" in _text(old)
        assert correction["reference_number"] in _plain(old)
        new = clients.anonymous.get(f"/replies/{correction_id}")
        assert "This letter corrects" in _plain(new)
        assert f"/replies/{published}" in _text(new)
        # A corrected letter is corrected no more.
        assert clients.drafter.post(f"/replies/{published}/correct").status_code == 303
        assert _count(app, Reply, Reply.supersedes_id == published) == 1

    def test_a_step_without_its_form_data_is_refused_not_a_500(
        self, app: Flask, clients: Any, approved: int, signed: int
    ) -> None:
        assert clients.drafter.post(f"/replies/{approved}/sign").status_code == 422
        assert clients.drafter.post(f"/replies/{signed}/send").status_code == 422
        assert _reply(app, approved)["state"] is _R.IN_REVIEW
        assert _reply(app, signed)["state"] is _R.SIGNED


class TestBadAnnexes:
    @pytest.fixture
    def draft(self, app: Flask, letters: Letters) -> int:
        with app.app_context():
            reply_id = letters.create().id
            db.session.commit()
        return reply_id

    @pytest.mark.parametrize(
        ("data", "status", "message"),
        [
            ({"annex-description": "Načrt"}, 422, "Choose"),
            (
                {"annex-file": "png", "annex-description": "Načrt"},
                422,
                "PDF document",
            ),
            ({"annex-file": "pdf", "annex-description": ""}, 422, "Describe"),
            ({"annex-file": "pdf", "annex-description": "d" * 1001}, 422, "Use at most"),
            ({"annex-file": "big", "annex-description": "Načrt"}, 413, "larger than"),
        ],
        ids=["no_file", "picture", "no_description", "long_description", "too_large"],
    )
    def test_a_bad_annex_is_refused(
        self,
        app: Flask,
        clients: Any,
        draft: int,
        data: dict[str, str],
        status: int,
        message: str,
    ) -> None:
        payloads = {
            "png": (io.BytesIO(png_bytes()), "priloga.pdf", "application/pdf"),
            "pdf": _pdf_file(pdf_bytes("Priloga")),
            "big": _pdf_file(b"%PDF-1.4\n" + b"0" * (app.config["ATTACHMENT_MAX_BYTES"] + 10)),
        }
        form: dict[str, Any] = dict(data)
        if "annex-file" in form:
            form["annex-file"] = payloads[form["annex-file"]]
        response = _upload(clients.drafter, f"/replies/{draft}/annexes", form)
        assert response.status_code == status, _errors(response)
        assert message in _plain(response)
        assert _reply(app, draft)["attachments"] == 0

    def test_the_eleventh_annex_is_refused_with_a_message(
        self, app: Flask, letters: Letters, clients: Any, draft: int
    ) -> None:
        with app.app_context():
            reply = db.session.get(Reply, draft)
            assert reply is not None
            for n in range(services.ANNEXES_MAX):
                services.add_annex(
                    account(letters.drafter),
                    reply,
                    upload=pdf_upload(pdf_bytes(f"Priloga {n}")),
                    title=f"Priloga {n}",
                )
            db.session.commit()
        response = clients.drafter.post(
            f"/replies/{draft}/annexes",
            data={"annex-file": _pdf_file(pdf_bytes("Se ena")), "annex-description": "Še ena"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert _reply(app, draft)["attachments"] == services.ANNEXES_MAX


class TestVerdicts:
    @pytest.fixture
    def published(self, app: Flask, letters: Letters) -> Iterator[tuple[int, int]]:
        """A published letter answering the councillor Janez Černe's question."""
        question = letters.question()
        with app.app_context():
            reply_id = letters.make("published", covers=(Covered(question_id=question),)).id
            db.session.commit()
        return reply_id, question

    def test_the_asker_says_whether_it_answered(
        self, app: Flask, clients: Any, published: tuple[int, int]
    ) -> None:
        reply_id, question = published
        page = clients.asker.get(f"/replies/{reply_id}")
        assert "Publish my view" in _plain(page)
        given = clients.asker.post(
            f"/replies/{reply_id}/verdict",
            data={
                "question": str(question),
                "verdict-verdict": "partly",
                "verdict-reason": "Ni povedal, kdaj.",
            },
        )
        assert given.status_code == 303
        assert _count(app, AnswerVerdict, AnswerVerdict.reply_id == reply_id) == 1
        assert "Ni povedal, kdaj." in _plain(clients.anonymous.get(f"/replies/{reply_id}"))

    @pytest.mark.parametrize(
        ("fields", "status", "message"),
        [
            ({"verdict-verdict": "answered", "verdict-reason": ""}, 422, "Say briefly why."),
            ({"verdict-verdict": "answered", "verdict-reason": "   "}, 422, "Say briefly why."),
            (
                {"verdict-verdict": "answered", "verdict-reason": "r" * 1001},
                422,
                "Use at most 1000 characters.",
            ),
            ({"verdict-verdict": "", "verdict-reason": "Ja."}, 422, "Choose an answer."),
            ({"verdict-verdict": "maybe", "verdict-reason": "Ja."}, 422, "Not a valid choice"),
        ],
        ids=["no_reason", "blank_reason", "long_reason", "no_verdict", "unknown_verdict"],
    )
    def test_a_bad_verdict_is_refused(
        self,
        app: Flask,
        clients: Any,
        published: tuple[int, int],
        fields: dict[str, str],
        status: int,
        message: str,
    ) -> None:
        reply_id, question = published
        response = clients.asker.post(
            f"/replies/{reply_id}/verdict", data={"question": str(question), **fields}
        )
        assert response.status_code == status
        assert message in _plain(response)
        assert _count(app, AnswerVerdict) == 0

    def test_only_who_asked_or_supported_gives_a_verdict(
        self, app: Flask, letters: Letters, clients: Any, published: tuple[int, int]
    ) -> None:
        reply_id, question = published
        data = {"question": str(question), "verdict-verdict": "answered", "verdict-reason": "Da."}
        for who in (clients.resident, clients.drafter, clients.answering):
            assert who.post(f"/replies/{reply_id}/verdict", data=data).status_code == 403
        assert clients.anonymous.post(f"/replies/{reply_id}/verdict", data=data).status_code in (
            302,
            401,
        )
        other = letters.question()
        for value, status in (("abc", 400), ("", 404), (str(other), 404)):
            response = clients.asker.post(
                f"/replies/{reply_id}/verdict", data={**data, "question": value}
            )
            assert response.status_code == status, value
        assert _count(app, AnswerVerdict) == 0

    def test_no_verdict_on_a_letter_not_yet_published(
        self, app: Flask, letters: Letters, clients: Any
    ) -> None:
        question = letters.question()
        with app.app_context():
            reply_id = letters.make("sent", covers=(Covered(question_id=question),)).id
            db.session.commit()
        data = {"question": str(question), "verdict-verdict": "answered", "verdict-reason": "Da."}
        # The asker is not of the unit: for them the letter does not exist yet.
        assert clients.asker.post(f"/replies/{reply_id}/verdict", data=data).status_code == 404
        assert _count(app, AnswerVerdict) == 0
