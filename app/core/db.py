"""Database helpers shared by every feature."""

from __future__ import annotations

import enum
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection


class Base(DeclarativeBase):
    # Stable constraint names so Alembic autogenerate can diff and drop them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_N_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """A string enum column: VARCHAR plus a CHECK, storing the members' values (not names).

    A VARCHAR is easy to migrate when a state is added, unlike a native PostgreSQL enum.
    """
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC on every database.

    PostgreSQL keeps the zone; SQLite stores text and hands back naive values, so the zone is
    restored here. Naive values are refused on the way in: they are always a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: store them without an offset, all in UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@sa.event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself: pysqlite's own transaction handling breaks SAVEPOINTs,
    # which duplicate-vote protection and the test isolation rely on.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@sa.event.listens_for(Engine, "begin")
def _begin_sqlite(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock at the start, waiting up to busy_timeout for it. A
        # deferred BEGIN reads first and asks for the lock at the first write; if another
        # request wrote in between, SQLite cannot wait (the read snapshot is stale) and fails
        # at once with "database is locked" — a 500 for concurrent supporters. Serialising
        # transactions costs little on the embedded default; PostgreSQL is for scale.
        # A connection that will only read may say so (``READ_ONLY``) and not wait for writers.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


#: Execution option of a connection that never writes: on SQLite it does not take the write lock.
READ_ONLY = "glas_read_only"


# --- connections that outlive the server ------------------------------------------------------
#
# ``pool_pre_ping`` would send a ``SELECT 1`` before every checkout, that is before every
# request, to find the rare connection the server closed (a restart, a failover, an idle
# timeout). Instead only a connection that lay unused for a while is pinged: a busy site reuses
# its connections within seconds and pays nothing. A connection found dead on first use (the
# server restarted a moment ago) still raises; SQLAlchemy then sees a disconnect and drops
# every connection of the pool made before it, so only requests already holding one fail,
# each with a 503 "try again" page (``app.core.errors.handle_database_error``), and the next
# ones connect afresh (tests/core/test_db_recovery.py).

#: A pooled connection unused for longer than this is pinged when it is checked out.
PING_AFTER_IDLE_SECONDS = 10.0
_CHECKED_IN_AT = "glas_checked_in_at"


@sa.event.listens_for(Pool, "checkin")
def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


@sa.event.listens_for(Pool, "checkout")
def _ping_if_idle(
    dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return  # a file in this process: there is no server to lose
    # Absent on a new connection (``info`` lives and dies with the DBAPI connection).
    idle_since = record.info.get(_CHECKED_IN_AT)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # the ping began a transaction: the request begins its own
    except Exception as error:  # whatever the driver raises, this connection is unusable
        # The pool discards this connection and checks out another (up to three attempts).
        raise sa.exc.DisconnectionError(str(error)) from error


def detached_copies(model: type[Any], key: str) -> dict[Any, Any]:
    """Every row of ``model`` by ``key``, as copies that belong to no session.

    For reference data kept in the process (``pagecache.memoized``): the session's own objects
    would be expired by the next commit, and a later request could not load them again.
    Whoever changes a row loads it afresh; the copies are never added to a session.
    """
    from app.extensions import db  # app.extensions builds its base on this module

    columns = [column.key for column in model.__mapper__.column_attrs]
    return {
        getattr(row, key): model(**{name: getattr(row, name) for name in columns})
        for row in db.session.scalars(sa.select(model))
    }
