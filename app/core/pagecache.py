"""A cache of the pages anonymous visitors see, invalidated exactly by the writes that change them.

Rendering a list or an initiative costs a worker tens of milliseconds (templates, SQL); a
visitor without a cookie gets the same page as every other visitor in their language, so it is
made once and served from the cache until something on it changes. Storage is Flask-Caching:
Redis when ``CACHE_REDIS_URL`` is set (``FLASK_CACHE_REDIS_URL``; shared by every worker and
server, as it must be with more than one process), otherwise a cache inside the process (the
embedded default, which runs one).

**What is cached.** Only what a view marks with ``@cached(...)``, only for GET and HEAD, only
for a visitor who sent no session cookie, only a 200 in HTML that sets no cookie and left the
session untouched, and only when every query parameter is one the page reads, each once. The
key is the path, the sorted query, the language and the release (``app.core.release``). A
signed-in visitor never reads nor writes an entry: their page shows their own support, their
own buttons, and is sent ``private, no-store``.

**Invalidation by tags and generations.** A page names the tags it depends on (an initiative
page ``initiative:<id>``, a list ``initiatives``; every page ``site``); each tag has a
generation in the cache, a random number replaced by every committed write to what the tag
covers. An entry records the generations it was made under and is served only while all of
them are still current: one round trip (``get_many``) reads the entry and its generations
together. The generations are read *before* the page is rendered, so a write that commits
while the page is being made leaves the new entry stale at birth, never a stale entry that
looks fresh. Which writes touch which tags is declared per model (``tags_for``) and collected
by the session's flush; after the commit the generations are replaced. A model nobody
declared touches ``site``: every page, the safe default for a feature that forgot. Bulk
statements (``INSERT … ON CONFLICT``, ``UPDATE … WHERE``) are not seen by the flush: they name
their tags in the execution option ``TAGS`` (or call ``changed``), or they touch ``site``, as raw
SQL that writes does.

Generations are random, not counters: when the cache evicts a generation (Redis under
``maxmemory``, the in-process cache at its threshold), a counter starting again at 1 could
make an old entry valid again; a random value never comes back, and a missing generation is
simply a miss. Missing generations are made before the page is, never after: one made after
could not be told from one replaced by a write committed while the page was being made.

**The clock.** What changes with time alone (support closes, a response falls due, "overdue by
N days" at midnight in Ljubljana) invalidates nothing, so it bounds how long an entry lives: a
view names the moments its page changes by itself (``expires_by``), and no entry outlives the
next local midnight or ``PAGE_CACHE_SECONDS``.

**Nothing can fill the cache without bound.** Values a visitor types (a search) make new keys
without bound; entries for them are limited to ``PAGE_CACHE_FREE_ENTRIES`` new ones per
``PAGE_CACHE_SECONDS`` in each process, and longer values, or values with a control character,
are never cached. Other spellings of one page share its entry (``Policy.canonical``), and ids
in paths are written one way (``app.core.routing``).

**HTTP.** A cached page is sent ``Cache-Control: public, no-cache`` with an ``ETag``: a browser
or proxy may keep it but must ask again each time, and a matching ``If-None-Match`` gets a 304
without a body. A stale count is worse than a round trip.

**Failure.** If Redis cannot be reached or does not answer within ``REDIS_TIMEOUT_SECONDS``, the
pages are rendered as if there were no cache, the cache is not asked again for
``RETRY_AFTER_SECONDS``, and the error is logged at most once a minute. A write whose generations
could not be replaced (the cache failed at its commit: stopped, or stalled and back a moment
later with its entries) is logged as an error, and the process owes them: they are replaced
before it reads the cache again (``_settle``) and with its next write, so its own pages are
never served from entries the write ended, and other servers' are not once it has read again.

**A hit skips Flask** (``_FastPath``, a WSGI middleware inside ProxyFix): the entry holds the
page's headers, so a hit costs a worker a Redis round trip and the bytes, not a request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from flask_caching import Cache
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as BaseResponse

from app.core import replica
from app.core.i18n import LANGUAGE_COOKIE
from app.core.release import release
from app.core.security import HSTS
from app.core.time import to_local, utcnow

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

cache = Cache()

#: The tag of every page: what is on all of them (settings, reference data, names).
SITE = "site"
#: Execution option of a bulk statement: the tags it touches (an iterable of strings).
TAGS = "glas_page_cache_tags"
#: Longest value of a free-text parameter that is cached (a search is cut at 200 anyway).
FREE_VALUE_MAX = 100
_SESSION_TAGS = "glas_page_cache_tags"
#: WSGI environ key of what the fast path looked up for a request it did not answer.
_PENDING = "glas.page_cache"
_GENERATION = "gen:"
_PAGE = "page:"
_ERROR_LOG_INTERVAL = 60.0
#: How long a generation lives. Not for ever: the in-process cache, when full, drops what
#: never expires first (cachelib's SimpleCache), which would be every generation at once. A
#: generation that expires is only a miss (``_write``), never a page taken for current.
GENERATION_SECONDS = 30 * 24 * 3600
_HSTS_HEADER = "strict-transport-security"
#: After an error of the cache, how long it is left alone (``_resting``).
RETRY_AFTER_SECONDS = 5.0
#: How long Redis may take to connect or answer before the page is made without it.
REDIS_TIMEOUT_SECONDS = 0.25

F = TypeVar("F", bound=Callable[..., Any])


# --- what a page depends on -------------------------------------------------------------------


_Pairs = list[tuple[str, str]]


def _as_given(pairs: _Pairs) -> _Pairs:
    return pairs


@dataclass(frozen=True)
class Policy:
    """How a view's pages are cached: their tags, and the query parameters they read."""

    tags: Callable[..., Iterable[str]]
    params: frozenset[str]
    free: frozenset[str]
    canonical: Callable[[_Pairs], _Pairs | None] = _as_given
    #: Asked by ``_FastPath`` before it answers a hit (the app, the request's environ): False
    #: leaves the request to Flask. For a limit that must hold for cached answers too (the
    #: API's, ``app.api.limits``), which the guard counts; Flask counts every other request.
    guard: Callable[[Flask, WSGIEnvironment], bool] | None = None


