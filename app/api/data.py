"""The shapes every resource shares: times, names in both languages, units, links.

Data is language-neutral: states and kinds are their stable codes, a topic or a community
carries its name in each language, times are RFC 3339 in UTC and days ISO 8601 dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.core.urls import public_url_for


def moment(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, to the second: ``2026-04-20T08:30:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def named(item: Any) -> dict[str, Any] | None:
    """A topic, community, body or reason: its slug, and its name in each language."""
    if item is None:
        return None
    return {"slug": item.slug, "name": {"sl": item.name_sl, "en": item.name_en or None}}


def unit(item: Any) -> dict[str, Any] | None:
    """An organisational unit: its code, and its name (units are named in Slovenian only)."""
    if item is None:
        return None
    return {"code": item.code, "name": item.name}


def links(
    page: str, page_values: dict[str, Any], api: str, api_values: dict[str, Any]
) -> dict[str, str]:
    """An item's ``url`` (its public page) and ``self`` (its address in the API)."""
    return {
        "url": public_url_for(page, **page_values),
        "self": public_url_for(api, **api_values),
    }
