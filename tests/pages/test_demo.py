"""The demo's feedback messages: the administration's list has something to show."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.demo import seed_demo
from app.extensions import db
from app.pages.demo import MESSAGES
from app.pages.models import AccessibilityFeedback

pytestmark = pytest.mark.usefixtures("ctx")


def test_one_message_waits_and_one_was_handled_by_the_demo_administrator() -> None:
    seed_demo()
    messages = db.session.scalars(
        sa.select(AccessibilityFeedback).order_by(AccessibilityFeedback.created_at)
    ).all()
    assert [m.message for m in messages] == [m[0] for m in reversed(MESSAGES)]
    handled, waiting = messages
    assert handled.handled_at is not None
    assert waiting.handled_at is None
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="feedback.handle"))
    assert entry is not None
    assert entry.target_id == handled.id
    assert entry.actor_id is not None
    assert seed_demo()["app.pages.demo.seed_feedback"] == 0
