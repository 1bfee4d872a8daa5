"""What questions hold about a person: for "download my data" and for account deletion.

Registered with the account's hooks on import (``app.register_blueprints`` imports it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.questions.models import Question, QuestionState, QuestionSupport


def export(user: User) -> dict[str, Any]:
    asked = db.session.scalars(
        sa.select(Question).where(Question.author_id == user.id).order_by(Question.id)
    )
    supported = db.session.execute(
        sa.select(QuestionSupport.created_at, Question.id, Question.title)
        .join(Question, Question.id == QuestionSupport.question_id)
        .where(QuestionSupport.user_id == user.id)
        .order_by(QuestionSupport.created_at)
    )
    return {
        "questions": [
            {
                "id": item.id,
                "title": item.title,
                "text": item.body,
                "state": item.state.value,
                "created_at": item.created_at.isoformat(),
                "published_at": item.published_at.isoformat() if item.published_at else None,
            }
            for item in asked
        ],
        "question_supports": [
            {"question_id": row.id, "title": row.title, "supported_at": row.created_at.isoformat()}
            for row in supported
        ],
    }


def erase(user: User) -> None:
    """Delete the questions the person asked that were never public; published ones stay,
    under "Former user" (the municipality's answer to them is public business)."""
    never_public = db.session.scalars(
        sa.select(Question).where(
            Question.author_id == user.id,
            sa.or_(
                Question.state == QuestionState.SUBMITTED,
                sa.and_(Question.state == QuestionState.WITHDRAWN, Question.published_at.is_(None)),
            ),
        )
    )
    for question in never_public:
        db.session.delete(question)
    db.session.flush()


if export not in accounts.data_exporters:
    accounts.data_exporters.append(export)
    accounts.account_erasers.append(erase)
