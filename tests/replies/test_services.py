"""Use cases of reply letters: the workflow, its timeline and audit, and the integrity rules.

Service calls go to the real database (SQLite or PostgreSQL, ``--db``). Each integrity rule of
``reply-letter.md`` has its class below; where the services cannot reach a state a rule guards
against (a sent letter without a signatory), the test takes the row there through the ORM, to
prove the step itself checks. Two officials publishing the same letter at once are raced on
PostgreSQL at the end of this file.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.attachments import files
from app.auth.models import ResidencySource, Role, RoleGrant, User
from app.core.models import AuditEntry
from app.core.time import to_local, utcnow
from app.core.time import today as local_today
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState, ResponseKind
from app.org.models import OrgUnit, OrgUnitKind
from app.questions import services as questions
from app.questions.models import (
    OPEN,
    DeadlineRule,
    Form,
    Origin,
    Question,
    QuestionEventKind,
    QuestionState,
)
from app.replies import permissions, services
from app.replies.models import (
    AddresseeKind,
    AnswerVerdict,
    Coverage,
    DistributionKind,
    ParticipantRole,
    Reply,
    ReplyEvent,
    ReplyEventKind,
    ReplyParticipant,
    ReplyRecipient,
    ReplyState,
    ReplyType,
    SignatureMethod,
    Verdict,
)
from app.replies.services import Covered, Recipient
from tests.conftest import Databases, base_config
from tests.questions.conftest import Council, People
from tests.replies.factories import (
    STAGES,
    Letters,
    account,
    midnight,
    moments,
    pdf_bytes,
    pdf_upload,
    png_upload,
)

_R = ReplyState
_Q = QuestionState
_E = ReplyEventKind
_T = ReplyType

pytestmark = pytest.mark.usefixtures("ctx", "upload_folder")


def question(question_id: int) -> Question:
    found = db.session.get(Question, question_id)
    assert found is not None
    return found


def initiative(initiative_id: int) -> Initiative:
    found = db.session.get(Initiative, initiative_id)
    assert found is not None
    return found


def steps(
    reply: Reply,
) -> list[tuple[ReplyEventKind, ReplyState | None, ReplyState | None, int | None]]:
    """The letter's timeline: (kind, from, to, actor), oldest first."""
    return [
        (event.kind, event.from_state, event.to_state, event.actor_id)
        for event in db.session.scalars(
            sa.select(ReplyEvent).filter_by(reply_id=reply.id).order_by(ReplyEvent.id)
        )
    ]


def audit(target_id: int, target_type: str = "reply") -> list[tuple[str, int | None]]:
    """The audit log of one object: (action, actor id), oldest first."""
    return [
        (entry.action, entry.actor_id)
        for entry in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .order_by(AuditEntry.id)
        )
    ]


def question_events(item: Question) -> list[QuestionEventKind]:
    db.session.refresh(item)
    return [event.kind for event in item.events]


def covering(question_id: int, coverage: Coverage = Coverage.FULL) -> tuple[Covered, ...]:
    return (Covered(question_id=question_id, coverage=coverage),)


# --- the whole way of a new letter ---------------------------------------------------------------


class TestHappyPath:
    def test_a_new_letter_answering_a_councillors_question(
        self, letters: Letters, people: People, upload_folder: Path
    ) -> None:
        asked = question(letters.question())
        assert asked.case_number is None
        assert asked.due_on is not None
        drafter, colleague = account(letters.drafter), account(letters.colleague)
        content = letters.content(
            covers=covering(asked.id), reference_number="032-11/2026-2-(52/17)"
        )

        reply = services.create(drafter, issuer_unit_id=letters.kz, content=content)
        assert reply.state is _R.DRAFT
        assert reply.drafted_by_id == letters.drafter
        assert not permissions.can_view(None, reply)
        services.update(drafter, reply, replace(content, summary="Dva projekta e-demokracije."))
        assert reply.summary == "Dva projekta e-demokracije."
        services.submit(drafter, reply)
        assert reply.state is _R.IN_REVIEW
        assert reply.approved_at is None
        services.approve(colleague, reply)
        assert reply.state is _R.IN_REVIEW
        assert reply.reviewed_by_id == letters.colleague
        assert reply.approved_at is not None

        data = pdf_bytes("Odgovor na svetnisko vprasanje")
        signed_at, sent_at = moments(reply.letter_date)
        services.sign(
            drafter,
            reply,
            upload=pdf_upload(data),
            signed_at=signed_at,
            method=SignatureMethod.QUALIFIED_ESIGNATURE,
        )
        assert reply.state is _R.SIGNED
        assert reply.signed_at == signed_at
        assert reply.signature_method is SignatureMethod.QUALIFIED_ESIGNATURE
        assert reply.signed_pdf_sha256 == hashlib.sha256(data).hexdigest()
        original = reply.signed_original
        assert original is not None
        assert original.sha256 == reply.signed_pdf_sha256
        assert original.content_type == "application/pdf"
        stored = files.path_of(original.stored_name)
        assert stored.parent == upload_folder.resolve()
        assert stored.read_bytes() == data
        assert reply.page_count == 1

        services.send(drafter, reply, sent_at=sent_at)
        assert reply.state is _R.SENT
        assert reply.sent_at == sent_at
        assert not permissions.can_view(None, reply)
        services.publish(colleague, reply)
        assert reply.state is _R.PUBLISHED
        assert reply.published_at is not None
        assert permissions.can_view(None, reply)

        assert steps(reply) == [
            (_E.CREATED, None, _R.DRAFT, letters.drafter),
            (_E.EDITED, _R.DRAFT, _R.DRAFT, letters.drafter),
            (_E.SUBMITTED, _R.DRAFT, _R.IN_REVIEW, letters.drafter),
            (_E.APPROVED, _R.IN_REVIEW, _R.IN_REVIEW, letters.colleague),
            (_E.SIGNED, _R.IN_REVIEW, _R.SIGNED, letters.drafter),
            (_E.SENT, _R.SIGNED, _R.SENT, letters.drafter),
            (_E.PUBLISHED, _R.SENT, _R.PUBLISHED, letters.colleague),
        ]
        assert audit(reply.id) == [
            ("reply.create", letters.drafter),
            ("reply.edit", letters.drafter),
            ("reply.submit", letters.drafter),
            ("reply.approve", letters.colleague),
            ("reply.sign", letters.drafter),
            ("reply.send", letters.drafter),
            ("reply.publish", letters.colleague),
        ]

        # What it answers: the question, answered on the day the letter left.
        db.session.refresh(asked)
        assert asked.state is _Q.ANSWERED
        assert asked.answered_on == to_local(sent_at).date()
        assert asked.replied_on == reply.letter_date
        assert asked.answered_at == sent_at
        assert asked.closed_at == sent_at
        assert asked.answered_by_unit_id == letters.kz
        assert asked.answer_text == reply.summary
        assert asked.answer_declined is False
        assert asked.case_number == "032-11/2026"  # the letter's case, where it had none
        assert question_events(asked)[-1] is QuestionEventKind.ANSWERED
        assert services.on_time(reply, asked) is True
        assert services.days_to_reply(reply, asked) == (reply.letter_date - asked.starts_on).days

    def test_the_letter_keeps_what_is_printed_on_it(self, letters: Letters) -> None:
        reply = letters.create()
        assert [p.role for p in reply.participants] == [
            ParticipantRole.PREPARED_BY,
            ParticipantRole.SIGNED_BY,
            ParticipantRole.SIGNED_BY,
        ]
        assert [p.function for p in reply.signatories] == [
            "vodja Kabineta župana",
            "župan Mestne občine Kranj",
        ]
        assert [u.unit_id for u in reply.answering_units] == [letters.kz, letters.uop]
        assert [(r.kind, r.recipient) for r in reply.distribution] == [
            (DistributionKind.TO, "Svet Mestne občine Kranj"),
            (DistributionKind.ARCHIVE, "Arhiv"),
        ]
        assert reply.addressee_kind is AddresseeKind.BODY
        assert reply.addressee_body_id == letters.council.body_id
        assert "<strong>dva</strong>" in reply.body_html
        assert "**" not in reply.body_text

    def test_a_letter_deleted_meanwhile_is_gone(self, letters: Letters) -> None:
        reply = letters.create()
        db.session.execute(sa.delete(ReplyEvent).where(ReplyEvent.reply_id == reply.id))
        db.session.execute(sa.delete(Reply).where(Reply.id == reply.id))
        with pytest.raises(services.Gone):
            services.submit(account(letters.drafter), reply)

    def test_a_draft_is_deleted_by_its_unit_and_the_audit_remains(self, letters: Letters) -> None:
        reply = letters.create()
        reply_id = reply.id
        with pytest.raises(services.NotAllowed):
            services.delete_draft(account(letters.answering), reply)
        services.delete_draft(account(letters.colleague), reply)
        assert db.session.get(Reply, reply_id) is None
        assert audit(reply_id) == [
            ("reply.create", letters.drafter),
            ("reply.delete", letters.colleague),
        ]


