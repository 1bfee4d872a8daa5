"""Use cases of questions: every transition, its timeline step and its audit entry.

Service calls go to the real database (SQLite or PostgreSQL); a refused call is checked to
leave nothing behind once the view rolls back, and the supports are counted under real
concurrency on PostgreSQL at the end of this file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.auth.models import ResidencySource, Role, RoleGrant, User
from app.core.models import AuditEntry
from app.core.time import today as local_today
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import EventKind, InitiativeEvent
from app.org.models import OrgUnit
from app.questions import permissions, services
from app.questions.models import (
    DeadlineRule,
    Form,
    Kind,
    Origin,
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
    QuestionSupport,
    WorkFreeDay,
)
from app.reference.models import RejectionReason, Topic
from app.reference.seed import seed_reference_data
from app.sessions import services as sessions
from app.sessions.models import SessionKind
from tests.conftest import Databases, base_config
from tests.questions.conftest import (
    CASE_NUMBER,
    SESSION_2016,
    Committee,
    Council,
    People,
    account,
    council_content,
    initiative,
    reason_id,
    resident_content,
)

_Q = QuestionState
_E = QuestionEventKind

pytestmark = pytest.mark.usefixtures("ctx")


def question(question_id: int) -> Question:
    found = db.session.get(Question, question_id)
    assert found is not None
    return found


def events(item: Question) -> list[QuestionEventKind]:
    db.session.refresh(item)
    return [event.kind for event in item.events]


def last_event(item: Question) -> QuestionEvent:
    db.session.refresh(item)
    return item.events[-1]


def audit(target_id: int, target_type: str = "question") -> list[tuple[str, int | None]]:
    """The audit log of one object: (action, actor id), oldest first."""
    return [
        (entry.action, entry.actor_id)
        for entry in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .order_by(AuditEntry.id)
        )
    ]


_COUNTED = (
    Question, QuestionEvent, QuestionAuthor, QuestionAddressee, QuestionSupport, AuditEntry,
    InitiativeEvent,
)  # fmt: skip


def rows() -> dict[str, int]:
    """How many rows each table a question's use case writes holds."""
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in _COUNTED
    }


def snapshot() -> dict[str, int]:
    """The row counts, after committing what the test's own session holds.

    A factory's commit only releases a SAVEPOINT nested in the test session's own one: without
    this commit, the rollback in ``refused`` would take the factory's rows with it too.
    """
    db.session.commit()
    return rows()


def refused(before: dict[str, int]) -> None:
    """A refused service left nothing to save, and the view's rollback leaves nothing either."""
    assert rows() == before
    db.session.rollback()
    assert rows() == before


def unit_id(council: Council, code: str) -> int:
    return council.units[code]


# --- a resident's question ------------------------------------------------------------------


