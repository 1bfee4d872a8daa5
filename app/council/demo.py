"""Demo data of the council: the body, two terms, councillors, groups and sessions.

The 2014–2018 term holds the 16th regular session of 20 April 2016, at which Janez Černe
asked the question the sample reply letter answers (``../shared/samples``); the current term's
sessions are placed around today, so that the demo always has held sessions and a next one.
Every name but Janez Černe's (from the sample letter) is fictional.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.core.time import to_local, utcnow
from app.council.models import CouncilBody, CouncillorGroup, CouncilMandate, Person, Term
from app.extensions import db
from app.sessions.models import AgendaItem, CouncilSession, SessionKind

COUNCIL_SLUG = "mestni-svet"
COUNCIL_NAME = ("Mestni svet Mestne občine Kranj", "City Council of the City Municipality of Kranj")
#: Terms of office: the day each began and ended (``None``: running).
TERMS = [(date(2014, 11, 3), date(2018, 12, 17)), (date(2022, 12, 15), None)]
#: (name, list, term index, group or None); a person may sit in both terms.
MEMBERS = [
    ("Janez Černe", "Neodvisna lista Kranj", 0, None),
    ("Marta Kos", "Zeleni Kranj", 0, None),
    ("Boris Pretnar", "Lista za razvoj Kranja", 0, None),
    ("Petra Novak", "Lista za razvoj Kranja", 1, None),
    ("Janez Černe", "Neodvisna lista Kranj", 1, "Svetniška skupina Neodvisni"),
    ("Ana Kovač", "Zeleni Kranj", 1, "Svetniška skupina Zeleni"),
    ("Luka Horvat", "Zeleni Kranj", 1, "Svetniška skupina Zeleni"),
    ("Mojca Zupan", "Skupaj za Gorenjsko", 1, None),
]
QUESTIONS_ITEM = "Vprašanja in pobude svetnikov"


def _sessions(today: date) -> list[tuple[int, SessionKind, int, date]]:
    """(term index, kind, number, day): fixed in 2016, around ``today`` in the current term."""
    return [
        (0, SessionKind.REGULAR, 15, date(2016, 3, 23)),
        (0, SessionKind.REGULAR, 16, date(2016, 4, 20)),
        (0, SessionKind.REGULAR, 17, date(2016, 5, 25)),
        (0, SessionKind.EXTRAORDINARY, 3, date(2016, 2, 10)),
        (1, SessionKind.REGULAR, 18, today - timedelta(days=84)),
        (1, SessionKind.REGULAR, 19, today - timedelta(days=49)),
        (1, SessionKind.EXTRAORDINARY, 4, today - timedelta(days=35)),
        (1, SessionKind.CORRESPONDENCE, 1, today - timedelta(days=28)),
        (1, SessionKind.REGULAR, 20, today - timedelta(days=14)),
        # The next regular session, scheduled: "by the next regular session" has a date.
        (1, SessionKind.REGULAR, 21, today + timedelta(days=21)),
    ]


def council() -> CouncilBody | None:
    return db.session.scalar(sa.select(CouncilBody).where(CouncilBody.slug == COUNCIL_SLUG))


def seed_council() -> int:
    """The council, its terms, members, groups and sessions; only what is missing."""
    added = 0
    body = council()
    if body is None:
        body = CouncilBody(slug=COUNCIL_SLUG, name_sl=COUNCIL_NAME[0], name_en=COUNCIL_NAME[1])
        db.session.add(body)
        added += 1
    terms = []
    for starts_on, ends_on in TERMS:
        term = db.session.scalar(
            sa.select(Term).where(Term.body == body, Term.starts_on == starts_on)
        )
        if term is None:
            term = Term(body=body, starts_on=starts_on, ends_on=ends_on)
            db.session.add(term)
            added += 1
        terms.append(term)
    db.session.flush()
    for name, list_name, index, group_name in MEMBERS:
        added += _member(name, list_name, terms[index], group_name)
    today = to_local(utcnow()).date()
    for index, kind, number, held_on in _sessions(today):
        term = terms[index]
        exists = db.session.scalar(
            sa.select(CouncilSession.id).where(
                CouncilSession.term_id == term.id,
                CouncilSession.kind == kind,
                CouncilSession.number == number,
            )
        )
        if exists is None:
            session = CouncilSession(
                body=body, term=term, kind=kind, number=number, held_on=held_on
            )
            if kind is not SessionKind.CORRESPONDENCE:
                session.agenda = [
                    AgendaItem(position=1, title="Potrditev zapisnika prejšnje seje"),
                    AgendaItem(position=2, title=QUESTIONS_ITEM),
                ]
            db.session.add(session)
            added += 1
    db.session.flush()
    return added


def _member(name: str, list_name: str, term: Term, group_name: str | None) -> int:
    added = 0
    person = db.session.scalar(sa.select(Person).where(Person.name == name))
    if person is None:
        person = Person(name=name)
        db.session.add(person)
        added += 1
    if any(mandate.term_id == term.id for mandate in person.mandates if term.id):
        return added
    group = None
    if group_name is not None:
        group = db.session.scalar(
            sa.select(CouncillorGroup).where(
                CouncillorGroup.term_id == term.id, CouncillorGroup.name == group_name
            )
        )
        if group is None:
            group = CouncillorGroup(term=term, name=group_name)
            db.session.add(group)
    person.mandates.append(
        CouncilMandate(
            term=term,
            list_name=list_name,
            group=group,
            starts_on=term.starts_on,
            ends_on=term.ends_on,
        )
    )
    db.session.flush()
    return added + 1