# --- four eyes ------------------------------------------------------------------------------------


class TestFourEyes:
    def test_the_drafter_cannot_approve_another_official_can(self, letters: Letters) -> None:
        reply = letters.make("in_review")
        with pytest.raises(services.NotAllowed):
            services.approve(account(letters.drafter), reply)
        assert reply.approved_at is None
        services.approve(account(letters.colleague), reply)
        assert reply.reviewed_by_id == letters.colleague

    def test_nobody_outside_the_unit_approves(self, letters: Letters, people: People) -> None:
        reply = letters.make("in_review")
        for outsider in (letters.answering, letters.unrelated, people.administrator):
            with pytest.raises(services.NotAllowed):
                services.approve(account(outsider), reply)
        assert reply.approved_at is None

    def test_the_drafter_cannot_return_it_either(self, letters: Letters) -> None:
        reply = letters.make("in_review")
        with pytest.raises(services.NotAllowed):
            services.return_to_draft(account(letters.drafter), reply, note="Popravi.")
        assert reply.state is _R.IN_REVIEW

    @pytest.mark.parametrize("note", ["", "   \n "])
    def test_a_return_needs_a_note(self, letters: Letters, note: str) -> None:
        reply = letters.make("in_review")
        with pytest.raises(services.InvalidValue) as refused:
            services.return_to_draft(account(letters.colleague), reply, note=note)
        assert refused.value.field == "note"
        assert reply.state is _R.IN_REVIEW

    def test_a_returned_letter_is_a_draft_again_and_is_reviewed_anew(
        self, letters: Letters
    ) -> None:
        reply = letters.make("in_review")
        services.return_to_draft(
            account(letters.colleague), reply, note="  Dodaj podatek o stroških. "
        )
        assert reply.state is _R.DRAFT
        event = reply.events[-1]
        assert (event.kind, event.from_state, event.to_state, event.note) == (
            _E.RETURNED,
            _R.IN_REVIEW,
            _R.DRAFT,
            "Dodaj podatek o stroških.",
        )
        assert audit(reply.id)[-1] == ("reply.return", letters.colleague)
        services.submit(account(letters.drafter), reply)
        with pytest.raises(services.NotAllowed):
            services.approve(account(letters.drafter), reply)
        services.approve(account(letters.colleague), reply)
        assert Letters.stage(reply) == "approved"

    def test_a_colleague_who_edited_the_draft_cannot_approve_it(
        self, letters: Letters, make_user: Callable[..., int]
    ) -> None:
        reply = letters.make("draft")
        services.update(account(letters.colleague), reply, _content_for(letters, reply))
        services.submit(account(letters.drafter), reply)
        assert set(reply.written_by) == {letters.drafter, letters.colleague}
        for writer in (letters.drafter, letters.colleague):
            with pytest.raises(services.NotAllowed):
                services.approve(account(writer), reply)
        third = make_user(roles=[(Role.OFFICIAL, "KZ")])
        services.approve(account(third), reply)
        assert reply.reviewed_by_id == third

    def test_who_sent_it_for_review_cannot_approve_it(
        self, letters: Letters, make_user: Callable[..., int]
    ) -> None:
        reply = letters.make("draft")
        services.submit(account(letters.colleague), reply)
        with pytest.raises(services.NotAllowed):
            services.approve(account(letters.colleague), reply)


# --- integrity rule 1: the reference number ----------------------------------------------------


class TestReferenceNumber:
    @pytest.mark.parametrize(
        "number",
        [
            "032-11/2016", "abc", "032-11/2016-0", "032-11/16-2", "", "   ",
            "032-11/2016-2-(52/17", "032-11/2016-2-52/17", "32-11/2016-2", "032-0/2016-2",
        ],
    )  # fmt: skip
    def test_a_number_not_of_the_pattern_is_refused(self, letters: Letters, number: str) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(reference_number=number)
        assert refused.value.field == "reference_number"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0

    def test_an_edit_to_a_bad_number_is_refused(self, letters: Letters) -> None:
        reply = letters.create()
        with pytest.raises(services.InvalidValue) as refused:
            services.update(
                account(letters.drafter), reply, letters.content(reference_number="032-11/16-2")
            )
        assert refused.value.field == "reference_number"

    @pytest.mark.parametrize(
        ("number", "parts"),
        [
            ("032-11/2016-2-(52/17)", ("032-11/2016", "032", 11, 2016, 2, "52/17")),
            ("900-12/2017-10-(52/04)", ("900-12/2017", "900", 12, 2017, 10, "52/04")),
            ("030-3/2021-3-(40/62/02)", ("030-3/2021", "030", 3, 2021, 3, "40/62/02")),
            ("1000-1/2023-1", ("1000-1/2023", "1000", 1, 2023, 1, None)),
        ],
    )
    def test_its_parts_are_the_letters_case_and_document(
        self, letters: Letters, number: str, parts: tuple[Any, ...]
    ) -> None:
        reply = letters.create(reference_number=number)
        db.session.expire(reply)
        assert reply.reference_number == number
        assert (
            reply.case_number,
            reply.classification,
            reply.case_seq,
            reply.case_year,
            reply.document_seq,
            reply.reference_suffix,
        ) == parts

    def test_a_number_taken_raises_duplicate_number(self, letters: Letters) -> None:
        first = letters.create(reference_number="032-11/2016-2-(52/17)")
        for again in ("032-11/2016-2-(52/17)", "  032-11/2016-2-(52/17) "):
            with pytest.raises(services.DuplicateNumber) as refused:
                letters.create(reference_number=again)
            assert refused.value.existing_id == first.id

    def test_an_edit_to_a_number_taken_raises_duplicate_number(self, letters: Letters) -> None:
        first = letters.create(reference_number="032-11/2016-2")
        second = letters.create(reference_number="032-11/2016-3")
        drafter = account(letters.drafter)
        with pytest.raises(services.DuplicateNumber) as refused:
            services.update(drafter, second, letters.content(reference_number="032-11/2016-2"))
        assert refused.value.existing_id == first.id
        db.session.refresh(second)
        assert second.reference_number == "032-11/2016-3"
        # Its own number is no duplicate of itself.
        services.update(drafter, first, letters.content(reference_number="032-11/2016-2"))

    def test_the_database_refuses_a_duplicate_too(self, letters: Letters) -> None:
        first = letters.create(reference_number="032-11/2016-2")
        second = letters.create(reference_number="032-11/2016-3")
        savepoint = db.session.begin_nested()
        second.reference_number = first.reference_number
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        savepoint.rollback()