class TestAsking:
    def test_a_question_goes_to_moderation_at_once(self, people: People) -> None:
        author = account(people.author)
        asked = services.ask(
            author, resident_content(title="  Pločnik   na Koroški ", body=" **Nujno** ")
        )
        assert asked.state is _Q.SUBMITTED
        assert asked.origin is Origin.RESIDENT
        assert asked.title == "Pločnik na Koroški"
        assert asked.body_html.strip() == "<p><strong>Nujno</strong></p>"
        assert asked.submitted_at is not None
        assert asked.published_at is None
        assert asked.due_on is None  # the deadline runs from publication
        assert events(asked) == [_E.SUBMITTED]
        assert audit(asked.id) == [("question.ask", author.id)]

    def test_an_account_not_set_up_cannot_ask(self, people: People, make_user) -> None:
        newcomer = account(make_user(pseudonym=None))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.ask(newcomer, resident_content())
        refused(before)

    @pytest.mark.parametrize(("field", "override"), [("topic", "topic_id"), ("unit", "unit_id")])
    def test_an_unknown_topic_or_unit_is_refused(
        self, people: People, field: str, override: str
    ) -> None:
        before = snapshot()
        with pytest.raises(services.InvalidChoice) as error:
            services.ask(account(people.author), resident_content(**{override: 999_999}))
        assert error.value.field == field
        refused(before)

    def test_an_inactive_topic_is_refused(self, people: People) -> None:
        closed = db.session.scalar(sa.select(Topic).filter_by(slug="okolje"))
        assert closed is not None
        closed.is_active = False
        with pytest.raises(services.InvalidChoice) as error:
            services.ask(account(people.author), resident_content(topic_id=closed.id))
        assert error.value.field == "topic"

    def test_the_author_edits_while_it_waits_without_an_audit_entry(
        self, people: People, make_question
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        services.update_resident(
            account(people.author), asked, resident_content(title="Nov naslov")
        )
        assert asked.title == "Nov naslov"
        assert events(asked) == [_E.SUBMITTED]
        assert audit(asked.id) == [("question.ask", people.author)]

    def test_a_moderators_correction_is_audited_and_shown(
        self, people: People, make_question
    ) -> None:
        posed = question(make_question(state=_Q.POSED))
        services.update_resident(
            account(people.moderator), posed, resident_content(title="Popravljen naslov")
        )
        assert posed.title == "Popravljen naslov"
        edited = last_event(posed)
        assert (edited.kind, edited.data) == (_E.EDITED, {"fields": ["title"]})
        assert audit(posed.id)[-1] == ("question.edit", people.moderator)

    def test_the_author_cannot_edit_after_publication(self, people: People, make_question) -> None:
        posed = question(make_question(state=_Q.POSED))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.update_resident(account(people.author), posed, resident_content(title="X"))
        refused(before)
        assert question(posed.id).title == "Kdaj bo obnovljen pločnik na Koroški cesti?"


class TestModeration:
    def test_publishing_starts_the_deadline_on_the_day_of_publication(
        self, people: People, make_question
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        services.publish(account(people.moderator), asked, seen=services.version(asked))
        assert asked.state is _Q.POSED
        assert asked.published_at is not None
        assert asked.responsible_unit_id is None
        assert asked.deadline_rule is not None
        assert asked.deadline_rule.name == "Vprašanja občanov"
        assert asked.starts_on == local_today()
        assert asked.due_on is not None
        # 30 calendar days, moved to the next working day at most over a long weekend.
        assert 30 <= (asked.due_on - local_today()).days <= 34
        published = last_event(asked)
        assert (published.kind, published.data) == (_E.PUBLISHED, {"due": asked.due_on.isoformat()})
        assert audit(asked.id)[-1] == ("question.publish", people.moderator)

    def test_publishing_with_a_unit_assigns_it(
        self, people: People, council: Council, make_question
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        services.publish(
            account(people.moderator),
            asked,
            seen=services.version(asked),
            unit_id=unit_id(council, "UOP"),
        )
        assert asked.state is _Q.ASSIGNED
        assert asked.responsible_unit is not None
        assert asked.responsible_unit.code == "UOP"

    def test_a_text_edited_after_the_moderator_opened_it_is_not_published(
        self, people: People, make_question
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        moderator = account(people.moderator)
        seen = services.version(asked)
        services.update_resident(account(people.author), asked, resident_content(title="Drugo"))
        db.session.commit()
        before = snapshot()
        with pytest.raises(services.ChangedMeanwhile):
            services.publish(moderator, asked, seen=seen)
        with pytest.raises(services.ChangedMeanwhile):
            services.reject(
                moderator, asked, seen=seen, reason_id=reason_id("promotion"), note=None
            )
        refused(before)
        asked = question(asked.id)
        assert asked.state is _Q.SUBMITTED
        services.publish(moderator, asked, seen=services.version(asked))
        assert asked.state is _Q.POSED

    def test_a_rejection_gives_its_public_reason(self, people: People, make_question) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        services.reject(
            account(people.moderator),
            asked,
            seen=services.version(asked),
            reason_id=reason_id("duplicate"),
            note="  Glej vprašanje št. 3. ",
        )
        assert asked.state is _Q.REJECTED
        assert asked.rejection_reason is not None
        assert asked.rejection_reason.slug == "duplicate"
        assert asked.rejection_note == "Glej vprašanje št. 3."
        assert asked.closed_at is not None
        assert asked.published_at is None
        rejected = last_event(asked)
        assert (rejected.kind, rejected.note, rejected.data) == (
            _E.REJECTED,
            "Glej vprašanje št. 3.",
            {"reason": "duplicate"},
        )
        assert audit(asked.id)[-1] == ("question.reject", people.moderator)

    @pytest.mark.parametrize("note", [None, "", "   "])
    def test_the_reason_other_needs_the_moderators_words(
        self, people: People, make_question, note: str | None
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        moderator = account(people.moderator)
        before = snapshot()
        with pytest.raises(services.NoteRequired):
            services.reject(
                moderator,
                asked,
                seen=services.version(asked),
                reason_id=reason_id("other"),
                note=note,
            )
        refused(before)
        asked = question(asked.id)
        services.reject(
            moderator,
            asked,
            seen=services.version(asked),
            reason_id=reason_id("other"),
            note="Vprašanje je namenjeno državi.",
        )
        assert asked.state is _Q.REJECTED

    def test_an_unknown_or_inactive_reason_is_refused(self, people: People, make_question) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        moderator = account(people.moderator)
        retired = db.session.scalar(sa.select(RejectionReason).filter_by(slug="competence"))
        assert retired is not None
        retired.is_active = False
        db.session.commit()
        before = snapshot()
        for chosen in (999_999, retired.id):
            with pytest.raises(services.InvalidChoice) as error:
                services.reject(
                    moderator, asked, seen=services.version(asked), reason_id=chosen, note="x"
                )
            assert error.value.field == "reason"
        refused(before)
        assert question(asked.id).state is _Q.SUBMITTED

    def test_a_moderator_does_not_moderate_their_own_question(
        self, people: People, make_question
    ) -> None:
        own = question(make_question(state=_Q.SUBMITTED, author_id=people.moderator))
        with pytest.raises(services.NotAllowed):
            services.publish(account(people.moderator), own, seen=services.version(own))
        services.publish(account(people.administrator), own, seen=services.version(own))
        assert own.state is _Q.POSED

    def test_a_published_question_is_not_moderated_again(
        self, people: People, make_question
    ) -> None:
        posed = question(make_question(state=_Q.POSED))
        with pytest.raises(services.NotAllowed):
            services.publish(account(people.moderator), posed, seen=services.version(posed))


# --- a councillor's question ----------------------------------------------------------------


class TestRecording:
    def test_an_oral_question_at_a_held_session(self, people: People, council: Council) -> None:
        councillor = account(people.councillor)
        recorded = services.record(councillor, council_content(council, people))
        assert recorded.origin is Origin.COUNCILLOR
        # Addressed to one unit: that unit answers.
        assert recorded.state is _Q.ASSIGNED
        assert recorded.responsible_unit_id == unit_id(council, "KZ")
        assert [a.person_id for a in recorded.authors] == [people.councillor_person]
        assert recorded.session_id == council.held_session_id
        assert recorded.published_at is not None
        assert recorded.recorded_by_id == councillor.id
        held_on = local_today() - timedelta(days=14)
        assert recorded.starts_on == held_on
        assert recorded.deadline_rule is not None
        assert recorded.deadline_rule.name == "Svetniška vprašanja in pobude na seji"
        assert recorded.due_on is not None
        assert 30 <= (recorded.due_on - held_on).days <= 34
        assert events(recorded) == [_E.RECORDED]
        assert audit(recorded.id) == [("question.record", councillor.id)]

    def test_the_16th_regular_session_of_2016_is_due_on_20_may(
        self, people: People, council: Council
    ) -> None:
        recorded = services.record(
            account(people.council_office),
            council_content(council, people, session_id=council.session_2016_id, to_mayor=True),
        )
        assert (recorded.starts_on, recorded.due_on) == (SESSION_2016, date(2016, 5, 20))
        assert last_event(recorded).data == {"due": "2016-05-20"}

    def test_a_session_not_yet_held_is_refused(self, people: People, council: Council) -> None:
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.councillor),
                council_content(council, people, session_id=council.future_session_id),
            )
        assert error.value.field == "session"
        refused(before)

    @pytest.mark.parametrize("session_id", [None, 999_999])
    def test_an_oral_question_needs_a_session(
        self, people: People, council: Council, session_id: int | None
    ) -> None:
        with pytest.raises(services.InvalidChoice) as error:
            services.record(
                account(people.councillor), council_content(council, people, session_id=session_id)
            )
        assert error.value.field == "session"

    def test_a_written_question_runs_from_the_day_it_was_received(
        self, people: People, council: Council
    ) -> None:
        recorded = services.record(
            account(people.councillor),
            council_content(
                council, people, form=Form.WRITTEN, session_id=None, received_on=date(2024, 6, 3)
            ),
        )
        assert recorded.received_on == date(2024, 6, 3)
        assert recorded.deadline_rule is not None
        assert recorded.deadline_rule.name == "Pisna svetniška vprašanja in pobude"
        assert (recorded.starts_on, recorded.due_on) == (date(2024, 6, 3), date(2024, 7, 3))

    @pytest.mark.parametrize("days_ahead", [1, 30])
    def test_a_written_question_received_in_the_future_is_refused(
        self, people: People, council: Council, days_ahead: int
    ) -> None:
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.councillor),
                council_content(
                    council,
                    people,
                    form=Form.WRITTEN,
                    session_id=None,
                    received_on=local_today() + timedelta(days=days_ahead),
                ),
            )
        assert error.value.field == "received_on"
        refused(before)

    def test_a_written_question_without_its_date_is_refused(
        self, people: People, council: Council
    ) -> None:
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.councillor),
                council_content(council, people, form=Form.WRITTEN, session_id=None),
            )
        assert error.value.field == "received_on"

    def test_authors_must_hold_a_seat_on_the_day(self, people: People, council: Council) -> None:
        # Ana Kovač sits in the current term only, not at the session of 2016.
        content = council_content(
            council,
            people,
            session_id=council.session_2016_id,
            author_ids=(people.councillor_person, people.other_councillor_person),
        )
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.record(account(people.council_office), content)
        assert error.value.field == "authors"
        refused(before)
        alone = replace(content, author_ids=(people.councillor_person,))
        assert services.record(account(people.council_office), alone).state is _Q.ASSIGNED

    def test_a_question_needs_its_authors(self, people: People, council: Council) -> None:
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.council_office), council_content(council, people, author_ids=())
            )
        assert error.value.field == "authors"

    def test_an_unknown_author_is_refused(self, people: People, council: Council) -> None:
        with pytest.raises(services.InvalidChoice) as error:
            services.record(
                account(people.council_office),
                council_content(council, people, author_ids=(999_999,)),
            )
        assert error.value.field == "authors"

    def test_a_councillor_records_only_what_they_pose(
        self, people: People, council: Council
    ) -> None:
        theirs = council_content(council, people, author_ids=(people.other_councillor_person,))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.record(account(people.councillor), theirs)
        refused(before)
        # The council office records for any councillor seated on the day.
        recorded = services.record(account(people.council_office), theirs)
        assert [a.person_id for a in recorded.authors] == [people.other_councillor_person]
        assert recorded.recorded_by_id == people.council_office

    @pytest.mark.parametrize("who", ["resident", "official", "moderator"])
    def test_only_councillors_the_office_and_administrators_record(
        self, people: People, council: Council, who: str
    ) -> None:
        with pytest.raises(services.NotAllowed):
            services.record(account(getattr(people, who)), council_content(council, people))

    def test_an_unknown_or_inactive_unit_is_refused(self, people: People, council: Council) -> None:
        retired = db.session.get(OrgUnit, unit_id(council, "UGDP"))
        assert retired is not None
        retired.is_active = False
        db.session.commit()
        before = snapshot()
        for units in ((999_999,), (unit_id(council, "KZ"), retired.id)):
            with pytest.raises(services.InvalidChoice) as error:
                services.record(
                    account(people.councillor), council_content(council, people, unit_ids=units)
                )
            assert error.value.field == "units"
        refused(before)

    def test_nobody_to_answer_is_refused(self, people: People, council: Council) -> None:
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.councillor),
                council_content(council, people, unit_ids=(), to_mayor=False),
            )
        assert error.value.field == "units"
        refused(before)

    def test_to_the_mayor_alone_it_is_posed_with_no_unit(
        self, people: People, council: Council
    ) -> None:
        recorded = services.record(
            account(people.councillor),
            council_content(council, people, unit_ids=(), to_mayor=True),
        )
        assert (recorded.state, recorded.responsible_unit_id) == (_Q.POSED, None)
        assert recorded.to_mayor is True

    def test_to_several_units_nobody_answers_until_one_is_assigned(
        self, people: People, council: Council
    ) -> None:
        units = (unit_id(council, "UOP"), unit_id(council, "KZ"))
        recorded = services.record(
            account(people.councillor), council_content(council, people, unit_ids=units)
        )
        assert recorded.state is _Q.POSED
        assert recorded.responsible_unit_id is None
        assert [a.unit_id for a in recorded.addressees] == list(units)

    def test_a_case_number_registers_it_at_once(self, people: People, council: Council) -> None:
        recorded = services.record(
            account(people.council_office),
            council_content(council, people, case_number="032-11/2016"),
        )
        assert (recorded.state, recorded.case_number) == (_Q.REGISTERED, "032-11/2016")

    def test_a_malformed_case_number_is_refused_when_recorded(
        self, people: People, council: Council
    ) -> None:
        with pytest.raises(services.InvalidValue) as error:
            services.record(
                account(people.council_office),
                council_content(council, people, case_number="zadeva 11"),
            )
        assert error.value.field == "case_number"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("032-11/2016", "032-11/2016"),
        (" 032-11 / 2016 ", "032-11/2016"),
        ("0320-7/2024", "0320-7/2024"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_case_number_keeps_the_administrations_form(
    written: str | None, kept: str | None
) -> None:
    assert services.parse_case_number(written) == kept


@pytest.mark.parametrize(
    "written", ["32-11/2016", "032-11/16", "032/2016", "032-11-2016", "abc", "032-x/2016"]
)
def test_parse_case_number_refuses_a_malformed_one(written: str) -> None:
    with pytest.raises(services.InvalidValue) as error:
        services.parse_case_number(written)
    assert error.value.field == "case_number"


#: How ``make_question`` records a councillor's question: to the mayor, no unit yet.
TO_MAYOR: dict[str, Any] = {"to_mayor": True, "unit_ids": ()}


class TestEditingTheRecord:
    def test_the_author_corrects_it_until_it_is_registered(
        self, people: People, council: Council, make_question
    ) -> None:
        posed = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        councillor = account(people.councillor)
        services.update_council(
            councillor, posed, council_content(council, people, title="Popravek", **TO_MAYOR)
        )
        assert posed.title == "Popravek"
        assert last_event(posed).data == {"fields": ["title"]}
        assert audit(posed.id)[-1] == ("question.edit", councillor.id)
        services.register(account(people.official), posed, case_number=CASE_NUMBER)
        with pytest.raises(services.NotAllowed):
            services.update_council(councillor, posed, council_content(council, people))

    def test_the_author_corrects_a_question_to_one_unit_before_registration(
        self, people: People, council: Council
    ) -> None:
        councillor = account(people.councillor)
        recorded = services.record(councillor, council_content(council, people))
        assert (recorded.state, recorded.case_number) == (_Q.ASSIGNED, None)
        services.update_council(
            councillor, recorded, council_content(council, people, title="Popravek")
        )
        assert recorded.title == "Popravek"

    def test_another_councillor_cannot_edit_it(
        self, people: People, council: Council, make_question
    ) -> None:
        posed = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        with pytest.raises(services.NotAllowed):
            services.update_council(
                account(people.other_councillor), posed, council_content(council, people)
            )

    def test_moving_it_to_another_session_recomputes_its_due_date(
        self, people: People, council: Council, make_question
    ) -> None:
        posed = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        before = posed.due_on
        services.update_council(
            account(people.council_office),
            posed,
            council_content(council, people, session_id=council.session_2016_id, **TO_MAYOR),
        )
        assert (posed.starts_on, posed.due_on) == (SESSION_2016, date(2016, 5, 20))
        moved = last_event(posed)
        assert moved.kind is _E.DUE_RECOMPUTED
        assert moved.data == {
            "from": before.isoformat() if before else None,
            "to": "2016-05-20",
            "cause": "edited",
        }
        assert [action for action, _ in audit(posed.id)][-2:] == [
            "question.edit",
            "question.due_recomputed",
        ]

    def test_a_change_of_nothing_writes_nothing(
        self, people: People, council: Council, make_question
    ) -> None:
        posed = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        before = snapshot()
        services.update_council(
            account(people.council_office), posed, council_content(council, people, **TO_MAYOR)
        )
        assert rows() == before


# --- support --------------------------------------------------------------------------------


def supports_of(item: Question) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuestionSupport)
            .where(QuestionSupport.question_id == item.id)
        )
        or 0
    )


