"""The API's one rate limit per client address (``API_RATE_LIMIT``), held for every request.

Most answers of the API come from the cache of pages, and a hit is answered before Flask runs
(``pagecache._FastPath``), where Flask-Limiter's decorators never see it. So the limit is the
API's own, on the same store as Flask-Limiter's (Redis when several servers run; its
``limits`` strategy, moving window by default): ``allowed`` is asked by the fast path before it
answers a hit (``pagecache.cached(guard=allowed)``) and by ``_limit`` before Flask answers any
other request under ``/api/v1/`` (a miss, an error, a preflight). A request is counted once,
where it is answered; one refused is counted by neither (a refused hit goes on to Flask, which
refuses it again and answers the problem in the client's language).

If the store cannot be reached, reads are let through and the failure is logged: the data is
public, and a Redis outage must not take the API down (a write has no such leeway, and the
API has none). The store is asked through Flask-Limiter's strategy (``limiter.limiter``), so
the API rests with the site's other limits after a failure (``STORE_PAUSE_SECONDS``): a Redis
that does not answer costs one request its timeout every few seconds, not every request.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, request
from flask.blueprints import BlueprintSetupState
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from app.api import bp
from app.extensions import limiter

log = logging.getLogger(__name__)
PREFIX = "/api/v1/"
#: The key of the API's budget in the store, beside the address.
SCOPE = "glas-api"


@lru_cache(maxsize=8)
def _items(rate: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(rate))  # checked at start-up (app.config.finalize)


class LimitExceeded(TooManyRequests):
    """A 429 with ``Retry-After`` and the limit it broke (``X-RateLimit-*``)."""

    def __init__(self, item: RateLimitItem, retry_after: int, reset: int) -> None:
        super().__init__(retry_after=retry_after)
        self.limit_headers = {
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        }

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), *self.limit_headers.items()]


def _refused(app: Flask, address: str) -> LimitExceeded | None:
    """Count a request of ``address``; the 429 to answer if it is over the limit."""
    for item in _items(str(app.config["API_RATE_LIMIT"])):
        try:
            if limiter.limiter.hit(item, SCOPE, address):
                continue
            reset = limiter.limiter.get_window_stats(item, SCOPE, address).reset_time
        except Exception as error:  # the store's own errors (redis.RedisError, OSError …) vary,
            # and StoreResting in the pause after one. Reported as the site's other limits
            # are: once a minute, with the count, not a traceback for every request.
            limiter.reports.failed(error)
            return None
        return LimitExceeded(item, max(1, int(reset - time.time()) + 1), int(reset))
    limiter.reports.answered()  # counted: if the store had failed, it is back
    return None


def allowed(app: Flask, environ: dict[str, Any]) -> bool:
    """For the page cache's fast path (no request yet): count the hit; False if refused."""
    return _refused(app, str(environ.get("REMOTE_ADDR") or "127.0.0.1")) is None


def _limit() -> None:
    """Before Flask answers a request under ``/api/v1/``: count it, or refuse it."""
    if not request.path.startswith(PREFIX):
        return
    refused = _refused(current_app, request.remote_addr or "127.0.0.1")
    if refused is not None:
        raise refused


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    # Before every other hook of the request (the sign-in layer's, the blueprint's preflight):
    # a refused request costs nothing more.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit)