# --- integrity rule 2 and the table: what publishing does --------------------------------


def published_answer(
    letters: Letters,
    reply_type: ReplyType,
    coverage: Coverage = Coverage.FULL,
    **overrides: Any,
) -> tuple[Reply, Question]:
    """A letter of ``reply_type`` published in reply to a new question; both, refreshed."""
    asked = letters.question()
    reply = letters.make(
        "published", covers=covering(asked, coverage), reply_type=reply_type, **overrides
    )
    item = question(asked)
    db.session.refresh(item)
    return reply, item


class TestPublishingMovesTheQuestion:
    @pytest.mark.parametrize(
        ("reply_type", "coverage", "state", "declined"),
        [
            (_T.FULL, Coverage.FULL, _Q.ANSWERED, False),
            (_T.FULL, Coverage.PARTIAL, _Q.PARTIALLY_ANSWERED, False),
            (_T.PARTIAL, Coverage.FULL, _Q.PARTIALLY_ANSWERED, False),
            (_T.PARTIAL, Coverage.PARTIAL, _Q.PARTIALLY_ANSWERED, False),
            (_T.INTERIM, Coverage.FULL, _Q.INTERIM_ANSWERED, False),
            (_T.DECLINED, Coverage.FULL, _Q.ANSWERED, True),
        ],
    )
    def test_by_type_and_coverage(
        self,
        letters: Letters,
        reply_type: ReplyType,
        coverage: Coverage,
        state: QuestionState,
        declined: bool,
    ) -> None:
        reply, item = published_answer(letters, reply_type, coverage)
        assert item.state is state
        assert item.is_open is (state is not _Q.ANSWERED)
        assert item.answer_declined is declined
        assert item.answered_on == to_local(reply.sent_at).date()
        assert item.replied_on == reply.letter_date
        assert item.answered_by_unit_id == letters.kz
        assert (item.closed_at is not None) is (state is _Q.ANSWERED)

    def test_one_letter_answers_one_question_in_full_and_another_in_part(
        self, letters: Letters
    ) -> None:
        whole, part = letters.question(), letters.question()
        letters.make(
            "published",
            covers=(
                Covered(question_id=whole),
                Covered(question_id=part, coverage=Coverage.PARTIAL),
            ),
        )
        assert question(whole).state is _Q.ANSWERED
        assert question(part).state is _Q.PARTIALLY_ANSWERED

    def test_an_interim_reply_with_a_new_date_extends_the_question(self, letters: Letters) -> None:
        asked = question(letters.question())
        due_on = asked.due_on
        assert due_on is not None
        to = due_on + timedelta(days=20)
        reply = letters.make(
            "published",
            covers=covering(asked.id),
            reply_type=_T.INTERIM,
            extended_to=to,
            extension_reason="Čakamo na mnenje zavoda.",
        )
        db.session.refresh(asked)
        assert asked.state is _Q.INTERIM_ANSWERED
        assert asked.is_open
        assert asked.extended_to == to
        assert asked.extension_reason == "Čakamo na mnenje zavoda."
        assert asked.due_on == due_on  # the extension moves the effective date only
        assert asked.effective_due_on == to
        assert reply.extended_to == to
        assert question_events(asked)[-2:] == [
            QuestionEventKind.ANSWERED,
            QuestionEventKind.EXTENDED,
        ]

    def test_an_interim_reply_without_a_date_leaves_the_due_date(self, letters: Letters) -> None:
        reply, item = published_answer(letters, _T.INTERIM)
        assert item.extended_to is None
        assert QuestionEventKind.EXTENDED not in question_events(item)
        assert reply.extended_to is None

    def test_a_forwarded_reply_assigns_the_question_to_the_other_unit(
        self, letters: Letters
    ) -> None:
        reply, item = published_answer(letters, _T.FORWARDED, forwarded_to_id=letters.ugdp)
        assert reply.forwarded_to_id == letters.ugdp
        assert item.state is _Q.ASSIGNED
        assert item.is_open
        assert item.responsible_unit_id == letters.ugdp
        assert item.answered_at is None
        assert item.answer_text is None
        assert question_events(item)[-1] is QuestionEventKind.FORWARDED

    def test_a_correction_leaves_the_question_and_marks_the_letter_corrected(
        self, letters: Letters
    ) -> None:
        original, item = published_answer(letters, _T.FULL)
        answered = (item.state, item.answered_at, item.answered_on, item.answer_text)
        timeline = question_events(item)
        correction = services.start_correction(account(letters.drafter), original)
        services.update(
            account(letters.drafter),
            correction,
            replace(letters.content(covers=covering(item.id)),
                    reference_number=correction.reference_number,
                    reply_type=_T.CORRECTION,
                    summary="Popravek: občina pripravlja tri projekte."),
        )  # fmt: skip
        letters.advance(correction, "published")
        db.session.refresh(item)
        assert (item.state, item.answered_at, item.answered_on, item.answer_text) == answered
        assert question_events(item) == timeline
        db.session.refresh(original)
        assert original.state is _R.CORRECTED
        assert correction.state is _R.PUBLISHED

    def test_answered_on_is_the_day_the_letter_left_in_ljubljana(self, letters: Letters) -> None:
        # Sent half an hour after a local midnight: the day before, in UTC.
        asked = letters.question()
        left_on = local_today() - timedelta(days=1)
        reply = letters.make(
            "approved", covers=covering(asked), letter_date=left_on - timedelta(days=2)
        )
        drafter = account(letters.drafter)
        sent_at = midnight(left_on) + timedelta(minutes=30)
        assert sent_at.astimezone(UTC).date() == left_on - timedelta(days=1)
        services.sign(
            drafter,
            reply,
            upload=pdf_upload(),
            signed_at=sent_at - timedelta(minutes=20),
            method=SignatureMethod.HANDWRITTEN_SCAN,
        )
        services.send(drafter, reply, sent_at=sent_at)
        services.publish(drafter, reply)
        item = question(asked)
        assert item.answered_on == left_on
        assert item.replied_on == left_on - timedelta(days=2)
        assert services.days_to_reply(reply, item) == (reply.letter_date - item.starts_on).days

    def test_a_closed_question_stays_as_it_is(self, letters: Letters, people: People) -> None:
        asked = letters.question()
        reply = letters.make("sent", covers=covering(asked))
        questions.withdraw(account(people.councillor), question(asked))
        services.publish(account(letters.drafter), reply)
        assert question(asked).state is _Q.WITHDRAWN
        assert reply.state is _R.PUBLISHED


class TestRetraction:
    def test_a_retracted_letter_no_longer_answers_its_question(self, letters: Letters) -> None:
        reply, item = published_answer(letters, _T.FULL)
        assert item.state is _Q.ANSWERED
        services.retract(account(letters.drafter), reply, reason="Odgovor je bil napačen.")
        db.session.refresh(item)
        assert reply.state is _R.RETRACTED
        assert item.state in (_Q.ASSIGNED, _Q.REGISTERED, _Q.POSED)
        assert (item.answered_at, item.answered_on, item.replied_on, item.answer_text) == (
            None, None, None, None,
        )  # fmt: skip
        last = item.events[-1]
        assert (last.kind, last.data["reply"], last.data["retracted"], last.note) == (
            QuestionEventKind.STATE_CHANGED, reply.id, True, "Odgovor je bil napačen.",
        )  # fmt: skip
        assert reply.events[-1].data["reopened"] == [item.id]

    def test_a_later_answer_stands_when_an_earlier_letter_is_retracted(
        self, letters: Letters
    ) -> None:
        interim, item = published_answer(letters, _T.INTERIM)
        final = letters.make("published", covers=covering(item.id), reply_type=_T.FULL)
        db.session.refresh(item)
        assert item.state is _Q.ANSWERED
        services.retract(account(letters.drafter), interim, reason="Zastarelo.")
        db.session.refresh(item)
        assert item.state is _Q.ANSWERED
        assert final.state is _R.PUBLISHED

    def test_retracting_a_correction_restores_the_corrected_letter(self, letters: Letters) -> None:
        original, _item = published_answer(letters, _T.FULL)
        correction = services.start_correction(account(letters.drafter), original)
        letters.advance(correction, "published")
        assert original.state is _R.CORRECTED
        services.retract(account(letters.drafter), correction, reason="Popravek ni bil potreben.")
        assert original.state is _R.PUBLISHED


