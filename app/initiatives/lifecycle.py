"""Where an initiative stands at a given moment, whether or not the cron job has run yet.

``flask initiatives close-expired`` writes expiry to the database; until it runs, these
functions already tell the truth, so pages and permissions never lag behind the clock.
"""

from __future__ import annotations

from datetime import datetime

from app.core.time import to_local
from app.initiatives.models import SUPPORTABLE, Initiative, InitiativeState


def effective_state(initiative: Initiative, now: datetime) -> InitiativeState:
    return state_at(initiative.state, initiative.support_closes_at, now)


def state_at(
    state: InitiativeState, support_closes_at: datetime | None, now: datetime
) -> InitiativeState:
    """``effective_state`` on plain values, for the export, which builds no ORM objects."""
    if (
        state is InitiativeState.PUBLISHED
        and support_closes_at is not None
        and now >= support_closes_at
    ):
        return InitiativeState.EXPIRED
    return state


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


def days_overdue(initiative: Initiative, now: datetime) -> int:
    """How many days the municipality's response is late; 0 when it is not.

    Counted in Ljubljana's calendar days, the way the due date is shown: due on 5 March, it is
    one day late on 6 March whatever the hour. Late on the due day itself still counts as one
    day, so an overdue response never reads "0 days overdue".
    """
    if not is_response_overdue(initiative, now) or initiative.response_due_at is None:
        return 0
    days = (to_local(now).date() - to_local(initiative.response_due_at).date()).days
    return max(1, days)


def progress_percent(initiative: Initiative) -> int:
    if not initiative.threshold:
        return 0
    return min(100, initiative.support_count * 100 // initiative.threshold)