def cached(
    tags: Callable[..., Iterable[str]] = lambda **_: (),
    *,
    params: Iterable[str] = (),
    free: Iterable[str] = (),
    canonical: Callable[[_Pairs], _Pairs | None] = _as_given,
    guard: Callable[[Flask, WSGIEnvironment], bool] | None = None,
) -> Callable[[F], F]:
    """Cache a view's pages for anonymous visitors.

    ``tags`` gets the view's arguments (``initiative_id=…``) and names what the page shows;
    ``site`` is always added. ``params``: the query parameters the view reads (a request with
    any other is not cached, so nobody can put their own parameter into a page others get);
    ``free``: those of them whose values are typed by visitors (see the module's docstring).
    ``canonical`` gets the query's (name, value) pairs and returns those of the one address
    of the same page (empty values dropped, ``page=02`` as ``page=2`` …), or ``None`` for a
    query the page does not answer: the spellings of one page then share one entry.
    ``guard``: asked before a hit is answered (see ``Policy``).
    Put it under the route decorator; the view itself is returned unchanged.
    """

    def mark(view: F) -> F:
        policy = Policy(
            tags, frozenset(params) | frozenset(free), frozenset(free), canonical, guard
        )
        view.glas_page_cache = policy  # type: ignore[attr-defined]
        return view

    return mark


def expires_by(moment: datetime | Callable[[], datetime | None] | None) -> None:
    """The page being made changes by itself at ``moment``: its entry must not outlive it.

    A callable is called only if the page is stored, so that a page for a signed-in visitor
    does not pay for a query it does not need.
    """
    if moment is not None and "page_cache" in g:
        g.page_cache.moments.append(moment)


# --- what a write changes ---------------------------------------------------------------------

_Tagger = Callable[[Any], Iterable[str]]
_taggers: dict[type[Any], _Tagger] = {}
_bulk_tags: dict[type[Any], tuple[str, ...]] = {}


