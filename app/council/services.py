"""The council's record: its body, terms, groups and members. Audited; flush, never commit.

Kept from the command line (``flask council …``) by whoever sets Glas up after an election;
the council office records sessions and questions in the web interface.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.core import models as audit
from app.council.models import (
    BodyKind,
    CouncilBody,
    CouncillorGroup,
    CouncilMandate,
    Person,
    Term,
)
from app.extensions import db


class InvalidValue(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def the_council() -> CouncilBody | None:
    """The city council itself (the body of kind council that is no one's committee): what
    letters are addressed to as a body, and what sessions without a body belong to."""
    return db.session.scalar(
        sa.select(CouncilBody)
        .where(CouncilBody.kind == BodyKind.COUNCIL, CouncilBody.parent_id.is_(None))
        .order_by(CouncilBody.id)
        .limit(1)
    )


def body(slug: str, name_sl: str | None = None, name_en: str | None = None) -> CouncilBody:
    """The body with this slug, created with the names given if it does not exist."""
    found = db.session.scalar(sa.select(CouncilBody).where(CouncilBody.slug == slug))
    if found is not None:
        return found
    if not name_sl:
        raise InvalidValue("name")
    found = CouncilBody(slug=slug, name_sl=name_sl, name_en=name_en)
    db.session.add(found)
    db.session.flush()
    audit.record(None, "council.body", "council_body", found.id, slug=slug)
    return found


def add_term(council: CouncilBody, starts_on: date, ends_on: date | None) -> Term:
    if ends_on is not None and ends_on <= starts_on:
        raise InvalidValue("ends_on")
    overlapping = db.session.scalar(
        sa.select(Term.id).where(
            Term.body_id == council.id,
            sa.or_(Term.ends_on.is_(None), Term.ends_on >= starts_on),
            Term.starts_on <= (ends_on or date.max),
        )
    )
    if overlapping is not None:
        raise InvalidValue("starts_on")  # terms of one body follow each other
    term = Term(body=council, starts_on=starts_on, ends_on=ends_on)
    db.session.add(term)
    db.session.flush()
    audit.record(
        None, "council.term", "council_term", term.id,
        starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat() if ends_on else None,
    )  # fmt: skip
    return term


def end_term(term: Term, ends_on: date) -> None:
    if ends_on <= term.starts_on:
        raise InvalidValue("ends_on")
    term.ends_on = ends_on
    for mandate in term.mandates:
        if mandate.ends_on is None or mandate.ends_on > ends_on:
            mandate.ends_on = ends_on
    db.session.flush()
    audit.record(None, "council.term_end", "council_term", term.id, ends_on=ends_on.isoformat())


def add_member(
    term: Term,
    name: str,
    list_name: str,
    *,
    group_name: str | None = None,
    starts_on: date | None = None,
) -> CouncilMandate:
    """A seat in the term (from its start, or from ``starts_on`` for one taken up later)."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise InvalidValue("name")
    begins = starts_on or term.starts_on
    if begins < term.starts_on or (term.ends_on is not None and begins > term.ends_on):
        raise InvalidValue("starts_on")
    person = db.session.scalar(sa.select(Person).where(Person.name == clean))
    if person is None:
        person = Person(name=clean)
        db.session.add(person)
    elif any(mandate.term_id == term.id for mandate in person.mandates):
        raise InvalidValue("name")  # already seated in this term
    group = None
    if group_name:
        group = db.session.scalar(
            sa.select(CouncillorGroup).where(
                CouncillorGroup.term_id == term.id, CouncillorGroup.name == group_name.strip()
            )
        )
        if group is None:
            group = CouncillorGroup(term=term, name=group_name.strip())
            db.session.add(group)
    mandate = CouncilMandate(
        person=person,
        term=term,
        list_name=" ".join(list_name.split()),
        group=group,
        starts_on=begins,
        ends_on=term.ends_on,
    )
    db.session.add(mandate)
    db.session.flush()
    audit.record(
        None, "council.member", "council_mandate", mandate.id,
        person_id=person.id, term_id=term.id,
    )  # fmt: skip
    return mandate
