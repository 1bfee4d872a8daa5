"""Use cases of the information pages. Services flush, never commit."""

from __future__ import annotations

from app.core.models import record
from app.core.time import utcnow
from app.extensions import db
from app.pages.models import AccessibilityFeedback


def record_feedback(
    *,
    message: str,
    page_url: str | None,
    contact_name: str | None,
    contact_email: str | None,
    language: str,
) -> AccessibilityFeedback:
    feedback = AccessibilityFeedback(
        message=message.strip(),
        page_url=(page_url or "").strip() or None,
        contact_name=(contact_name or "").strip() or None,
        contact_email=(contact_email or "").strip().lower() or None,
        language=language,
    )
    db.session.add(feedback)
    db.session.flush()
    return feedback


def mark_handled(actor_id: int, feedback: AccessibilityFeedback) -> None:
    """Record that the message was answered or dealt with (audited: it is an official act)."""
    if feedback.handled_at is None:
        feedback.handled_at = utcnow()
        record(actor_id, "feedback.handle", "accessibility_feedback", feedback.id)
    db.session.flush()
