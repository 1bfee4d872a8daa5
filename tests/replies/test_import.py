"""Importing existing letters: ``flask replies import FILE…`` and the officials' upload page.

The sample letter of 2016 (``/work/shared/samples/kranj-reply-032-11-2016.txt``) and letters
in other shapes (``tests/replies/letters.py``), as plain text and as real PDFs
(``tests/replies/pdfs.py``), become draft replies of their unit with every field filled in:
checked here field by field, with what the import finds or creates around the letter (the
session, the councillors and their seats, the question). A letter that cannot be read, names
what Glas does not know, or is already in Glas is refused with its problems listed, and
nothing at all is saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.core.models import AuditEntry
from app.council.models import CouncillorGroup, CouncilMandate, Person, Term
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind
from app.questions.models import Form, Kind, Origin, Question, QuestionAuthor
from app.replies.models import (
    AddresseeKind,
    Coverage,
    DistributionKind,
    Reply,
    ReplyAttachment,
    ReplyCoverage,
    ReplyEvent,
    ReplyEventKind,
    ReplyParticipant,
    ReplyRecipient,
    ReplyState,
    ReplyType,
    ReplyUnit,
    SignatureMethod,
)
from app.sessions.models import CouncilSession, SessionKind
from tests.questions.conftest import Council, People
from tests.replies import letters as shapes
from tests.replies.letters import SAMPLE, SAMPLE_PATH, Letter, text
from tests.replies.pdfs import damaged_pdf, encrypted_pdf, letter_pdf, textless_pdf

DEMO_COPY = Path(__file__).resolve().parents[2] / "app" / "replies" / "demo_letters"
SAMPLE_NUMBER = "032-11/2016-2-(52/17)"
SAMPLE_SUBJECT = "Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava"

#: The units the letters name besides the council fixture's (KZ, UOP, UGDP).
MORE_UNITS = {
    "PZP": "Pisarna za podjetja",
    "UGDT": "Urad za gospodarske dejavnosti in turizem",
    "UF": "Urad za finance",
    "KOM": "Komunala Kranj",
    "UI": "Urad za investicije",
}
#: The term between the fixture's two (the letters of 2019–2022 were written in it).
MIDDLE_TERM = (date(2018, 12, 18), date(2022, 12, 14))


@dataclasses.dataclass(frozen=True)
class Archive:
    council: Council
    units: dict[str, int]
    middle_term_id: int


@pytest.fixture
def archive(app: Flask, council: Council, people: People, upload_folder: Path) -> Archive:
    """The council fixture's record with the term of 2018–2022 and every unit the letters name."""
    with app.app_context():
        units = dict(council.units)
        for code, name in MORE_UNITS.items():
            unit = OrgUnit(code=code, name=name, kind=OrgUnitKind.OFFICE)
            db.session.add(unit)
            db.session.flush()
            units[code] = unit.id
        db.session.get(OrgUnit, units["PZP"]).parent_id = units["KZ"]  # type: ignore[union-attr]
        term = Term(body_id=council.body_id, starts_on=MIDDLE_TERM[0], ends_on=MIDDLE_TERM[1])
        db.session.add(term)
        db.session.commit()
        return Archive(council=council, units=units, middle_term_id=term.id)


COUNTED = (
    Reply, ReplyEvent, ReplyUnit, ReplyParticipant, ReplyRecipient, ReplyCoverage,
    ReplyAttachment, Question, QuestionAuthor, CouncilSession, Person, CouncilMandate,
    CouncillorGroup, AuditEntry,
)  # fmt: skip


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: int(
                db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            )
            for model in COUNTED
        }


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _cli(runner: FlaskCliRunner, *args: str | Path) -> Result:
    return runner.invoke(args=["replies", "import", *(str(a) for a in args)])


def _only_reply(app: Flask, number: str) -> int:
    with app.app_context():
        found = db.session.scalars(
            sa.select(Reply.id).where(Reply.reference_number == number)
        ).all()
        assert len(found) == 1, found
        return found[0]


@dataclasses.dataclass
class Imported:
    """Everything the import wrote on one letter, read afresh (plain values)."""

    reply: dict[str, Any]
    units: list[str]
    prepared_by: list[tuple[str, str | None]]
    signatories: list[tuple[int, str, str | None, str | None]]
    distribution: list[tuple[str, DistributionKind]]
    coverage: list[tuple[int | None, Coverage]]
    attachments: list[dict[str, Any]]
    events: list[ReplyEventKind]
    question: dict[str, Any]


def _session_of(question: Question) -> tuple[int, SessionKind, date, int] | None:
    session = question.session
    if session is None:
        return None
    return (session.number, session.kind, session.held_on, session.term_id)