class TestSupport:
    def test_one_support_per_person_and_the_counter_equals_the_rows(
        self, people: People, make_question
    ) -> None:
        posed = question(make_question(state=_Q.POSED))
        for who in (people.resident, people.councillor, people.official):
            services.support(account(who), posed)
        with pytest.raises(services.AlreadySupported):
            services.support(account(people.resident), posed)
        db.session.refresh(posed)
        assert (posed.support_count, supports_of(posed)) == (3, 3)
        assert services.has_supported(account(people.resident), posed)
        assert not services.has_supported(account(people.moderator), posed)

    def test_a_support_is_withdrawn_once(self, people: People, make_question) -> None:
        posed = question(make_question(state=_Q.ASSIGNED))
        resident = account(people.resident)
        services.support(resident, posed)
        services.withdraw_support(resident, posed)
        with pytest.raises(services.NotSupported):
            services.withdraw_support(resident, posed)
        db.session.refresh(posed)
        assert (posed.support_count, supports_of(posed)) == (0, 0)
        services.support(resident, posed)  # and given again
        db.session.refresh(posed)
        assert (posed.support_count, supports_of(posed)) == (1, 1)

    @pytest.mark.parametrize(
        ("origin", "state", "who"),
        [
            (Origin.RESIDENT, _Q.POSED, "author"),
            (Origin.RESIDENT, _Q.SUBMITTED, "resident"),
            (Origin.RESIDENT, _Q.ANSWERED, "resident"),
            (Origin.COUNCILLOR, _Q.POSED, "resident"),
        ],
    )
    def test_who_cannot_support(
        self, people: People, make_question, origin: Origin, state: QuestionState, who: str
    ) -> None:
        item = question(make_question(origin, state))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.support(account(getattr(people, who)), item)
        refused(before)
        assert question(item.id).support_count == 0


