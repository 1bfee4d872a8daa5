"""What initiatives hold about a person: for "download my data" and for account deletion."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState, Support


def export(user: User) -> dict[str, Any]:
    authored = db.session.scalars(
        sa.select(Initiative).where(Initiative.author_id == user.id).order_by(Initiative.id)
    )
    supported = db.session.execute(
        sa.select(Support.created_at, Initiative.id, Initiative.title)
        .join(Initiative, Initiative.id == Support.initiative_id)
        .where(Support.user_id == user.id)
        .order_by(Support.created_at)
    )
    return {
        "initiatives": [
            {
                "id": item.id,
                "title": item.title,
                "summary": item.summary,
                "text": item.body,
                "state": item.state.value,
                "created_at": item.created_at.isoformat(),
                "published_at": item.published_at.isoformat() if item.published_at else None,
                "attachments": [a.filename for a in item.attachments],
            }
            for item in authored
        ],
        "supports": [
            {
                "initiative_id": row.id,
                "title": row.title,
                "supported_at": row.created_at.isoformat(),
            }
            for row in supported
        ],
    }


def erase(user: User) -> None:
    """Delete what the person wrote that was never public; published texts stay (anonymous)."""
    never_public = db.session.scalars(
        sa.select(Initiative).where(
            Initiative.author_id == user.id,
            Initiative.state.in_([InitiativeState.DRAFT, InitiativeState.SUBMITTED]),
        )
    )
    for initiative in never_public:
        db.session.delete(initiative)  # with its attachments; their files go after the commit
    db.session.flush()