def _imported(app: Flask, number: str) -> Imported:
    reply_id = _only_reply(app, number)
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        columns = {c.key: getattr(reply, c.key) for c in Reply.__mapper__.column_attrs}
        [row] = reply.coverage
        question = row.question
        assert question is not None
        return Imported(
            reply=columns,
            units=[r.unit.name for r in reply.answering_units],
            prepared_by=[(p.name, p.unit_text) for p in reply.prepared_by],
            signatories=[(p.position, p.name, p.function, p.capacity) for p in reply.signatories],
            distribution=[(r.recipient, r.kind) for r in reply.distribution],
            coverage=[(r.question_id, r.coverage) for r in reply.coverage],
            attachments=[
                {
                    "sha256": a.sha256,
                    "size": a.size,
                    "is_signed_original": a.is_signed_original,
                    "content_type": a.content_type,
                    "filename": a.filename,
                }
                for a in reply.attachments
            ],
            events=[e.kind for e in reply.events],
            question={
                "id": question.id,
                "origin": question.origin,
                "kind": question.kind,
                "form": question.form,
                "title": question.title,
                "body": question.body,
                "case_number": question.case_number,
                "session_id": question.session_id,
                "session": _session_of(question),
                "received_on": question.received_on,
                "authors": [a.person.name for a in question.authors],
                "author_ids": [a.person_id for a in question.authors],
                "group": question.group.name if question.group else None,
                "published_at": question.published_at,
            },
        )


def _person(app: Flask, name: str) -> dict[str, Any]:
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.name == name))
        assert person is not None, name
        return {
            "id": person.id,
            "gender": person.gender,
            "terms": sorted(m.term_id for m in person.mandates),
        }


# --- the sample letter, field by field --------------------------------------------------------