# --- the municipality --------------------------------------------------------------------------


class TestAnswering:
    def test_assigning_the_unit(self, people: People, council: Council, make_question) -> None:
        posed = question(make_question(state=_Q.POSED))
        services.assign(account(people.moderator), posed, unit_id=unit_id(council, "UOP"))
        assert posed.state is _Q.ASSIGNED
        assert posed.responsible_unit_id == unit_id(council, "UOP")
        assigned = last_event(posed)
        assert (assigned.kind, assigned.data) == (_E.ASSIGNED, {"unit": "UOP"})
        assert audit(posed.id)[-1] == ("question.assign", people.moderator)

    def test_assigning_a_registered_question_moves_it_on_with_its_number(
        self, people: People, council: Council, make_question
    ) -> None:
        registered = question(make_question(Origin.COUNCILLOR, _Q.REGISTERED))
        services.assign(account(people.council_office), registered, unit_id=unit_id(council, "KZ"))
        assert (registered.state, registered.case_number) == (_Q.ASSIGNED, CASE_NUMBER)

    def test_a_unit_that_has_it_hands_it_on_only_by_forwarding(
        self, people: People, council: Council, make_question
    ) -> None:
        assigned = question(make_question(state=_Q.ASSIGNED))
        with pytest.raises(services.NotAllowed):
            services.assign(account(people.official), assigned, unit_id=unit_id(council, "UOP"))

    def test_forwarding_to_another_unit_says_why(
        self, people: People, council: Council, make_question
    ) -> None:
        assigned = question(make_question(state=_Q.IN_PREPARATION))
        services.forward(
            account(people.official),
            assigned,
            unit_id=unit_id(council, "UOP"),
            note="  Pločniki so v pristojnosti UOP. ",
        )
        assert assigned.responsible_unit_id == unit_id(council, "UOP")
        assert assigned.state is _Q.IN_PREPARATION
        forwarded = last_event(assigned)
        assert (forwarded.kind, forwarded.note, forwarded.data) == (
            _E.FORWARDED,
            "Pločniki so v pristojnosti UOP.",
            {"from": "KZ", "to": "UOP"},
        )
        assert audit(assigned.id)[-1] == ("question.forward", people.official)
        # Now UOP answers, and KZ no longer may.
        with pytest.raises(services.NotAllowed):
            services.answer(account(people.official), assigned, kind="full", text="x")
        services.answer(account(people.other_official), assigned, kind="full", text="Odgovor.")
        assert assigned.answered_by_unit_id == unit_id(council, "UOP")

    def test_forwarding_to_the_unit_that_has_it_is_refused(
        self, people: People, council: Council, make_question
    ) -> None:
        assigned = question(make_question(state=_Q.ASSIGNED))
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.forward(
                account(people.official), assigned, unit_id=unit_id(council, "KZ"), note="x"
            )
        assert error.value.field == "unit"
        refused(before)

    def test_nothing_is_forwarded_before_a_unit_has_it(
        self, people: People, council: Council, make_question
    ) -> None:
        posed = question(make_question(state=_Q.POSED))
        with pytest.raises(services.NotAllowed):
            services.forward(
                account(people.moderator), posed, unit_id=unit_id(council, "KZ"), note="x"
            )

    def test_forwarding_without_a_reason_is_refused(
        self, people: People, council: Council, make_question
    ) -> None:
        assigned = question(make_question(state=_Q.ASSIGNED))
        with pytest.raises(services.InvalidValue) as error:
            services.forward(
                account(people.official), assigned, unit_id=unit_id(council, "UOP"), note="  "
            )
        assert error.value.field == "note"

    def test_registering_the_case_number(self, people: People, make_question) -> None:
        posed = question(make_question(state=_Q.POSED))
        services.register(account(people.official), posed, case_number=" 032-5 / 2026 ")
        assert (posed.state, posed.case_number) == (_Q.REGISTERED, "032-5/2026")
        registered = last_event(posed)
        assert (registered.kind, registered.data) == (_E.REGISTERED, {"case_number": "032-5/2026"})
        assert audit(posed.id)[-1] == ("question.register", people.official)

    def test_registering_later_keeps_the_stage(self, people: People, make_question) -> None:
        in_preparation = question(make_question(state=_Q.IN_PREPARATION))
        services.register(account(people.official), in_preparation, case_number="032-5/2026")
        assert in_preparation.state is _Q.IN_PREPARATION

    @pytest.mark.parametrize("written", ["", "   ", "5/2026"])
    def test_registering_a_malformed_case_number_is_refused(
        self, people: People, make_question, written: str
    ) -> None:
        posed = question(make_question(state=_Q.POSED))
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.register(account(people.official), posed, case_number=written)
        assert error.value.field == "case_number"
        refused(before)

    def test_the_stages_of_an_answer(self, people: People, make_question) -> None:
        assigned = question(make_question(Origin.COUNCILLOR, _Q.ASSIGNED))
        official = account(people.official)
        services.set_stage(official, assigned, stage=_Q.IN_PREPARATION)
        services.set_stage(official, assigned, stage=_Q.AWAITING_SIGNATURE)
        services.set_stage(official, assigned, stage=_Q.AWAITING_SIGNATURE)  # no change
        assert assigned.state is _Q.AWAITING_SIGNATURE
        changes = [e.data for e in question(assigned.id).events if e.kind is _E.STATE_CHANGED]
        assert changes == [
            {"from": "assigned", "to": "in_preparation"},
            {"from": "in_preparation", "to": "awaiting_signature"},
        ]
        assert [a for a, _ in audit(assigned.id)].count("question.stage") == 2

    @pytest.mark.parametrize("stage", [_Q.ANSWERED, _Q.POSED, _Q.WITHDRAWN])
    def test_a_stage_is_not_an_answer_or_a_closure(
        self, people: People, make_question, stage: QuestionState
    ) -> None:
        assigned = question(make_question(state=_Q.ASSIGNED))
        with pytest.raises(services.InvalidValue) as error:
            services.set_stage(account(people.official), assigned, stage=stage)
        assert error.value.field == "stage"

    @pytest.mark.parametrize(
        ("kind", "state", "still_open"),
        [
            ("full", _Q.ANSWERED, False),
            ("partial", _Q.PARTIALLY_ANSWERED, True),
            ("interim", _Q.INTERIM_ANSWERED, True),
        ],
    )
    def test_answers(
        self,
        people: People,
        council: Council,
        make_question,
        kind: str,
        state: QuestionState,
        still_open: bool,
    ) -> None:
        assigned = question(make_question(Origin.COUNCILLOR, _Q.AWAITING_SIGNATURE))
        services.answer(account(people.official), assigned, kind=kind, text=" **Odgovor** ")
        assert assigned.state is state
        assert assigned.is_open is still_open
        assert (assigned.closed_at is None) is still_open
        assert (assigned.answer_html or "").strip() == "<p><strong>Odgovor</strong></p>"
        assert assigned.answered_by_unit_id == unit_id(council, "KZ")
        answered = last_event(assigned)
        assert (answered.kind, answered.data) == (_E.ANSWERED, {"answer": kind, "on_time": True})
        assert audit(assigned.id)[-1] == ("question.answer", people.official)

    def test_a_partial_answer_is_completed_later(self, people: People, make_question) -> None:
        partial = question(make_question(state=_Q.PARTIALLY_ANSWERED))
        services.answer(account(people.official), partial, kind="full", text="Še preostanek.")
        assert partial.state is _Q.ANSWERED
        with pytest.raises(services.NotAllowed):
            services.answer(account(people.official), partial, kind="full", text="Znova.")

    def test_a_late_answer_is_recorded_as_late(
        self, people: People, council: Council, make_question
    ) -> None:
        late = question(
            make_question(
                Origin.COUNCILLOR,
                _Q.ASSIGNED,
                session_id=council.session_2016_id,
            )
        )
        services.answer(account(people.official), late, kind="full", text="Odgovor.")
        assert last_event(late).data == {"answer": "full", "on_time": False}

    @pytest.mark.parametrize(
        ("kind", "text", "field"), [("complete", "Odgovor.", "kind"), ("full", "  ", "text")]
    )
    def test_an_answer_needs_its_kind_and_text(
        self, people: People, make_question, kind: str, text: str, field: str
    ) -> None:
        assigned = question(make_question(state=_Q.ASSIGNED))
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.answer(account(people.official), assigned, kind=kind, text=text)
        assert error.value.field == field
        refused(before)
        assert question(assigned.id).state is _Q.ASSIGNED

    def test_an_extension_moves_the_effective_due_date(
        self, people: People, council: Council, make_question
    ) -> None:
        late = question(
            make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)
        )
        office = account(people.council_office)
        services.extend(office, late, to=date(2016, 6, 20), reason="  Zbiramo podatke. ")
        assert (late.due_on, late.extended_to) == (date(2016, 5, 20), date(2016, 6, 20))
        assert late.effective_due_on == date(2016, 6, 20)
        assert late.extension_reason == "Zbiramo podatke."
        extended = last_event(late)
        assert (extended.kind, extended.note, extended.data) == (
            _E.EXTENDED,
            "Zbiramo podatke.",
            {"from": "2016-05-20", "to": "2016-06-20"},
        )
        assert audit(late.id)[-1] == ("question.extend", people.council_office)
        # A second extension runs from the first.
        with pytest.raises(services.InvalidValue) as error:
            services.extend(office, late, to=date(2016, 6, 1), reason="Še malo.")
        assert error.value.field == "to"
        services.extend(office, late, to=date(2016, 7, 1), reason="Še malo.")
        assert last_event(late).data == {"from": "2016-06-20", "to": "2016-07-01"}

    @pytest.mark.parametrize(
        ("to", "reason", "field"),
        [
            (date(2016, 6, 20), "   ", "reason"),
            (date(2016, 5, 20), "Razlog.", "to"),  # the due date itself is not later
            (date(2016, 5, 1), "Razlog.", "to"),
        ],
    )
    def test_an_extension_needs_a_reason_and_a_later_date(
        self, people: People, council: Council, make_question, to: date, reason: str, field: str
    ) -> None:
        late = question(
            make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)
        )
        before = snapshot()
        with pytest.raises(services.InvalidValue) as error:
            services.extend(account(people.official), late, to=to, reason=reason)
        assert error.value.field == field
        refused(before)
        assert question(late.id).extended_to is None