def tags_for(
    model: type[Any], tagger: _Tagger | None = None, *, bulk: Iterable[str] | None = None
) -> None:
    """Declare which tags a change of a ``model`` row touches.

    ``tagger`` gets the changed (new, updated or deleted) object and returns its tags; none: a
    model no public page shows (sessions, the audit log). ``bulk``: the tags of a bulk INSERT,
    UPDATE or DELETE of the model that names none itself; by default none for a model on no
    page, ``site`` for any other.
    """
    _taggers[model] = tagger or (lambda _obj: ())
    _bulk_tags[model] = tuple(bulk) if bulk is not None else (() if tagger is None else (SITE,))


def changed(db_session: Session, *tags: str) -> None:
    """Note tags changed in this transaction; their pages are invalidated when it commits."""
    db_session.info.setdefault(_SESSION_TAGS, set()).update(tags)


def _tags_of(obj: object) -> Iterable[str]:
    for cls in type(obj).__mro__:
        tagger = _taggers.get(cls)
        if tagger is not None:
            return tagger(obj)
    return (SITE,)


def _collect_flushed(db_session: Session, _context: object) -> None:
    touched: set[str] = set()
    for obj in (*db_session.new, *db_session.dirty, *db_session.deleted):
        # ``dirty`` also holds objects with no net change (an attribute set to its value).
        if obj in db_session.dirty and not db_session.is_modified(obj):
            continue
        touched.update(_tags_of(obj))
    if touched:
        changed(db_session, *touched)


#: Raw SQL (``text()``) that writes nothing; any other raw statement touches ``site``.
_READING = ("SELECT", "EXPLAIN", "SHOW", "SET", "RESET", "VALUES", "PRAGMA")


def _collect_bulk(state: ORMExecuteState) -> None:
    if isinstance(state.statement, sa.TextClause):
        if not str(state.statement).lstrip().upper().startswith(_READING):
            changed(state.session, *state.execution_options.get(TAGS, (SITE,)))
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    named = state.execution_options.get(TAGS)
    if named is not None:
        changed(state.session, *named)
        return
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    changed(state.session, *(_bulk_tags.get(model, (SITE,)) if model else (SITE,)))


def _after_commit(db_session: Session) -> None:
    if db_session.in_nested_transaction():
        return  # a SAVEPOINT released; the real commit comes later
    touched = db_session.info.pop(_SESSION_TAGS, None)
    if touched:
        _bump(touched)


def _after_transaction_end(db_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Rolled back or closed without a commit: nothing it noted happened.
        db_session.info.pop(_SESSION_TAGS, None)


def _bump(tags: Iterable[str]) -> None:
    # Also with the page cache off (PAGE_CACHE_SECONDS=0): ``memoized`` relies on them.
    _replace(current_app, set(tags))


#: ``app.extensions`` key: the tags whose generations a committed write could not replace.
_OWED = "glas_page_cache_owed"


def _replace(app: Flask, tags: set[str]) -> bool:
    """Replace the generations of ``tags`` and of those still owed; False if the cache failed.

    What fails is owed, and tried again before the cache is read (``_settle``) and with the
    next write: until then, the entries those generations vouch for are still current.
    """
    owed: set[str] = app.extensions.setdefault(_OWED, set())
    wanted = tags | owed
    if not wanted:
        return True
    fresh = {_GENERATION + tag: secrets.randbits(62) for tag in wanted}
    try:
        app.extensions["cache"][cache].set_many(fresh, timeout=GENERATION_SECONDS)
    except Exception as error:  # the cache's own errors (redis.RedisError, OSError) vary by backend
        owed.update(wanted)
        _report(app, error)
        if tags:  # a write's, not a retry's: each write that could not is in the log
            log.error(
                "page cache: could not invalidate %s (%s); replaced before the cache is read",
                sorted(wanted),
                error,
            )
        return False
    owed.difference_update(wanted)
    return True


def _settle(app: Flask) -> bool:
    """Before the cache is read: replace what a failed write owes. False: read nothing."""
    return not app.extensions.get(_OWED) or _replace(app, set())


# --- what every page reads --------------------------------------------------------------------

_MEMOS = "glas_page_cache_memos"
T = TypeVar("T")


def memoized(name: str, load: Callable[[], T]) -> T:
    """A value made only of what the ``site`` tag covers, kept in the process while it stands.

    For reference data that nearly every page reads (the topics and communities of the
    filters): the value is loaded again once any write touched ``site``, in every process and
    on every server at once, because the generation is the shared one. An anonymous request
    has read it already with its page (no round trip); any other reads it (one, to Redis, in
    place of the database's). Generations are kept also with the page cache off.
    """
    generation = None if _resting(current_app) else _site_generation()
    if generation is None:
        return load()
    memos: dict[str, tuple[int, float, Any]] = current_app.extensions[_MEMOS]
    held = memos.get(name)
    now = time.monotonic()
    # Also no longer than a page: a write from a process that could not bump the generation
    # (Redis away a moment, or another process without Redis) is seen as late as a page.
    max_age = current_app.config["PAGE_CACHE_SECONDS"] or 300
    if held is not None and held[0] == generation and now - held[1] < max_age:
        return held[2]  # type: ignore[no-any-return]
    value = load()
    # A lagging replica's copy (app.core.replica) must not stand for the current generation.
    if not replica.routed():
        memos[name] = (generation, now, value)
    return value


def _site_generation() -> int | None:
    pending: _Pending | None = g.get("page_cache")
    key = _GENERATION + SITE
    if not _settle(current_app):
        return None
    if pending is not None and key in pending.generation_keys:
        value = pending.generations[pending.generation_keys.index(key)]
        if value is not None:
            return value
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, secrets.randbits(62), timeout=GENERATION_SECONDS)
            value = cache.get(key)
    except Exception as error:  # the backend's own errors
        _report(current_app, error)
        return None
    return int(value) if value is not None else None


