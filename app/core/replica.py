"""An optional PostgreSQL streaming replica, for the reads that may be a few seconds old.

Set ``REPLICA_DATABASE_URI`` (``FLASK_REPLICA_DATABASE_URI``) to a hot standby of the primary
and two kinds of reads go to it: the anonymous API's answers that the page cache does not keep
(``app.api.reads``) and the open-data dumps (``app.opendata.dumps``). Everything else reads the
primary: signed-in pages (a resident who just supported must see their support counted), every
write and what follows it, and every answer that fills the page cache, which is shared and
would keep a lagging replica's answer under the newest generations as if it were fresh.

**Routing.** ``RoutingSession`` is ``db.session``'s class. While a request (or a block,
``reading``) has chosen the replica, its reads are bound to the replica's engine; otherwise
nothing changes. A write while routed there is a bug, and fails at once (``ReplicaWriteError``)
rather than be sent anywhere; the replica's connections are read-only besides, so raw SQL that
writes fails there too.

**Lag.** The replica is used only while it is a standby (``pg_is_in_recovery()``), receives
the primary's WAL (a WAL receiver runs: without one it replays nothing and looks up to date),
and is no further behind than ``REPLICA_MAX_LAG_SECONDS``. Behind is 0 when everything
received is replayed, else the age of the last transaction replayed. A measurement is kept for
``REPLICA_CHECK_SECONDS`` in each process, and counted as ageing meanwhile: the replica is used
only while the lag measured plus the measurement's age stays within the bound, so no answer it
gives is older than the bound (as the replica's clock tells; keep the hosts on NTP). A link
to the primary that breaks silently is noticed by the standby only after its
``wal_receiver_timeout`` (until then it looks current): the README has it set to the bound.

**Down.** A replica that cannot be reached is left alone for ``DOWN_RETRY_SECONDS``: one request
in that time waits for the connection to fail (at once if refused, at most
``CONNECT_TIMEOUT_SECONDS`` if nothing answers), the others go to the primary without trying. A
read that fails on the replica mid-request is made again on the primary (``fall_back``).

The engine is made on first use in each process (a worker forked by gunicorn makes its own),
with a small pool: most answers come from the page cache, not from either database.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

#: Key of the process's ``Replica`` in ``app.extensions``.
EXTENSION = "glas_replica"
#: Key in ``g`` while this request (or block) reads the replica.
_ROUTED = "glas_read_replica"
#: After the replica could not be reached, how long it is not asked again.
DOWN_RETRY_SECONDS = 5.0
#: How long a connection to the replica may take (psycopg's and libpq's shortest is 2 s).
CONNECT_TIMEOUT_SECONDS = 2
#: Connections kept open to the replica per process, and how many more a burst may open.
POOL_SIZE = 2
POOL_OVERFLOW = 8

#: One round trip: a standby? receiving WAL? how far behind (NULL: it cannot tell)?
#: ``>=``, not ``=``: a standby that restarted may report a received position behind the
#: replayed one (it starts receiving at a segment's start); it is not behind then.
LAG_QUERY = sa.text(
    "SELECT pg_is_in_recovery(),"
    " EXISTS (SELECT 1 FROM pg_stat_wal_receiver),"
    " CASE WHEN pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


class ReplicaWriteError(RuntimeError):
    """A write was attempted while reading from the replica: a bug in the code that routed it."""


class Health(enum.Enum):
    OK = "ok"
    LAGGING = "lagging"
    DOWN = "down"
    #: Promoted, or pointed at a primary: not following ours, so never read.
    NOT_STANDBY = "not a standby"
    #: No WAL receiver: it replays nothing new, however up to date it says it is.
    NOT_RECEIVING = "not receiving"
    #: Not measured yet (another thread of the process is measuring it).
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Measurement:
    health: Health
    #: Seconds behind the primary when measured; None when it could not be told.
    lag: float | None
    #: When it was measured (``time.monotonic()``).
    at: float

    def usable(self, bound: float, now: float | None = None) -> bool:
        """Whether the replica is within ``bound`` now, counting the measurement's age."""
        if self.health is not Health.OK or self.lag is None:
            return False
        return self.behind(now) <= bound

    def behind(self, now: float | None = None) -> float:
        """How far behind the replica may be now: the lag measured, plus the time since."""
        return (self.lag or 0.0) + (time.monotonic() if now is None else now) - self.at

    def now(self, bound: float) -> tuple[Health, float | None]:
        """The health and lag to report: an ok measurement aged past the bound is lagging."""
        if self.health is Health.OK and not self.usable(bound):
            return Health.LAGGING, self.behind()
        return self.health, self.lag

    def describe(self, bound: float) -> str:
        health, lag = self.now(bound)
        if health is Health.LAGGING and lag is not None:
            return f"lagging {lag:.1f} s"
        return health.value