class TestClosing:
    def test_merging_into_another_question(
        self, people: People, council: Council, make_question
    ) -> None:
        first = question(make_question(Origin.COUNCILLOR, _Q.ASSIGNED))
        into = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        services.merge(account(people.council_office), first, into_id=into.id)
        assert (first.state, first.merged_into_id) == (_Q.MERGED, into.id)
        assert first.closed_at is not None
        merged = last_event(first)
        assert (merged.kind, merged.data) == (_E.MERGED, {"into": into.id})
        assert audit(first.id)[-1] == ("question.merge", people.council_office)
        # Nothing more is merged into a merged question.
        other = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        with pytest.raises(services.InvalidValue) as error:
            services.merge(account(people.council_office), other, into_id=first.id)
        assert error.value.field == "into"

    def test_merging_into_itself_a_residents_or_a_missing_question_is_refused(
        self, people: People, make_question
    ) -> None:
        first = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        residents = make_question(state=_Q.POSED)
        before = snapshot()
        for into_id in (first.id, residents, 999_999):
            with pytest.raises(services.InvalidChoice) as error:
                services.merge(account(people.council_office), first, into_id=into_id)
            assert error.value.field == "into"
        refused(before)

    def test_a_residents_question_is_never_merged(self, people: People, make_question) -> None:
        residents = question(make_question(state=_Q.POSED))
        into = make_question(Origin.COUNCILLOR, _Q.POSED)
        with pytest.raises(services.NotAllowed):
            services.merge(account(people.council_office), residents, into_id=into)

    @pytest.mark.parametrize(
        ("origin", "who"),
        [
            (Origin.RESIDENT, "author"),
            (Origin.COUNCILLOR, "councillor"),
            (Origin.COUNCILLOR, "council_office"),
        ],
    )
    def test_withdrawing(self, people: People, make_question, origin: Origin, who: str) -> None:
        item = question(make_question(origin, _Q.IN_PREPARATION))
        services.withdraw(account(getattr(people, who)), item)
        assert item.state is _Q.WITHDRAWN
        assert item.closed_at is not None
        assert events(item)[-1] is _E.WITHDRAWN
        assert audit(item.id)[-1] == ("question.withdraw", getattr(people, who))

    def test_withdrawn_before_moderation_it_stays_private(
        self, people: People, make_question
    ) -> None:
        asked = question(make_question(state=_Q.SUBMITTED))
        services.withdraw(account(people.author), asked)
        assert (asked.state, asked.published_at) == (_Q.WITHDRAWN, None)
        assert permissions.can_view(account(people.author), asked)
        assert not permissions.can_view(account(people.moderator), asked)
        assert not permissions.can_view(None, asked)

    @pytest.mark.parametrize(
        ("origin", "state", "who"),
        [
            (Origin.COUNCILLOR, _Q.POSED, "other_councillor"),
            (Origin.RESIDENT, _Q.POSED, "moderator"),
            (Origin.RESIDENT, _Q.ANSWERED, "author"),
            (Origin.COUNCILLOR, _Q.ANSWERED, "council_office"),
        ],
    )
    def test_who_cannot_withdraw(
        self, people: People, make_question, origin: Origin, state: QuestionState, who: str
    ) -> None:
        item = question(make_question(origin, state))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.withdraw(account(getattr(people, who)), item)
        refused(before)
        assert question(item.id).state is state

    def test_the_end_of_a_term_lapses_its_open_questions(
        self, people: People, council: Council, make_question
    ) -> None:
        in_2016 = {"session_id": council.session_2016_id}
        open_one = question(make_question(Origin.COUNCILLOR, _Q.IN_PREPARATION, **in_2016))
        answered = question(make_question(Origin.COUNCILLOR, _Q.ANSWERED, **in_2016))
        current = question(make_question(Origin.COUNCILLOR, _Q.POSED))
        residents = question(make_question(state=_Q.POSED))
        lapsed = services.lapse_term(account(people.council_office), council.ended_term_id)
        assert lapsed == 1
        assert open_one.state is _Q.LAPSED
        assert open_one.closed_at is not None
        assert (answered.state, current.state, residents.state) == (
            _Q.ANSWERED,
            _Q.POSED,
            _Q.POSED,
        )
        step = last_event(open_one)
        assert (step.kind, step.data) == (_E.LAPSED, {"term": "2014–2018"})
        assert audit(open_one.id)[-1] == ("question.lapse", people.council_office)
        assert services.lapse_term(None, council.ended_term_id) == 0  # once

    def test_only_an_ended_term_lapses(self, people: People, council: Council) -> None:
        office = account(people.council_office)
        with pytest.raises(services.InvalidValue) as error:
            services.lapse_term(office, council.term_id)
        assert error.value.field == "term"
        with pytest.raises(services.InvalidChoice) as unknown:
            services.lapse_term(office, 999_999)
        assert unknown.value.field == "term"
        with pytest.raises(services.NotAllowed):
            services.lapse_term(account(people.administrator), council.ended_term_id)


