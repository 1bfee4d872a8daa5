"""What reply letters hold about a person: their verdicts, for "download my data" and for
account deletion. Officials acting in their function are named as the letter prints them:
that is the municipality's record, not the person's data, and stays.

Registered with the account's hooks on import (``app.register_blueprints`` imports it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.replies.models import AnswerVerdict, Reply


def export(user: User) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(AnswerVerdict, Reply.reference_number)
        .join(Reply, Reply.id == AnswerVerdict.reply_id)
        .where(AnswerVerdict.user_id == user.id)
        .order_by(AnswerVerdict.created_at)
    )
    return {
        "reply_verdicts": [
            {
                "reply": number,
                "question_id": verdict.question_id,
                "verdict": verdict.verdict.value,
                "reason": verdict.reason,
                "as_who_asked": verdict.by_asker,
                "given_at": verdict.created_at.isoformat(),
                "changed_at": verdict.updated_at.isoformat(),
            }
            for verdict, number in rows
        ]
    }


def erase(user: User) -> None:
    """Verdicts are published views on a public letter, like a published question: they stay,
    under "Former user", so the record of whether the municipality answered does not change
    when an account goes (the account's row stays as a tombstone, as for supports)."""


if export not in accounts.data_exporters:
    accounts.data_exporters.append(export)
    accounts.account_erasers.append(erase)