class TestPublishingMovesTheInitiative:
    @pytest.fixture
    def awaiting(self, make_initiative: Callable[..., int]) -> int:
        return make_initiative(InitiativeState.AWAITING_RESPONSE)

    def _reply(self, letters: Letters, initiative_id: int, **overrides: Any) -> Reply:
        return letters.make(
            "sent",
            covers=(
                Covered(
                    initiative_id=initiative_id, coverage=overrides.pop("coverage", Coverage.FULL)
                ),
            ),
            **overrides,
        )

    @pytest.mark.parametrize(
        "outcome", [ResponseKind.ACCEPTED, ResponseKind.PARTLY_ACCEPTED, ResponseKind.REJECTED]
    )
    def test_a_full_reply_answers_it_with_the_outcome_set_at_publishing(
        self, letters: Letters, awaiting: int, outcome: ResponseKind
    ) -> None:
        reply = self._reply(letters, awaiting)
        services.publish(account(letters.drafter), reply, outcome=outcome)
        item = initiative(awaiting)
        assert item.state is InitiativeState.ANSWERED
        assert item.response_kind is outcome
        assert item.answered_at == reply.sent_at
        assert item.response_text == reply.summary
        assert reply.initiative_outcome is outcome
        assert reply.events[-1].data == {"type": "full", "outcome": outcome.value}

    def test_a_full_reply_without_an_outcome_is_refused(
        self, letters: Letters, awaiting: int
    ) -> None:
        reply = self._reply(letters, awaiting)
        with pytest.raises(services.InvalidValue) as refused:
            services.publish(account(letters.drafter), reply)
        assert refused.value.field == "outcome"
        assert reply.state is _R.SENT
        assert initiative(awaiting).state is InitiativeState.AWAITING_RESPONSE

    def test_a_partial_reply_leaves_it_awaiting_the_response(
        self, letters: Letters, awaiting: int
    ) -> None:
        reply = self._reply(letters, awaiting, reply_type=_T.PARTIAL)
        services.publish(account(letters.drafter), reply, outcome=ResponseKind.ACCEPTED)
        assert reply.state is _R.PUBLISHED
        assert initiative(awaiting).state is InitiativeState.AWAITING_RESPONSE
        assert initiative(awaiting).response_kind is None

    def test_a_full_reply_covering_it_in_part_leaves_it_awaiting_the_response(
        self, letters: Letters, awaiting: int
    ) -> None:
        # Rule 2: only what a letter covers in full is answered.
        reply = self._reply(letters, awaiting, coverage=Coverage.PARTIAL)
        services.publish(account(letters.drafter), reply, outcome=ResponseKind.ACCEPTED)
        assert reply.state is _R.PUBLISHED
        assert initiative(awaiting).state is InitiativeState.AWAITING_RESPONSE

    def test_a_declined_reply_answers_it_rejected(self, letters: Letters, awaiting: int) -> None:
        reply = self._reply(letters, awaiting, reply_type=_T.DECLINED)
        services.publish(account(letters.drafter), reply)
        item = initiative(awaiting)
        assert (item.state, item.response_kind) == (
            InitiativeState.ANSWERED,
            ResponseKind.REJECTED,
        )
        assert reply.initiative_outcome is ResponseKind.REJECTED

    @pytest.mark.parametrize("reply_type", [_T.INTERIM, _T.FORWARDED])
    def test_interim_and_forwarded_replies_leave_it(
        self, letters: Letters, awaiting: int, reply_type: ReplyType
    ) -> None:
        extra = {"forwarded_to_id": letters.ugdp} if reply_type is _T.FORWARDED else {}
        reply = self._reply(letters, awaiting, reply_type=reply_type, **extra)
        services.publish(account(letters.drafter), reply)
        assert reply.state is _R.PUBLISHED
        item = initiative(awaiting)
        assert item.state is InitiativeState.AWAITING_RESPONSE
        assert item.response_kind is None
        assert item.answered_at is None


# --- integrity rule 3: nothing is published incomplete -------------------------------------------