# --- adoption ---------------------------------------------------------------------------------


class TestAdoption:
    def test_a_councillor_takes_up_a_residents_question(
        self, people: People, council: Council, make_question
    ) -> None:
        residents = question(make_question(state=_Q.ASSIGNED))
        councillors = services.record(
            account(people.councillor), council_content(council, people), adopts=residents
        )
        assert councillors.adopts_question_id == residents.id
        assert services.adopted_by(residents) == councillors
        adopted = last_event(residents)
        assert (adopted.kind, adopted.data) == (_E.ADOPTED, {"question_id": councillors.id})
        assert audit(residents.id)[-1] == ("question.adopted", people.councillor)
        assert residents.state is _Q.ASSIGNED  # it keeps its own course

    def test_a_question_is_taken_up_once(
        self, people: People, council: Council, make_question
    ) -> None:
        residents = question(make_question(state=_Q.POSED))
        services.record(
            account(people.councillor), council_content(council, people), adopts=residents
        )
        db.session.commit()
        before = snapshot()
        content = council_content(council, people, author_ids=(people.other_councillor_person,))
        with pytest.raises(services.AlreadyAdopted):
            services.record(account(people.other_councillor), content, adopts=residents)
        refused(before)

    def test_a_councillor_takes_up_an_initiative(
        self, people: People, council: Council, make_initiative
    ) -> None:
        item = initiative(make_initiative())
        councillors = services.record(
            account(people.councillor),
            council_content(council, people, kind=Kind.INITIATIVE),
            adopts=item,
        )
        assert councillors.adopts_initiative_id == item.id
        assert services.adopted_by(item) == councillors
        db.session.refresh(item)
        assert (item.events[-1].kind, item.events[-1].data) == (
            EventKind.ADOPTED,
            {"question_id": councillors.id},
        )
        assert audit(item.id, "initiative")[-1] == ("initiative.adopted", people.councillor)
        db.session.commit()
        before = snapshot()
        other = council_content(council, people, author_ids=(people.other_councillor_person,))
        with pytest.raises(services.AlreadyAdopted):
            services.record(account(people.other_councillor), other, adopts=item)
        refused(before)

    @pytest.mark.parametrize("state", [_Q.SUBMITTED, _Q.ANSWERED, _Q.REJECTED])
    def test_what_is_not_open_is_not_taken_up(
        self, people: People, council: Council, make_question, state: QuestionState
    ) -> None:
        residents = question(make_question(state=state))
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            services.record(
                account(people.councillor), council_content(council, people), adopts=residents
            )
        refused(before)


# --- due dates over time ----------------------------------------------------------------------


def oral_rule() -> DeadlineRule:
    rule = db.session.scalar(
        sa.select(DeadlineRule).filter_by(origin=Origin.COUNCILLOR, form=Form.ORAL)
    )
    assert rule is not None
    return rule


class TestOverdue:
    def test_lateness_is_recorded_once_however_often_the_job_runs(
        self, council: Council, make_question
    ) -> None:
        late = question(
            make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)
        )
        in_time = question(make_question(Origin.COUNCILLOR, _Q.ASSIGNED))
        answered = make_question(Origin.COUNCILLOR, _Q.ANSWERED, session_id=council.session_2016_id)
        assert services.mark_overdue() == 1
        assert services.mark_overdue() == 0
        assert services.mark_overdue(today=date(2016, 5, 21)) == 0  # already recorded
        assert events(late).count(_E.OVERDUE) == 1
        assert last_event(late).data == {"due": "2016-05-20"}
        assert audit(late.id).count(("question.overdue", None)) == 1
        assert late.overdue_recorded_at is not None
        assert _E.OVERDUE not in events(in_time)
        assert _E.OVERDUE not in events(question(answered))

    def test_the_due_date_itself_is_still_in_time(self, council: Council, make_question) -> None:
        make_question(Origin.COUNCILLOR, _Q.POSED, session_id=council.session_2016_id)
        assert services.mark_overdue(today=date(2016, 5, 20)) == 0
        assert services.mark_overdue(today=date(2016, 5, 21)) == 1

    def test_an_extension_into_the_future_makes_it_timely_again(
        self, people: People, council: Council, make_question
    ) -> None:
        late = question(
            make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)
        )
        assert services.mark_overdue() == 1
        services.extend(
            account(people.official),
            late,
            to=local_today() + timedelta(days=10),
            reason="Čakamo na mnenje.",
        )
        assert late.overdue_recorded_at is None
        assert services.mark_overdue() == 0
        # A later lateness is recorded anew.
        assert services.mark_overdue(today=local_today() + timedelta(days=11)) == 1
        assert events(late).count(_E.OVERDUE) == 2


