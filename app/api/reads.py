"""Which database answers the API: the replica for what the page cache will not keep.

With a replica configured (``app.core.replica``), an anonymous request to the API reads it when
it is usable (a standby, receiving, within ``REPLICA_MAX_LAG_SECONDS``), except a request whose
answer fills the page cache: that one reads the primary. The cache is shared by every visitor
and trusts an entry while the generations it was made under are current; an answer read from
a replica a few seconds behind, kept under the newest generations, would be served as fresh
until the next write. So:

- a **hit** is answered from the cache before Flask runs, as without a replica;
- a **miss the cache keeps under a shared key** (a list's page with its filters, an item, the
  index and the document) reads the primary, and is kept: each such answer is made once per
  change of what it shows, by the primary, as without a replica;
- **everything the cache would not keep, or keeps per typed value** (a search, a cursor's
  page: as many keys as visitors make; any answer while the cache is off or resting) reads the
  replica and is not kept.

That puts the unbounded part of the API's reads, a harvester walking the cursors and searches,
on the replica, and costs the shared pages nothing. Its price: a cursor's page or a search,
which the cache kept for its first ``PAGE_CACHE_FREE_ENTRIES`` values per period, is now made
on every request (the benchmark made the API's lists afresh at 102-291 requests a second,
against about 1,600 from the cache; docs/performance.md). A request with a session cookie
reads the primary, whoever sent it: a resident who has just supported sees the count they
made, in the API too.

If a read on the replica fails mid-request (the replica went away, or cancelled the read for
its replay), the view is made again on the primary: the API writes nothing, so it may.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, request
from flask.typing import ResponseReturnValue

from app.api import bp
from app.core import errors, pagecache, replica

log = logging.getLogger(__name__)


@bp.before_request
def _choose_database() -> None:
    if not replica.configured() or request.method not in ("GET", "HEAD"):
        return
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        log.debug("API %s reads the primary: a session cookie was sent", request.path)
        return
    if pagecache.storing() and not pagecache.storing_typed():
        log.debug("API %s reads the primary: its answer fills the page cache", request.path)
        return
    found = replica.route_to_replica()
    if found is None:
        log.debug("API %s reads the primary: the replica is not usable", request.path)
        return
    pagecache.do_not_store()
    log.debug("API %s reads the replica (at most %.1f s behind)", request.path, found.behind())


@bp.errorhandler(sa.exc.DBAPIError)
@bp.errorhandler(sa.exc.TimeoutError)
def _on_database_error(error: sa.exc.SQLAlchemyError) -> ResponseReturnValue:
    """A read on the replica that failed is made again on the primary; any other error is
    handled as the rest of the site handles it (``errors.handle_database_error``)."""
    if not replica.fall_back(error):
        if isinstance(error, sa.exc.DBAPIError):
            return errors.handle_database_error(error)
        raise error
    try:
        return current_app.dispatch_request()
    except Exception as again:  # a 404, or the primary's own failure: answered as usual
        return current_app.handle_user_exception(again)
