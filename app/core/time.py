"""Time helpers: store UTC, show Europe/Ljubljana."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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


def today() -> date:
    """The day it is in Ljubljana: due dates and "overdue" are counted in local days."""
    return to_local(utcnow()).date()


def next_midnight() -> datetime:
    """The next local midnight: when a page that says "overdue" may change by itself."""
    return datetime.combine(today() + timedelta(days=1), time.min, LOCAL_TZ)
