"""What every moderation decision checks, whatever is moderated.

Services of the moderated items (``app.initiatives.services``, ``app.questions.services``)
lock their row, check their own permission, then call these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.extensions import db
from app.reference.models import RejectionReason


class Moderated(Protocol):
    """What moderation needs of an item: when its text last changed."""

    updated_at: datetime


class ChangedMeanwhile(Exception):
    """The item changed after the moderator opened it: they must look again."""


class NoteRequired(Exception):
    """The reason "other" needs the moderator's explanation."""


class InvalidReason(Exception):
    """A rejection reason that does not exist or is no longer in use."""


#: Reasons that say nothing without the moderator's own words.
REASONS_NEEDING_A_NOTE = ("other",)


def version(item: Moderated) -> str:
    """What a moderator saw: publish and reject refuse a newer text than this."""
    return item.updated_at.isoformat()


def check_seen(item: Moderated, seen: str) -> None:
    """Refuse a decision on a text the moderator has not seen (edited after they opened it)."""
    if seen != version(item):
        raise ChangedMeanwhile


def rejection(reason_id: int, note: str | None) -> tuple[RejectionReason, str | None]:
    """The reason chosen and the moderator's public words, checked; the note is stripped."""
    reason = db.session.get(RejectionReason, reason_id)
    if reason is None or not reason.is_active:
        raise InvalidReason
    words = (note or "").strip() or None
    if reason.slug in REASONS_NEEDING_A_NOTE and words is None:
        raise NoteRequired
    return reason, words
