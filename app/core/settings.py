"""Settings an administrator changes at run time (thresholds, periods), kept in the database.

Features define their settings with defaults and validation; this module only stores values.
Configuration that needs a restart (secrets, URLs) stays in the environment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.models import record
from app.core.time import utcnow
from app.extensions import Model, db


class SiteSetting(Model):
    """One named value, e.g. ``initiatives.threshold``."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None]


def load(keys: list[str]) -> dict[str, Any]:
    """The stored values of ``keys`` (missing keys are absent: the caller has defaults)."""
    rows = db.session.scalars(sa.select(SiteSetting).where(SiteSetting.key.in_(keys)))
    return {row.key: row.value for row in rows}


def save(actor_id: int | None, values: dict[str, Any]) -> None:
    """Store values, and audit what changed from what to what."""
    current = {row.key: row for row in db.session.scalars(sa.select(SiteSetting))}
    changes = {}
    for key, value in values.items():
        row = current.get(key)
        if row is None:
            db.session.add(SiteSetting(key=key, value=value, updated_by_id=actor_id))
            changes[key] = [None, value]
        elif row.value != value:
            changes[key] = [row.value, value]
            row.value, row.updated_at, row.updated_by_id = value, utcnow(), actor_id
    if changes:
        record(actor_id, "settings.change", "site_settings", None, **changes)
    db.session.flush()
