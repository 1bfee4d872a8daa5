"""Settings an administrator changes at run time (thresholds, periods), kept in the database.

Features define their settings with defaults and validation; this module only stores values.
Configuration that needs a restart (secrets, URLs) stays in the environment.

Values read on hot paths (the threshold rules, on every support) come from ``cached``: a copy
per process, kept for ``CACHE_SECONDS``. Settings change only through ``save``; the process that
saves drops its copy at once (and again when the transaction ends, see ``_after_transaction``),
so an administrator sees their change immediately. Other processes and servers see it at most
``CACHE_SECONDS`` later. That lag was chosen over a version check on every read, which would
cost the round trip the cache is there to save; a rule applied a few seconds late is harmless
(a threshold is fixed when an initiative is published, not when it is supported).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from app.core import replica
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


#: How long a process trusts its copy of the settings (see the module's docstring).
CACHE_SECONDS = 5.0
#: ``Session.info`` key: this transaction saved settings that are not committed yet.
_SAVED = "glas_settings_saved"
_EXTENSION = "glas_settings_cache"


@dataclass
class _Cache:
    """One app's copies of settings, by the tuple of keys asked for."""

    entries: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    #: Moves on every invalidation: a read that began before one must not store what it read.
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def invalidate(self) -> None:
        with self.lock:
            self.generation += 1
            self.entries.clear()


def _cache(app: Flask) -> _Cache:
    # Per app rather than per module: the tests run several apps on several databases in one
    # process; in production one app is one process.
    found = app.extensions.get(_EXTENSION)
    if not isinstance(found, _Cache):
        found = app.extensions[_EXTENSION] = _Cache()
    return found


def cached(keys: list[str]) -> dict[str, Any]:
    """``load(keys)`` from this process's copy, at most ``CACHE_SECONDS`` old.

    A transaction that saved settings reads its own, uncommitted values from the database and
    keeps no copy of them: they may still be rolled back.
    """
    if db.session.info.get(_SAVED):
        return load(keys)
    cache = _cache(current_app)
    wanted = tuple(sorted(keys))
    found = cache.entries.get(wanted)
    now = time.monotonic()
    if found is not None and found[0] > now:
        return dict(found[1])
    seen = cache.generation
    values = load(keys)
    with cache.lock:
        # Nobody saved while we read, and not from a replica that may lag: the values are current.
        if cache.generation == seen and not replica.routed():
            cache.entries[wanted] = (now + CACHE_SECONDS, values)
    return dict(values)


def clear_cache(app: Flask) -> None:
    """Forget the copies of ``app``: the next ``cached`` reads the database (tests use it)."""
    _cache(app).invalidate()


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
        # Other requests of this process now read the database, not an old copy, until the
        # transaction ends, when the copy they made meanwhile (of the old values) goes too.
        db.session.info[_SAVED] = True
        _cache(current_app).invalidate()
    db.session.flush()


def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.pop(_SAVED, False) and has_app_context():
        # Committed: the new values are what everyone reads now. Rolled back: the copies were
        # of committed values anyway, so dropping them only costs one read.
        _cache(current_app).invalidate()


sa.event.listen(Session, "after_transaction_end", _after_transaction)
