"""The audit log is append-only: the ORM and the database both refuse changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.core.models import AuditEntry, AuditLogIsAppendOnly, record
from app.extensions import db

pytestmark = pytest.mark.usefixtures("ctx")


def _entry() -> AuditEntry:
    entry = record(None, "feedback.handle", "accessibility_feedback", 7, note="answered")
    db.session.flush()
    return entry


def test_record_adds_an_entry_with_time_and_data() -> None:
    entry = _entry()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored is not None
    assert stored.action == "feedback.handle"
    assert stored.data == {"note": "answered"}
    assert stored.created_at.tzinfo is not None


def test_orm_refuses_to_change_an_entry() -> None:
    entry = _entry()
    entry.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_orm_refuses_to_delete_an_entry() -> None:
    entry = _entry()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET action = 'rewritten'",
        "DELETE FROM audit_entries",
    ],
)
def test_database_refuses_to_change_or_delete(statement: str) -> None:
    _entry()
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
