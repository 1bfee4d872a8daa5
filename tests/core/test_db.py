"""Database helpers, and the migrations matching the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import StatementError

from app.extensions import db
from app.pages.models import AccessibilityFeedback
from app.search.engine import include_name

pytestmark = pytest.mark.usefixtures("ctx")


def test_timestamps_come_back_aware_and_in_utc() -> None:
    ljubljana_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    feedback = AccessibilityFeedback(message="m", language="sl", handled_at=ljubljana_noon)
    db.session.add(feedback)
    db.session.flush()
    db.session.expire_all()
    stored = db.session.get(AccessibilityFeedback, feedback.id)
    assert stored is not None
    assert stored.handled_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert stored.handled_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused() -> None:
    db.session.add(
        AccessibilityFeedback(message="m", language="sl", handled_at=datetime(2026, 7, 1))  # noqa: DTZ001
    )
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_migrations_match_the_models() -> None:
    """A model change without its migration fails here, not in production."""
    context = MigrationContext.configure(
        db.session.connection(),
        # The search objects are made by hand and not mapped; env.py hides them the same way.
        opts={"compare_type": True, "include_name": include_name},
    )
    assert compare_metadata(context, db.metadata) == []
