"""Due dates through the database: the rule that applies, the days an administrator adds, the
next regular session, and the sentences that explain a due date, in Slovenian and in English.

Every expected date is written out by hand (``test_deadlines.py`` covers the arithmetic itself);
here the question is whether ``app.questions.due`` finds the right rule, start and sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.questions import due, services
from app.questions.deadlines import DeadlineUnit, FreeDay, FreeReason
from app.questions.models import (
    DeadlineRule,
    Form,
    Kind,
    Origin,
    Question,
    QuestionState,
    RuleStart,
    WorkFreeDay,
)
from app.sessions.models import CouncilSession, SessionKind
from tests.questions.conftest import (
    SESSION_2016,
    Committee,
    Council,
    People,
    account,
    add_rule,
    council_content,
)

_Q = QuestionState


def question(question_id: int) -> Question:
    found = db.session.get(Question, question_id)
    assert found is not None
    return found


def deadline_of(item: Question) -> due.Deadline:
    deadline = due.compute(item)
    assert deadline is not None
    return deadline


def seeded(form: Form | None, origin: Origin = Origin.COUNCILLOR) -> DeadlineRule:
    rule = db.session.scalar(sa.select(DeadlineRule).filter_by(origin=origin, form=form))
    assert rule is not None
    return rule


@contextmanager
def speaking(app: Flask, language: str) -> Iterator[None]:
    """A request of a visitor who chose ``language`` (by the cookie the language switch sets).

    Its own app context too: the locale is kept on ``g``, which must not carry over.
    """
    with app.test_request_context("/", headers={"Cookie": f"glas_lang={language}"}):
        yield


def explained(app: Flask, question_id: int, language: str) -> list[str]:
    with speaking(app, language):
        item = question(question_id)
        return due.explain(item, deadline_of(item))


@pytest.fixture
def sample(make_question: Callable[..., int], council: Council) -> int:
    """Janez Černe's oral question at the 16th regular session of 20 April 2016, still open."""
    return make_question(Origin.COUNCILLOR, _Q.ASSIGNED, session_id=council.session_2016_id)


# --- the sample question of the reply letter ----------------------------------------------------


@pytest.mark.usefixtures("ctx")
def test_the_sample_question_is_due_30_days_after_its_session(sample: int) -> None:
    item = question(sample)
    deadline = deadline_of(item)
    assert deadline.rule.name == "Svetniška vprašanja in pobude na seji"
    assert deadline.rule.start is RuleStart.SESSION
    assert (deadline.due.start, deadline.due.due_on) == (SESSION_2016, date(2016, 5, 20))
    assert deadline.due.unit is DeadlineUnit.CALENDAR_DAYS
    assert deadline.due.moved_over == ()  # Friday 20 May 2016 is a working day
    assert deadline.long_overdue_on == date(2016, 6, 19)
    # What the services stored is the same.
    assert (item.starts_on, item.due_on, item.deadline_rule_id) == (
        SESSION_2016,
        date(2016, 5, 20),
        deadline.rule.id,
    )


def test_the_sample_explained_in_english(app: Flask, sample: int) -> None:
    assert explained(app, sample, "en") == [
        "Posed at the 16th regular session on April 20, 2016.",
        "30 days from then is May 20, 2016.",
        "Due on May 20, 2016.",
    ]


def test_the_sample_explained_in_slovenian(app: Flask, sample: int) -> None:
    posed, counted, due_on = explained(app, sample, "sl")
    # The session's name declined ("na 16. redni seji"), the dates as running text writes them
    # (the month in the genitive), and no English left.
    assert "16. redni seji" in posed
    assert "20. aprila 2016" in posed
    assert "30 dni" in counted
    assert "20. maja 2016" in counted
    assert "20. maja 2016" in due_on
    assert not any(word in " ".join((posed, counted, due_on)) for word in ("Posed", "days", "Due"))


def test_an_extension_is_the_last_line(app: Flask, people: People, sample: int) -> None:
    with app.app_context():
        services.extend(
            account(people.council_office),
            question(sample),
            to=date(2016, 6, 20),
            reason="Zbiramo podatke pri upravni enoti.",
        )
        db.session.commit()
    lines = explained(app, sample, "en")
    assert lines[-1] == "Extended to June 20, 2016: Zbiramo podatke pri upravni enoti."
    assert lines[:-1] == [
        "Posed at the 16th regular session on April 20, 2016.",
        "30 days from then is May 20, 2016.",
        "Due on May 20, 2016.",  # the rule's date stays, the extension is said after it
    ]
    with app.app_context():
        assert question(sample).effective_due_on == date(2016, 6, 20)


# --- which rule ----------------------------------------------------------------------------------


def record(people: People, council: Council, **content: object) -> Question:
    """Record a councillor's question (by the council office) to the mayor."""
    return services.record(
        account(people.council_office),
        council_content(council, people, to_mayor=True, unit_ids=(), **content),
    )