class TestPublicationNeedsEverything:
    def _sent(self, letters: Letters) -> Reply:
        return letters.make("sent")

    def _refused(self, letters: Letters, reply: Reply, missing: set[str]) -> None:
        db.session.flush()
        db.session.expire(reply)
        with pytest.raises(services.Incomplete) as refused:
            services.publish(account(letters.drafter), reply)
        assert set(refused.value.missing) == missing
        assert reply.state is _R.SENT
        assert _E.PUBLISHED not in [step[0] for step in steps(reply)]

    def test_without_a_signatory(self, letters: Letters) -> None:
        reply = self._sent(letters)
        db.session.execute(
            sa.delete(ReplyParticipant).where(
                ReplyParticipant.reply_id == reply.id,
                ReplyParticipant.role == ParticipantRole.SIGNED_BY,
            )
        )
        self._refused(letters, reply, {"signatory"})

    def test_without_a_recipient_it_is_sent_to(self, letters: Letters) -> None:
        reply = self._sent(letters)
        db.session.execute(
            sa.update(ReplyRecipient)
            .where(ReplyRecipient.reply_id == reply.id, ReplyRecipient.kind == DistributionKind.TO)
            .values(kind=DistributionKind.CC)
        )
        self._refused(letters, reply, {"recipient"})
        db.session.execute(sa.delete(ReplyRecipient).where(ReplyRecipient.reply_id == reply.id))
        self._refused(letters, reply, {"recipient"})

    def test_without_the_signed_pdf(self, letters: Letters) -> None:
        reply = self._sent(letters)
        reply.signed_pdf_sha256 = None
        self._refused(letters, reply, {"signed_pdf"})

    def test_without_signed_at(self, letters: Letters) -> None:
        reply = self._sent(letters)
        reply.signed_at = None
        self._refused(letters, reply, {"signed_at"})

    def test_without_sent_at(self, letters: Letters) -> None:
        reply = self._sent(letters)
        reply.sent_at = None
        self._refused(letters, reply, {"sent_at"})

    def test_without_any_of_it(self, letters: Letters) -> None:
        reply = self._sent(letters)
        reply.signed_at = reply.sent_at = reply.signed_pdf_sha256 = None
        db.session.execute(sa.delete(ReplyRecipient).where(ReplyRecipient.reply_id == reply.id))
        db.session.execute(sa.delete(ReplyParticipant).where(ReplyParticipant.reply_id == reply.id))
        self._refused(
            letters, reply, {"signatory", "recipient", "signed_pdf", "signed_at", "sent_at"}
        )

    @pytest.mark.parametrize(
        ("overrides", "missing"),
        [
            ({"signatories": ()}, ["signatory"]),
            ({"distribution": ()}, ["recipient"]),
            ({"distribution": (Recipient("Arhiv", DistributionKind.ARCHIVE),)}, ["recipient"]),
            ({"answering_unit_ids": ()}, ["answering_units"]),
            ({"covers": ()}, ["covers"]),
        ],
    )
    def test_the_review_is_not_reached_without_it_either(
        self, letters: Letters, overrides: dict[str, Any], missing: list[str]
    ) -> None:
        reply = letters.create(**overrides)
        with pytest.raises(services.Incomplete) as refused:
            services.submit(account(letters.drafter), reply)
        assert list(refused.value.missing) == missing
        assert reply.state is _R.DRAFT

    def test_a_new_letter_is_not_signed_without_the_pdf(self, letters: Letters) -> None:
        reply = letters.make("approved")
        signed_at, _ = moments(reply.letter_date)
        with pytest.raises(files.AttachmentRefused) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=None,
                signed_at=signed_at,
                method=SignatureMethod.HANDWRITTEN_SCAN,
            )
        assert refused.value.reason is files.Refusal.NO_FILE
        assert reply.signed_pdf_sha256 is None

    def test_an_imported_letter_is_published_without_the_pdf(self, letters: Letters) -> None:
        asked = letters.question()
        reply = letters.create(
            covers=covering(asked),
            imported=True,
            reference_number="032-11/2016-2-(52/17)",
            letter_date=date(2016, 5, 19),
        )
        assert reply.imported
        services.submit(account(letters.drafter), reply)
        services.approve(account(letters.colleague), reply)
        # Signed and sent long ago: on its letter date.
        assert reply.state is _R.SENT
        assert reply.signed_at == midnight(date(2016, 5, 19))
        assert reply.sent_at == midnight(date(2016, 5, 19))
        services.publish(account(letters.drafter), reply)
        assert reply.state is _R.PUBLISHED
        assert reply.signed_pdf_sha256 is None
        assert reply.signed_original is None
        assert steps(reply) == [
            (_E.IMPORTED, None, _R.DRAFT, letters.drafter),
            (_E.SUBMITTED, _R.DRAFT, _R.IN_REVIEW, letters.drafter),
            (_E.APPROVED, _R.IN_REVIEW, _R.SENT, letters.colleague),
            (_E.PUBLISHED, _R.SENT, _R.PUBLISHED, letters.drafter),
        ]
        item = question(asked)
        assert item.answered_on == date(2016, 5, 19)
        assert item.replied_on == date(2016, 5, 19)

    def test_an_imported_letter_without_a_signatory_is_not_published(
        self, letters: Letters
    ) -> None:
        reply = letters.create(imported=True)
        services.submit(account(letters.drafter), reply)
        services.approve(account(letters.colleague), reply)
        db.session.execute(sa.delete(ReplyParticipant).where(ReplyParticipant.reply_id == reply.id))
        self._refused(letters, reply, {"signatory"})

    def test_the_command_lines_import_is_reviewed_by_another_than_who_sent_it(
        self, letters: Letters
    ) -> None:
        reply = services.create(
            None,
            issuer_unit_id=letters.kz,
            content=letters.content(covers=covering(letters.question())),
            imported=True,
            raw_text="Številka: 032-11/2016-2-(52/17)\nr.p. 2011",
            page_count=2,
        )
        assert reply.drafted_by_id is None
        assert (reply.raw_text, reply.page_count) == (
            "Številka: 032-11/2016-2-(52/17)\nr.p. 2011",
            2,
        )
        assert audit(reply.id) == [("reply.import", None)]
        services.submit(account(letters.drafter), reply)
        # Nobody drafted it; who sent it for review vouches for it, so another must approve.
        with pytest.raises(services.NotAllowed):
            services.approve(account(letters.drafter), reply)
        services.approve(account(letters.colleague), reply)
        assert reply.state is _R.SENT

    def test_the_command_line_moves_an_imported_letter_on_its_own(self, letters: Letters) -> None:
        asked = letters.question()
        reply = services.create(
            None,
            issuer_unit_id=letters.kz,
            content=letters.content(covers=covering(asked), letter_date=date(2016, 5, 19)),
            imported=True,
        )
        services.submit(None, reply)
        services.approve(None, reply)
        services.publish(None, reply)
        assert reply.state is _R.PUBLISHED
        assert [(kind, actor) for kind, _, _, actor in steps(reply)] == [
            (_E.IMPORTED, None),
            (_E.SUBMITTED, None),
            (_E.APPROVED, None),
            (_E.PUBLISHED, None),
        ]
        assert question(asked).state is _Q.ANSWERED

    def test_the_command_line_never_moves_a_new_letter(self, letters: Letters) -> None:
        draft = letters.create()
        with pytest.raises(services.NotAllowed):
            services.submit(None, draft)
        in_review = letters.make("in_review")
        with pytest.raises(services.NotAllowed):
            services.approve(None, in_review)
        sent = letters.make("sent")
        with pytest.raises(services.NotAllowed):
            services.publish(None, sent)
        assert (draft.state, in_review.state, sent.state) == (_R.DRAFT, _R.IN_REVIEW, _R.SENT)


# --- integrity rule 4: corrections ---------------------------------------------------------------


class TestCorrections:
    def test_a_correction_is_a_new_draft_that_supersedes_the_letter(self, letters: Letters) -> None:
        original = letters.make("published", reference_number="032-11/2016-2-(52/17)")
        correction = services.start_correction(account(letters.colleague), original)
        assert correction.state is _R.DRAFT
        assert correction.reply_type is _T.CORRECTION
        assert correction.supersedes_id == original.id
        assert correction.reference_number == "032-11/2016-3"  # the case's next document
        assert correction.drafted_by_id == letters.colleague
        assert correction.summary == original.summary
        assert [c.question_id for c in correction.coverage] == [
            c.question_id for c in original.coverage
        ]
        assert original.state is _R.PUBLISHED  # until the correction is published

    def test_the_corrected_letter_stays_readable_and_is_marked(self, letters: Letters) -> None:
        original = letters.make("corrected")
        db.session.refresh(original)
        correction = original.superseded_by
        assert correction is not None
        assert original.state is _R.CORRECTED
        assert permissions.can_view(None, original)
        assert permissions.can_view(None, correction)
        event = original.events[-1]
        assert (event.kind, event.from_state, event.to_state, event.actor_id) == (
            _E.CORRECTED,
            _R.PUBLISHED,
            _R.CORRECTED,
            letters.drafter,
        )
        assert event.data == {"by": correction.id}
        assert audit(original.id)[-1] == ("reply.supersede", letters.drafter)
        # Corrected once: no second correction, no retraction of a corrected letter.
        with pytest.raises(services.NotAllowed):
            services.start_correction(account(letters.drafter), original)

    def test_a_letter_is_corrected_once_at_a_time(self, letters: Letters) -> None:
        original = letters.make("published")
        services.start_correction(account(letters.drafter), original)
        with pytest.raises(services.NotAllowed):
            services.start_correction(account(letters.colleague), original)

    def test_a_correction_without_the_letter_it_corrects_is_refused(self, letters: Letters) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(reply_type=_T.CORRECTION)
        assert refused.value.field == "reply_type"

    def test_a_correction_cannot_become_another_type(self, letters: Letters) -> None:
        correction = services.start_correction(account(letters.drafter), letters.make("published"))
        with pytest.raises(services.InvalidValue) as refused:
            services.update(
                account(letters.drafter),
                correction,
                letters.content(reference_number=correction.reference_number),
            )
        assert refused.value.field == "reply_type"

    def test_the_database_refuses_a_correction_without_supersedes(self, letters: Letters) -> None:
        reply = letters.create()
        savepoint = db.session.begin_nested()
        reply.reply_type = _T.CORRECTION  # supersedes nothing
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        savepoint.rollback()

    def _correction_of(self, letters: Letters, actor: int, unit: int, supersedes: int) -> Reply:
        return services.create(
            account(actor),
            issuer_unit_id=unit,
            content=letters.content(
                covers=covering(letters.question()),
                reply_type=_T.CORRECTION,
                supersedes_id=supersedes,
                answering_unit_ids=(unit,),
            ),
        )

    def test_a_unit_cannot_correct_another_units_letter(self, letters: Letters) -> None:
        # Published, it would mark KZ's letter corrected, and KZ could no longer correct it.
        published = letters.make("published")
        with pytest.raises((services.NotAllowed, services.InvalidValue)):
            self._correction_of(letters, letters.unrelated, letters.ugdp, published.id)

    def test_only_a_published_letter_is_corrected(self, letters: Letters) -> None:
        draft = letters.create()
        with pytest.raises((services.NotAllowed, services.InvalidValue)):
            self._correction_of(letters, letters.drafter, letters.kz, draft.id)


