"""Choosing an organisational unit in a form."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.core.forms import Form, SelectChoice
from app.extensions import db
from app.org.models import OrgUnit


def unit_choices(*, exclude: int | None = None) -> list[SelectChoice]:
    """The active units by name (``exclude``: the one an item is already with)."""
    units = db.session.scalars(
        sa.select(OrgUnit)
        .where(OrgUnit.is_active, OrgUnit.id != (exclude or 0))
        .order_by(OrgUnit.name)
    )
    return [SelectChoice(str(unit.id), unit.name) for unit in units]


class UnitForm(Form):
    unit = SelectField(
        _l("Responsible unit"), validators=[InputRequired(message=_l("Choose a unit."))]
    )

    def __init__(self, *args: object, exclude: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice("", _l("Choose…")), *unit_choices(exclude=exclude)]
