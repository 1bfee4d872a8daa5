"""The city council as a body, its terms of office, and the people who sit on it.

A councillor is a public person record (``Person``), not an account: a councillor's account is
tied to it by a role grant, and the record stays public when the account is deleted. Their
seat in one term is a ``CouncilMandate`` (the membership: the list or party they were elected
on, and their councillors' group, *svetniška skupina*, if they joined one).
"""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import pagecache
from app.core.db import enum_type
from app.extensions import Model
from app.reference.models import _Named


class BodyKind(enum.StrEnum):
    COUNCIL = "council"
    COMMITTEE = "committee"  # a committee or commission of the council (added later)


BODY_KIND_LABELS = {BodyKind.COUNCIL: _l("Council"), BodyKind.COMMITTEE: _l("Committee")}


class CouncilBody(_Named, Model):
    """The city council (``Mestni svet Mestne občine Kranj``), or one of its committees."""

    __tablename__ = "council_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short name for the command line and the data exports (e.g. ``mestni-svet``).
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    #: The official name, as letters address it; ``name_en`` its English rendering.
    name_sl: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[BodyKind] = mapped_column(enum_type(BodyKind), default=BodyKind.COUNCIL)
    #: A committee's council; ``None`` for the council itself.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("council_bodies.id", ondelete="RESTRICT")
    )

    terms: Mapped[list[Term]] = relationship(
        back_populates="body", order_by="Term.starts_on.desc()"
    )

    def __repr__(self) -> str:
        return f"<CouncilBody {self.slug}>"


class Term(Model):
    """A term of office of a body (2018–2022, 2022–2026 …)."""

    __tablename__ = "council_terms"
    __table_args__ = (
        sa.UniqueConstraint("body_id", "starts_on"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_bodies.id", ondelete="RESTRICT"), index=True
    )
    starts_on: Mapped[date]
    #: ``None`` while the term runs and its end is not yet set.
    ends_on: Mapped[date | None]

    body: Mapped[CouncilBody] = relationship(back_populates="terms")
    mandates: Mapped[list[CouncilMandate]] = relationship(back_populates="term")
    groups: Mapped[list[CouncillorGroup]] = relationship(
        back_populates="term", order_by="CouncillorGroup.name"
    )

    @property
    def label(self) -> str:
        """The term as people name it: ``2022–2026`` (``2026–`` while its end is open)."""
        return f"{self.starts_on.year}–{self.ends_on.year if self.ends_on else ''}"

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    def __repr__(self) -> str:
        return f"<Term {self.body_id} {self.label}>"


class CouncillorGroup(Model):
    """A councillors' group (*svetniška skupina*) in one term; it can pose questions as one."""

    __tablename__ = "councillor_groups"
    __table_args__ = (sa.UniqueConstraint("term_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_terms.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))

    term: Mapped[Term] = relationship(back_populates="groups")
    mandates: Mapped[list[CouncilMandate]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<CouncillorGroup {self.name}>"


class Person(Model):
    """A public person: a councillor as the council's records name them."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: ``f`` or ``m`` where known: letters say *svetnica* or *svetnik*, and so do Glas's pages.
    gender: Mapped[str | None] = mapped_column(sa.String(1))

    mandates: Mapped[list[CouncilMandate]] = relationship(
        back_populates="person", order_by="CouncilMandate.starts_on.desc()"
    )

    def mandate_on(self, day: date) -> CouncilMandate | None:
        """The seat the person held on ``day`` (any body), if any."""
        return next((m for m in self.mandates if m.is_current(day)), None)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class CouncilMandate(Model):
    """One person's membership of a body in one term, elected on a party or list."""

    __tablename__ = "council_mandates"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.UniqueConstraint("person_id", "term_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_terms.id", ondelete="RESTRICT"), index=True
    )
    #: The party or list the person was elected on.
    list_name: Mapped[str] = mapped_column(sa.String(200))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("councillor_groups.id", ondelete="SET NULL"), index=True
    )
    #: A seat taken up or given up within the term has its own dates.
    starts_on: Mapped[date]
    #: ``None`` while the mandate runs.
    ends_on: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="mandates")
    term: Mapped[Term] = relationship(back_populates="mandates")
    group: Mapped[CouncillorGroup | None] = relationship(back_populates="mandates")

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    def __repr__(self) -> str:
        return f"<CouncilMandate {self.person_id} {self.starts_on}>"


# The council's pages list its people, terms and groups; questions name their authors and
# groups, in lists and on their pages (app/core/pagecache.py).
_NAMED = ("council", "questions", "question", "accountability")
pagecache.tags_for(CouncilBody, lambda _b: ("council", "sessions"))
pagecache.tags_for(Term, lambda _t: ("council", "sessions"))
pagecache.tags_for(CouncillorGroup, lambda _g: _NAMED)
pagecache.tags_for(Person, lambda p: (*_NAMED, f"councillor:{p.id}"))
pagecache.tags_for(CouncilMandate, lambda m: ("council", f"councillor:{m.person_id}"))