class TestRecomputing:
    def _moved(self, item: Question) -> dict[str, Any]:
        step = last_event(item)
        assert step.kind is _E.DUE_RECOMPUTED
        return step.data

    def test_a_rule_change_moves_the_open_questions_and_says_so(
        self, people: People, council: Council, make_question
    ) -> None:
        in_2016 = {"session_id": council.session_2016_id}
        open_one = question(make_question(Origin.COUNCILLOR, _Q.ASSIGNED, **in_2016))
        answered = question(make_question(Origin.COUNCILLOR, _Q.ANSWERED, **in_2016))
        oral_rule().amount = 45  # 4 June 2016 is a Saturday: due on Monday 6 June
        moved = services.recompute_due_dates(account(people.administrator), cause="rule:1")
        assert moved == 1
        assert open_one.due_on == date(2016, 6, 6)
        assert self._moved(open_one) == {
            "from": "2016-05-20",
            "to": "2016-06-06",
            "cause": "rule:1",
        }
        assert audit(open_one.id)[-1] == ("question.due_recomputed", people.administrator)
        assert answered.due_on == date(2016, 5, 20)  # closed: its due date is history
        assert _E.DUE_RECOMPUTED not in events(answered)

    def test_an_added_work_free_day_moves_a_due_date_off_it(
        self, people: People, council: Council, make_question
    ) -> None:
        item = question(
            make_question(Origin.COUNCILLOR, _Q.POSED, session_id=council.session_2016_id)
        )
        db.session.add(WorkFreeDay(on=date(2016, 5, 20), name="Dan občine"))
        assert services.recompute_due_dates(None, cause="work_free_day") == 1
        assert item.due_on == date(2016, 5, 23)  # past the weekend
        assert self._moved(item)["to"] == "2016-05-23"
        assert audit(item.id)[-1] == ("question.due_recomputed", None)

    def test_a_new_regular_session_sets_the_due_date_of_by_the_next_session(
        self,
        people: People,
        committee: Committee,
        next_session_rule: int,
        make_question,
    ) -> None:
        item = question(make_question(Origin.COUNCILLOR, _Q.POSED, session_id=committee.session_id))
        # No later session: 45 days fall on Saturday 27 April 2024, a holiday; then Monday.
        assert item.due_on == date(2024, 4, 29)
        assert item.deadline_rule_id == next_session_rule
        new = sessions.create(
            account(people.council_office),
            sessions.SessionContent(
                body_id=committee.body_id,
                term_id=committee.term_id,
                kind=SessionKind.REGULAR,
                number=4,
                held_on=date(2024, 4, 17),
                note=None,
                agenda=(),
            ),
        )
        assert item.due_on == date(2024, 4, 17)
        assert self._moved(item) == {
            "from": "2024-04-29",
            "to": "2024-04-17",
            "cause": f"session:{new.id}",
        }
        assert audit(item.id)[-1] == ("question.due_recomputed", people.council_office)
        assert audit(new.id, "session") == [("session.create", people.council_office)]

    def test_an_extraordinary_session_is_not_the_next_regular_one(
        self,
        people: People,
        committee: Committee,
        next_session_rule: int,
        make_question,
    ) -> None:
        item = question(make_question(Origin.COUNCILLOR, _Q.POSED, session_id=committee.session_id))
        before = snapshot()
        sessions.create(
            account(people.council_office),
            sessions.SessionContent(
                body_id=committee.body_id,
                term_id=committee.term_id,
                kind=SessionKind.EXTRAORDINARY,
                number=1,
                held_on=date(2024, 4, 3),
                note=None,
                agenda=(),
            ),
        )
        assert item.due_on == date(2024, 4, 29)
        # Only the session's own audit entry: no question moved.
        assert {k: v - before[k] for k, v in rows().items() if v != before[k]} == {
            "audit_entries": 1
        }

    def test_nothing_moved_nothing_logged(
        self, people: People, council: Council, make_question
    ) -> None:
        make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)
        make_question(state=_Q.ASSIGNED)
        make_question(Origin.COUNCILLOR, _Q.IN_PREPARATION)
        before = snapshot()
        assert services.recompute_due_dates(account(people.administrator), cause="rule:1") == 0
        assert rows() == before


# --- every official and moderation action is audited, in the same transaction ----------------


def _merge(item: Question, people: People, council: Council) -> None:
    into = services.record(account(people.councillor), council_content(council, people))
    services.merge(account(people.council_office), item, into_id=into.id)


def _recompute(item: Question, people: People, council: Council) -> None:
    db.session.add(WorkFreeDay(on=date(2016, 5, 20), name="Dan občine"))
    services.recompute_due_dates(account(people.administrator), cause="work_free_day")


def _adopt(item: Question, people: People, council: Council) -> None:
    services.record(account(people.councillor), council_content(council, people), adopts=item)


# action: (origin, state, made at the 2016 session, who acts (None: the system), what is done)
AUDITED: dict[str, tuple[Origin, QuestionState, bool, str | None, Callable[..., None]]] = {
    "question.publish": (Origin.RESIDENT, _Q.SUBMITTED, False, "moderator",
        lambda q, p, c: services.publish(account(p.moderator), q, seen=services.version(q))),
    "question.reject": (Origin.RESIDENT, _Q.SUBMITTED, False, "moderator",
        lambda q, p, c: services.reject(account(p.moderator), q, seen=services.version(q),
                                        reason_id=reason_id("promotion"), note=None)),
    "question.edit": (Origin.RESIDENT, _Q.POSED, False, "moderator",
        lambda q, p, c: services.update_resident(account(p.moderator), q,
                                                 resident_content(title="Popravek"))),
    "question.assign": (Origin.COUNCILLOR, _Q.POSED, False, "council_office",
        lambda q, p, c: services.assign(account(p.council_office), q, unit_id=c.units["UOP"])),
    "question.forward": (Origin.RESIDENT, _Q.ASSIGNED, False, "official",
        lambda q, p, c: services.forward(account(p.official), q, unit_id=c.units["UOP"],
                                         note="Pristojnost UOP.")),
    "question.register": (Origin.COUNCILLOR, _Q.POSED, False, "council_office",
        lambda q, p, c: services.register(account(p.council_office), q, case_number="032-1/2026")),
    "question.stage": (Origin.RESIDENT, _Q.ASSIGNED, False, "official",
        lambda q, p, c: services.set_stage(account(p.official), q, stage=_Q.IN_PREPARATION)),
    "question.extend": (Origin.COUNCILLOR, _Q.POSED, True, "council_office",
        lambda q, p, c: services.extend(account(p.council_office), q, to=date(2016, 6, 30),
                                        reason="Zbiramo podatke.")),
    "question.answer": (Origin.COUNCILLOR, _Q.ASSIGNED, False, "official",
        lambda q, p, c: services.answer(account(p.official), q, kind="full", text="Odgovor.")),
    "question.withdraw": (Origin.COUNCILLOR, _Q.POSED, False, "council_office",
        lambda q, p, c: services.withdraw(account(p.council_office), q)),
    "question.merge": (Origin.COUNCILLOR, _Q.POSED, False, "council_office", _merge),
    "question.lapse": (Origin.COUNCILLOR, _Q.POSED, True, "council_office",
        lambda q, p, c: services.lapse_term(account(p.council_office), c.ended_term_id)),
    "question.overdue": (Origin.COUNCILLOR, _Q.POSED, True, None,
        lambda q, p, c: services.mark_overdue()),
    "question.due_recomputed": (Origin.COUNCILLOR, _Q.POSED, True, "administrator", _recompute),
    "question.adopted": (Origin.RESIDENT, _Q.POSED, False, "councillor", _adopt),
}  # fmt: skip