class Replica:
    """The replica of one app in one process: its engine and its last measurement."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.url = str(config["REPLICA_DATABASE_URI"])
        self.bound = float(config["REPLICA_MAX_LAG_SECONDS"])
        self.interval = float(config["REPLICA_CHECK_SECONDS"])
        self._hide_parameters = bool(
            config["SQLALCHEMY_ENGINE_OPTIONS"].get("hide_parameters", False)
        )
        self._pid = -1
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._last: Measurement | None = None
        #: Why the replica was last found down (for the log).
        self._error: BaseException | None = None

    def engine(self) -> Engine:
        pid = os.getpid()
        if self._engine is None or self._pid != pid:
            if self._engine is not None:
                # Forked: the parent's connections are the parent's; close none of them here.
                self._engine.dispose(close=False)
            self._lock = threading.Lock()
            self._last = None
            self._engine = sa.create_engine(
                self.url,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
                # A full pool is a busy replica: the primary is asked instead (app.api.reads).
                pool_timeout=CONNECT_TIMEOUT_SECONDS,
                hide_parameters=self._hide_parameters,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
                # BEGIN READ ONLY: a write sent here by mistake fails, also on a primary.
                execution_options={"postgresql_readonly": True},
            )
            self._pid = pid
        return self._engine

    def measurement(self) -> Measurement:
        """The last measurement, measured again once it is older than the check interval."""
        self.engine()  # a new process starts with no measurement
        last = self._last
        now = time.monotonic()
        if last is not None:
            keep = DOWN_RETRY_SECONDS if last.health is Health.DOWN else self.interval
            if now - last.at < keep:
                return last
        # One thread measures; the others decide on what was known, rather than queue up
        # behind a replica that may take CONNECT_TIMEOUT_SECONDS to fail.
        if not self._lock.acquire(blocking=False):
            return last or Measurement(Health.UNKNOWN, None, now)
        try:
            found = self._measure()
            self._note(found)
            return found
        finally:
            self._lock.release()

    def last(self) -> Measurement:
        """What was last measured, without measuring: for /healthz, which must answer at once.

        A health check that waited for a replica that does not answer (CONNECT_TIMEOUT_SECONDS)
        would fail the proxy's check and take an app server out for an optional part.
        """
        self.engine()  # a new process starts with no measurement
        return self._last or Measurement(Health.UNKNOWN, None, time.monotonic())

    def _measure(self) -> Measurement:
        try:
            with self.engine().connect() as connection:
                in_recovery, receiving, lag = connection.execute(LAG_QUERY).one()
        except sa.exc.SQLAlchemyError as error:  # unreachable (DBAPIError) or pool full
            self._error = error
            return Measurement(Health.DOWN, None, time.monotonic())
        now = time.monotonic()
        lag = None if lag is None else max(0.0, float(lag))
        if not in_recovery:
            return Measurement(Health.NOT_STANDBY, None, now)
        if not receiving:
            return Measurement(Health.NOT_RECEIVING, lag, now)
        if lag is None or lag > self.bound:
            return Measurement(Health.LAGGING, lag, now)
        return Measurement(Health.OK, lag, now)

    def _note(self, found: Measurement) -> None:
        """Keep the measurement, and log when the replica's health changes (once, not per read)."""
        before = self._last.health if self._last is not None else None
        self._last = found
        if found.health is before:
            return
        if found.health is Health.OK:
            log.info("replica: ok, %.1f s behind; the anonymous API reads it", found.lag or 0.0)
        elif found.health is Health.DOWN:
            log.warning("replica: down (%s); reads go to the primary", _reason(self._error))
        else:
            log.warning("replica: %s; reads go to the primary", found.describe(self.bound))

    def dispose(self) -> None:
        """Close the pool's connections (a test's teardown, a worker's exit)."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()

    def mark_down(self, error: BaseException) -> None:
        self._error = error
        self._note(Measurement(Health.DOWN, None, time.monotonic()))


def configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REPLICA_DATABASE_URI"))


def replica(app: Flask | None = None) -> Replica:
    """The app's replica in this process (``configured`` must be true)."""
    app = app or current_app
    found: Replica | None = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, Replica(app))
    return found


