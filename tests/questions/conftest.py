"""Fixtures for questions: the council, its people and sessions, the units, questions in any state.

Everything is built the way the app builds it: councillors through role grants (``make_user``),
sessions as rows of the council office's record, and questions through the services
(``make_question``), so that the tests walk the real paths. Only the states a question of that
origin can never reach are refused (a resident's question is never merged or lapsed, a
councillor's never moderated). Factories return ids, as ``tests/conftest.py``'s do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.demo import seed_org_units
from app.auth.models import Role, RoleGrant, User
from app.core.time import today as local_today
from app.core.time import utcnow
from app.council.demo import seed_council
from app.council.models import BodyKind, CouncilBody, CouncilMandate, Term
from app.extensions import db
from app.initiatives import rules
from app.initiatives import services as initiatives
from app.initiatives.models import Initiative, InitiativeState
from app.org.models import OrgUnit, OrgUnitKind
from app.questions import services
from app.questions.deadlines import DeadlineUnit
from app.questions.demo import seed_questions
from app.questions.models import (
    DeadlineRule,
    Form,
    Kind,
    Origin,
    Question,
    QuestionState,
    RuleStart,
)
from app.reference.models import RejectionReason, Topic
from app.reference.seed import seed_reference_data
from app.replies.demo import seed_replies
from app.sessions.models import CouncilSession, SessionKind
from tests.conftest import SeedOnce

_Q = QuestionState

#: The term that ended (its 16th regular session of 20 April 2016 is the sample letter's).
ENDED_TERM = (date(2014, 11, 3), date(2018, 12, 17))
#: The term that runs (no end set).
CURRENT_TERM_STARTS = date(2022, 12, 15)
SESSION_2016 = date(2016, 4, 20)
#: The units that answer: code and name.
UNITS = {
    "KZ": "Kabinet župana",
    "UOP": "Urad za okolje in prostor",
    "UGDP": "Urad za gospodarske dejavnosti in promet",
}
CASE_NUMBER = "032-11/2026"


@dataclass(frozen=True)
class Council:
    """The ids of the council's record (``council``)."""

    body_id: int
    term_id: int
    ended_term_id: int
    #: The 20th regular session of the current term, held two weeks ago.
    held_session_id: int
    #: The 21st regular session, three weeks from today.
    future_session_id: int
    #: The 16th regular session of the ended term, on 20 April 2016.
    session_2016_id: int
    units: dict[str, int]


@dataclass(frozen=True)
class People:
    """User ids of everyone who acts on questions, and the councillors' person records."""

    author: int  # a resident who asks
    resident: int  # another resident
    councillor: int  # seated in both terms
    councillor_person: int
    other_councillor: int  # seated in the current term only
    other_councillor_person: int
    council_office: int
    official: int  # of KZ
    other_official: int  # of UOP
    moderator: int
    administrator: int


@pytest.fixture
def reference(app: Flask, seed_once: SeedOnce) -> None:
    """Kranj's communities, the topics and the rejection reasons."""

    def seed() -> None:
        with app.app_context():
            seed_reference_data()
            db.session.commit()

    seed_once("questions.reference", seed)


@pytest.fixture
def demo(app: Flask, seed_once: SeedOnce) -> None:
    """The demo's council, sessions and questions in every state (``app.questions.demo``), and
    the sample reply letter that answers one of them (``app.replies.demo``): seeded once, put
    back for each test (``tests.conftest.SeedOnce``)."""

    def seed() -> None:
        with app.app_context():
            seed_org_units()
            seed_council()
            seed_reference_data()
            seed_questions()
            seed_replies()  # the sample letter answers Janez Černe's question
            db.session.commit()

    seed_once("questions.demo", seed)


@pytest.fixture
def council(app: Flask, reference: None, seed_once: SeedOnce) -> Council:
    """The city council with an ended and a running term, three sessions and three units."""
    return seed_once("questions.council", lambda: _seed_council(app))


