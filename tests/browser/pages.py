"""Every page of Glas that the accessibility and HTML checks visit.

Each feature adds its pages here: list pages, detail pages (of demo data), forms, and the
pages only a signed-in person sees (``as_role`` names the demo persona's role).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    status: int = 200
    #: Signed in as the demo persona with this role; ``None`` for an anonymous visitor.
    as_role: str | None = None


PAGES: list[Page] = [
    Page("home", "/"),
    Page("about", "/about"),
    Page("accessibility", "/accessibility"),
    Page("privacy", "/privacy"),
    Page("not-found", "/no-such-page", status=404),
]