class TestTheSample:
    def test_the_demo_copy_is_the_sample(self) -> None:
        assert (DEMO_COPY / SAMPLE_PATH.name).read_bytes() == SAMPLE_PATH.read_bytes()

    def test_every_field_of_the_sample(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, people: People
    ) -> None:
        council = archive.council
        before = _counts(app)
        janez = _person(app, "Janez Černe")
        result = _cli(runner, SAMPLE_PATH)
        assert result.exit_code == 0, result.output
        assert f"imported as draft #{_only_reply(app, SAMPLE_NUMBER)} ({SAMPLE_NUMBER})" in (
            result.output
        )
        got = _imported(app, SAMPLE_NUMBER)
        reply = got.reply
        # The number in its parts.
        assert reply["reference_number"] == SAMPLE_NUMBER
        assert reply["classification"] == "032"
        assert reply["case_seq"] == 11
        assert reply["case_year"] == 2016
        assert reply["case_number"] == "032-11/2016"
        assert reply["document_seq"] == 2
        assert reply["reference_suffix"] == "52/17"
        # Date, place, issuer, addressee, subject.
        assert reply["letter_date"] == date(2016, 5, 19)
        assert reply["place"] == "Kranj"
        assert reply["issuer_unit_id"] == archive.units["KZ"]
        assert got.units == ["Kabinet župana", "Pisarna za podjetja"]
        assert reply["addressee_kind"] is AddresseeKind.BODY
        assert reply["addressee_body_id"] == council.body_id
        assert reply["addressee_person_id"] is None
        assert reply["addressee_text"] == "SVET MESTNE OBČINE KRANJ"
        assert reply["subject"] == SAMPLE_SUBJECT
        assert reply["question_restatement"] == SAMPLE.restatement
        assert reply["session_reference_text"] == "Na 16. seji Sveta Mestne občine Kranj, 20.4.2016"
        assert reply["reply_type"] is ReplyType.FULL
        # The body: paragraphs, the bold phrase and the list, as Markdown and as HTML; the page
        # break in mid-sentence is gone.
        body = reply["body"]
        assert "**Smart Kranj (pametna skupnost)**" in body
        assert (
            "\n- e-mobilnost (transport) – npr. enotna aplikacija (kartica) za mobilne naprave;"
            in (body)
        )
        assert "Še pred tem je župan vodjem uradom predstavil" in body
        assert body.startswith("Mestna občina Kranj si je v strategiji trajnostnega razvoja")
        assert body.count("\n\n") >= 5
        body_html = reply["body_html"]
        assert "<strong>Smart Kranj (pametna skupnost)</strong>" in body_html
        assert body_html.count("<ul>") == 1
        assert body_html.count("<li>") == 3
        assert body_html.count("<p>") == 5
        assert "\u00a0" not in body_html
        assert "**" not in reply["body_text"]
        assert "Še pred tem je župan" in reply["body_text"]
        assert reply["summary"].startswith("Mestna občina Kranj si je v strategiji")
        assert len(reply["summary"]) <= 300
        # Who prepared and who signed it, in order, with their functions.
        assert got.prepared_by == [("Ana Vizovišek", "Pisarna za podjetja")]
        assert got.signatories == [
            (0, "Janez Rakar", "vodja Kabineta župana", None),
            (1, "Boštjan Trilar", "župan Mestne občine Kranj", None),
        ]
        assert got.distribution == [("Svet Mestne občine Kranj", DistributionKind.TO)]
        # The text verbatim, with what is not interpreted ("r.p. 2011").
        assert reply["raw_text"] == SAMPLE_PATH.read_text(encoding="utf-8")
        assert "r.p. 2011" in reply["raw_text"]
        assert reply["page_count"] is None
        assert reply["imported"] is True
        assert reply["state"] is ReplyState.DRAFT
        assert reply["drafted_by_id"] is None
        assert reply["signed_pdf_sha256"] is None
        assert reply["signature_method"] is SignatureMethod.UNKNOWN
        assert reply["signed_at"] is None
        assert reply["sent_at"] is None
        assert reply["published_at"] is None
        assert got.attachments == []
        assert got.events == [ReplyEventKind.IMPORTED]
        # The question: created, at the existing 16th session, by the existing councillor.
        question = got.question
        assert got.coverage == [(question["id"], Coverage.FULL)]
        assert question["origin"] is Origin.COUNCILLOR
        assert question["kind"] is Kind.QUESTION
        assert question["form"] is Form.ORAL
        assert question["title"] == "projekti e-demokracija, e-uprava"
        assert question["body"] == SAMPLE.restatement
        assert question["case_number"] == "032-11/2016"
        assert question["session_id"] == council.session_2016_id
        assert question["authors"] == ["Janez Černe"]
        assert question["author_ids"] == [people.councillor_person]
        assert question["published_at"] is not None
        # Linked, not duplicated: the session and the person; the seat was there already.
        after = _counts(app)
        assert after["CouncilSession"] == before["CouncilSession"]
        assert after["Person"] == before["Person"]
        assert after["CouncilMandate"] == before["CouncilMandate"]
        assert after["Question"] == before["Question"] + 1
        assert after["Reply"] == before["Reply"] + 1
        assert _person(app, "Janez Černe") == {**janez, "gender": "m"}

    def test_an_existing_question_is_answered_not_duplicated(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        archive: Archive,
        make_question: Callable[..., int],
    ) -> None:
        from app.questions.models import QuestionState

        existing = make_question(
            Origin.COUNCILLOR,
            QuestionState.POSED,
            session_id=archive.council.session_2016_id,
            title="Projekti e-demokracija, e-uprava",
        )
        before = _counts(app)
        result = _cli(runner, SAMPLE_PATH)
        assert result.exit_code == 0, result.output
        got = _imported(app, SAMPLE_NUMBER)
        assert got.coverage == [(existing, Coverage.FULL)]
        assert _counts(app)["Question"] == before["Question"]

    def test_the_sample_as_a_pdf_keeps_the_signed_original(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path
    ) -> None:
        written = letter_pdf(SAMPLE, doubled_spaces=True)
        path = _write(tmp_path, "odgovor.pdf", written.data)
        result = _cli(runner, path)
        assert result.exit_code == 0, result.output
        got = _imported(app, SAMPLE_NUMBER)
        reply = got.reply
        assert reply["page_count"] == written.page_count > 1
        assert reply["signed_pdf_sha256"] == hashlib.sha256(written.data).hexdigest()
        assert got.attachments == [
            {
                "sha256": hashlib.sha256(written.data).hexdigest(),
                "size": len(written.data),
                "is_signed_original": True,
                "content_type": "application/pdf",
                "filename": got.attachments[0]["filename"],
            }
        ]
        assert got.attachments[0]["filename"].endswith(".pdf")
        # The same letter as from its text.
        assert reply["reference_number"] == SAMPLE_NUMBER
        assert reply["letter_date"] == date(2016, 5, 19)
        assert got.units == ["Kabinet župana", "Pisarna za podjetja"]
        assert reply["subject"] == SAMPLE_SUBJECT
        assert reply["question_restatement"] == SAMPLE.restatement
        assert "<strong>Smart Kranj (pametna skupnost)</strong>" in reply["body_html"]
        assert reply["body_html"].count("<li>") == 3
        assert "Še pred tem je župan vodjem uradom" in reply["body_text"]
        assert got.signatories == [
            (0, "Janez Rakar", "vodja Kabineta župana", None),
            (1, "Boštjan Trilar", "župan Mestne občine Kranj", None),
        ]
        assert got.prepared_by == [("Ana Vizovišek", "Pisarna za podjetja")]
        assert got.distribution == [("Svet Mestne občine Kranj", DistributionKind.TO)]
        assert "r.p. 2011" in reply["raw_text"]
        assert reply["imported"] is True
        # The stored file is the uploaded one, byte for byte (what verification checks).
        with app.app_context():
            from app.attachments import files

            attachment = db.session.scalar(
                sa.select(ReplyAttachment).where(ReplyAttachment.reply_id == reply["id"])
            )
            assert attachment is not None
            assert files.path_of(attachment.stored_name).read_bytes() == written.data

    def test_dry_run_prints_and_saves_nothing(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path
    ) -> None:
        before = _counts(app)
        pdf = _write(tmp_path, "odgovor.pdf", letter_pdf(SAMPLE).data)
        result = _cli(runner, "--dry-run", SAMPLE_PATH, pdf)
        assert result.exit_code == 0, result.output
        assert f"{SAMPLE_PATH}: would be imported as" in result.output
        assert f"number: {SAMPLE_NUMBER} (case 032-11/2016, document 2, suffix '52/17')" in (
            result.output
        )
        assert "date: 2016-05-19, place: Kranj" in result.output
        assert "issuer: Kabinet župana" in result.output
        assert "session: 16. regular 2016-04-20" in result.output
        assert "(new)" not in result.output.split("askers:")[1].split("\n")[0]
        assert "answering units: Kabinet župana, Pisarna za podjetja" in result.output
        assert "question: new" in result.output
        assert "signed by: Janez Rakar (vodja Kabineta župana); Boštjan Trilar" in result.output
        assert "sent to: Svet Mestne občine Kranj" in result.output
        assert "signed PDF: no" in result.output
        assert "signed PDF: yes" in result.output
        assert _counts(app) == before
        uploads = tmp_path / "uploads"
        assert not uploads.exists() or not any(uploads.iterdir())

    def test_the_imported_draft_waits_for_four_eyes(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        archive: Archive,
        people: People,
        make_user: Callable[..., int],
        login: Callable[[FlaskClient, int], None],
    ) -> None:
        from app.auth.models import Role

        assert _cli(runner, SAMPLE_PATH).exit_code == 0
        reply_id = _only_reply(app, SAMPLE_NUMBER)
        client = app.test_client()
        assert client.get(f"/replies/{reply_id}").status_code == 404
        login(client, people.official)
        page = client.get(f"/replies/{reply_id}")
        assert page.status_code == 200
        assert SAMPLE_NUMBER in page.get_data(as_text=True)
        assert client.post(f"/replies/{reply_id}/submit").status_code == 303
        colleague = app.test_client()
        login(colleague, make_user(roles=[(Role.OFFICIAL, "KZ")]))
        assert colleague.post(f"/replies/{reply_id}/approve").status_code == 303
        # An imported letter was signed and sent on its date: it can be published at once.
        assert client.post(f"/replies/{reply_id}/publish").status_code == 303
        assert app.test_client().get(f"/replies/{reply_id}").status_code == 200