def _seed_council(app: Flask) -> Council:
    today = local_today()
    with app.app_context():
        units = {}
        for code, name in UNITS.items():
            unit = OrgUnit(code=code, name=name, kind=OrgUnitKind.OFFICE)
            db.session.add(unit)
            db.session.flush()
            units[code] = unit.id
        body = CouncilBody(
            slug="mestni-svet",
            name_sl="Mestni svet Mestne občine Kranj",
            name_en="City Council of the City Municipality of Kranj",
        )
        ended = Term(body=body, starts_on=ENDED_TERM[0], ends_on=ENDED_TERM[1])
        current = Term(body=body, starts_on=CURRENT_TERM_STARTS, ends_on=None)
        sessions = [
            CouncilSession(
                body=body, term=ended, kind=SessionKind.REGULAR, number=16, held_on=SESSION_2016
            ),
            CouncilSession(
                body=body,
                term=current,
                kind=SessionKind.REGULAR,
                number=20,
                held_on=today - timedelta(days=14),
            ),
            CouncilSession(
                body=body,
                term=current,
                kind=SessionKind.REGULAR,
                number=21,
                held_on=today + timedelta(days=21),
            ),
        ]
        db.session.add_all([body, ended, current, *sessions])
        db.session.commit()
        return Council(
            body_id=body.id,
            term_id=current.id,
            ended_term_id=ended.id,
            session_2016_id=sessions[0].id,
            held_session_id=sessions[1].id,
            future_session_id=sessions[2].id,
            units=units,
        )


def person_of(user_id: int) -> int:
    """The person record a councillor's account speaks for."""
    person_id = db.session.scalar(
        sa.select(RoleGrant.person_id).where(
            RoleGrant.user_id == user_id, RoleGrant.role == Role.COUNCILLOR
        )
    )
    assert person_id is not None
    return person_id


@pytest.fixture
def make_councillor(
    app: Flask, council: Council, make_user: Callable[..., int]
) -> Callable[..., int]:
    """A councillor's account with a seat in the given terms (``"current"``, ``"ended"``)."""

    def _make(name: str, terms: tuple[str, ...] = ("current",)) -> int:
        user_id = make_user(pseudonym=name, roles=[(Role.COUNCILLOR, None)])
        with app.app_context():
            person_id = person_of(user_id)
            for which in terms:
                term = db.session.get(
                    Term, council.term_id if which == "current" else council.ended_term_id
                )
                assert term is not None
                db.session.add(
                    CouncilMandate(
                        person_id=person_id,
                        term=term,
                        list_name="Neodvisna lista Kranj",
                        starts_on=term.starts_on,
                        ends_on=term.ends_on,
                    )
                )
            db.session.commit()
        return user_id

    return _make


@pytest.fixture
def people(
    app: Flask,
    council: Council,
    make_user: Callable[..., int],
    make_councillor: Callable[..., int],
    seed_once: SeedOnce,
) -> People:
    """One account for every part anyone plays in a question's life."""

    def seed() -> People:
        councillor = make_councillor("Janez Černe", ("ended", "current"))
        other_councillor = make_councillor("Ana Kovač")
        with app.app_context():
            persons = person_of(councillor), person_of(other_councillor)
        return People(
            author=make_user(),
            resident=make_user(),
            councillor=councillor,
            councillor_person=persons[0],
            other_councillor=other_councillor,
            other_councillor_person=persons[1],
            council_office=make_user(roles=[(Role.COUNCIL_OFFICE, None)]),
            official=make_user(roles=[(Role.OFFICIAL, "KZ")]),
            other_official=make_user(roles=[(Role.OFFICIAL, "UOP")]),
            moderator=make_user(roles=[(Role.MODERATOR, None)]),
            administrator=make_user(roles=[(Role.ADMINISTRATOR, None)]),
        )

    return seed_once("questions.people", seed)


def account(user_id: int) -> User:
    """The account of ``user_id`` in the current session."""
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def topic_id(slug: str = "promet") -> int:
    found = db.session.scalar(sa.select(Topic.id).filter_by(slug=slug))
    assert found is not None
    return found


def reason_id(slug: str) -> int:
    found = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug=slug))
    assert found is not None
    return found


