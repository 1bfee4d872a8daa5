"""Rate limits that keep the site up when their store fails (Redis stopped or unreachable).

Flask-Limiter counts requests in ``RATELIMIT_STORAGE_URI``, Redis when several servers run.
Left alone, it raises when that store fails, and every view with a limit answers 500. What
should happen instead depends on what a limit protects:

* **Reads go on.** A GET, HEAD or OPTIONS that cannot be counted is let through: what it shows
  is public or the reader's own, and an outage of the counter must not take the site down.
* **Except the GETs that act** (``CLOSED_GETS``): the sign-in start and the provider's
  callback, whose limits are what stands between a script and the eID provider (and the
  callback writes the account and its session), and the link that confirms an e-mail
  address, which writes it as confirmed. They wait, as writes do.
* **Writes wait.** Any other request with a limit (a support, a follow, a form) is refused
  with a 503 that says "try again in a minute" (``StoreUnavailable``), before its view runs,
  so nothing is written; its limit exists because uncounted writes are what abuse looks like.
* **Except the writes that only end something** (``OPEN_WRITES``): the provider's back-channel
  logout, "sign out everywhere" and one-click unsubscribe. Refusing them would keep sessions
  alive or mail going against the person's will, each carries its own proof (a signed logout
  token, the signed-in session, a keyed link), and none adds anything to count.
* **And the forms that only look something up** (``OPEN_LOOKUPS``): checking a letter's
  fingerprint, and "look for similar initiatives" on the new and the edit form. They are
  POSTs (a file, the typed text), save nothing, and go on as reads do.

``tests/core/test_limits_classes.py`` holds the class of every limited request, and fails
for a limit that is added without one.

Requests without a limit (logout, most pages) never touch the store and notice nothing. The
store's client waits at most ``STORE_TIMEOUT_SECONDS`` (``app.config.finalize``); after a
failure, each process leaves the store alone for ``STORE_PAUSE_SECONDS``, deciding its limited
requests as above without asking, then asks again. So a Redis that does not answer (a hung
process, a host behind a firewall that drops) costs one request half a second every few
seconds, not every limited request (every API request among them) half a second, which with
sync workers would be two requests a second per worker; and the site recovers by itself a
few seconds after Redis is back. The failure is logged once per ``REPORT_INTERVAL_SECONDS``
in each process, with the number of requests it affected, and once more when the store
answers again.

The API counts its own requests on the same store (``app.api.limits``), pauses with the rest,
and lets them through when it cannot count: it only reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

import flask_limiter
import redis
from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from limits.strategies import RateLimiter
from werkzeug.exceptions import ServiceUnavailable

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: GETs (and their HEADs) that are refused when they cannot be counted, as they act: the steps
#: of signing in, and the confirmation of an e-mail address. (The first sign-in form,
#: ``auth.welcome``, is refused as a write when it is sent, shown otherwise.)
CLOSED_GETS = frozenset({"auth.login", "auth.callback", "auth.confirm_email"})
#: Writes that are let through when they cannot be counted: they only end something.
OPEN_WRITES = frozenset(
    {"auth.backchannel_logout", "account.end_all_sessions", "notifications.unsubscribe"}
)
#: POSTs that are let through when they cannot be counted, as they only look something up:
#: the endpoint, and the ``action`` of the form's button that does (None: any POST of it).
OPEN_LOOKUPS: Mapping[str, str | None] = {
    "replies.verify": None,  # a letter's PDF or fingerprint, compared with the published ones
    # "Look for similar initiatives" (``initiatives.views._checking_similar``); the new form's
    # other button saves a draft, and waits.
    "initiatives.new": "check",
    "initiatives.edit": "check",
}
#: How long the refused are asked to wait (``Retry-After``): a Redis restart or failover.
RETRY_AFTER_SECONDS = 60
#: At most one log line per process in this many seconds while the store fails.
REPORT_INTERVAL_SECONDS = 60.0
#: How long a Redis store may take to connect or to answer (``app.config.finalize``).
STORE_TIMEOUT_SECONDS = 0.5
#: After the store fails, how long this process decides without asking it (``_Reports``).
STORE_PAUSE_SECONDS = 5.0


class StoreResting(Exception):
    """The store failed less than ``STORE_PAUSE_SECONDS`` ago: it is not asked yet."""

    def __init__(self) -> None:
        super().__init__(f"not asked for {STORE_PAUSE_SECONDS:g} s after a failure")


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
        #: When the store last failed (``time.monotonic``): the pause runs from there.
        self._failed_at: float | None = None
        self.failing = False

    def resting(self) -> bool:
        """Whether the store failed so recently that it is not to be asked (the pause)."""
        failed_at = self._failed_at
        return failed_at is not None and time.monotonic() - failed_at < STORE_PAUSE_SECONDS

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.failing = True
            self._unlogged += 1
            if isinstance(error, StoreResting):
                return  # decided without asking: in the count of the next report
            # The pause starts; not for a bug (in a key function, say): the store is fine.
            if _is_store_error(error):
                self._failed_at = now
            if self._logged_at is not None and now - self._logged_at < REPORT_INTERVAL_SECONDS:
                return
            self._logged_at, count, self._unlogged = now, self._unlogged, 0
        log.warning(
            "rate-limit store unavailable (%s: %s); %d request(s) affected since the last "
            "report: reads are let through, sign-in and writes answered 503, without asking "
            "the store for %g s after each failure",
            type(error).__name__,
            error,
            count,
            STORE_PAUSE_SECONDS,
            # An error that is not a store's (a bug in a key function) needs its traceback.
            exc_info=not _is_store_error(error),
        )

    def answered(self) -> None:
        with self._lock:
            if not self.failing:
                return
            self.failing, count = False, self._unlogged
            self._logged_at, self._unlogged, self._failed_at = None, 0, None
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
    endpoint = request.endpoint or ""
    if request.method in SAFE_METHODS:
        return endpoint not in CLOSED_GETS
    if endpoint in OPEN_WRITES:
        return True
    if endpoint in OPEN_LOOKUPS:
        action = OPEN_LOOKUPS[endpoint]
        return action is None or request.form.get("action") == action
    return False


class ResilientLimiter(flask_limiter.Limiter):
    """Flask-Limiter, with what a failed store means decided per request (module docstring).

    It overrides two internals of Flask-Limiter (4.1): ``_check_request_limit``, which every
    check of a request goes through (the hook before the request and each decorated view),
    and the hook after it that adds the ``X-RateLimit-*`` headers, which asks the store again;
    and its ``limiter`` (the strategy), which every question to the store goes through, the
    API's limit's as well, to pause after a failure. ``tests/core/test_limits_store.py`` runs
    them against a real Redis that stops, and one that stalls.
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

    @property
    def limiter(self) -> RateLimiter:
        """Flask-Limiter's strategy, which counts in the store; ``StoreResting`` in the pause.

        Raised where the store would have been asked, it takes the way of the store's own
        errors: the request is decided as for a failure, at once, and only requests that a
        limit applies to notice it.
        """
        if self.reports.resting():
            raise StoreResting
        return super().limiter

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        try:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        except RateLimitExceeded:
            raise
        except Exception as error:  # whatever the store raises (redis, OSError, limits'), or
            self._without_store(error)  # StoreResting in the pause after a failure
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