# --- serving ----------------------------------------------------------------------------------


@dataclass
class _Pending:
    """What ``_serve`` found out, for ``_store`` to use once the page is made."""

    key: str
    generation_keys: list[str]
    generations: list[int | None]
    free: bool
    started: datetime
    moments: list[datetime | Callable[[], datetime | None]] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    body: bytes
    headers: list[tuple[str, str]]
    etag: str
    generations: tuple[int, ...]
    expires: float


class _FreeBudget:
    """New entries for free-text values, per process and period (see the module docstring)."""

    def __init__(self) -> None:
        self.period = -1
        self.used = 0

    def take(self, period: int, limit: int) -> bool:
        if period != self.period:
            self.period, self.used = period, 0
        if self.used >= limit:
            return False
        self.used += 1
        return True


_BUDGET = "glas_page_cache_budget"
_last_error = [0.0]
_FAILED_AT = "glas_page_cache_failed_at"


def _language(app: Flask, visitor: Request) -> str:
    # As i18n.select_locale decides for a visitor without an account, without loading one.
    chosen = visitor.cookies.get(LANGUAGE_COOKIE)
    languages = app.config["LANGUAGES"]
    return str(chosen if chosen in languages else app.config["BABEL_DEFAULT_LOCALE"])


def _key(app: Flask, policy: Policy, visitor: Request) -> tuple[str, bool] | None:
    """The entry's key and whether it holds free text; ``None``: this request is not cached."""
    given: _Pairs = []
    for name, values in visitor.args.lists():
        if name not in policy.params or len(values) != 1:
            return None
        # A control character is in no query Glas writes (and its forms refuse them).
        if name in policy.free and (
            len(values[0]) > FREE_VALUE_MAX or any(c < " " or c == "\x7f" for c in values[0])
        ):
            return None
        given.append((name, values[0]))
    pairs = policy.canonical(given)
    if pairs is None:
        return None
    free = any(name in policy.free and value for name, value in pairs)
    # JSON, not text joined by a separator: no value can make two queries one key.
    raw = json.dumps([release(app), _language(app, visitor), visitor.path, sorted(pairs)])
    return _PAGE + hashlib.sha256(raw.encode()).hexdigest(), free


def _report(app: Flask, error: Exception) -> None:
    now = time.monotonic()
    app.extensions[_FAILED_AT] = now
    if now - _last_error[0] > _ERROR_LOG_INTERVAL:
        _last_error[0] = now
        log.warning("page cache unavailable, rendering without it: %s", error)