def resident_content(**overrides: Any) -> services.ResidentContent:
    fields: dict[str, Any] = {
        "title": "Kdaj bo obnovljen pločnik na Koroški cesti?",
        "body": "Pločnik je na več mestih **razpokan**.",
        "topic_id": topic_id(),
        "community_id": None,
        "unit_id": None,
    }
    fields.update(overrides)
    return services.ResidentContent(**fields)


def council_content(council: Council, people: People, **overrides: Any) -> services.CouncilContent:
    """An oral question of the seated councillor at the session held two weeks ago, to KZ."""
    fields: dict[str, Any] = {
        "kind": Kind.QUESTION,
        "form": Form.ORAL,
        "title": "Projekti e-demokracija, e-uprava",
        "body": "Katere projekte e-demokracije občina pripravlja?",
        "author_ids": (people.councillor_person,),
        "group_id": None,
        "session_id": council.held_session_id,
        "agenda_item_id": None,
        "received_on": None,
        "to_mayor": False,
        "unit_ids": (council.units["KZ"],),
        "case_number": None,
        "follow_up_of_id": None,
        "topic_id": None,
        "community_id": None,
    }
    fields.update(overrides)
    return services.CouncilContent(**fields)


#: States after assignment: the unit KZ has the question.
_WITH_UNIT = (
    _Q.ASSIGNED,
    _Q.IN_PREPARATION,
    _Q.AWAITING_SIGNATURE,
    _Q.ANSWERED,
    _Q.INTERIM_ANSWERED,
    _Q.PARTIALLY_ANSWERED,
)
_ANSWERS = {
    _Q.ANSWERED: services.AnswerKind.FULL,
    _Q.INTERIM_ANSWERED: services.AnswerKind.INTERIM,
    _Q.PARTIALLY_ANSWERED: services.AnswerKind.PARTIAL,
}


def _official_steps(
    question: Question, state: QuestionState, official: User, keeper: User, unit_id: int
) -> None:
    """From posed on: register, assign to KZ, the stages and the answer, as ``state`` needs."""
    if state is _Q.REGISTERED:
        services.register(official, question, case_number=CASE_NUMBER)
    if state in _WITH_UNIT:
        services.assign(keeper, question, unit_id=unit_id)
    if state in (_Q.IN_PREPARATION, _Q.AWAITING_SIGNATURE):
        services.set_stage(official, question, stage=state)
    if state in _ANSWERS:
        services.answer(official, question, kind=_ANSWERS[state], text="Odgovor urada.")


@pytest.fixture
def make_question(app: Flask, council: Council, people: People) -> Callable[..., int]:
    """A question of ``origin`` in ``state``, taken there through the services; its id.

    A resident's is asked by ``people.author`` (or ``author_id``) and moderated by
    ``people.moderator``; a councillor's is recorded by ``people.councillor`` as an oral
    question at the session held two weeks ago, addressed to the mayor (so that it starts
    out posed, with no unit), and for ``lapsed`` at the 2016 session of the ended term.
    ``published=False`` withdraws a resident's before moderation. Other keyword arguments
    override the content (``ResidentContent`` or ``CouncilContent`` fields).
    """
    kz = council.units["KZ"]

    def _make(
        origin: Origin = Origin.RESIDENT,
        state: QuestionState = _Q.POSED,
        *,
        published: bool = True,
        author_id: int | None = None,
        **content: Any,
    ) -> int:
        with app.app_context():
            if origin is Origin.RESIDENT:
                question = _resident(state, published, author_id or people.author, content)
            else:
                question = _councillor(state, content)
            db.session.commit()
            return question.id

    def _resident(
        state: QuestionState, published: bool, author_id: int, content: dict[str, Any]
    ) -> Question:
        if state in (_Q.MERGED, _Q.LAPSED):
            raise ValueError("a resident's question is never merged or lapsed")
        author, moderator = account(author_id), account(people.moderator)
        question = services.ask(author, resident_content(**content))
        if state is _Q.SUBMITTED:
            return question
        if state is _Q.WITHDRAWN and not published:
            services.withdraw(author, question)
            return question
        if state is _Q.REJECTED:
            services.reject(
                moderator,
                question,
                seen=services.version(question),
                reason_id=reason_id("duplicate"),
                note="Enako vprašanje je že objavljeno.",
            )
            return question
        services.publish(moderator, question, seen=services.version(question))
        _official_steps(question, state, account(people.official), moderator, kz)
        if state is _Q.WITHDRAWN:
            services.withdraw(author, question)
        return question

    def _councillor(state: QuestionState, content: dict[str, Any]) -> Question:
        if state in (_Q.SUBMITTED, _Q.REJECTED):
            raise ValueError("a councillor's question is never moderated")
        councillor, office = account(people.councillor), account(people.council_office)
        defaults: dict[str, Any] = {"to_mayor": True, "unit_ids": ()}
        if state is _Q.LAPSED:
            defaults["session_id"] = council.session_2016_id
        question = services.record(
            councillor, council_content(council, people, **{**defaults, **content})
        )
        _official_steps(question, state, account(people.official), office, kz)
        if state is _Q.WITHDRAWN:
            services.withdraw(councillor, question)
        if state is _Q.MERGED:
            into = services.record(councillor, council_content(council, people, title="Druga"))
            services.merge(office, question, into_id=into.id)
        if state is _Q.LAPSED:
            services.lapse_term(office, council.ended_term_id)
        return question

    return _make