# --- integrity rule 5: due dates move only when their causes do ---------------------------------


def oral_rule() -> DeadlineRule:
    rule = db.session.scalar(
        sa.select(DeadlineRule).filter_by(origin=Origin.COUNCILLOR, form=Form.ORAL)
    )
    assert rule is not None
    return rule


class TestDueDates:
    @pytest.mark.parametrize("reply_type", [_T.FULL, _T.PARTIAL, _T.INTERIM, _T.DECLINED])
    def test_publishing_a_reply_does_not_recompute_the_due_date(
        self, letters: Letters, reply_type: ReplyType
    ) -> None:
        asked = question(letters.question())
        before = (asked.due_on, asked.deadline_rule_id, asked.starts_on)
        assert before[0] is not None
        oral_rule().amount = 45  # a changed rule, not yet recomputed: publishing must not
        letters.make("published", covers=covering(asked.id), reply_type=reply_type)
        db.session.refresh(asked)
        assert (asked.due_on, asked.deadline_rule_id, asked.starts_on) == before
        assert QuestionEventKind.DUE_RECOMPUTED not in question_events(asked)
        assert "question.due_recomputed" not in [a for a, _ in audit(asked.id, "question")]

    def test_a_recomputation_is_logged(
        self, letters: Letters, council: Council, people: People
    ) -> None:
        asked = question(letters.question(session_id=council.session_2016_id))
        assert asked.due_on == date(2016, 5, 20)  # 30 days after 20 April 2016
        oral_rule().amount = 45  # 4 June 2016 is a Saturday: Monday 6 June
        assert questions.recompute_due_dates(account(people.administrator), cause="rule:1") == 1
        assert asked.due_on == date(2016, 6, 6)
        step = asked.events[-1]
        assert step.kind is QuestionEventKind.DUE_RECOMPUTED
        assert step.data == {"from": "2016-05-20", "to": "2016-06-06", "cause": "rule:1"}
        assert audit(asked.id, "question")[-1] == (
            "question.due_recomputed",
            people.administrator,
        )


# --- unhappy paths --------------------------------------------------------------------------------


def _content_for(letters: Letters, reply: Reply) -> services.Content:
    return letters.content(
        reference_number=reply.reference_number,
        covers=tuple(Covered(c.question_id, c.initiative_id, c.coverage) for c in reply.coverage),
    )


#: transition -> the call, by an official of the issuing unit who is not the drafter.
TRANSITIONS: dict[str, Callable[[Letters, User, Reply], object]] = {
    "update": lambda letters, actor, reply: services.update(
        actor, reply, _content_for(letters, reply)
    ),
    "submit": lambda _, actor, reply: services.submit(actor, reply),
    "approve": lambda _, actor, reply: services.approve(actor, reply),
    "return_to_draft": lambda _, actor, reply: services.return_to_draft(
        actor, reply, note="Popravi."
    ),
    "sign": lambda _, actor, reply: services.sign(
        actor,
        reply,
        upload=pdf_upload(),
        signed_at=moments(reply.letter_date)[0],
        method=SignatureMethod.QUALIFIED_ESIGNATURE,
    ),
    "send": lambda _, actor, reply: services.send(actor, reply, sent_at=utcnow()),
    "publish": lambda _, actor, reply: services.publish(actor, reply),
    "start_correction": lambda _, actor, reply: services.start_correction(actor, reply),
    "retract": lambda _, actor, reply: services.retract(actor, reply, reason="Napaka."),
    "delete_draft": lambda _, actor, reply: services.delete_draft(actor, reply),
    "add_annex": lambda _, actor, reply: services.add_annex(
        actor, reply, upload=pdf_upload(filename="priloga.pdf"), title="Priloga"
    ),
}
#: The stages each transition starts from; from every other stage it is refused.
ALLOWED_FROM = {
    "update": {"draft"},
    "submit": {"draft"},
    "approve": {"in_review"},
    "return_to_draft": {"in_review"},
    "sign": {"approved"},
    "send": {"signed"},
    "publish": {"sent"},
    "start_correction": {"published"},
    "retract": {"published"},
    "delete_draft": {"draft"},
    # Annexes are part of what the reviewer approves: added while drafting only.
    "add_annex": {"draft"},
}
WRONG = [
    pytest.param(transition, stage, id=f"{transition}-from-{stage}")
    for transition in TRANSITIONS
    for stage in STAGES
    if stage not in ALLOWED_FROM[transition]
]


class TestWrongState:
    @pytest.mark.parametrize(("transition", "stage"), WRONG)
    def test_every_transition_from_a_wrong_state_is_refused(
        self, letters: Letters, transition: str, stage: str
    ) -> None:
        reply = letters.make(stage)
        db.session.refresh(reply)
        before = (Letters.stage(reply), len(steps(reply)), len(audit(reply.id)))
        with pytest.raises(services.NotAllowed):
            TRANSITIONS[transition](letters, account(letters.colleague), reply)
        db.session.refresh(reply)
        assert (Letters.stage(reply), len(steps(reply)), len(audit(reply.id))) == before

    @pytest.mark.parametrize("transition", TRANSITIONS)
    def test_every_transition_from_its_state_is_open_to_a_colleague(
        self, letters: Letters, transition: str
    ) -> None:
        for stage in sorted(ALLOWED_FROM[transition]):
            reply = letters.make(stage)
            TRANSITIONS[transition](letters, account(letters.colleague), reply)

    @pytest.mark.parametrize("transition", TRANSITIONS)
    def test_nobody_outside_the_unit_moves_it(
        self, letters: Letters, people: People, transition: str
    ) -> None:
        for stage in sorted(ALLOWED_FROM[transition]):
            reply = letters.make(stage)
            for outsider in (letters.answering, letters.unrelated, people.administrator):
                with pytest.raises(services.NotAllowed):
                    TRANSITIONS[transition](letters, account(outsider), reply)


class TestAnnexes:
    def test_an_annex_is_added_and_removed_while_drafting(
        self, letters: Letters, upload_folder: Path
    ) -> None:
        reply = letters.create()
        data = pdf_bytes("Priloga 1")
        annex = services.add_annex(
            account(letters.drafter), reply, upload=pdf_upload(data), title=" Priloga 1 "
        )
        assert annex.title == "Priloga 1"
        assert annex.is_signed_original is False
        assert annex.sha256 == hashlib.sha256(data).hexdigest()
        assert files.path_of(annex.stored_name).read_bytes() == data
        assert reply.annexes == [annex]
        services.remove_annex(account(letters.colleague), reply, annex)
        assert reply.annexes == []
        assert [action for action, _ in audit(reply.id)][-2:] == [
            "reply.annex_add",
            "reply.annex_remove",
        ]

    def test_at_most_ten_annexes(self, letters: Letters) -> None:
        reply = letters.create()
        for n in range(services.ANNEXES_MAX):
            services.add_annex(
                account(letters.drafter), reply, upload=pdf_upload(), title=f"Priloga {n}"
            )
        with pytest.raises(files.AttachmentRefused) as refused:
            services.add_annex(account(letters.drafter), reply, upload=pdf_upload(), title="11")
        assert refused.value.reason is files.Refusal.TOO_MANY

    def test_an_annex_is_a_pdf(self, letters: Letters) -> None:
        reply = letters.create()
        with pytest.raises(files.AttachmentRefused):
            services.add_annex(account(letters.drafter), reply, upload=png_upload(), title="Slika")
        assert reply.attachments == []

    def test_the_signed_original_is_no_annex_to_remove(self, letters: Letters) -> None:
        reply = letters.make("signed")
        original = reply.signed_original
        assert original is not None
        with pytest.raises(services.NotAllowed):
            services.remove_annex(account(letters.drafter), reply, original)

    def test_annexes_are_fixed_once_the_letter_is_approved(self, letters: Letters) -> None:
        # Four eyes: the reviewer approved the letter with the annexes it had then.
        reply = letters.create()
        annex = services.add_annex(
            account(letters.drafter), reply, upload=pdf_upload(), title="Priloga 1"
        )
        letters.advance(reply, "approved")
        with pytest.raises(services.NotAllowed):
            services.remove_annex(account(letters.drafter), reply, annex)
        with pytest.raises(services.NotAllowed):
            services.add_annex(
                account(letters.drafter), reply, upload=pdf_upload(), title="Priloga 2"
            )
        assert [a.title for a in reply.annexes] == ["Priloga 1"]


