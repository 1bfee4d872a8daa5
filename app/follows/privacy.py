"""What following holds about a person: for "download my data" and for account deletion.

Registered with the account's hooks on import (``app.register_blueprints`` imports it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.follows import services
from app.follows.models import Follow


def export(user: User) -> dict[str, Any]:
    return {
        "follows": [
            {
                "target": row.target.value,
                "id": row.target_id,
                "name": described.title if described else None,
                "reason": row.reason.value,
                "since": row.created_at.isoformat(),
            }
            for row, described in services.follows_of(user)
        ],
        "follow_automatically": user.follow_automatically,
    }


def erase(user: User) -> None:
    """Whom and what one followed is nobody else's business: nothing of it is kept."""
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id))


if export not in accounts.data_exporters:
    accounts.data_exporters.append(export)
    accounts.account_erasers.append(erase)
