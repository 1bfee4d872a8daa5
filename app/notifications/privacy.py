"""What notifications hold about a person: for "download my data" and for account deletion.

Registered with the account's hooks on import (``app.register_blueprints`` imports it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth import accounts
from app.auth.models import EmailFrequency, User
from app.extensions import db
from app.notifications.models import Event, Notification


def export(user: User) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(Notification, Event.kind, Event.item_type, Event.item_id)
        .join(Event, Event.id == Notification.event_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id)
    )
    return {
        "notification_settings": {
            "email": user.email_frequency.value,
            "email_refused_at": user.email_refused_at.isoformat()
            if user.email_refused_at
            else None,
            "email_refused_reason": user.email_refused_reason,
        },
        "notifications": [
            {
                "what": kind,
                "item": {"type": item_type, "id": item_id},
                "at": notification.created_at.isoformat(),
                "read_at": notification.read_at.isoformat() if notification.read_at else None,
                "email": notification.mail.value,
            }
            for notification, kind, item_type, item_id in rows
        ],
    }


def erase(user: User) -> None:
    """Nothing of what the person was told is kept; the events stay (they are public facts)."""
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    user.email_frequency = EmailFrequency.IMMEDIATE
    user.follow_automatically = True
    user.email_refused_at = None
    user.email_refused_reason = None


if export not in accounts.data_exporters:
    accounts.data_exporters.append(export)
    accounts.account_erasers.append(erase)