def _resting(app: Flask) -> bool:
    """Whether the cache failed a moment ago: then it is not asked for a while.

    A Redis that does not answer costs each request its timeout; asked again only after
    ``RETRY_AFTER_SECONDS``, it costs one request in that time, not every request.
    """
    failed_at: float = app.extensions.get(_FAILED_AT, -RETRY_AFTER_SECONDS)
    return time.monotonic() - failed_at < RETRY_AFTER_SECONDS


class _FastPath:
    """WSGI middleware: a cached page is answered before Flask makes a request of it.

    A page from the cache needs nothing Flask prepares for a view (the request and app
    contexts, the session, the hooks before and after, the teardown): its headers, security
    headers included, were kept with it. Skipping them halves what a hit costs a worker. A
    request that may be cached but is not (a miss) goes on to Flask with what was looked up
    (``_PENDING`` in its environ), so that ``_note_pending`` and ``_store`` need no second
    round trip to the cache.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            answer = self._answer(environ)
        except Exception:  # never let the cache stand between a visitor and the page
            log.exception("page cache: lookup failed; rendering without it")
            answer = None
        if answer is not None:
            return answer(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: WSGIEnvironment) -> BaseResponse | None:
        app = self.app
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if not app.config["PAGE_CACHE_SECONDS"] or _resting(app):
            return None
        if not _settle(app):  # an entry a failed write ended must not be served
            return None
        visitor = Request(environ)
        if app.config["SESSION_COOKIE_NAME"] in visitor.cookies:
            return None
        try:
            endpoint, view_args = app.url_map.bind_to_environ(environ).match()
        except HTTPException:  # not found, a redirect, a wrong method: Flask says so
            return None
        policy: Policy | None = getattr(app.view_functions.get(endpoint), "glas_page_cache", None)
        if policy is None:
            return None
        found = _key(app, policy, visitor)
        if found is None:
            return None
        key, free = found
        tags = sorted({SITE, *policy.tags(**view_args)})
        generation_keys = [_GENERATION + tag for tag in tags]
        backend = app.extensions["cache"][cache]
        try:
            entry, *generations = backend.get_many(key, *generation_keys)
        except Exception as error:  # the backend's own errors
            _report(app, error)
            return None
        if (
            isinstance(entry, _Entry)
            and None not in generations
            and entry.generations == tuple(generations)
            and entry.expires > time.time()
        ):
            response = BaseResponse(entry.body, headers=entry.headers)
            response.set_etag(entry.etag)
            response.headers["X-Glas-Cache"] = "hit"
            if policy.guard is not None and not policy.guard(app, environ):
                return None  # refused: Flask refuses it too, and says why
            if visitor.is_secure:  # as security.set_security_headers decides it, per request
                response.headers["Strict-Transport-Security"] = HSTS
            return response.make_conditional(visitor)
        if None in generations:
            # Made now, before the page is: a write that commits while it is being made then
            # replaces a generation that was there first, and the page is stale at birth. One
            # made after the page could not be told from such a write's (``_write``).
            try:
                for generation_key, value in zip(generation_keys, generations, strict=True):
                    if value is None:
                        backend.add(generation_key, secrets.randbits(62), GENERATION_SECONDS)
                generations = backend.get_many(*generation_keys)
            except Exception as error:  # the backend's own errors
                _report(app, error)
                return None
        environ[_PENDING] = _Pending(key, generation_keys, generations, free, utcnow())
        return None


def _note_pending() -> None:
    """Before the view: keep what the fast path looked up for this page, to store it after."""
    pending = request.environ.pop(_PENDING, None)
    if isinstance(pending, _Pending):
        g.page_cache = pending


def storing() -> bool:
    """Whether the response being made will be kept by the cache (which then answers a
    conditional request itself, after keeping the whole page)."""
    return "page_cache" in g


def storing_typed() -> bool:
    """Whether the response being kept is for a typed value (a search, a cursor): one of as
    many entries as visitors make, not of the few every visitor shares."""
    pending: _Pending | None = g.get("page_cache")
    return pending is not None and pending.free


def do_not_store() -> None:
    """The response being made must not be kept (it was read from a replica that may lag,
    ``app.api.reads``); a conditional request is then answered by the view's own ETag."""
    g.pop("page_cache", None)


