"""Reference data kept in each process: units by code, topics and communities by slug.

Lists and their filters read these on every request; they change only when an administrator
edits them (which touches ``site``, so ``pagecache.memoized`` reads them again). The values are
copies that belong to no session (``db.detached_copies``): never add one to a session, load
the row afresh to change it.
"""

from __future__ import annotations

from app.core import pagecache
from app.core.db import detached_copies
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity, Topic


def units_by_code() -> dict[str, OrgUnit]:
    return pagecache.memoized("reference.units", lambda: detached_copies(OrgUnit, "code"))


def topics_by_slug() -> dict[str, Topic]:
    return pagecache.memoized("reference.topics", lambda: detached_copies(Topic, "slug"))


def communities_by_slug() -> dict[str, LocalCommunity]:
    return pagecache.memoized(
        "reference.communities", lambda: detached_copies(LocalCommunity, "slug")
    )
