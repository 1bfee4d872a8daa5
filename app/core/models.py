"""Cross-cutting models: the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import pagecache
from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import Model, db


class AuditEntry(Model):
    """One official or moderation action: who did what to which object, and when.

    Rows are never changed or deleted: the ORM refuses it (below) and so does a database
    trigger created by the migration, so a later bug cannot rewrite history either.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The acting account; ``None`` for the system (CLI, cron).
    actor_id: Mapped[int | None] = mapped_column(index=True)
    #: A dotted verb, e.g. ``initiative.publish``.
    action: Mapped[str] = mapped_column(sa.String(80))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    #: Details of the change (old and new state, reason); never personal data of residents.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}:{self.target_id}>"


class AuditLogIsAppendOnly(Exception):
    """Something tried to change or delete an audit entry."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly(repr(obj))


def record(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    **data: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's view commits it)."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )
    db.session.add(entry)
    return entry


# The audit log is on no public page (app/core/pagecache.py).
pagecache.tags_for(AuditEntry)