def _expiry(pending: _Pending) -> float | None:
    """When the entry must go, as a Unix time; ``None`` if that is already now."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    started = pending.started
    local = to_local(started)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    ends = [started + timedelta(seconds=seconds), midnight]
    for moment in pending.moments:
        value = moment() if callable(moment) else moment
        if value is not None and value > started:
            ends.append(value)
    end = min(ends)
    # From the page's own start, not from now: rendering it took time too.
    return end.timestamp() if (end - utcnow()).total_seconds() >= 1 else None


#: What a cached view may answer that is kept: pages, and the JSON and SVG files made from
#: the same data (a letter's JSON and QR code, the accountability charts).
_CACHED_TYPES = frozenset(
    {"text/html", "application/json", "image/svg+xml", "application/atom+xml"}  # Atom: app/feeds
)


def _cacheable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype in _CACHED_TYPES
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.modified
        and g.get("auth_session") is None
    )


def _store(response: Response) -> BaseResponse:
    """After the view: keep the page if it may be shared, and send it with its ETag."""
    pending: _Pending | None = g.pop("page_cache", None)
    if pending is None:
        return response
    if not _cacheable(response):
        return response
    try:
        expires = _expiry(pending)
    except sa.exc.SQLAlchemyError as error:
        # The page is made, but what bounds its life (the next deadline) could not be read:
        # the database went away meanwhile. Sent as it is and not kept, rather than a 500
        # (the request's session is closed at its end, as after any failed query).
        log.warning("page cache: not kept, its expiry could not be read: %s", error)
        return response
    response.add_etag()
    response.headers["Cache-Control"] = "public, no-cache"
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    period = int(time.time() // seconds)
    limit = current_app.config["PAGE_CACHE_FREE_ENTRIES"]
    budget: _FreeBudget = current_app.extensions[_BUDGET]
    if expires is not None and (not pending.free or budget.take(period, limit)):
        _write(pending, response, expires)
    return response.make_conditional(request)


def _write(pending: _Pending, response: Response, expires: float) -> None:
    if None in pending.generations:
        # A generation that did not exist when the page was begun cannot vouch for it (they
        # are made before the page, in ``_FastPath``; this one was evicted meanwhile).
        return
    try:
        etag, _weak = response.get_etag()
        headers = [
            (name, value)
            for name, value in response.headers.items()
            # HSTS depends on the request's scheme: added to each hit, not kept (_FastPath).
            if name.lower() not in ("content-length", "etag", "set-cookie", _HSTS_HEADER)
        ]
        generations = tuple(int(value) for value in pending.generations if value is not None)
        entry = _Entry(response.get_data(), headers, etag or "", generations, expires)
        cache.set(pending.key, entry, timeout=max(1, int(expires - time.time()) + 1))
    except Exception as error:  # the backend's own errors
        _report(current_app, error)


# --- set-up -----------------------------------------------------------------------------------


def configure(config: dict[str, Any]) -> None:
    """Flask-Caching's settings from Glas's: Redis if a URL is given, else in the process."""
    if config.get("CACHE_REDIS_URL"):
        config.setdefault("CACHE_TYPE", "RedisCache")
        # redis-py waits for ever by default: a Redis that hangs would hang every page.
        config.setdefault(
            "CACHE_OPTIONS",
            {
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            },
        )
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
    config.setdefault("CACHE_KEY_PREFIX", "glas:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", config["PAGE_CACHE_SECONDS"] or 300)
    # The in-process cache: at most this many pages and generations (~30 kB a page).
    config.setdefault("CACHE_THRESHOLD", 1000)


def init_app(app: Flask, db_session: Any) -> None:
    configure(app.config)
    cache.init_app(app)
    app.extensions[_BUDGET] = _FreeBudget()
    app.extensions[_MEMOS] = {}
    # Innermost of the WSGI wrappers (ProxyFix comes around it), so it sees the visitor's
    # scheme, host and address as Flask would.
    app.wsgi_app = _FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(_note_pending)
    app.after_request(_store)
    for name, listener in (
        ("after_flush", _collect_flushed),
        ("do_orm_execute", _collect_bulk),
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(db_session, name, listener):
            sa.event.listen(db_session, name, listener)