@pytest.mark.usefixtures("ctx")
def test_the_rule_valid_on_the_start_date_applies(people: People, council: Council) -> None:
    newer = add_rule(name="Novo pravilo za seje", form=Form.ORAL, amount=20)  # from 2024
    old = record(people, council, session_id=council.session_2016_id)
    recent = record(people, council)  # the session of two weeks ago
    assert old.deadline_rule_id == seeded(Form.ORAL).id
    assert old.due_on == date(2016, 5, 20)
    # Of two rules as specific, both valid then, the newer one replaces the older.
    assert recent.deadline_rule_id == newer.id
    assert recent.starts_on is not None
    assert recent.due_on is not None
    assert 20 <= (recent.due_on - recent.starts_on).days <= 24


@pytest.mark.usefixtures("ctx")
def test_the_most_specific_rule_applies(people: People, council: Council) -> None:
    # The seeded rules name only the form (oral or written), 30 days each. Besides them:
    add_rule(name="Vse", amount=60, valid_from=date(1990, 1, 1))
    add_rule(name="Pobude", kind=Kind.INITIATIVE, amount=45, valid_from=date(1990, 1, 1))
    add_rule(
        name="Pisne pobude",
        kind=Kind.INITIATIVE,
        form=Form.WRITTEN,
        start=RuleStart.RECEIVED,
        amount=15,
        valid_from=date(1990, 1, 1),
    )
    written = {"form": Form.WRITTEN, "session_id": None, "received_on": date(2016, 5, 10)}
    oral = {"session_id": council.session_2016_id}
    oral_question = record(people, council, **oral)
    oral_initiative = record(people, council, kind=Kind.INITIATIVE, **oral)
    written_initiative = record(people, council, kind=Kind.INITIATIVE, **written)
    written_question = record(people, council, **written)
    found = {
        name: (item.deadline_rule.name if item.deadline_rule else None, item.due_on)
        for name, item in [
            ("oral question", oral_question),
            ("oral initiative", oral_initiative),
            ("written initiative", written_initiative),
            ("written question", written_question),
        ]
    }
    assert found == {
        # The form beats any.
        "oral question": ("Svetniška vprašanja in pobude na seji", date(2016, 5, 20)),
        # The kind beats the form: 45 days end on Saturday 4 June, so Monday 6 June.
        "oral initiative": ("Pobude", date(2016, 6, 6)),
        # The kind and the form beat the kind.
        "written initiative": ("Pisne pobude", date(2016, 5, 25)),
        "written question": ("Pisna svetniška vprašanja in pobude", date(2016, 6, 9)),
    }


@pytest.mark.usefixtures("ctx")
def test_a_rule_that_ended_before_the_start_is_not_used(people: People, council: Council) -> None:
    seeded(Form.WRITTEN).valid_to = date(2016, 5, 9)  # ended the day before
    written = {"form": Form.WRITTEN, "session_id": None}
    without = record(people, council, received_on=date(2016, 5, 10), **written)
    assert (without.deadline_rule_id, without.due_on) == (None, None)
    assert without.starts_on == date(2016, 5, 10)
    # Received on the rule's last day, it still applies.
    within = record(people, council, received_on=date(2016, 5, 9), **written)
    assert within.due_on == date(2016, 6, 8)
    # An "any" rule takes over where no specific rule is valid.
    add_rule(name="Vse", amount=60, valid_from=date(1990, 1, 1))
    item = question(without.id)
    deadline = deadline_of(item)
    # 60 days end on Saturday 9 July 2016, so Monday 11 July.
    assert (deadline.rule.name, deadline.due.due_on) == ("Vse", date(2016, 7, 11))


@pytest.mark.usefixtures("ctx")
def test_a_residents_question_runs_from_its_publication_day_in_ljubljana(
    make_question: Callable[..., int],
) -> None:
    posed = question(make_question(state=_Q.POSED))
    # 23:30 UTC on 9 May is 01:30 on 10 May in Ljubljana (summer time).
    posed.published_at = datetime(2016, 5, 9, 23, 30, tzinfo=UTC)
    deadline = deadline_of(posed)
    assert deadline.rule.name == "Vprašanja občanov"
    assert (deadline.due.start, deadline.due.due_on) == (date(2016, 5, 10), date(2016, 6, 9))


@pytest.mark.usefixtures("ctx")
def test_a_question_waiting_for_moderation_has_no_due_date(
    make_question: Callable[..., int],
) -> None:
    assert due.compute(question(make_question(state=_Q.SUBMITTED))) is None


# --- working days and work-free days -------------------------------------------------------------


@pytest.fixture
def five_working_days(app: Flask) -> None:
    """From 2024, written questions are due in five working days."""
    with app.app_context():
        add_rule(
            name="Pet delovnih dni",
            form=Form.WRITTEN,
            start=RuleStart.RECEIVED,
            amount=5,
            unit=DeadlineUnit.WORKING_DAYS,
        )
        db.session.commit()


@pytest.fixture
def written_in_june(make_question: Callable[..., int], five_working_days: None) -> int:
    """Received on Monday 3 June 2024."""
    return make_question(
        Origin.COUNCILLOR,
        _Q.POSED,
        form=Form.WRITTEN,
        session_id=None,
        received_on=date(2024, 6, 3),
    )


