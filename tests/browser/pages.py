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
    # Initiatives (demo data: 1 open, 2 awaiting a response, 4 carried out, 5 partly accepted,
    # 7 expired, 9 not published, 10 submitted by Ana, 11 Ana's draft)
    Page("initiatives", "/initiatives/"),
    Page("initiatives-filtered", "/initiatives/?state=answered&sort=supported&topic=promet"),
    Page("initiatives-search", "/initiatives/?q=kolesarska"),
    Page("initiatives-bad-filter", "/initiatives/?state=nonsense", status=400),
    Page("initiative-open", "/initiatives/1"),
    Page("initiative-awaiting", "/initiatives/2"),
    Page("initiative-completed", "/initiatives/4"),
    Page("initiative-expired", "/initiatives/7"),
    Page("initiative-rejected", "/initiatives/9"),
    Page("initiative-open-author", "/initiatives/1", as_role="resident"),
    Page("initiative-open-supporter", "/initiatives/1", as_role="supporter"),
    Page("initiative-draft-author", "/initiatives/11", as_role="resident"),
    Page("initiative-edit", "/initiatives/11/edit", as_role="resident"),
    Page("initiative-new", "/initiatives/new", as_role="resident"),
    Page("initiatives-mine", "/initiatives/mine", as_role="resident"),
    Page("initiative-cannot-submit", "/initiatives/new", status=403, as_role="non_resident"),
    Page("moderation-queue", "/initiatives/moderation", as_role="moderator"),
    Page("initiative-moderate", "/initiatives/10", as_role="moderator"),
    Page("initiative-respond", "/initiatives/2", as_role="administrator"),
    Page("initiative-progress", "/initiatives/5", as_role="administrator"),
    # Administration (account 1 is the first demo persona's)
    Page("admin-users", "/admin/users", as_role="administrator"),
    Page("admin-user", "/admin/users/1", as_role="administrator"),
    Page("admin-audit", "/admin/audit", as_role="administrator"),
    Page("admin-feedback", "/admin/feedback", as_role="administrator"),
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
