"""Organisational units of the municipal administration."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import enum_type
from app.extensions import Model


class OrgUnitKind(enum.StrEnum):
    CABINET = "cabinet"
    OFFICE = "office"  # urad
    SERVICE = "service"  # služba
    COUNCIL = "council"  # the council's own professional service


ORG_UNIT_KIND_LABELS = {
    OrgUnitKind.CABINET: _l("Cabinet"),
    OrgUnitKind.OFFICE: _l("Office"),
    OrgUnitKind.SERVICE: _l("Service"),
    OrgUnitKind.COUNCIL: _l("Council service"),
}


class OrgUnit(Model):
    """A unit that answers questions and initiatives (e.g. Kabinet župana)."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used by the CLI and in URLs of the administration (e.g. ``KZ``).
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: The official (Slovenian) name; shown in both languages, as on the letterhead.
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrgUnitKind] = mapped_column(enum_type(OrgUnitKind))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The letterhead of the unit's letters (empty: the organisation's address from the settings).
    address: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    fax: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    website: Mapped[str | None] = mapped_column(sa.String(120))

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"
