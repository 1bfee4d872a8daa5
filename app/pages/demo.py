"""Demo messages from the accessibility statement's feedback form, one of them handled.

Without them the administration's feedback list would only ever show its empty state in the
demo, and the browser checks would never see a message with its "mark as handled" button.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import Role, RoleGrant
from app.core.time import utcnow
from app.extensions import db
from app.pages import services
from app.pages.models import AccessibilityFeedback

#: (message, page, contact name, contact e-mail, days ago, handled).
MESSAGES = [
    (
        "Gumb za iskanje na seznamu pobud bralnik zaslona prebere le kot »gumb«.",
        "/initiatives/",
        "Marija",
        "marija@primer.si",
        2,
        False,
    ),
    (
        "Potrebujem besedilo pobude v lahkem branju.",
        None,
        None,
        None,
        9,
        True,
    ),
]


def seed_feedback() -> int:
    have = set(db.session.scalars(sa.select(AccessibilityFeedback.message)))
    # The demo administrator marks the handled one; without one (no eID provider configured,
    # so no persona accounts) it stays unhandled.
    admin_id = db.session.scalar(
        sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.ADMINISTRATOR).limit(1)
    )
    added = 0
    for message, page_url, name, email, days_ago, handled in MESSAGES:
        if message in have:
            continue
        feedback = services.record_feedback(
            message=message,
            page_url=page_url,
            contact_name=name,
            contact_email=email,
            language="sl",
        )
        feedback.created_at = utcnow() - timedelta(days=days_ago)
        if handled and admin_id is not None:
            services.mark_handled(admin_id, feedback)
        added += 1
    return added
