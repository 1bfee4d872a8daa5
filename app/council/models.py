"""Public person records of councillors and their mandates."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model


class Person(Model):
    """A public person: a councillor as the council's records name them.

    Not an account: a councillor's account is tied to this record by a role grant, and the
    record stays public when the account is deleted.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    mandates: Mapped[list[CouncilMandate]] = relationship(
        back_populates="person", order_by="CouncilMandate.starts_on.desc()"
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class CouncilMandate(Model):
    """One term of a person on the city council, elected on a party or list."""

    __tablename__ = "council_mandates"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    #: The party or list the person was elected on.
    list_name: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    #: ``None`` while the mandate runs.
    ends_on: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="mandates")

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    def __repr__(self) -> str:
        return f"<CouncilMandate {self.person_id} {self.starts_on}>"
