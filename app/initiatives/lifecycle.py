"""Where an initiative stands at a given moment, whether or not the cron job has run yet.

``flask initiatives close-expired`` writes expiry to the database; until it runs, these
functions already tell the truth, so pages and permissions never lag behind the clock.
"""

from __future__ import annotations

from datetime import datetime

from app.initiatives.models import SUPPORTABLE, Initiative, InitiativeState


def effective_state(initiative: Initiative, now: datetime) -> InitiativeState:
    if (
        initiative.state is InitiativeState.PUBLISHED
        and initiative.support_closes_at is not None
        and now >= initiative.support_closes_at
    ):
        return InitiativeState.EXPIRED
    return initiative.state


def is_open_for_support(initiative: Initiative, now: datetime) -> bool:
    return (
        initiative.state in SUPPORTABLE
        and initiative.support_closes_at is not None
        and now < initiative.support_closes_at
    )


def is_response_overdue(initiative: Initiative, now: datetime) -> bool:
    return (
        initiative.state is InitiativeState.AWAITING_RESPONSE
        and initiative.response_due_at is not None
        and now > initiative.response_due_at
    )


def progress_percent(initiative: Initiative) -> int:
    if not initiative.threshold:
        return 0
    return min(100, initiative.support_count * 100 // initiative.threshold)