class TestSigning:
    def test_a_picture_is_not_a_signed_original(
        self, letters: Letters, upload_folder: Path
    ) -> None:
        reply = letters.make("approved")
        signed_at, _ = moments(reply.letter_date)
        with pytest.raises(files.AttachmentRefused) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=png_upload(),
                signed_at=signed_at,
                method=SignatureMethod.QUALIFIED_ESIGNATURE,
            )
        assert refused.value.reason is files.Refusal.UNSUPPORTED_TYPE
        assert Letters.stage(reply) == "approved"
        assert reply.signed_pdf_sha256 is None
        assert reply.attachments == []
        assert not upload_folder.exists() or not any(upload_folder.iterdir())

    def test_signed_in_the_future_is_refused(self, letters: Letters) -> None:
        reply = letters.make("approved")
        with pytest.raises(services.InvalidValue) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=pdf_upload(),
                signed_at=utcnow() + timedelta(hours=2),
                method=SignatureMethod.QUALIFIED_ESIGNATURE,
            )
        assert (refused.value.field, refused.value.code) == ("signed_at", "future")
        assert Letters.stage(reply) == "approved"

    def test_signed_before_the_letters_date_is_refused(self, letters: Letters) -> None:
        reply = letters.make("approved")
        with pytest.raises(services.InvalidValue) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=pdf_upload(),
                signed_at=midnight(reply.letter_date) - timedelta(minutes=1),
                method=SignatureMethod.QUALIFIED_ESIGNATURE,
            )
        assert (refused.value.field, refused.value.code) == ("signed_at", "too_early")

    def test_a_moment_without_a_time_zone_is_refused(self, letters: Letters) -> None:
        reply = letters.make("approved")
        with pytest.raises(services.InvalidValue) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=pdf_upload(),
                signed_at=utcnow().replace(tzinfo=None),
                method=SignatureMethod.QUALIFIED_ESIGNATURE,
            )
        assert refused.value.field == "signed_at"

    def test_a_new_letter_says_how_it_was_signed(self, letters: Letters) -> None:
        reply = letters.make("approved")
        with pytest.raises(services.InvalidValue) as refused:
            services.sign(
                account(letters.drafter),
                reply,
                upload=pdf_upload(),
                signed_at=moments(reply.letter_date)[0],
                method=SignatureMethod.UNKNOWN,
            )
        assert refused.value.field == "method"


class TestSending:
    def test_sent_before_it_was_signed_is_refused(self, letters: Letters) -> None:
        reply = letters.make("signed")
        assert reply.signed_at is not None
        with pytest.raises(services.InvalidValue) as refused:
            services.send(
                account(letters.drafter), reply, sent_at=reply.signed_at - timedelta(seconds=1)
            )
        assert (refused.value.field, refused.value.code) == ("sent_at", "too_early")
        assert reply.state is _R.SIGNED
        assert reply.sent_at is None

    def test_sent_in_the_future_is_refused(self, letters: Letters) -> None:
        reply = letters.make("signed")
        with pytest.raises(services.InvalidValue) as refused:
            services.send(account(letters.drafter), reply, sent_at=utcnow() + timedelta(hours=1))
        assert (refused.value.field, refused.value.code) == ("sent_at", "future")


class TestRetracting:
    @pytest.mark.parametrize("reason", ["", "  \n "])
    def test_a_retraction_needs_a_reason(self, letters: Letters, reason: str) -> None:
        reply = letters.make("published")
        with pytest.raises(services.InvalidValue) as refused:
            services.retract(account(letters.drafter), reply, reason=reason)
        assert refused.value.field == "reason"
        assert reply.state is _R.PUBLISHED

    def test_a_retracted_letter_stays_listed_with_its_reason(self, letters: Letters) -> None:
        reply = letters.make("published")
        services.retract(account(letters.colleague), reply, reason=" Poslano pomotoma. ")
        assert reply.state is _R.RETRACTED
        assert reply.retraction_reason == "Poslano pomotoma."
        assert reply.retracted_at is not None
        assert permissions.can_view(None, reply)
        assert steps(reply)[-1] == (_E.RETRACTED, _R.PUBLISHED, _R.RETRACTED, letters.colleague)
        assert reply.events[-1].note == "Poslano pomotoma."
        assert audit(reply.id)[-1] == ("reply.retract", letters.colleague)


class TestContent:
    def test_a_letter_may_not_cover_an_unpublished_question(
        self, letters: Letters, make_question: Callable[..., int]
    ) -> None:
        waiting = make_question(Origin.RESIDENT, _Q.SUBMITTED)  # awaiting moderation
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(covers=covering(waiting))
        assert refused.value.field == "covers"

    @pytest.mark.parametrize(
        "covers",
        [
            (Covered(question_id=999_999),),
            (Covered(initiative_id=999_999),),
            (Covered(),),
        ],
        ids=["unknown-question", "unknown-initiative", "neither"],
    )
    def test_a_letter_covers_what_exists(
        self, letters: Letters, covers: tuple[Covered, ...]
    ) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(covers=covers)
        assert refused.value.field == "covers"

    def test_a_question_is_covered_once(self, letters: Letters) -> None:
        asked = letters.question()
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(covers=(Covered(question_id=asked), Covered(question_id=asked)))
        assert refused.value.field == "covers"

    def test_a_letter_dated_in_the_future_is_refused(self, letters: Letters) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(letter_date=local_today() + timedelta(days=1))
        assert refused.value.field == "letter_date"

    def test_a_forwarded_letter_names_the_unit(self, letters: Letters) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(reply_type=_T.FORWARDED)
        assert refused.value.field == "forwarded_to_id"

    def test_an_extension_needs_its_reason(self, letters: Letters) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(reply_type=_T.INTERIM, extended_to=local_today() + timedelta(days=10))
        assert refused.value.field == "extension_reason"

    @pytest.mark.parametrize("field", ["place", "addressee_text", "subject", "summary"])
    def test_a_line_printed_on_the_letter_is_required(self, letters: Letters, field: str) -> None:
        with pytest.raises(services.InvalidValue) as refused:
            letters.create(**{field: "   "})
        assert (refused.value.field, refused.value.code) == (field, "required")

    def test_only_an_official_of_the_unit_drafts_for_it(
        self, letters: Letters, people: People
    ) -> None:
        for outsider in (letters.answering, people.administrator, people.councillor):
            with pytest.raises(services.NotAllowed):
                letters.create(actor=outsider)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0


# --- verdicts ------------------------------------------------------------------------------------