@pytest.mark.usefixtures("ctx")
def test_working_days_skip_the_weekend(written_in_june: int) -> None:
    deadline = deadline_of(question(written_in_june))
    assert deadline.due.due_on == date(2024, 6, 10)
    assert deadline.due.skipped == (
        FreeDay(date(2024, 6, 8), FreeReason.SATURDAY, None),
        FreeDay(date(2024, 6, 9), FreeReason.SUNDAY, None),
    )


@pytest.mark.usefixtures("ctx")
def test_working_days_skip_an_added_work_free_day(written_in_june: int) -> None:
    db.session.add(WorkFreeDay(on=date(2024, 6, 5), name="Dan odprtih vrat"))
    db.session.flush()
    deadline = deadline_of(question(written_in_june))
    assert deadline.due.due_on == date(2024, 6, 11)
    assert deadline.due.skipped[0] == FreeDay(
        date(2024, 6, 5), FreeReason.ADDED, "Dan odprtih vrat"
    )


def test_working_days_explained(app: Flask, written_in_june: int) -> None:
    with app.app_context():
        db.session.add(WorkFreeDay(on=date(2024, 6, 5), name="Dan odprtih vrat"))
        db.session.commit()
    assert explained(app, written_in_june, "en") == [
        "Received in writing on June 3, 2024.",
        "5 working days from then: due on June 11, 2024.",
        "Not counted: June 5, 2024 (Dan odprtih vrat), June 8, 2024 (Saturday), "
        "June 9, 2024 (Sunday).",
    ]


# --- by the next regular session ----------------------------------------------------------------


@pytest.fixture
def at_the_committee(
    make_question: Callable[..., int], committee: Committee, next_session_rule: int
) -> int:
    """Posed at the committee's session of Wednesday 13 March 2024, due by its next one."""
    return make_question(Origin.COUNCILLOR, _Q.POSED, session_id=committee.session_id)


def _session(body_id: int, term_id: int, kind: SessionKind, number: int, on: date) -> None:
    db.session.add(
        CouncilSession(body_id=body_id, term_id=term_id, kind=kind, number=number, held_on=on)
    )
    db.session.flush()


@pytest.mark.usefixtures("ctx")
def test_with_no_next_session_the_fall_back_applies(
    at_the_committee: int, council: Council, committee: Committee
) -> None:
    # Sessions of another body, and the committee's extraordinary ones, are not its next.
    _session(council.body_id, council.term_id, SessionKind.REGULAR, 7, date(2024, 4, 3))
    _session(committee.body_id, committee.term_id, SessionKind.EXTRAORDINARY, 1, date(2024, 4, 4))
    deadline = deadline_of(question(at_the_committee))
    assert deadline.due.fell_back is True
    assert deadline.due.unit is DeadlineUnit.CALENDAR_DAYS
    # 45 days end on Saturday 27 April 2024, a holiday; then a Sunday.
    assert (deadline.due.nominal, deadline.due.due_on) == (date(2024, 4, 27), date(2024, 4, 29))
    assert [free.reason for free in deadline.due.moved_over] == [
        FreeReason.HOLIDAY,
        FreeReason.SUNDAY,
    ]


@pytest.mark.usefixtures("ctx")
def test_with_a_next_session_it_is_due_that_day(
    at_the_committee: int, committee: Committee
) -> None:
    _session(committee.body_id, committee.term_id, SessionKind.REGULAR, 5, date(2024, 5, 15))
    _session(committee.body_id, committee.term_id, SessionKind.REGULAR, 4, date(2024, 4, 17))
    deadline = deadline_of(question(at_the_committee))
    assert deadline.due.fell_back is False
    assert deadline.due.unit is DeadlineUnit.NEXT_REGULAR_SESSION
    assert (deadline.due.next_session, deadline.due.due_on) == (
        date(2024, 4, 17),
        date(2024, 4, 17),
    )


def test_the_fall_back_explained(app: Flask, at_the_committee: int) -> None:
    assert explained(app, at_the_committee, "en") == [
        "Posed at the 3rd regular session on March 13, 2024.",
        "No regular session is scheduled yet, so the rule's fall-back applies.",
        "45 days from then is April 27, 2024.",
        "That is not a working day (April 27, 2024 (Day of Uprising Against Occupation), "
        "April 28, 2024 (Sunday)), so the answer is due on the next working day, April 29, 2024.",
    ]


def test_the_fall_back_names_the_holiday_in_slovenian(app: Flask, at_the_committee: int) -> None:
    moved = explained(app, at_the_committee, "sl")[-1]
    assert "27. aprila 2024 (dan upora proti okupatorju)" in moved
    assert "29. aprila 2024" in moved


def test_the_next_session_explained(
    app: Flask, at_the_committee: int, committee: Committee
) -> None:
    with app.app_context():
        _session(committee.body_id, committee.term_id, SessionKind.REGULAR, 4, date(2024, 4, 17))
        db.session.commit()
    assert explained(app, at_the_committee, "en") == [
        "Posed at the 3rd regular session on March 13, 2024.",
        "The answer is due by the next regular session, on April 17, 2024.",
    ]