# --- other shapes -----------------------------------------------------------------------------


def _as(kind: str, letter: Letter, tmp_path: Path, name: str) -> Path:
    if kind == "txt":
        return _write(tmp_path, f"{name}.txt", text(letter))
    return _write(tmp_path, f"{name}.pdf", letter_pdf(letter).data)


@pytest.mark.parametrize("kind", ["txt", "pdf"])
class TestShapes:
    def test_an_initiative_at_an_extraordinary_session_creates_what_is_missing(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        before = _counts(app)
        path = _as(kind, shapes.EXTRAORDINARY_INITIATIVE, tmp_path, "pobuda")
        result = _cli(runner, path)
        assert result.exit_code == 0, result.output
        got = _imported(app, "3505-4/2019-3")
        reply = got.reply
        assert reply["classification"] == "3505"
        assert reply["case_seq"] == 4
        assert reply["case_year"] == 2019
        assert reply["document_seq"] == 3
        assert reply["reference_suffix"] is None
        assert reply["letter_date"] == date(2019, 4, 12)
        assert reply["place"] == "Kranj"
        assert reply["issuer_unit_id"] == archive.units["UOP"]
        assert got.units == ["Urad za okolje in prostor"]
        assert got.prepared_by == [("Marko Zupan", None)]
        assert got.signatories == [(0, "mag. Nina Kos", "vodja Urada za okolje in prostor", None)]
        assert "<ol>" in reply["body_html"]
        assert "<strong>javna razsvetljava prehoda</strong>" in reply["body_html"]
        assert "1. projektiranje pločnika" in reply["body"]
        question = got.question
        assert question["kind"] is Kind.INITIATIVE
        assert question["form"] is Form.ORAL
        # The session was missing: created as an extraordinary one, in the term of 2019.
        assert question["session"] == (
            3,
            SessionKind.EXTRAORDINARY,
            date(2019, 3, 12),
            archive.middle_term_id,
        )
        # So was the councillor: created with her gender and a seat in that term.
        natasa = _person(app, "Nataša Majcen")
        assert natasa["gender"] == "f"
        assert natasa["terms"] == [archive.middle_term_id]
        assert question["authors"] == ["Nataša Majcen"]
        after = _counts(app)
        assert after["CouncilSession"] == before["CouncilSession"] + 1
        assert after["Person"] == before["Person"] + 1
        assert after["Question"] == before["Question"] + 1
        if kind == "pdf":
            assert reply["page_count"] == 1
            assert reply["signed_pdf_sha256"] is not None
            assert got.attachments[0]["is_signed_original"] is True
        else:
            assert reply["page_count"] is None
            assert got.attachments == []

    def test_a_correspondence_session_and_two_answering_units(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        result = _cli(runner, _as(kind, shapes.CORRESPONDENCE, tmp_path, "dopisna"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "322-7/2020-2-(41/05)")
        assert got.reply["reference_suffix"] == "41/05"
        assert got.reply["issuer_unit_id"] == archive.units["UGDT"]
        assert got.units == ["Urad za gospodarske dejavnosti in turizem", "Pisarna za podjetja"]
        assert got.question["session"][:3] == (2, SessionKind.CORRESPONDENCE, date(2020, 5, 7))
        assert got.reply["session_reference_text"] == (
            "Na 2. dopisni seji Sveta Mestne občine Kranj dne 7. 5. 2020"
        )
        assert (
            "<strong>odpustila najemnino za čas zaprtja lokalov</strong>"
            in (got.reply["body_html"])
        )
        assert got.reply["body_html"].count("<li>") == 2
        assert got.signatories == [
            (0, "Matej Žibert", "vodja Urada za gospodarske dejavnosti in turizem", None),
            (1, "Matjaž Rakovec", "župan Mestne občine Kranj", None),
        ]
        assert got.distribution == [("Svet Mestne občine Kranj", DistributionKind.TO)]
        assert _person(app, "Igor Velov")["gender"] == "m"

    def test_a_regular_session_is_created_as_regular(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        before = _counts(app)
        result = _cli(runner, _as(kind, shapes.MONTH_NAMES, tmp_path, "meseci"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "032-9/2016-2")
        assert got.reply["letter_date"] == date(2016, 5, 19)
        assert got.question["session"] == (
            15,
            SessionKind.REGULAR,
            date(2016, 3, 23),
            archive.council.ended_term_id,
        )
        assert got.question["author_ids"] == [_person(app, "Janez Černe")["id"]]
        assert _counts(app)["CouncilSession"] == before["CouncilSession"] + 1
        assert _counts(app)["Person"] == before["Person"]

    def test_two_councillors_who_exist_get_a_seat_in_the_term(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        archive: Archive,
        people: People,
        tmp_path: Path,
        kind: str,
    ) -> None:
        before = _counts(app)
        result = _cli(runner, _as(kind, shapes.DUAL, tmp_path, "dvojina"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "450-12/2021-4")
        assert got.units == ["Kabinet župana", "Urad za finance"]
        assert got.question["author_ids"] == [
            people.councillor_person,
            people.other_councillor_person,
        ]
        for name in ("Janez Černe", "Ana Kovač"):
            assert archive.middle_term_id in _person(app, name)["terms"], name
        after = _counts(app)
        assert after["Person"] == before["Person"]
        assert after["CouncilMandate"] == before["CouncilMandate"] + 2
        assert got.distribution == [
            ("Svet Mestne občine Kranj", DistributionKind.TO),
            ("Urad za finance", DistributionKind.TO),
        ]

    def test_a_group_asks(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        with app.app_context():
            group = CouncillorGroup(term_id=archive.middle_term_id, name="Lista za Kranj")
            db.session.add(group)
            db.session.commit()
            group_id = group.id
        before = _counts(app)
        result = _cli(runner, _as(kind, shapes.GROUP, tmp_path, "skupina"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "371-2/2022-5")
        assert got.question["kind"] is Kind.INITIATIVE
        assert got.question["group"] == "Lista za Kranj"
        assert got.question["authors"] == []
        assert got.prepared_by == []
        assert got.distribution == [
            ("Svet Mestne občine Kranj", DistributionKind.TO),
            ("Svetniška skupina Lista za Kranj", DistributionKind.TO),
        ]
        with app.app_context():
            question = db.session.get(Question, got.question["id"])
            assert question is not None
            assert question.group_id == group_id
        assert _counts(app)["CouncillorGroup"] == before["CouncillorGroup"]

    def test_a_group_glas_does_not_know_is_created_in_the_term(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        before = _counts(app)
        result = _cli(runner, _as(kind, shapes.GROUP, tmp_path, "skupina"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "371-2/2022-5")
        assert got.question["group"] == "Lista za Kranj"
        assert got.question["authors"] == []
        with app.app_context():
            group = db.session.scalar(
                sa.select(CouncillorGroup).where(CouncillorGroup.name == "Lista za Kranj")
            )
            assert group is not None
            assert group.term_id == archive.middle_term_id
        assert _counts(app)["CouncillorGroup"] == before["CouncillorGroup"] + 1

    def test_a_written_question_has_no_session(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        result = _cli(runner, _as(kind, shapes.WRITTEN, tmp_path, "pisno"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "032-5/2020-2")
        assert got.question["form"] is Form.WRITTEN
        assert got.question["session"] is None
        assert got.question["received_on"] == date(2020, 2, 3)
        assert got.reply["session_reference_text"] is None
        assert got.units == ["Kabinet župana", "Komunala Kranj"]
        assert got.distribution == [
            ("Svet Mestne občine Kranj", DistributionKind.TO),
            ("Igor Velov, svetnik", DistributionKind.TO),
        ]

    def test_three_signatories_in_order_with_their_capacity(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        result = _cli(runner, _as(kind, shapes.THREE_SIGNERS, tmp_path, "trije"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "410-33/2019-6-(52/04)")
        assert got.signatories == [
            (0, "Mojca Lah", "višja svetovalka za investicije", "po pooblastilu"),
            (1, "Janez Rakar", "direktor občinske uprave", "Po pooblastilu župana"),
            (2, "Boštjan Trilar", "župan Mestne občine Kranj", None),
        ]
        assert len(got.question["authors"]) == 3
        assert got.reply["body"].count("\n\n") == 8  # nine paragraphs
        if kind == "pdf":
            assert got.reply["page_count"] == letter_pdf(shapes.THREE_SIGNERS).page_count > 1

    def test_a_letter_to_the_councillor_with_copies(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        result = _cli(runner, _as(kind, shapes.SEVERAL_RECIPIENTS, tmp_path, "vec"))
        assert result.exit_code == 0, result.output
        got = _imported(app, "354-18/2023-3")
        assert got.reply["addressee_kind"] is AddresseeKind.PERSON
        assert got.reply["addressee_body_id"] is None
        assert got.reply["addressee_text"] == "Janez Černe, svetnik Sveta Mestne občine Kranj"
        assert got.distribution == [
            ("Janez Černe, svetnik", DistributionKind.TO),
            ("Svet Mestne občine Kranj", DistributionKind.TO),
            ("Komunala Kranj, d.o.o.", DistributionKind.TO),
            ("arhiv", DistributionKind.CC),
        ]

    def test_an_interim_reply_is_imported_as_interim(
        self, app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, kind: str
    ) -> None:
        letter = dataclasses.replace(
            SAMPLE,
            number="032-11/2016-1",
            subject=("Vmesni odgovor na svetniško vprašanje – projekti e-demokracija",),
        )
        result = _cli(runner, _as(kind, letter, tmp_path, "vmesni"))
        assert result.exit_code == 0, result.output
        assert _imported(app, "032-11/2016-1").reply["reply_type"] is ReplyType.INTERIM


# --- refused, with nothing saved ----------------------------------------------------------------

#: Letters that cannot be imported, and (part of) each problem listed.
REFUSED: dict[str, tuple[Letter | bytes, tuple[str, ...]]] = {
    "no_number_date_or_signatory": (
        dataclasses.replace(
            shapes.EXTRAORDINARY_INITIATIVE, number=None, date_line=None, signers=()
        ),
        (
            "The letter has no reference number (“Številka:”).",
            "The letter has no date (“Datum:”).",
            "The letter has no signatory",
        ),
    ),
    "bad_number": (
        dataclasses.replace(SAMPLE, number="032-11/2016"),
        ("The reference number is not of the form",),
    ),
    "no_distribution": (
        dataclasses.replace(SAMPLE, distribution=()),
        ("The letter has no distribution list",),
    ),
    "unknown_unit": (
        dataclasses.replace(
            shapes.EXTRAORDINARY_INITIATIVE,
            unit=("Urad za vesoljske zadeve",),
            heading="Odgovor Urada za vesoljske zadeve:",
        ),
        ("No unit in Glas is called “Urad za vesoljske zadeve” (the letterhead).",),
    ),
    "no_term": (
        dataclasses.replace(
            shapes.EXTRAORDINARY_INITIATIVE, session=shapes.Session(3, "12. 3. 2010")
        ),
        ("The council has no term on 2010-03-12.",),
    ),
    "binary_garbage": (bytes(range(256)) * 8, ("neither a PDF nor plain text in UTF-8",)),
    "empty": (b"   \n", ("The file is empty.",)),
    "damaged_pdf": (damaged_pdf(), ("PDF",)),
    "textless_pdf": (textless_pdf(), ("PDF",)),
    "encrypted_pdf": (encrypted_pdf(), ("PDF",)),
    "not_a_letter": (b"Dragi Janez,\n\nlep pozdrav z morja.\n", ("letterhead",)),
    # Read as a letter, but not one Glas can save: refused like the others, not a crash.
    "future_date": (dataclasses.replace(SAMPLE, date_line="Datum: 19.5.2999"), ("date",)),
    "zero_document": (dataclasses.replace(SAMPLE, number="032-11/2016-0"), ("number",)),
    "long_suffix": (
        dataclasses.replace(SAMPLE, number="032-11/2016-2-(" + "1" * 45 + ")"),
        ("number",),
    ),
}


def _refused_bytes(letter: Letter | bytes) -> bytes:
    return letter if isinstance(letter, bytes) else text(letter).encode("utf-8")


#: What the command prints of each refusal, whatever the language of its messages (the
#: default one, on the command line): how many problems, and the values they name.
CLI_SHOWS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "no_number_date_or_signatory": (3, ()),
    "bad_number": (1, ()),
    "no_distribution": (1, ()),
    "unknown_unit": (2, ("Urad za vesoljske zadeve", "Urada za vesoljske zadeve")),
    "no_term": (1, ("2010-03-12",)),
    "binary_garbage": (1, ()),
    "empty": (1, ()),
    "damaged_pdf": (1, ()),
    "textless_pdf": (1, ()),
    "encrypted_pdf": (1, ()),
    "not_a_letter": (None, ()),
    "future_date": (1, ()),
    "zero_document": (1, ()),
    "long_suffix": (1, ()),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_the_command_refuses_and_saves_nothing(
    app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path, name: str
) -> None:
    letter, _problems = REFUSED[name]
    count, fragments = CLI_SHOWS[name]
    before = _counts(app)
    path = _write(tmp_path, "pismo.txt", _refused_bytes(letter))
    result = _cli(runner, path)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert f"{path}: not imported" in result.output
    listed = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert listed, result.output
    if count is not None:
        assert len(listed) == count, listed
    for fragment in fragments:
        assert fragment in result.output
    assert "1 of 1 letter(s) not imported." in result.output
    assert _counts(app) == before


def test_a_refused_letter_does_not_stop_the_others(
    app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path
) -> None:
    bad = _write(tmp_path, "slabo.txt", text(dataclasses.replace(SAMPLE, number=None)))
    good = _write(tmp_path, "dobro.txt", text(shapes.MONTH_NAMES))
    result = _cli(runner, bad, good)
    assert result.exit_code == 1
    assert f"{bad}: not imported" in result.output
    assert f"{good}: imported as draft" in result.output
    assert "1 of 2 letter(s) not imported." in result.output
    _only_reply(app, "032-9/2016-2")


def test_a_letter_already_in_glas_is_refused(
    app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path
) -> None:
    assert _cli(runner, SAMPLE_PATH).exit_code == 0
    before = _counts(app)
    again = _cli(runner, _write(tmp_path, "znova.pdf", letter_pdf(SAMPLE).data))
    assert isinstance(again.exception, SystemExit), repr(again.exception)
    assert again.exit_code == 1
    assert "not imported" in again.output
    assert SAMPLE_NUMBER in again.output.split("not imported", 1)[1]
    assert _counts(app) == before
    _only_reply(app, SAMPLE_NUMBER)


def test_a_missing_file_is_a_usage_error(runner: FlaskCliRunner, archive: Archive) -> None:
    result = _cli(runner, "/nonexistent/letter.txt")
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- the upload page --------------------------------------------------------------------------


def _plain(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def official_of(
    app: Flask, login: Callable[[FlaskClient, int], None]
) -> Callable[[int], FlaskClient]:
    def _make(user_id: int) -> FlaskClient:
        client = app.test_client()
        client.set_cookie("glas_lang", "en")
        login(client, user_id)
        return client

    return _make


def _upload(client: FlaskClient, data: bytes, name: str) -> Any:
    response = client.post(
        "/replies/import",
        data={"file": (io.BytesIO(data), name, "application/octet-stream")},
        content_type="multipart/form-data",
    )
    response.get_data()
    response.request.input_stream.close()
    return response


class TestUploadPage:
    def test_the_page_is_for_officials(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        assert official_of(people.official).get("/replies/import").status_code == 200
        assert official_of(people.resident).get("/replies/import").status_code == 403
        assert official_of(people.councillor).get("/replies/import").status_code == 403
        assert app.test_client().get("/replies/import").status_code in (302, 401)

    @pytest.mark.parametrize("kind", ["txt", "pdf", "pasted"])
    def test_an_official_of_kz_imports_the_sample(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
        kind: str,
    ) -> None:
        client = official_of(people.official)
        pdf = letter_pdf(SAMPLE)
        if kind == "pasted":
            response = client.post(
                "/replies/import", data={"text": SAMPLE_PATH.read_text(encoding="utf-8")}
            )
        elif kind == "txt":
            response = _upload(client, SAMPLE_PATH.read_bytes(), "odgovor.txt")
        else:
            response = _upload(client, pdf.data, "odgovor.pdf")
        assert response.status_code == 303, _plain(response)[:3000]
        reply_id = _only_reply(app, SAMPLE_NUMBER)
        assert response.headers["Location"].endswith(f"/replies/{reply_id}")
        got = _imported(app, SAMPLE_NUMBER)
        assert got.reply["drafted_by_id"] == people.official
        assert got.reply["imported"] is True
        assert got.reply["state"] is ReplyState.DRAFT
        assert got.reply["issuer_unit_id"] == archive.units["KZ"]
        assert got.units == ["Kabinet župana", "Pisarna za podjetja"]
        assert got.question["session_id"] == archive.council.session_2016_id
        if kind == "pdf":
            assert got.reply["signed_pdf_sha256"] == hashlib.sha256(pdf.data).hexdigest()
            assert got.reply["page_count"] == pdf.page_count
        page = client.get(f"/replies/{reply_id}")
        assert page.status_code == 200
        assert "Imported letter" in _plain(page)

    def test_an_official_imports_a_letter_whose_question_glas_has(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        make_question: Callable[..., int],
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        from app.questions.models import QuestionState

        existing = make_question(
            Origin.COUNCILLOR, QuestionState.POSED, session_id=archive.council.session_2016_id
        )
        response = _upload(official_of(people.official), SAMPLE_PATH.read_bytes(), "a.txt")
        assert response.status_code == 303, _plain(response)[:3000]
        assert _imported(app, SAMPLE_NUMBER).coverage == [(existing, Coverage.FULL)]

    @pytest.mark.parametrize(("letter", "problems"), REFUSED.values(), ids=list(REFUSED))
    def test_a_letter_that_cannot_be_imported_is_listed_and_nothing_saved(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        make_question: Callable[..., int],
        official_of: Callable[[int], FlaskClient],
        letter: Letter | bytes,
        problems: tuple[str, ...],
    ) -> None:
        from app.questions.models import QuestionState

        # Glas has the sample's question: its variants name nothing Glas would create.
        make_question(
            Origin.COUNCILLOR, QuestionState.POSED, session_id=archive.council.session_2016_id
        )
        before = _counts(app)
        response = _upload(official_of(people.official), _refused_bytes(letter), "pismo.txt")
        assert response.status_code == 422, _plain(response)[:3000]
        text_of_page = _plain(response)
        assert "The letter was not imported:" in text_of_page
        assert "Nothing was saved." in text_of_page
        for problem in problems:
            assert problem in text_of_page
        assert _counts(app) == before

    def test_an_official_of_another_unit_may_not_import_a_kz_letter(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        before = _counts(app)
        response = _upload(official_of(people.other_official), SAMPLE_PATH.read_bytes(), "a.txt")
        assert response.status_code == 422, _plain(response)[:3000]
        assert "The letter is issued by a unit you are not an official of." in _plain(response)
        assert _counts(app) == before

    def test_an_official_of_another_unit_may_not_import_even_when_glas_has_the_question(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        make_question: Callable[..., int],
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        from app.questions.models import QuestionState

        make_question(
            Origin.COUNCILLOR, QuestionState.POSED, session_id=archive.council.session_2016_id
        )
        before = _counts(app)
        response = _upload(official_of(people.other_official), SAMPLE_PATH.read_bytes(), "a.txt")
        assert response.status_code == 422
        assert "The letter is issued by a unit you are not an official of." in _plain(response)
        assert _counts(app) == before

    def test_a_duplicate_is_refused_on_the_page(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        assert _cli(runner, SAMPLE_PATH).exit_code == 0
        before = _counts(app)
        response = _upload(official_of(people.official), SAMPLE_PATH.read_bytes(), "a.txt")
        assert response.status_code == 422
        assert f"A letter with the number {SAMPLE_NUMBER} is already in Glas." in _plain(response)
        assert _counts(app) == before

    def test_nothing_chosen_is_a_422(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        client = official_of(people.official)
        for data in ({}, {"text": "   "}):
            response = client.post("/replies/import", data=data)
            assert response.status_code == 422
            assert "Choose the letter's file or paste its text." in _plain(response)

    def test_a_too_long_pasted_text_is_a_422(
        self,
        app: Flask,
        archive: Archive,
        people: People,
        official_of: Callable[[int], FlaskClient],
    ) -> None:
        before = _counts(app)
        response = official_of(people.official).post("/replies/import", data={"text": "x" * 50_001})
        assert response.status_code == 422
        assert "Use at most 50000 characters." in _plain(response)
        assert _counts(app) == before