# --- routing ----------------------------------------------------------------------------------


def routed() -> bool:
    """Whether the reads of this request (or block) go to the replica."""
    return has_app_context() and bool(g.get(_ROUTED))


def route_to_replica() -> Measurement | None:
    """Send this request's reads to the replica if it is usable; its measurement if so.

    Call it before the request's first query: a transaction begun on the primary would go on
    there, and the request would read both.
    """
    if not configured():
        return None
    found = replica().measurement()
    if not found.usable(replica().bound):
        return None
    g.setdefault(_ROUTED, True)
    return found


def use_primary() -> None:
    g.pop(_ROUTED, None)


def _reason(error: BaseException | None) -> str:
    """The driver's words only: not the statement, nor its parameters, into the log."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split()) or type(original).__name__


def _lost(error: BaseException) -> bool:
    """Whether ``error`` says the replica cannot be reached (rather than refused one read)."""
    if isinstance(error, sa.exc.TimeoutError):
        return False  # the pool is busy, the replica is there
    if isinstance(error, sa.exc.DBAPIError):
        # Raised while connecting (no statement sent), or the connection died under a read.
        return error.connection_invalidated or error.statement is None
    return False


def fall_back(error: BaseException) -> bool:
    """After a read on the replica failed: read the rest of the request from the primary.

    True if the caller should make its reads again (they were the replica's, and failed for a
    reason the primary does not share: a lost connection, a busy pool, a read the standby
    cancelled for its replay); False if the error is the caller's to handle as any other.
    """
    if not routed():
        return False
    retryable = isinstance(error, sa.exc.OperationalError | sa.exc.TimeoutError) or (
        isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated
    )
    if not retryable:
        return False
    from app.extensions import db  # app.extensions builds db.session on this module

    use_primary()
    # The replica's part of the transaction is dead (or aborted); the objects it loaded expire.
    db.session.rollback()
    log.warning("replica: a read failed (%s); made again on the primary", _reason(error))
    if _lost(error):
        replica().mark_down(error)
    return True


@dataclass
class Reading:
    """Where a ``reading`` block reads: ``"replica"`` or ``"primary"``, and why."""

    source: str
    reason: str


@contextmanager
def reading(purpose: str) -> Iterator[Reading]:
    """Read from the replica inside the block if it is usable, else from the primary.

    For work outside a request that only reads (the open-data dump). The block must write
    nothing: its transaction is rolled back at the end, ending the replica's snapshot (a long
    one would hold back the standby's replay, or be cancelled by it).
    """
    if not configured():
        yield Reading("primary", "no replica is configured")
        return
    from app.extensions import db

    found = route_to_replica()
    if found is not None:
        where = Reading("replica", f"at most {found.behind():.1f} s behind")
    else:
        where = Reading(
            "primary", f"the replica is {replica().measurement().describe(replica().bound)}"
        )
    log.info("%s reads from the %s (%s)", purpose, where.source, where.reason)
    try:
        yield where
    finally:
        if routed():
            db.session.rollback()
        use_primary()


class RoutingSession(FlaskSession):
    """``db.session``: reads go to the replica while ``route_to_replica`` chose it."""

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None or not routed():
            return chosen
        if self._flushing or isinstance(clause, UpdateBase):
            raise ReplicaWriteError(
                "a write while the request reads from the replica; "
                "call app.core.replica.use_primary() before any query of a request that writes"
            )
        if chosen is not self._db.engines.get(None):
            return chosen  # a table of another bind (none so far) is not on the replica
        return replica().engine()
