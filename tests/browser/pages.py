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
    # Sign-in and the account
    Page("signed-out", "/auth/logged-out"),
    Page("sign-in-problem", "/auth/callback?code=x&state=y", status=400),
    Page("email-link-invalid", "/auth/confirm-email/forged", status=400),
    Page("welcome", "/auth/welcome", as_role="newcomer"),
    Page("home-signed-in", "/", as_role="resident"),
    Page("account", "/me/", as_role="resident"),
    Page("account-delete", "/me/delete", as_role="resident"),
    Page("forbidden", "/admin/users", status=403, as_role="resident"),
    # Administration (account 1 is the first demo persona's)
    Page("admin-users", "/admin/users", as_role="administrator"),
    Page("admin-user", "/admin/users/1", as_role="administrator"),
    Page("admin-audit", "/admin/audit", as_role="administrator"),
    Page("official-user", "/admin/users/1", as_role="official"),
    # Reference data and initiative rules (item 1 of each list is from the seed)
    Page("admin-topics", "/admin/topics", as_role="administrator"),
    Page("admin-communities", "/admin/communities", as_role="administrator"),
    Page("admin-reasons", "/admin/reasons", as_role="administrator"),
    Page("admin-topic", "/admin/topics/1", as_role="administrator"),
    Page("admin-reason", "/admin/reasons/1", as_role="administrator"),
    Page("admin-initiative-rules", "/admin/initiative-rules", as_role="administrator"),
    Page("forbidden-rules", "/admin/initiative-rules", status=403, as_role="official"),
]