@pytest.fixture
def make_initiative(app: Flask, reference: None, people: People) -> Callable[..., int]:
    """A published initiative of ``people.resident`` (or in ``state``, set directly); its id."""

    def _make(state: InitiativeState = InitiativeState.PUBLISHED) -> int:
        with app.app_context():
            item = initiatives.create_draft(
                account(people.resident),
                title="Varen prehod za pešce pred šolo",
                summary="Otroci prečkajo cesto brez semaforja.",
                body="Predlagam osvetljen prehod.",
                topic_id=topic_id(),
                community_id=None,
                location=None,
            )
            # Past moderation as the initiatives' own factory takes it (tests/initiatives).
            item.state = state
            item.threshold = rules.current().threshold
            item.submitted_at = item.published_at = utcnow() - timedelta(days=1)
            item.support_closes_at = utcnow() + timedelta(days=30)
            db.session.commit()
            return item.id

    return _make


def initiative(initiative_id: int) -> Initiative:
    found = db.session.get(Initiative, initiative_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class Committee:
    """A committee of the council with its own regular sessions (for "the next session")."""

    body_id: int
    term_id: int
    #: Its 3rd regular session, on Wednesday 13 March 2024; no later one is scheduled.
    session_id: int


COMMITTEE_SESSION = date(2024, 3, 13)


@pytest.fixture
def committee(app: Flask, council: Council) -> Committee:
    with app.app_context():
        body = CouncilBody(
            slug="odbor-za-okolje",
            name_sl="Odbor za okolje in prostor",
            kind=BodyKind.COMMITTEE,
            parent_id=council.body_id,
        )
        term = Term(body=body, starts_on=CURRENT_TERM_STARTS, ends_on=None)
        session = CouncilSession(
            body=body, term=term, kind=SessionKind.REGULAR, number=3, held_on=COMMITTEE_SESSION
        )
        db.session.add_all([body, term, session])
        db.session.commit()
        return Committee(body_id=body.id, term_id=term.id, session_id=session.id)


def add_rule(**fields: Any) -> DeadlineRule:
    """A deadline rule (flushed): a councillor's, 30 calendar days, valid from 2024, by default."""
    values: dict[str, Any] = {
        "name": "Preizkusno pravilo",
        "origin": Origin.COUNCILLOR,
        "kind": None,
        "form": None,
        "start": RuleStart.SESSION,
        "amount": 30,
        "unit": DeadlineUnit.CALENDAR_DAYS,
        "valid_from": date(2024, 1, 1),
    }
    values.update(fields)
    rule = DeadlineRule(**values)
    db.session.add(rule)
    db.session.flush()
    return rule


@pytest.fixture
def next_session_rule(app: Flask) -> int:
    """Oral questions from 2024 on are due by the next regular session, or in 45 days."""
    with app.app_context():
        rule = add_rule(
            name="Do naslednje redne seje",
            form=Form.ORAL,
            unit=DeadlineUnit.NEXT_REGULAR_SESSION,
            amount=0,
            fallback_days=45,
        )
        db.session.commit()
        return rule.id
