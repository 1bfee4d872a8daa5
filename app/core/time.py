"""Time helpers: store UTC, show Europe/Ljubljana."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: The municipality's time zone: deadlines and displayed times are local.
LOCAL_TZ = ZoneInfo("Europe/Ljubljana")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(value: datetime) -> datetime:
    """Convert an aware datetime to Ljubljana time for display or date arithmetic."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(LOCAL_TZ)
