"""The public JSON of a reply letter (``/replies/<id>.json``) against its published schema.

``docs/schemas/reply.schema.json`` pins the shape ``reply-letter.md`` sets out. Every shape a
public letter can take is published through the services and its JSON validated (JSON Schema
2020-12, with the format checker); key values are compared with the letter. The schema itself
is checked, and shown to refuse what it must (it is not a schema that takes anything).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import today as local_today
from app.extensions import db
from app.initiatives.models import ResponseKind
from app.questions.models import Question
from app.replies.models import AddresseeKind, Reply, ReplyType
from app.replies.services import Covered
from tests.questions.conftest import Council, People, add_rule
from tests.replies.factories import Letters, account, pdf_bytes
from tests.replies.letters import SAMPLE
from tests.replies.pdfs import letter_pdf

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "reply.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


@pytest.fixture
def get_json(client: FlaskClient) -> Callable[[int], dict[str, Any]]:
    def _get(reply_id: int) -> dict[str, Any]:
        response = client.get(f"/replies/{reply_id}.json")
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        return response.get_json()  # type: ignore[no-any-return]

    return _get


def _commit(reply: Reply) -> int:
    db.session.commit()
    return reply.id


class TestShapes:
    def test_the_schema_is_a_valid_2020_12_schema(self, schema: dict[str, Any]) -> None:
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def test_a_full_reply_with_its_signed_pdf(
        self,
        app: Flask,
        letters: Letters,
        people: People,
        council: Council,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        written = letter_pdf(SAMPLE)
        pdf = written.data
        question_id = letters.question()
        with app.app_context():
            question = db.session.get(Question, question_id)
            assert question is not None
            assert question.starts_on is not None
            starts_on, due_on = question.starts_on, question.effective_due_on
            reply = letters.create(
                covers=(Covered(question_id=question_id),),
                reference_number="032-11/2026-2-(52/17)",
            )
            letters.advance(reply, "published", pdf=pdf)
            reply_id, letter_date = _commit(reply), reply.letter_date
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["id"] == reply_id
        assert data["state"] == "published"
        assert data["reference_number"] == "032-11/2026-2-(52/17)"
        assert data["case_number"] == "032-11/2026"
        assert data["document_seq"] == 2
        assert data["reference_suffix"] == "52/17"
        assert data["letter_date"] == letter_date.isoformat()
        assert data["place"] == "Kranj"
        assert data["issuer"] == {"org_unit": "Kabinet župana"}
        assert data["answering_units"] == ["Kabinet župana", "Urad za okolje in prostor"]
        assert data["addressee"] == {
            "body": "Mestni svet Mestne občine Kranj",
            "as_printed": "SVET MESTNE OBČINE KRANJ",
        }
        assert data["reply_type"] == "full"
        assert data["signed_by"] == [
            {
                "order": 1,
                "name": "Ana Kranjc",
                "function": "vodja Kabineta župana",
                "capacity": None,
            },
            {
                "order": 2,
                "name": "Matjaž Rakovec",
                "function": "župan Mestne občine Kranj",
                "capacity": None,
            },
        ]
        assert data["prepared_by"] == [{"name": "Maja Novak", "org_unit": "Pisarna za podjetja"}]
        assert data["distribution"] == [
            {"recipient": "Svet Mestne občine Kranj", "kind": "to"},
            {"recipient": "Arhiv", "kind": "archive"},
        ]
        assert data["signature_method"] == "qualified_esig"
        assert data["signed_pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert data["page_count"] == written.page_count
        assert data["imported"] is False
        assert data["supersedes"] is None
        assert data["superseded_by"] is None
        for moment in ("signed_at", "sent_at", "published_at"):
            assert data[moment], moment
        assert "<strong>dva</strong>" in data["body_html"]
        assert "<li>e-demokracija</li>" in data["body_html"]
        assert "**" not in data["body_text"]
        [attachment] = data["attachments"]
        assert attachment["is_signed_original"] is True
        assert attachment["sha256"] == data["signed_pdf_sha256"]
        assert attachment["size"] == len(pdf)
        assert attachment["mime"] == "application/pdf"
        assert attachment["url"].startswith(f"http://localhost/replies/{reply_id}/files/")
        [item] = data["in_reply_to"]
        assert item["question_id"] == question_id
        assert item["kind"] == "question"
        assert item["origin"] == "councillor"
        assert item["form"] == "oral_at_session"
        assert item["session"]["number"] == 20
        assert item["session"]["type"] is None
        assert item["session"]["body"] == "Mestni svet Mestne občine Kranj"
        assert item["authors"] == [{"role": "councillor", "name": "Janez Černe"}]
        assert item["coverage"] == "full"
        assert item["days_to_reply"] == (letter_date - starts_on).days == 12
        # The migration's default rule: 30 calendar days, moved off a work-free day.
        assert due_on is not None
        assert 30 <= (due_on - starts_on).days <= 34
        assert item["due_on"] == due_on.isoformat()
        assert item["on_time"] is True
        assert item["links"]["self"] == f"http://localhost/questions/{question_id}"
        assert data["links"] == {
            "self": f"http://localhost/replies/{reply_id}",
            "json": f"http://localhost/replies/{reply_id}.json",
            "verify": "http://localhost/replies/verify",
        }
        # The attachment's address serves the very bytes the fingerprint is of.
        path = attachment["url"].removeprefix("http://localhost")
        with app.test_client() as client, client.get(path) as served:
            assert hashlib.sha256(served.data).hexdigest() == data["signed_pdf_sha256"]

    def test_a_late_reply_says_so(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        from app.questions.models import Form, Kind

        with app.app_context():
            # More specific than the default rule of oral questions: it wins.
            add_rule(valid_from=date(2000, 1, 1), amount=5, kind=Kind.QUESTION, form=Form.ORAL)
            db.session.commit()
        with app.app_context():
            reply_id = _commit(letters.make("published"))
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        [item] = data["in_reply_to"]
        assert item["on_time"] is False
        assert item["days_to_reply"] == 12

    def test_without_a_deadline_rule_on_time_is_null(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        import sqlalchemy as sa

        from app.questions.models import DeadlineRule

        with app.app_context():
            db.session.execute(sa.delete(DeadlineRule))
            db.session.commit()
        with app.app_context():
            reply_id = _commit(letters.make("published"))
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        [item] = data["in_reply_to"]
        assert item["due_on"] is None
        assert item["on_time"] is None
        assert item["days_to_reply"] == 12

    def test_an_imported_letter_without_its_pdf(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        with app.app_context():
            reply = letters.make("published", imported=True, reference_number="032-7/2016-2")
            reply_id, letter_date = _commit(reply), reply.letter_date
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["imported"] is True
        assert data["signed_pdf_sha256"] is None
        assert data["attachments"] == []
        assert data["signature_method"] == "unknown"
        assert data["reference_suffix"] is None
        assert data["document_seq"] == 2
        assert data["case_number"] == "032-7/2016"
        assert data["page_count"] is None
        # Its letter date stands for when it was signed and sent.
        assert (
            data["sent_at"].startswith(letter_date.isoformat())
            or data["sent_at"][:10] == (letter_date - timedelta(days=1)).isoformat()
        )

    def test_links_are_on_the_public_address_whatever_host_was_asked(
        self, app: Flask, client: FlaskClient, letters: Letters
    ) -> None:
        """The JSON and the QR code are cached for everyone: a forged Host must not be in them."""
        with app.app_context():
            reply_id = _commit(letters.make("published", imported=True))
        headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
        document = client.get(f"/replies/{reply_id}.json", headers=headers)
        assert document.status_code == 200
        assert "evil.example" not in document.get_data(as_text=True)
        assert document.json is not None
        assert document.json["links"]["self"].startswith(app.config["PUBLIC_URL"])
        qr = client.get(f"/replies/{reply_id}/qr.svg", headers=headers)
        assert qr.status_code in (200, 404)  # only a letter with a fingerprint has one
        # What the next, honest visitor gets from the cache names the public address too.
        again = client.get(f"/replies/{reply_id}.json")
        assert "evil.example" not in again.get_data(as_text=True)

    def test_an_interim_reply_with_a_new_due_date(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        extended_to = local_today() + timedelta(days=30)
        with app.app_context():
            reply = letters.make(
                "published",
                reply_type=ReplyType.INTERIM,
                extended_to=extended_to,
                extension_reason="Zbiramo podatke pristojnih služb.",
            )
            reply_id = _commit(reply)
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["reply_type"] == "interim"
        assert data["extended_to"] == extended_to.isoformat()
        [item] = data["in_reply_to"]
        # The question's due date moved to the letter's.
        assert item["due_on"] == extended_to.isoformat()
        assert item["on_time"] is True

    def test_a_forwarded_reply(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        with app.app_context():
            reply = letters.make(
                "published", reply_type=ReplyType.FORWARDED, forwarded_to_id=letters.ugdp
            )
            reply_id = _commit(reply)
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["reply_type"] == "forwarded"
        assert data["forwarded_to"] == "Urad za gospodarske dejavnosti in promet"

    def test_a_correction_and_the_letter_it_corrects(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        with app.app_context():
            original = letters.make("corrected")
            correction = original.superseded_by
            assert correction is not None
            ids = original.id, correction.id
            numbers = original.reference_number, correction.reference_number
            db.session.commit()
        old, new = get_json(ids[0]), get_json(ids[1])
        assert _errors(validator, old) == []
        assert _errors(validator, new) == []
        assert old["state"] == "corrected"
        assert old["superseded_by"] == numbers[1]
        assert new["state"] == "published"
        assert new["reply_type"] == "correction"
        assert new["supersedes"] == numbers[0]
        assert new["document_seq"] == old["document_seq"] + 1
        assert new["case_number"] == old["case_number"]

    def test_a_correction_in_the_works_is_not_named(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        from app.replies import services

        with app.app_context():
            original = letters.make("published")
            services.start_correction(account(letters.drafter), original)
            reply_id = _commit(original)
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["superseded_by"] is None

    def test_a_retracted_letter(
        self,
        app: Flask,
        letters: Letters,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        with app.app_context():
            reply_id = _commit(letters.make("retracted"))
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["state"] == "retracted"
        assert data["retraction_reason"] == "Pismo je bilo poslano pomotoma."

    def test_a_reply_to_an_initiative_with_its_outcome(
        self,
        app: Flask,
        letters: Letters,
        make_initiative: Callable[..., int],
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        initiative_id = make_initiative()
        with app.app_context():
            reply = letters.make(
                "published",
                covers=(Covered(initiative_id=initiative_id),),
                outcome=ResponseKind.PARTLY_ACCEPTED,
            )
            reply_id = _commit(reply)
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["initiative_outcome"] == "partly_accepted"
        assert data["in_reply_to"] == []
        [item] = data["initiatives"]
        assert item["initiative_id"] == initiative_id
        assert item["coverage"] == "full"
        assert item["links"]["self"].startswith(f"http://localhost/initiatives/{initiative_id}")

    def test_a_letter_to_a_councillor_answering_two_questions(
        self,
        app: Flask,
        letters: Letters,
        people: People,
        validator: jsonschema.Draft202012Validator,
        get_json: Callable[[int], dict[str, Any]],
    ) -> None:
        from app.replies.models import Coverage
        from app.replies.services import Signatory

        first, second = letters.question(), letters.question(title="Druga tema")
        with app.app_context():
            reply = letters.make(
                "published",
                addressee_kind=AddresseeKind.PERSON,
                addressee_body_id=None,
                addressee_person_id=people.councillor_person,
                addressee_text="Janez Černe, svetnik",
                covers=(
                    Covered(question_id=first),
                    Covered(question_id=second, coverage=Coverage.PARTIAL),
                ),
                signatories=(
                    Signatory("Mojca Lah", "višja svetovalka", "po pooblastilu župana"),
                    Signatory("Janez Rakar", "direktor občinske uprave"),
                    Signatory("Boštjan Trilar", "župan Mestne občine Kranj"),
                ),
            )
            reply_id = _commit(reply)
        data = get_json(reply_id)
        assert _errors(validator, data) == []
        assert data["addressee"] == {
            "person": "Janez Černe, svetnik",
            "as_printed": "Janez Černe, svetnik",
        }
        assert [q["question_id"] for q in data["in_reply_to"]] == [first, second]
        assert [q["coverage"] for q in data["in_reply_to"]] == ["full", "partial"]
        assert [(s["order"], s["name"]) for s in data["signed_by"]] == [
            (1, "Mojca Lah"),
            (2, "Janez Rakar"),
            (3, "Boštjan Trilar"),
        ]
        assert data["signed_by"][0]["capacity"] == "po pooblastilu župana"

    @pytest.mark.parametrize("stage", ["draft", "in_review", "approved", "signed", "sent"])
    def test_a_letter_not_public_has_no_json(
        self,
        app: Flask,
        letters: Letters,
        client: FlaskClient,
        login: Callable[[FlaskClient, int], None],
        stage: str,
    ) -> None:
        with app.app_context():
            reply_id = _commit(letters.make(stage))
        assert client.get(f"/replies/{reply_id}.json").status_code == 404
        # Not even for its own unit: the JSON is the public record.
        login(client, letters.drafter)
        assert client.get(f"/replies/{reply_id}.json").status_code == 404

    def test_an_unknown_letter_has_no_json(self, client: FlaskClient) -> None:
        assert client.get("/replies/99999999.json").status_code == 404


# --- the schema refuses what it must ----------------------------------------------------------


@pytest.fixture
def document(
    app: Flask, letters: Letters, get_json: Callable[[int], dict[str, Any]]
) -> dict[str, Any]:
    with app.app_context():
        reply = letters.create(reference_number="032-11/2016-2-(52/17)")
        letters.advance(reply, "published", pdf=pdf_bytes("Shema"))
        reply_id = _commit(reply)
    return get_json(reply_id)


def _without(document: dict[str, Any], key: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    del changed[key]
    return changed


def _with(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return changed


INVALID = {
    "reference_case_only": ("reference_number", "032-11/2016"),
    "reference_words": ("reference_number", "abc"),
    "case_number_with_document": ("case_number", "032-11/2016-2"),
    "state_draft": ("state", "draft"),
    "state_in_review": ("state", "in_review"),
    "document_seq_zero": ("document_seq", 0),
    "letter_date_not_a_date": ("letter_date", "2016-13-45"),
    "letter_date_printed": ("letter_date", "19.5.2016"),
    "no_answering_units": ("answering_units", []),
    "empty_subject": ("subject", ""),
    "unknown_type": ("reply_type", "nope"),
    "no_signatory": ("signed_by", []),
    "no_distribution": ("distribution", []),
    "only_a_copy": ("distribution", [{"recipient": "Arhiv", "kind": "archive"}]),
    "bad_hash": ("signed_pdf_sha256", "xyz"),
    "uppercase_hash": ("signed_pdf_sha256", "A" * 64),
    "new_letter_without_hash": ("signed_pdf_sha256", None),
    "new_letter_not_sent": ("sent_at", None),
    "a_commitment": ("commitments", [{"text": "x"}]),
    "relative_link": ("links.self", "/replies/1"),
    "unknown_key": ("surprise", 1),
    "issuer_extra_key": ("issuer.code", "KZ"),
    "id_as_text": ("id", "1"),
    "coverage_unknown": ("in_reply_to.0.coverage", "most"),
    "session_type_regular": ("in_reply_to.0.session.type", "regular"),
    "authors_role_mayor": ("in_reply_to.0.authors.0.role", "mayor"),
    "signatory_order_zero": ("signed_by.0.order", 0),
    "attachment_not_pdf": ("attachments.0.mime", "image/png"),
}


@pytest.mark.parametrize(("path", "value"), INVALID.values(), ids=list(INVALID))
def test_the_schema_refuses_a_wrong_value(
    validator: jsonschema.Draft202012Validator,
    document: dict[str, Any],
    path: str,
    value: Any,
) -> None:
    assert _errors(validator, document) == []
    assert _errors(validator, _with(document, path, value)) != []


@pytest.mark.parametrize(
    "key",
    ["reference_number", "state", "letter_date", "signed_by", "distribution", "links", "id"],
)
def test_the_schema_refuses_a_missing_key(
    validator: jsonschema.Draft202012Validator, document: dict[str, Any], key: str
) -> None:
    assert _errors(validator, _without(document, key)) != []


def test_the_schema_refuses_a_retraction_without_reason_and_a_correction_without_original(
    validator: jsonschema.Draft202012Validator, document: dict[str, Any]
) -> None:
    retracted = _with(document, "state", "retracted")
    assert _errors(validator, retracted) != []
    assert _errors(validator, _with(retracted, "retraction_reason", "Pomota.")) == []
    correction = _with(document, "reply_type", "correction")
    assert _errors(validator, correction) != []
    assert _errors(validator, _with(correction, "supersedes", "032-11/2016-1")) == []
    # An imported letter may lack its PDF; a new one may not.
    imported = _with(_with(document, "imported", True), "signed_pdf_sha256", None)
    assert _errors(validator, imported) == []


def test_the_schema_refuses_an_addressee_of_both_kinds_or_none(
    validator: jsonschema.Draft202012Validator, document: dict[str, Any]
) -> None:
    both = _with(document, "addressee", {"body": "Svet", "person": "Janez", "as_printed": "X"})
    assert _errors(validator, both) != []
    neither = _with(document, "addressee", {"as_printed": "X"})
    assert _errors(validator, neither) != []
