"""Rate limits that keep the site up when their store fails (Redis stopped or unreachable).

Flask-Limiter counts requests in ``RATELIMIT_STORAGE_URI``, Redis when several servers run.
Left alone, it raises when that store fails, and every view with a limit answers 500. What
should happen instead depends on what a limit protects:

* **Reads go on.** A GET, HEAD or OPTIONS that cannot be counted is let through: what it shows
  is public or the reader's own, and an outage of the counter must not take the site down.
* **Signing in waits** (``CLOSED_READS``): the sign-in start and the provider's callback are
  GETs, but their limits are what stands between a script and the eID provider (and the
  callback writes the account and its session).
* **Writes wait.** Any other request with a limit (a support, a follow, a form) is refused
  with a 503 that says "try again in a minute" (``StoreUnavailable``), before its view runs,
  so nothing is written; its limit exists because uncounted writes are what abuse looks like.
* **Except the writes that only end something** (``OPEN_WRITES``): the provider's back-channel
  logout, "sign out everywhere" and one-click unsubscribe. Refusing them would keep sessions
  alive or mail going against the person's will, each carries its own proof (a signed logout
  token, the signed-in session, a keyed link), and none adds anything to count.

Requests without a limit (logout, most pages) never touch the store and notice nothing. The
failure is logged once per ``REPORT_INTERVAL_SECONDS`` in each process, with the number of
requests it affected, and once more when the store answers again; the store is asked again
on every request, so the site recovers by itself the moment Redis is back. Its client waits
at most ``STORE_TIMEOUT_SECONDS`` (``app.config.finalize``), so a Redis that does not answer
costs a limited request half a second, never a worker.

The API counts its own requests on the same store (``app.api.limits``) and lets them through
when it fails: it only reads.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any

import flask_limiter
import redis
from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import ServiceUnavailable

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Reads that are refused when they cannot be counted: the steps of signing in. (The first
#: sign-in form, ``auth.welcome``, is refused as a write when it is sent, shown otherwise.)
CLOSED_READS = frozenset({"auth.login", "auth.callback"})
#: Writes that are let through when they cannot be counted: they only end something.
OPEN_WRITES = frozenset(
    {"auth.backchannel_logout", "account.end_all_sessions", "notifications.unsubscribe"}
)
#: How long the refused are asked to wait (``Retry-After``): a Redis restart or failover.
RETRY_AFTER_SECONDS = 60
#: At most one log line per process in this many seconds while the store fails.
REPORT_INTERVAL_SECONDS = 60.0
#: How long a Redis store may take to connect or to answer (``app.config.finalize``).
STORE_TIMEOUT_SECONDS = 0.5


class StoreUnavailable(ServiceUnavailable):
    """A request that must be counted could not be: nothing was done, try again in a minute."""

    #: The page's own title and explanation (``app.core.errors.render_error`` reads them).
    page_text = (
        _l("We cannot take this right now"),
        _l("Nothing has been changed. Please try again in a minute."),
    )

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER_SECONDS)


class _Reports:
    """The store's failures in this process: logged once an interval, with how many there were."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logged_at: float | None = None
        self._unlogged = 0
        self.failing = False

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.failing = True
            self._unlogged += 1
            if self._logged_at is not None and now - self._logged_at < REPORT_INTERVAL_SECONDS:
                return
            self._logged_at, count, self._unlogged = now, self._unlogged, 0
        log.warning(
            "rate-limit store unavailable (%s: %s); %d request(s) affected since the last "
            "report: reads are let through, sign-in and writes answered 503",
            type(error).__name__,
            error,
            count,
            # An error that is not a store's (a bug in a key function) needs its traceback.
            exc_info=not _is_store_error(error),
        )

    def answered(self) -> None:
        with self._lock:
            if not self.failing:
                return
            self.failing, count = False, self._unlogged
            self._logged_at, self._unlogged = None, 0
        log.warning(
            "rate-limit store answers again (%d request(s) affected since the last report)",
            count,
        )


def _is_store_error(error: Exception) -> bool:
    return isinstance(error, redis.RedisError | OSError)


#: Flask-Limiter's hook that adds the headers, ``Limiter.__inject_headers``, by its mangled
#: name: read with ``getattr``, as mypy does not mangle names and would not find it.
_INJECT_HEADERS = "_Limiter__inject_headers"


def _lets_through() -> bool:
    """Whether the current request may go on uncounted (see the module's docstring)."""
    if request.method in SAFE_METHODS:
        return request.endpoint not in CLOSED_READS
    return request.endpoint in OPEN_WRITES


class ResilientLimiter(flask_limiter.Limiter):
    """Flask-Limiter, with what a failed store means decided per request (module docstring).

    It overrides two internals of Flask-Limiter (4.1): ``_check_request_limit``, which every
    check of a request goes through (the hook before the request and each decorated view),
    and the hook after it that adds the ``X-RateLimit-*`` headers, which asks the store again.
    ``tests/core/test_limits_store.py`` runs both against a real Redis that stops.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Never swallowed by Flask-Limiter (RATELIMIT_SWALLOW_ERRORS): the decision is ours.
        super().__init__(*args, swallow_errors=False, **kwargs)
        self.reports = _Reports()

    def init_app(self, app: Flask) -> None:
        # One limiter serves every app of the process (the tests make many): the options of
        # an earlier app's store must not reach this one's (``init_app`` only adds to them).
        self._storage_options.clear()
        self.reports = _Reports()  # of this app's store
        super().init_app(app)
        if self.enabled:
            self._guard_header_hook(app)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        try:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        except RateLimitExceeded:
            raise
        except Exception as error:  # whatever the store raises (redis, OSError, limits')
            self._without_store(error)
        else:
            if self.reports.failing and self.context.view_rate_limits:
                self.reports.answered()  # limits were counted: the store is back

    def _without_store(self, error: Exception) -> None:
        self.reports.failed(error)
        # Nothing was counted: the hook after the request must not ask the store again
        # (another timeout) for the headers of a limit it could not count.
        context = self.context
        context.view_rate_limit = None
        context.view_rate_limits = []
        context.conditional_deductions.clear()
        if not _lets_through():
            raise StoreUnavailable from error

    # --- the headers after the request ------------------------------------------------------

    def _guard_header_hook(self, app: Flask) -> None:
        """Put ``_add_headers`` in place of Flask-Limiter's own hook after the request.

        Flask-Limiter registers ``partial(Limiter.__inject_headers, self)``: a function of its
        class, name-mangled, so a subclass cannot override it; it is replaced in the app's
        list instead, in its place (the order of the hooks stays as it was).
        """
        inject = getattr(flask_limiter.Limiter, _INJECT_HEADERS)
        hooks = app.after_request_funcs.setdefault(None, [])
        for index, hook in enumerate(hooks):
            if isinstance(hook, partial) and hook.func is inject and hook.args == (self,):
                hooks[index] = self._add_headers
                return
        if self._add_headers not in hooks:  # already replaced: the same app set up again
            raise RuntimeError(
                "Flask-Limiter no longer registers its header hook as app.core.ratelimits "
                "expects: a store failure after a request could answer 500. Check "
                "ResilientLimiter against the installed Flask-Limiter."
            )

    def _add_headers(self, response: Response) -> Response:
        """Flask-Limiter's ``X-RateLimit-*`` headers, or none if the store fails meanwhile."""
        inject = getattr(flask_limiter.Limiter, _INJECT_HEADERS)
        try:
            return inject(self, response)  # type: ignore[no-any-return]
        except Exception as error:  # the store's (it failed after the check had counted)
            self.reports.failed(error)
            return response
