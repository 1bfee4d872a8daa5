"""Fixed data for the accountability figures, every expected number worked out by hand.

Today is Monday 15 June 2026 in Ljubljana (``TODAY``, ``NOW``); the views read the clock
through ``app.core.time``, which ``fixed_clock`` sets. Two units: "Kabinet župana <KŽ>" (B,
first in Slovenian order) and "Služba za ceste & mostove" (A), names that must be escaped.

Councillors' questions (written, so the deadline runs from the day received, ``starts_on``):

====  =====  ========  ===========  ======  ==============  ===================  ==========
name  unit   starts    replied      days    answered_on     due (extended)       verdict
====  =====  ========  ===========  ======  ==============  ===================  ==========
A1    A      2025-3-1  +10          10      +10             +30                  on time
A2    A      2025-3-1  +20          20      +21             +30                  on time
A3    A      2025-3-1  +30          30      +32             +30                  late
A4    A      2025-3-1  +40          40      +40             +30 (+35)            late
B1    B      2025-3-1  +5           5       +5              +30                  on time
B2    B      2025-3-1  +7 declined  7       +7              +30                  on time
B3    B¹     2025-3-1  +100         100     +100            +30 (+120)           on time
A5    A      2026-5-2  open                                 2026-06-01           14 days overdue
A6    A      2026-6-1  open                                 2026-06-15 (today)   not overdue
A7    B      2026-5-11 interim      (open)  2026-06-05      06-10 (06-14)        1 day overdue
W     A      2026-2-1  withdrawn                            2026-03-01           not counted
====  =====  ========  ===========  ======  ==============  ===================  ==========

¹ Forwarded: responsible unit A, answered by B — it counts for B.

Unit A: 4 answered, 2 on time, 2 late, 50 %, median (20 + 30) / 2 = 25.0, 2 open, 1 overdue.
Unit B: 3 answered, 3 on time, 100 %, median 7.0, 1 open (A7: an interim answer), 1 overdue.

Residents' questions: R1 (A, 2025-05-10, 15 days, on time), R2 (no unit, due 2026-05-16: 30
days overdue), R3 (waiting for moderation, past its due date: not public, never counted).

Councillors: Janez Černe posed A1, A3, A5 (3: 2 answered, 50 %, median 20.0, 1 overdue); Ana
Kovač A5, B1, B2, W (4: 2 answered, 100 %, median 6.0, 1 overdue); Marko Zupan A2, A4, B3, A6,
A7 (5: 3 answered, 2 of 3 on time, median 40.0, 2 open, 1 overdue).

Initiatives (local days; I2's answer is at 00:30 on 26 October, summer time, the day it
ends; I3 reached its threshold at 00:30 on 1 January 2026 local time, 2025 in UTC):

- I1 (A) reached 2025-04-01, answered 2025-04-21: 20 days, on time;
- I2 (A) reached 2025-09-11, answered 2025-10-26: 45 days, late (carried out);
- I3 (B) reached 2026-01-01, answered 2026-01-12: 11 days, on time;
- I4 (B) awaiting, due 2026-06-01: overdue; I5 (B) awaiting, due 2026-07-01; I6 (A) still
  collecting support: not counted.

Unit A: 2 answered, 1 on time, 50 %, median 32.5; unit B: 1 answered, median 11.0, 2 open,
1 overdue.

Askers' verdicts: A1 answered, A3 partly, A2 not answered (and a supporter's "answered",
which does not count), B1 and B2 answered, R1 not answered. A: 1 / 1 / 2, B: 2 / 0 / 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.core import time as clock
from app.council.models import Person
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.org.models import OrgUnit, OrgUnitKind
from app.questions.models import Form, Kind, Origin, Question, QuestionAuthor, QuestionState
from app.reference.models import Topic
from app.replies.models import (
    AddresseeKind,
    AnswerVerdict,
    Reply,
    ReplyState,
    ReplyType,
    Verdict,
)

_Q = QuestionState
_I = InitiativeState

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
S25 = date(2025, 3, 1)
UNIT_A = "Služba za ceste & mostove"
UNIT_B = "Kabinet župana <KŽ>"


@dataclass(frozen=True)
class Data:
    """The ids of the fixed data (``figures_data``)."""

    unit_a: int
    unit_b: int
    people: dict[str, int]
    questions: dict[str, int]
    initiatives: dict[str, int]
    #: I5's due moment: the next time the page changes without a write.
    next_due: datetime


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The views' clock (``app.core.time.today`` and ``utcnow``) stands at ``NOW``."""
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def figures_data(app: Flask, make_user: Callable[..., int]) -> Data:
    """Everything the module docstring lists, committed; returns the ids."""
    author = make_user()
    asker = make_user()
    supporter = make_user()
    with app.app_context():
        unit_a = OrgUnit(code="SCM", name=UNIT_A, kind=OrgUnitKind.SERVICE)
        unit_b = OrgUnit(code="KZ-T", name=UNIT_B, kind=OrgUnitKind.CABINET)
        people = {
            "janez": Person(name="Janez Černe"),
            "ana": Person(name="Ana Kovač"),
            "marko": Person(name="Marko Zupan"),
        }
        db.session.add_all([unit_a, unit_b, *people.values()])
        db.session.flush()
        a, b = unit_a.id, unit_b.id

        def question(origin: Origin, state: QuestionState, **fields: Any) -> Question:
            values: dict[str, Any] = {
                "origin": origin,
                "kind": Kind.QUESTION,
                "form": Form.WRITTEN,
                "state": state,
                "title": fields.pop("title"),
                "body": "Besedilo.",
                "body_html": "<p>Besedilo.</p>",
            }
            if origin is Origin.COUNCILLOR:
                values["received_on"] = fields["starts_on"]
            else:
                values["author_id"] = author
            values.update(fields)
            item = Question(**values)
            db.session.add(item)
            return item

        def answered(
            title: str,
            unit: int,
            days: int,
            sent: int,
            *,
            extended: int | None = None,
            start: date = S25,
            origin: Origin = Origin.COUNCILLOR,
            **fields: Any,
        ) -> Question:
            return question(
                origin,
                _Q.ANSWERED,
                title=title,
                starts_on=start,
                due_on=start + timedelta(days=30),
                extended_to=start + timedelta(days=extended) if extended else None,
                extension_reason="Zahtevna zadeva." if extended else None,
                replied_on=start + timedelta(days=days),
                answered_on=start + timedelta(days=sent),
                answered_at=datetime.combine(start + timedelta(days=sent), datetime.min.time(), UTC)
                + timedelta(hours=10),
                responsible_unit_id=fields.pop("responsible", unit),
                answered_by_unit_id=unit,
                **fields,
            )

        questions = {
            "A1": answered("A1 Pločnik na Koroški", a, 10, 10),
            "A2": answered("A2 Razsvetljava", a, 20, 21),
            "A3": answered("A3 Kolesarska steza", a, 30, 32),
            "A4": answered("A4 Semafor", a, 40, 40, extended=35),
            "B1": answered("B1 Proračun", b, 5, 5),
            "B2": answered("B2 Javni zavodi", b, 7, 7, answer_declined=True),
            "B3": answered("B3 Most čez Savo", b, 100, 100, extended=120, responsible=a),
            "A5": question(
                Origin.COUNCILLOR,
                _Q.ASSIGNED,
                title="=A5 Cesta na Jezersko",  # "=" first: a formula in a spreadsheet
                starts_on=date(2026, 5, 2),
                due_on=date(2026, 6, 1),
                responsible_unit_id=a,
            ),
            "A6": question(
                Origin.COUNCILLOR,
                _Q.IN_PREPARATION,
                title="A6 Parkirišče",
                starts_on=date(2026, 6, 1),
                due_on=TODAY,
                responsible_unit_id=a,
            ),
            "A7": question(
                Origin.COUNCILLOR,
                _Q.INTERIM_ANSWERED,
                title="A7 Vrtec",
                starts_on=date(2026, 5, 11),
                due_on=date(2026, 6, 10),
                extended_to=date(2026, 6, 14),
                extension_reason="Vmesni odgovor.",
                answered_on=date(2026, 6, 5),
                replied_on=date(2026, 6, 5),
                responsible_unit_id=b,
                answered_by_unit_id=b,
            ),
            "W": question(
                Origin.COUNCILLOR,
                _Q.WITHDRAWN,
                title="W Umaknjeno",
                starts_on=date(2026, 2, 1),
                due_on=date(2026, 3, 1),
                responsible_unit_id=a,
            ),
            "R1": answered(
                "R1 Igrišče", a, 15, 15, start=date(2025, 5, 10), origin=Origin.RESIDENT
            ),
            "R2": question(
                Origin.RESIDENT,
                _Q.POSED,
                title="R2 Hrup ponoči",
                starts_on=date(2026, 4, 16),
                due_on=date(2026, 5, 16),
            ),
            "R3": question(
                Origin.RESIDENT,
                _Q.SUBMITTED,
                title="R3 Čaka na moderacijo",
                starts_on=date(2026, 1, 1),
                due_on=date(2026, 2, 1),
                responsible_unit_id=a,
            ),
        }
        db.session.flush()
        authors = {
            "janez": ("A1", "A3", "A5"),
            "ana": ("A5", "B1", "B2", "W"),
            "marko": ("A2", "A4", "B3", "A6", "A7"),
        }
        for name, posed in authors.items():
            for key in posed:
                position = 1 if key == "A5" and name == "ana" else 0
                db.session.add(
                    QuestionAuthor(
                        question_id=questions[key].id,
                        person_id=people[name].id,
                        position=position,
                    )
                )

        topic = Topic(slug="promet-odgovornost", name_sl="Promet")
        db.session.add(topic)
        db.session.flush()

        def initiative(title: str, state: InitiativeState, unit: int, **fields: Any) -> Initiative:
            item = Initiative(
                title=title,
                summary="Povzetek.",
                body="Besedilo.",
                body_html="<p>Besedilo.</p>",
                topic_id=topic.id,
                author_id=author,
                state=state,
                threshold=100,
                responsible_unit_id=unit,
                **fields,
            )
            db.session.add(item)
            return item

        initiatives = {
            "I1": initiative(
                "I1",
                _I.ANSWERED,
                a,
                threshold_reached_at=_at(2025, 4, 1, 10),
                response_due_at=_at(2025, 5, 1, 10),
                answered_at=_at(2025, 4, 21, 8),
            ),
            "I2": initiative(
                "I2",
                _I.COMPLETED,
                a,
                threshold_reached_at=_at(2025, 9, 10, 22, 30),
                response_due_at=_at(2025, 10, 11, 22, 30),
                answered_at=_at(2025, 10, 25, 22, 30),
            ),
            "I3": initiative(
                "I3",
                _I.ANSWERED,
                b,
                threshold_reached_at=_at(2025, 12, 31, 23, 30),
                response_due_at=_at(2026, 1, 31, 23, 30),
                answered_at=_at(2026, 1, 11, 23, 30),
            ),
            "I4": initiative(
                "I4",
                _I.AWAITING_RESPONSE,
                b,
                threshold_reached_at=_at(2026, 5, 1, 8),
                response_due_at=_at(2026, 6, 1, 8),
            ),
            "I5": initiative(
                "I5",
                _I.AWAITING_RESPONSE,
                b,
                threshold_reached_at=_at(2026, 6, 1, 8),
                response_due_at=_at(2026, 7, 1, 8),
            ),
            "I6": initiative("I6", _I.PUBLISHED, a),
        }
        db.session.flush()

        reply = Reply(
            state=ReplyState.PUBLISHED,
            reply_type=ReplyType.FULL,
            reference_number="032-1/2025-1",
            classification="032",
            case_seq=1,
            case_year=2025,
            case_number="032-1/2025",
            document_seq=1,
            letter_date=date(2025, 3, 11),
            place="Kranj",
            issuer_unit_id=a,
            addressee_kind=AddresseeKind.PERSON,
            addressee_text="Svetnik",
            subject="Odgovor",
            question_restatement="Vprašanje.",
            summary="Odgovor.",
            body="Odgovor.",
            body_html="<p>Odgovor.</p>",
            body_text="Odgovor.",
        )
        db.session.add(reply)
        db.session.flush()
        verdicts = [
            ("A1", asker, True, Verdict.ANSWERED),
            ("A3", asker, True, Verdict.PARTLY),
            ("A2", asker, True, Verdict.NOT_ANSWERED),
            ("A2", supporter, False, Verdict.ANSWERED),  # a supporter's: not counted
            ("B1", asker, True, Verdict.ANSWERED),
            ("B2", asker, True, Verdict.ANSWERED),
            ("R1", author, True, Verdict.NOT_ANSWERED),
        ]
        for key, user, by_asker, verdict in verdicts:
            db.session.add(
                AnswerVerdict(
                    reply_id=reply.id,
                    question_id=questions[key].id,
                    user_id=user,
                    by_asker=by_asker,
                    verdict=verdict,
                    reason="Tako menim.",
                )
            )
        db.session.commit()
        return Data(
            unit_a=a,
            unit_b=b,
            people={name: person.id for name, person in people.items()},
            questions={key: item.id for key, item in questions.items()},
            initiatives={key: item.id for key, item in initiatives.items()},
            next_due=_at(2026, 7, 1, 8),
        )