class TestVerdicts:
    @pytest.fixture
    def answered(self, letters: Letters) -> tuple[Reply, Question]:
        asked = letters.question()
        return letters.make("published", covers=covering(asked)), question(asked)

    def _give(self, user_id: int, reply: Reply, item: Question, **kw: Any) -> AnswerVerdict:
        fields: dict[str, Any] = {
            "verdict": Verdict.PARTLY,
            "reason": "Odgovor ne navaja rokov.",
            "asker": False,
            "supporter": False,
        }
        fields.update(kw)
        return services.give_verdict(account(user_id), reply, item, **fields)

    def _rows(self, reply: Reply) -> list[AnswerVerdict]:
        return list(db.session.scalars(sa.select(AnswerVerdict).filter_by(reply_id=reply.id)))

    def test_the_askers_verdict_is_stored(
        self, answered: tuple[Reply, Question], people: People
    ) -> None:
        reply, item = answered
        given = self._give(
            people.councillor, reply, item, asker=True, reason="  Ne navaja\n rokov. "
        )
        assert (given.verdict, given.by_asker, given.reason) == (
            Verdict.PARTLY,
            True,
            "Ne navaja rokov.",
        )
        assert (given.reply_id, given.question_id, given.user_id) == (
            reply.id,
            item.id,
            people.councillor,
        )
        assert audit(reply.id)[-1] == ("reply.verdict", people.councillor)

    def test_a_second_verdict_replaces_the_first(
        self, answered: tuple[Reply, Question], people: People
    ) -> None:
        reply, item = answered
        self._give(people.councillor, reply, item, asker=True)
        self._give(
            people.councillor,
            reply,
            item,
            asker=True,
            verdict=Verdict.ANSWERED,
            reason="Dopolnjeno.",
        )
        rows = self._rows(reply)
        assert [(r.verdict, r.reason) for r in rows] == [(Verdict.ANSWERED, "Dopolnjeno.")]

    def test_a_supporter_gives_one_too(
        self, answered: tuple[Reply, Question], people: People
    ) -> None:
        reply, item = answered
        given = self._give(people.resident, reply, item, supporter=True)
        assert given.by_asker is False

    def test_someone_who_neither_asked_nor_supported_is_refused(
        self, answered: tuple[Reply, Question], people: People
    ) -> None:
        reply, item = answered
        with pytest.raises(services.NotAllowed):
            self._give(people.resident, reply, item)
        assert self._rows(reply) == []

    @pytest.mark.parametrize("stage", ["sent", "corrected", "retracted"])
    def test_a_letter_not_published_is_refused(
        self, letters: Letters, people: People, stage: str
    ) -> None:
        asked = letters.question()
        reply = letters.make(stage, covers=covering(asked))
        with pytest.raises(services.NotAllowed):
            self._give(people.councillor, reply, question(asked), asker=True)

    def test_a_question_the_letter_does_not_answer_is_refused(
        self, answered: tuple[Reply, Question], letters: Letters, people: People
    ) -> None:
        reply, _ = answered
        other = question(letters.question())
        with pytest.raises(services.InvalidValue) as refused:
            self._give(people.councillor, reply, other, asker=True)
        assert refused.value.field == "question"

    @pytest.mark.parametrize(
        ("reason", "code"), [("", "required"), (" \n ", "required"), ("x" * 1001, "too_long")]
    )
    def test_a_reason_is_required_and_at_most_1000_characters(
        self, answered: tuple[Reply, Question], people: People, reason: str, code: str
    ) -> None:
        reply, item = answered
        with pytest.raises(services.InvalidValue) as refused:
            self._give(people.councillor, reply, item, asker=True, reason=reason)
        assert (refused.value.field, refused.value.code) == ("reason", code)
        given = self._give(people.councillor, reply, item, asker=True, reason="x" * 1000)
        assert len(given.reason) == 1000


# --- concurrency, on PostgreSQL ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_app(
    request: pytest.FixtureRequest, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app on a database of its own, where every thread commits for real."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL, the production database")
    app = create_app(
        base_config(
            databases.new("rconcurrency"),
            UPLOAD_FOLDER=str(tmp_path_factory.mktemp("reply-uploads")),
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 6, "max_overflow": 2},
        )
    )
    with app.app_context():
        upgrade()
        db.session.add(OrgUnit(code="KZ", name="Kabinet župana", kind=OrgUnitKind.OFFICE))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _sent_letter(app: Flask) -> tuple[int, list[int], int]:
    """A sent letter of KZ answering a resident's question; the officials of KZ; the question."""
    with app.app_context():
        unit = db.session.scalar(sa.select(OrgUnit).filter_by(code="KZ"))
        assert unit is not None
        base = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
        users = []
        for n in range(base, base + 3):
            user = User(
                subject_key=f"{n:064x}", pseudonym=f"U{n}", pseudonym_key=f"u{n}",
                is_adult=True, last_acr="http://eidas.europa.eu/LoA/substantial",
                resident_verified_at=utcnow(), residency_source=ResidencySource.EID,
            )  # fmt: skip
            db.session.add(user)
            users.append(user)
        db.session.flush()
        author, drafter, reviewer = users
        for official in (drafter, reviewer):
            official.role_grants.append(RoleGrant(role=Role.OFFICIAL, org_unit_id=unit.id))
        asked = Question(
            origin=Origin.RESIDENT, state=_Q.POSED, title="Pločnik na Koroški cesti",
            body="Kdaj?", body_html="<p>Kdaj?</p>", author_id=author.id, published_at=utcnow(),
        )  # fmt: skip
        db.session.add(asked)
        db.session.flush()
        content = services.Content(
            reference_number=f"032-{base + 1}/2026-2",
            letter_date=local_today() - timedelta(days=1),
            place="Kranj",
            reply_type=_T.FULL,
            addressee_kind=AddresseeKind.PERSON,
            addressee_text="Prebivalec",
            subject="Odgovor na vprašanje",
            question_restatement="Prebivalec je vprašal, kdaj bo obnovljen pločnik.",
            summary="Pločnik bo obnovljen spomladi.",
            body="Pločnik bo obnovljen spomladi.",
            answering_unit_ids=(unit.id,),
            signatories=(services.Signatory("Matjaž Rakovec", "župan"),),
            distribution=(Recipient("Prebivalec"),),
            covers=covering(asked.id),
        )
        reply = services.create(drafter, issuer_unit_id=unit.id, content=content)
        services.submit(drafter, reply)
        services.approve(reviewer, reply)
        signed_at, sent_at = moments(reply.letter_date)
        services.sign(
            drafter, reply, upload=pdf_upload(), signed_at=signed_at,
            method=SignatureMethod.ESEAL,
        )  # fmt: skip
        services.send(drafter, reply, sent_at=sent_at)
        db.session.commit()
        return reply.id, [drafter.id, reviewer.id], asked.id


def test_two_officials_publishing_at_once_publish_it_once(shared_app: Flask) -> None:
    reply_id, officials, question_id = _sent_letter(shared_app)
    barrier = threading.Barrier(len(officials))

    def one(user_id: int) -> str:
        with shared_app.app_context():
            user = db.session.get(User, user_id)
            reply = db.session.get(Reply, reply_id)
            assert user is not None
            assert reply is not None
            barrier.wait(timeout=30)
            try:
                services.publish(user, reply)
            except services.NotAllowed:
                db.session.rollback()
                return "refused"
            db.session.commit()
            return "ok"

    with ThreadPoolExecutor(max_workers=len(officials)) as pool:
        outcomes = sorted(pool.map(one, officials))
    assert outcomes == ["ok", "refused"]
    with shared_app.app_context():
        published = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ReplyEvent)
            .filter_by(reply_id=reply_id, kind=_E.PUBLISHED)
        )
        assert published == 1
        entries = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .filter_by(target_type="reply", target_id=reply_id, action="reply.publish")
        )
        assert entries == 1
        item = db.session.get(Question, question_id)
        assert item is not None
        assert item.state is _Q.ANSWERED
        assert [e.kind for e in item.events].count(QuestionEventKind.ANSWERED) == 1
        assert item.state not in OPEN
