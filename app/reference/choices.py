"""The choices of topics, communities and reasons that forms offer."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from app.core.forms import SelectChoice
from app.extensions import db
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.services import sort_key

_Listed = TypeVar("_Listed", Topic, LocalCommunity, RejectionReason)


def active_choices(model: type[_Listed], keep: int | None = None) -> list[SelectChoice]:
    """Active items in Slovenian alphabetical order, plus ``keep`` (the current one) even if
    it is no longer active, so that editing never silently drops it."""
    rows = db.session.scalars(sa.select(model).where(sa.or_(model.is_active, model.id == keep)))
    choices = (SelectChoice(str(row.id), row.name) for row in rows)
    return sorted(choices, key=lambda choice: sort_key(str(choice.label)))