@pytest.mark.parametrize("action", AUDITED)
def test_every_action_is_audited_in_the_same_transaction(
    people: People, council: Council, make_question, action: str
) -> None:
    origin, state, in_2016, who, act = AUDITED[action]
    made = {"session_id": council.session_2016_id} if in_2016 else {}
    item = question(make_question(origin, state, **made))
    before = snapshot()
    act(item, people, council)
    actor = getattr(people, who) if who else None
    assert (action, actor) in audit(item.id)
    assert rows()["question_events"] > before["question_events"]
    # The view's rollback takes the entry with the change: they are one transaction.
    db.session.rollback()
    assert (action, actor) not in audit(item.id)
    assert rows() == before
    assert question(item.id).state is state


def test_recording_is_audited_in_the_same_transaction(people: People, council: Council) -> None:
    before = snapshot()
    recorded = services.record(account(people.council_office), council_content(council, people))
    assert audit(recorded.id) == [("question.record", people.council_office)]
    db.session.rollback()
    assert rows() == before


def test_a_councillors_question_is_never_moderated(
    people: People, council: Council, make_question
) -> None:
    # The permission matrix leaves out a councillor's question waiting for moderation or
    # rejected (and a resident's merged or lapsed: see TestClosing): nothing leads there.
    recorded = question(make_question(Origin.COUNCILLOR, _Q.POSED))
    moderator = account(people.moderator)
    with pytest.raises(services.NotAllowed):
        services.publish(moderator, recorded, seen=services.version(recorded))
    with pytest.raises(services.NotAllowed):
        services.reject(
            moderator,
            recorded,
            seen=services.version(recorded),
            reason_id=reason_id("promotion"),
            note=None,
        )
    assert question(recorded.id).state is _Q.POSED


# --- concurrency, on PostgreSQL -----------------------------------------------------------------

SUPPORTERS = 40


@pytest.fixture(scope="module")
def shared_app(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Flask]:
    """An app on a database of its own, where every thread commits for real."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL, the production database")
    app = create_app(
        base_config(
            databases.new("qconcurrency"),
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": SUPPORTERS + 5, "max_overflow": 5},
        )
    )
    with app.app_context():
        upgrade()
        seed_reference_data()
        for n in range(SUPPORTERS + 2):
            db.session.add(
                User(
                    subject_key=f"{n:064x}", pseudonym=f"R{n}", pseudonym_key=f"r{n}",
                    is_adult=True, last_acr="http://eidas.europa.eu/LoA/substantial",
                    resident_verified_at=utcnow(), residency_source=ResidencySource.EID,
                )
            )  # fmt: skip
        db.session.flush()
        moderator = db.session.scalars(sa.select(User).order_by(User.id.desc())).first()
        assert moderator is not None
        moderator.role_grants.append(RoleGrant(role=Role.MODERATOR))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _posed_question(app: Flask) -> tuple[int, list[int]]:
    """A published resident's question and the ids of everyone else (the last is the moderator)."""
    with app.app_context():
        users = list(db.session.scalars(sa.select(User).order_by(User.id)))
        author, residents, moderator = users[0], users[1:-1], users[-1]
        asked = services.ask(author, resident_content())
        services.publish(moderator, asked, seen=services.version(asked))
        db.session.commit()
        return asked.id, [user.id for user in residents]


def _support_at_once(app: Flask, question_id: int, user_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(user_ids))

    def one(user_id: int) -> str:
        with app.app_context():
            user = db.session.get(User, user_id)
            item = db.session.get(Question, question_id)
            assert user is not None
            assert item is not None
            barrier.wait(timeout=30)
            try:
                services.support(user, item)
            except services.AlreadySupported:
                db.session.rollback()
                return "duplicate"
            db.session.commit()
            return "ok"

    with ThreadPoolExecutor(max_workers=len(user_ids)) as pool:
        return list(pool.map(one, user_ids))


def _count_and_rows(app: Flask, question_id: int) -> tuple[int, int]:
    with app.app_context():
        item = db.session.get(Question, question_id)
        assert item is not None
        return item.support_count, supports_of(item)


def test_residents_supporting_at_once_are_each_counted_once(shared_app: Flask) -> None:
    question_id, residents = _posed_question(shared_app)
    outcomes = _support_at_once(shared_app, question_id, residents)
    assert outcomes.count("ok") == SUPPORTERS
    assert _count_and_rows(shared_app, question_id) == (SUPPORTERS, SUPPORTERS)


def test_one_resident_supporting_many_times_at_once_is_counted_once(shared_app: Flask) -> None:
    question_id, residents = _posed_question(shared_app)
    outcomes = _support_at_once(shared_app, question_id, [residents[0]] * 20)
    assert (outcomes.count("ok"), outcomes.count("duplicate")) == (1, 19)
    assert _count_and_rows(shared_app, question_id) == (1, 1)


def test_supports_and_withdrawals_racing_keep_the_counter_true(shared_app: Flask) -> None:
    question_id, residents = _posed_question(shared_app)
    _support_at_once(shared_app, question_id, residents[:20])
    barrier = threading.Barrier(SUPPORTERS)

    def toggle(index: int) -> None:
        with shared_app.app_context():
            user = db.session.get(User, residents[index])
            item = db.session.get(Question, question_id)
            assert user is not None
            assert item is not None
            barrier.wait(timeout=30)
            if index < 20:  # the first twenty withdraw, the other twenty support
                services.withdraw_support(user, item)
            else:
                services.support(user, item)
            db.session.commit()

    with ThreadPoolExecutor(max_workers=SUPPORTERS) as pool:
        list(pool.map(toggle, range(SUPPORTERS)))
    assert _count_and_rows(shared_app, question_id) == (20, 20)
