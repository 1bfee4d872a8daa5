"""A throwaway primary and a streaming hot standby of it, for the replica's tests.

The primary is ``tests._postgres.ThrowawayPostgres`` (``initdb``'s trust rules already let
local connections replicate); the standby is made from it with ``pg_basebackup -R`` (which
writes ``primary_conninfo`` and ``standby.signal``) and started on a socket folder of its
own. Under root both run as the ``postgres`` user, through the primary's own runner.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from tests._postgres import ThrowawayPostgres

_USER = "glas"
#: How long a test waits for the standby to catch up, start or stop before it gives up.
WAIT_SECONDS = 30.0
#: The tests' own statements: fixed text, or composed with ``psycopg.sql`` where a value is
#: not a parameter (``ALTER SYSTEM``).
Query = LiteralString | sql.Composed


class StreamingPair:
    def __init__(self) -> None:
        self.primary = ThrowawayPostgres()
        self.root = Path(tempfile.mkdtemp(prefix="glas-standby-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.socket_dir.mkdir()

    # --- the two servers ----------------------------------------------------------------------

    def start(self) -> StreamingPair:
        self.primary.start()
        if self.primary._as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self.primary._run(
            "pg_basebackup", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
            "-h", str(self.primary.socket_dir), "-U", _USER,
        )  # fmt: skip
        self.start_standby()
        # A table of the tests' own, in the ``postgres`` database, for commits that mark time.
        self.on_primary("CREATE TABLE marks (at timestamptz DEFAULT now())")
        return self

    def start_standby(self) -> None:
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c hot_standby=on "
            "-c max_connections=200"  # no fewer than the primary's, or it will not replay
        )
        self.primary._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self.wait_until(lambda: self.on_standby("SELECT count(*) FROM pg_stat_wal_receiver") == 1)

    def stop_standby(self) -> None:
        self.primary._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            self.primary._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except RuntimeError:
            pass  # a test left it stopped
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.primary.stop()

    def standby_url(self, database: str) -> str:
        return f"postgresql+psycopg://{_USER}@/{database}?host={self.socket_dir}"

    # --- statements ---------------------------------------------------------------------------

    @staticmethod
    def _one(socket_dir: Path, query: Query, params: tuple[Any, ...]) -> Any:
        with psycopg.connect(
            dbname="postgres", user=_USER, host=str(socket_dir), autocommit=True
        ) as connection:
            cursor = connection.execute(query, params)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def on_primary(self, query: Query, *params: Any) -> Any:
        """The first value of a statement on the primary (in its ``postgres`` database)."""
        return self._one(self.primary.socket_dir, query, params)

    def on_standby(self, query: Query, *params: Any) -> Any:
        return self._one(self.socket_dir, query, params)

    @staticmethod
    def wait_until(condition: Any, what: str = "the standby") -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not there after {WAIT_SECONDS} s")
            time.sleep(0.02)

    def caught_up(self) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        target = self.on_primary("SELECT pg_current_wal_insert_lsn()::text")
        self.wait_until(
            lambda: self.on_standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target)
        )

    @contextmanager
    def replay_paused(self) -> Iterator[float]:
        """Stop the standby's replay just after a fresh commit; what the primary commits inside
        reaches the standby but is not applied. Yields when that commit was made
        (``time.monotonic()``): the standby's lag counts from it."""
        self.on_primary("INSERT INTO marks DEFAULT VALUES")
        committed = time.monotonic()
        self.caught_up()
        self.on_standby("SELECT pg_wal_replay_pause()")
        self.wait_until(
            lambda: self.on_standby("SELECT pg_get_wal_replay_pause_state()") == "paused"
        )
        try:
            yield committed
        finally:
            self.on_standby("SELECT pg_wal_replay_resume()")
            self.caught_up()

    def received(self) -> None:
        """Wait until the standby has received (maybe not replayed) all the primary's WAL."""
        target = self.on_primary("SELECT pg_current_wal_insert_lsn()::text")
        self.wait_until(
            lambda: self.on_standby("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", target)
        )
