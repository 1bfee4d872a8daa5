"""Test fixtures: a real database (PostgreSQL or SQLite), one transaction per test.

``pytest --db postgresql`` (the default) starts a throwaway PostgreSQL cluster unless
``TEST_DATABASE_URL`` names one; ``pytest --db sqlite`` runs the same suite on a SQLite file,
the embedded default that ``make demo`` uses. Both run the real Alembic migrations.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade
from psycopg import sql
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db, limiter
from tests._postgres import ThrowawayPostgres

# In this order: each imports the ones before it (pytest rewrites only what it has not imported).
pytest_plugins = ["tests.eid", "tests.smtp", "tests.live"]

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="database to run the suite on (default: postgresql)",
    )
    parser.addoption(
        "--screenshots",
        default=None,
        help="folder where the browser tests save a screenshot of every page",
    )


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist: every worker must collect the same tests under the same ids, and an id made
    # from a set (a frozenset's repr follows the strings' hashes) differs between processes
    # unless they share one hash seed. The workers, started after this, inherit one drawn
    # afresh each run (so no test comes to count on one order), unless PYTHONHASHSEED is set.
    if (
        config.getoption("numprocesses", None)
        and not hasattr(config, "workerinput")
        and not os.environ.get("PYTHONHASHSEED")
    ):
        os.environ["PYTHONHASHSEED"] = str(random.SystemRandom().randrange(1, 2**32))
    # Every app the tests build, and every `flask` they start, gets an empty instance folder
    # of its own: never the checkout's instance/, where `make demo` writes its secrets.
    instance = tempfile.mkdtemp(prefix="glas-instance-")
    config.add_cleanup(lambda: shutil.rmtree(instance, ignore_errors=True))
    os.environ["FLASK_INSTANCE_PATH"] = instance


def pytest_report_header(config: pytest.Config) -> str:
    header = f"glas database: {config.getoption('--db')}"
    if config.getoption("numprocesses", None):
        header += f", the workers' PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED')}"
    return header


class Databases:
    """Hands out fresh, empty databases of the chosen kind for the session."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self._cluster: ThrowawayPostgres | None = None
        self._server_url = os.environ.get("TEST_DATABASE_URL")
        self._count = 0

    def new(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / name}.db"
        if self._server_url is None:
            self._cluster = ThrowawayPostgres().start()
            self._server_url = self._cluster.url()
        self._count += 1
        database = f"glas_{name}_{os.getpid()}_{self._count}"
        url = make_url(self._server_url)
        params = {
            "dbname": url.database or "postgres",
            "user": url.username,
            "password": url.password,
            "host": url.query.get("host") or url.host,
            "port": url.port,
        }
        with psycopg.connect(
            **{k: v for k, v in params.items() if v}, autocommit=True
        ) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        return url.set(database=database).render_as_string(hide_password=False)

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest) -> Iterator[Databases]:
    with tempfile.TemporaryDirectory(prefix="glas-test-") as workdir:
        pool = Databases(request.config.getoption("--db"), Path(workdir))
        try:
            yield pool
        finally:
            pool.close()


def base_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration of a test app; tests and the live server start from it."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SUBJECT_PEPPER": "test-pepper-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CSRF_ENABLED": False,
        "PUBLIC_URL": "http://localhost",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    return databases.new("suite")


@pytest.fixture(scope="session")
def app(database_url: str, eid_provider: Any) -> Iterator[Flask]:
    from tests.eid import oidc_config

    app = create_app(base_config(database_url, **oidc_config(eid_provider.issuer)))
    with app.app_context():
        # App code calls commit(); inside a test that only releases a SAVEPOINT.
        db.session.configure(join_transaction_mode="create_savepoint")
        upgrade()  # the same Alembic migrations production runs
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")  # and every migration can be undone
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolate_db(app: Flask) -> Iterator[None]:
    """Run each test in one outer transaction and roll it back afterwards."""
    with app.app_context():
        engines = db.engines  # a plain dict, per app
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection  # every session of this app now binds here
        app.extensions["test_connection"] = connection
    data = _TestData()
    sa.event.listen(connection, "before_cursor_execute", data.note)
    app.extensions[_TEST_DATA] = data
    yield
    with app.app_context():
        db.session.remove()
    sa.event.remove(connection, "before_cursor_execute", data.note)
    transaction.rollback()
    connection.close()
    engines[None] = engine
    app.extensions.pop("test_connection", None)
    app.extensions.pop(_TEST_DATA, None)


# --- Seeded once, put back for each test -------------------------------------------------------
#
# Seeding through the services costs from tens of milliseconds (an account) to seconds (the
# whole demo), and hundreds of tests start from the same few seedings. ``seed_once(key, seed)``
# runs ``seed`` for real the first time, keeps what it changed row by row, and for each later
# test in the process puts those rows back into the test's own transaction: with COPY on
# PostgreSQL, one statement per table on SQLite. Seedings chain: a fixture seeded on top of
# others (``people`` on ``council`` on ``reference``) is kept for exactly that chain.
#
# Only where the outcome cannot differ: on the empty database or on top of seedings only (any
# other write first, and the seeding runs for real), in the same configuration, on the same day
# by the same clock, and for a few minutes (the seeding's "now" must not drift far from the
# test's). Stored files, the return value, make_user's numbering and any counters named are
# put back too; what the process keeps of the data (cached pages, settings) is made afresh.

_TEST_DATA = "glas_test_data"
#: Statements that leave the data as they are; any other one may have written.
_LEAVES_DATA = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN")
#: Folders a seeding may store files in: kept out of the fingerprint (a test may have a folder
#: of its own, tmp_path), and the files are put back in whichever folder is current.
_FOLDERS = ("UPLOAD_FOLDER", "OPEN_DATA_FOLDER")
#: A seeding kept longer than this is made again: its "now" would drift too far from the test's.
_KEEP_SECONDS = 300
#: ``GLAS_SEED_ONCE=off`` seeds for real every time; ``check`` also seeds for real where rows
#: would be put back, and fails the test if they differ (timestamps and random names aside).
_MODE = os.environ.get("GLAS_SEED_ONCE", "on")


class _TestData:
    """What this test's transaction holds, as far as ``seed_once`` is concerned."""

    def __init__(self) -> None:
        #: The seedings put in so far, in order; None once anything else wrote.
        self.chain: tuple[int, ...] | None = ()
        self.seeding = False
        #: make_user's next number (Resident 1, Resident 2, …).
        self.next_user = 1

    def note(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.chain is None or self.seeding:
            return
        if not statement.lstrip()[:24].upper().startswith(_LEAVES_DATA):
            self.chain = None


@dataclass
class _Table:
    name: str
    #: Positions of the primary key's columns in a row (none for the tables triggers keep).
    key: tuple[int, ...]
    columns: tuple[str, ...]
    #: Serial columns (PostgreSQL): their sequences are moved past the ids put back.
    serials: tuple[str, ...] = ()


@dataclass
class _Change:
    """One table's rows that a seeding added, changed (their new values) and removed."""

    added: list[Any] = field(default_factory=list)
    changed: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)


@dataclass
class _Seeding:
    number: int
    fingerprint: str
    made_at: float
    #: Per table of the app, in the order of the foreign keys.
    changes: dict[str, _Change]
    #: Tables only triggers write (PostgreSQL's search documents): their whole content after.
    derived: dict[str, list[Any]]
    files: dict[str, dict[str, bytes]]
    next_user: int
    counters: list[int]
    result: Any
    #: PostgreSQL's sequences before the seeding (for ``GLAS_SEED_ONCE=check``).
    sequences: list[tuple[str, int | None]]


@dataclass
class _Kept:
    """The seedings kept by this process, and the schema of each database."""

    seedings: dict[Any, _Seeding] = field(default_factory=dict)
    schemas: dict[str, _Schema] = field(default_factory=dict)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class _Schema:
    """The database's tables as ``seed_once`` reads and writes them (read once per process)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.postgresql = connection.dialect.name == "postgresql"
        names = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        tables = [table for table in db.metadata.sorted_tables if table.name in names]
        columns: dict[str, list[str]] = {}
        serials: dict[str, list[str]] = {}
        if self.postgresql:
            for table, column, default in connection.exec_driver_sql(
                "SELECT table_name, column_name, column_default FROM information_schema.columns"
                " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            ):
                columns.setdefault(table, []).append(column)
                if default and default.startswith("nextval("):
                    serials.setdefault(table, []).append(column)
        else:
            for table in names:
                info = connection.exec_driver_sql(f'PRAGMA table_info("{table}")')
                columns[table] = [row[1] for row in info]
        self.tables = [
            _Table(
                table.name,
                tuple(columns[table.name].index(c.name) for c in table.primary_key.columns),
                tuple(columns[table.name]),
                tuple(serials.get(table.name, ())),
            )
            for table in tables
        ]
        # SQLite's FTS5 tables follow their triggers; PostgreSQL's search tables are put back.
        known = {table.name for table in tables}
        self.derived = sorted(names - known) if self.postgresql else []


class _Rows:
    """The test's transaction, table by table, below the ORM (so unseen by its events)."""

    def __init__(self, connection: sa.Connection, schema: _Schema) -> None:
        self.dbapi: Any = connection.connection.dbapi_connection
        self.schema = schema

    def _sqlite(self, statement: str, rows: list[Any] | None = None) -> list[Any]:
        cursor = self.dbapi.cursor()
        try:
            if rows is None:
                return list(cursor.execute(statement).fetchall())
            cursor.executemany(statement, rows)
            return []
        finally:
            cursor.close()

    def read(self, table: str) -> list[Any]:
        """The rows: the database's own text, line by line (PostgreSQL), or values (SQLite)."""
        if self.schema.postgresql:
            with self.dbapi.cursor() as cursor:
                statement = sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(table))
                with cursor.copy(statement) as copy:
                    text = b"".join(bytes(block) for block in copy)
            return text.splitlines(keepends=True)
        # (S608 here and below: the table and column names are the schema's own.)
        return self._sqlite(f'SELECT * FROM "{table}"')  # noqa: S608

    def read_all(self) -> dict[str, list[Any]]:
        names = [table.name for table in self.schema.tables] + self.schema.derived
        return {name: self.read(name) for name in names}

    @staticmethod
    def key(table: _Table, row: Any) -> Any:
        if isinstance(row, bytes):
            fields = row.rstrip(b"\n").split(b"\t")  # a tab in a value is escaped: \t
            return tuple(fields[i] for i in table.key) if table.key else row
        return tuple(row[i] for i in table.key) if table.key else row

    def insert(self, table: str, rows: list[Any]) -> None:
        if not rows:
            return
        if self.schema.postgresql:
            with self.dbapi.cursor() as cursor:
                statement = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))
                with cursor.copy(statement) as copy:
                    copy.write(b"".join(rows))
        else:
            marks = ", ".join("?" * len(rows[0]))
            self._sqlite(f'INSERT INTO "{table}" VALUES ({marks})', rows)  # noqa: S608

    def _by_key(self, table: _Table, rows: list[Any], update: bool) -> None:
        """UPDATE (to these values) or DELETE the rows with these rows' primary keys."""
        keys = [table.columns[i] for i in table.key]
        others = [c for c in table.columns if c not in keys]
        if self.schema.postgresql:
            scratch = sql.Identifier(f"_glas_{table.name}")
            target = sql.Identifier(table.name)
            match = sql.SQL(" AND ").join(
                sql.SQL("t.{k} = s.{k}").format(k=sql.Identifier(k)) for k in keys
            )
            with self.dbapi.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(scratch, target))
                with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(scratch)) as copy:
                    copy.write(b"".join(rows))
                if update:
                    assignments = sql.SQL(", ").join(
                        sql.SQL("{c} = s.{c}").format(c=sql.Identifier(c)) for c in others
                    )
                    statement = sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE {}").format(
                        target, assignments, scratch, match
                    )
                else:
                    statement = sql.SQL("DELETE FROM {} AS t USING {} AS s WHERE {}").format(
                        target, scratch, match
                    )
                cursor.execute(statement)
                cursor.execute(sql.SQL("DROP TABLE {}").format(scratch))
            return
        where = " AND ".join(f'"{k}" = ?' for k in keys)
        positions = [table.columns.index(c) for c in others] if update else []
        values = [[row[i] for i in positions] + [row[i] for i in table.key] for row in rows]
        if update:
            assignments = ", ".join(f'"{c}" = ?' for c in others)
            statement = f'UPDATE "{table.name}" SET {assignments} WHERE {where}'  # noqa: S608
            self._sqlite(statement, values)
        else:
            self._sqlite(f'DELETE FROM "{table.name}" WHERE {where}', values)  # noqa: S608

    def update(self, table: _Table, rows: list[Any]) -> None:
        if rows:
            self._by_key(table, rows, update=True)

    def delete(self, table: _Table, rows: list[Any]) -> None:
        if rows:
            self._by_key(table, rows, update=False)

    def replace(self, table: str, rows: list[Any]) -> None:
        with self.dbapi.cursor() as cursor:
            cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        self.insert(table, rows)

    def advance_sequences(self, tables: list[_Table]) -> None:
        """Each serial column's sequence past the ids put back (SQLite counts from the rows)."""
        parts = [
            sql.SQL(
                "(SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence({t}, {c}) AS s,"
                " (SELECT max({column}) FROM {table}) AS m) AS last"
                " WHERE m > coalesce(pg_sequence_last_value(s::regclass), 0))"
            ).format(
                t=sql.Literal(table.name),
                c=sql.Literal(column),
                column=sql.Identifier(column),
                table=sql.Identifier(table.name),
            )
            for table in tables
            for column in table.serials
        ]
        if parts:
            with self.dbapi.cursor() as cursor:
                cursor.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(parts))

    def sequences(self) -> list[tuple[str, int | None]]:
        if not self.schema.postgresql:
            return []
        with self.dbapi.cursor() as cursor:
            return list(cursor.execute("SELECT sequencename, last_value FROM pg_sequences"))

    def restore_sequences(self, sequences: list[tuple[str, int | None]]) -> None:
        if not sequences:
            return
        with self.dbapi.cursor() as cursor:
            for name, value in sequences:
                cursor.execute("SELECT setval(%s, %s, %s)", (name, value or 1, value is not None))

    def execute(self, statement: str) -> None:
        if self.schema.postgresql:
            self.dbapi.execute(statement)
        else:
            self._sqlite(statement)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what was put back if any of it fails (then the seeding runs for real)."""
        self.execute("SAVEPOINT glas_seed_once")
        try:
            yield
        except Exception:
            self.execute("ROLLBACK TO SAVEPOINT glas_seed_once")
            raise
        finally:
            self.execute("RELEASE SAVEPOINT glas_seed_once")


def _change(table: _Table, before: list[Any], after: list[Any]) -> _Change:
    old = {_Rows.key(table, row): row for row in before}
    new = {_Rows.key(table, row): row for row in after}
    return _Change(
        added=[row for key, row in new.items() if key not in old],
        changed=[row for key, row in new.items() if key in old and old[key] != row],
        removed=[row for key, row in old.items() if key not in new],
    )


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?)?")
_RANDOM_NAME = re.compile(r"[0-9a-f]{32}")


def _comparable(rows: list[Any]) -> list[str]:
    """Rows with their timestamps and random names (stored files) blanked, sorted."""
    text = (row.decode() if isinstance(row, bytes) else repr(row) for row in rows)
    return sorted(_RANDOM_NAME.sub("<name>", _TIMESTAMP.sub("<time>", line)) for line in text)


def _unordered(value: Any) -> Any:
    """A result to compare: lists as sorted (an unordered query may list rows in any order)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {key: _unordered(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_unordered(item) for item in value), key=repr)
    return value


def _fingerprint(app: Flask) -> str:
    from app.core.time import today, utcnow

    config = sorted((key, repr(value)) for key, value in app.config.items() if key not in _FOLDERS)
    # The clock as the app reads it: a test that set it (monkeypatch) gets a seeding of its own.
    now = utcnow()
    clock = now.date() if abs((now - datetime.now(UTC)).total_seconds()) < 60 else now
    return repr((config, today(), clock))


def _files(app: Flask) -> dict[str, dict[str, bytes]]:
    found: dict[str, dict[str, bytes]] = {}
    for setting in _FOLDERS:
        folder = Path(app.config[setting])
        found[setting] = {
            str(path.relative_to(folder)): path.read_bytes()
            for path in (folder.rglob("*") if folder.is_dir() else ())
            if path.is_file()
        }
    return found


#: ``seed_once(key, seed, counters=[(letters, "cases")])``
Counter = tuple[object, str]
T = TypeVar("T")


class SeedOnce:
    """``seed_once(key, seed)``: ``seed()``'s rows and result in this test, seeded once.

    ``counters`` names attributes holding an ``itertools.count`` that the seeding advances
    (``Letters.cases``): they are left where the seeding left them.
    """

    def __init__(self, app: Flask, kept: _Kept) -> None:
        self.app = app
        self.kept = kept

    def __call__(self, key: str, seed: Callable[[], Any], counters: Sequence[Counter] = ()) -> Any:
        data: _TestData = self.app.extensions[_TEST_DATA]
        if data.chain is None or data.seeding or _MODE == "off":
            return seed()  # on data of the test's own: what the seeding does depends on it
        connection = self.app.extensions["test_connection"]
        url = str(connection.engine.url)
        if url not in self.kept.schemas:
            data.seeding = True  # reading the catalogue writes nothing
            try:
                self.kept.schemas[url] = _Schema(connection)
            finally:
                data.seeding = False
        rows = _Rows(connection, self.kept.schemas[url])
        fingerprint = _fingerprint(self.app)
        slot = (url, data.chain, key, fingerprint)
        kept = self.kept.seedings.get(slot)
        if kept is not None and time.monotonic() - kept.made_at < _KEEP_SECONDS:
            if _MODE == "check":
                return self._check(rows, kept, seed, counters)
            try:
                with rows.savepoint():
                    self._put_back(rows, kept)
            except Exception:  # noqa: S110 (a seeding that cannot be put back is made again)
                pass
            else:
                data.chain += (kept.number,)
                data.next_user = kept.next_user
                for (owner, name), value in zip(counters, kept.counters, strict=True):
                    setattr(owner, name, itertools.count(value))
                return copy.deepcopy(kept.result)
        before, files_before = rows.read_all(), _files(self.app)
        sequences = rows.sequences()
        data.seeding = True
        try:
            result = seed()
        finally:
            data.seeding = False
        if _fingerprint(self.app) != fingerprint:
            data.chain = None  # the seeding changed the configuration: not one to replay
            return result
        after, files_after = rows.read_all(), _files(self.app)
        values = []
        for owner, name in counters:
            values.append(next(getattr(owner, name)))
            setattr(owner, name, itertools.count(values[-1]))
        seeding = _Seeding(
            number=next(self.kept.numbers),
            fingerprint=fingerprint,
            made_at=time.monotonic(),
            changes={
                table.name: _change(table, before[table.name], after[table.name])
                for table in rows.schema.tables
            },
            derived={
                name: after[name]
                for name in rows.schema.derived
                if sorted(after[name]) != sorted(before[name])
            },
            files={
                setting: {
                    name: content
                    for name, content in files_after[setting].items()
                    if files_before[setting].get(name) != content
                }
                for setting in _FOLDERS
            },
            next_user=data.next_user,
            counters=values,
            result=copy.deepcopy(result),
            sequences=sequences,
        )
        self.kept.seedings[slot] = seeding
        data.chain += (seeding.number,)
        return result

    def _check(
        self, rows: _Rows, kept: _Seeding, seed: Callable[[], T], counters: Sequence[Counter]
    ) -> T:
        """Put the rows back, read them, undo; seed for real from the same sequences; compare."""
        data: _TestData = self.app.extensions[_TEST_DATA]
        rows.execute("SAVEPOINT glas_check")
        self._put_back(rows, kept)
        put_back = rows.read_all()
        rows.execute("ROLLBACK TO SAVEPOINT glas_check")
        rows.execute("RELEASE SAVEPOINT glas_check")
        rows.restore_sequences(kept.sequences)
        data.seeding = True
        try:
            result = seed()
        finally:
            data.seeding = False
        problems = []
        for name, seeded in rows.read_all().items():
            mine, theirs = _comparable(put_back[name]), _comparable(seeded)
            if mine != theirs:
                extra, missing = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
                problems.append(f"{name}: put back {extra[:3]}, seeded {missing[:3]}")
        if _unordered(result) != _unordered(kept.result):
            problems.append(f"result: kept {kept.result!r}, seeded {result!r}")
        if data.next_user != kept.next_user:
            problems.append(f"make_user: kept {kept.next_user}, seeded {data.next_user}")
        for (owner, name), value in zip(counters, kept.counters, strict=True):
            if repr(getattr(owner, name)) != f"count({value})":
                problems.append(f"{name}: kept {value}, seeded {getattr(owner, name)!r}")
        assert not problems, "seed_once would put back other data:\n" + "\n".join(problems)
        data.chain = (*(data.chain or ()), kept.number)
        if rows.schema.postgresql:
            rows.advance_sequences(rows.schema.tables)
        return result

    def _put_back(self, rows: _Rows, seeding: _Seeding) -> None:
        tables = rows.schema.tables
        for table in tables:
            rows.insert(table.name, seeding.changes[table.name].added)
        for table in tables:
            rows.update(table, seeding.changes[table.name].changed)
        for table in reversed(tables):
            rows.delete(table, seeding.changes[table.name].removed)
        for name, content in seeding.derived.items():
            rows.replace(name, content)
        if rows.schema.postgresql:
            rows.advance_sequences([t for t in tables if seeding.changes[t.name].added])
        for setting, files in seeding.files.items():
            folder = Path(self.app.config[setting])
            for name, content in files.items():
                path = folder / name
                if not path.is_file() or path.read_bytes() != content:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
        # What the process keeps of the data (cached pages, reference lists, settings), as a
        # commit of the seeding would have it: made again from the rows.
        from app.core import settings
        from app.core.pagecache import cache

        with self.app.app_context():
            cache.clear()
        settings.clear_cache(self.app)


@pytest.fixture(scope="session")
def _seedings() -> _Kept:
    return _Kept()


@pytest.fixture
def seed_once(app: Flask, _seedings: _Kept) -> SeedOnce:
    """Seed once per process, put the rows back for each test (see ``SeedOnce``)."""
    return SeedOnce(app, _seedings)


@pytest.fixture
def demo_site(app: Flask, seed_once: SeedOnce) -> None:
    """The whole demo (``flask seed-demo``): every kind of item, public and not."""
    from app.demo import seed_demo

    def seed() -> None:
        with app.app_context():
            seed_demo()
            db.session.commit()

    seed_once("demo_site", seed)


@pytest.fixture
def app_for(app: Flask, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build another app with other settings, sharing this test's rolled-back transaction."""
    made: list[tuple[Flask, Any]] = []

    def _make(**config: Any) -> Flask:
        other = create_app(base_config(database_url, **config))
        with other.app_context():
            made.append((other, db.engines[None]))
            db.engines[None] = app.extensions["test_connection"]
        return other

    yield _make
    for other, engine in made:
        with other.app_context():
            db.session.remove()
            db.engines[None] = engine
            engine.dispose()


#: A long list of selected columns, shortened in reports: FROM and WHERE are what tell.
_COLUMNS = re.compile(r"SELECT ((?:(?!SELECT|FROM).){80,}?) FROM")


class Queries(list[str]):
    """The SQL statements sent while a ``count_queries`` block ran, in order."""

    def report(self) -> str:
        lines = (_COLUMNS.sub("SELECT … FROM", " ".join(s.split())) for s in self)
        return "\n".join(f"{n:3}. {line}" for n, line in enumerate(lines, 1))

    def expect(self, bound: int) -> None:
        """Exactly ``bound`` statements: fewer means the bound should come down, more a fault."""
        assert len(self) == bound, (
            f"{len(self)} SQL statements where {bound} are expected "
            f"(lower the bound if a change saved some):\n{self.report()}"
        )


#: Left out of the count: the tests' isolation wraps each commit of the app in a SAVEPOINT,
#: where production sends no statement at all. (A service's own begin_nested() is left out
#: with them; the pages counted here do not write.)
_HARNESS_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], AbstractContextManager[Queries]]:
    """Count the SQL statements the app sends while a block runs (indico's ``count_queries``).

    ``with count_queries() as queries: client.get(...)``, then ``queries.expect(n)``. It listens
    on this test's connection, where every session of the app is bound (``_isolate_db``).
    """

    @contextmanager
    def _count() -> Iterator[Queries]:
        queries = Queries()
        connection = app.extensions["test_connection"]

        def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(_HARNESS_STATEMENTS):
                queries.append(statement)

        sa.event.listen(connection, "before_cursor_execute", listener)
        try:
            yield queries
        finally:
            sa.event.remove(connection, "before_cursor_execute", listener)

    return _count


@pytest.fixture(autouse=True)
def _reset_rate_limits(app: Flask) -> None:
    with app.app_context():
        limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """App context for tests that call services and models directly (not via client)."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def csrf_enabled(app: Flask) -> Iterator[None]:
    """Turn the CSRF check on for one test (it is off elsewhere for convenience)."""
    app.config["CSRF_ENABLED"] = True
    yield
    app.config["CSRF_ENABLED"] = False


@pytest.fixture
def in_english() -> Callable[[FlaskClient], None]:
    """Switch a test client to English the way a visitor does: by the language cookie."""

    def _switch(client: FlaskClient) -> None:
        client.set_cookie("glas_lang", "en")

    return _switch


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """Create a set-up account (a verified resident at level substantial); returns its id.

    Keyword arguments override columns; ``roles=[(Role, OrgUnit code | None), …]`` grants
    roles (a councillor gets a person record of the same name).
    """
    from app.auth import roles as role_services
    from app.auth.models import ResidencySource, Role, User
    from app.auth.pseudonyms import key
    from app.core.time import utcnow
    from app.council.models import Person
    from app.org.models import OrgUnit, OrgUnitKind

    def _make_user(roles: list[tuple[Role, str | None]] = (), **overrides: object) -> int:  # type: ignore[assignment]
        # The numbering belongs to the test's data: seed_once puts back where a seeding left it.
        data: _TestData = app.extensions[_TEST_DATA]
        n, data.next_user = data.next_user, data.next_user + 1
        with app.app_context():
            user = User(
                subject_key=f"{n:064x}",
                pseudonym=f"Resident {n}",
                pseudonym_key=key(f"Resident {n}"),
                language="sl",
                is_adult=True,
                last_acr="http://eidas.europa.eu/LoA/substantial",
                resident_verified_at=utcnow(),
                residency_source=ResidencySource.EID,
            )
            for name, value in overrides.items():
                setattr(user, name, value)
            if user.pseudonym is not None:
                user.pseudonym_key = key(user.pseudonym)
            db.session.add(user)
            db.session.flush()
            for role, unit_code in roles:
                unit = person = None
                if role is Role.OFFICIAL:
                    unit = db.session.scalar(db.select(OrgUnit).filter_by(code=unit_code))
                    if unit is None:
                        unit = OrgUnit(
                            code=unit_code, name=f"Unit {unit_code}", kind=OrgUnitKind.OFFICE
                        )
                if role is Role.COUNCILLOR:
                    person = Person(name=user.pseudonym or f"Councillor {n}")
                role_services.grant_role(None, user, role, org_unit=unit, person=person)
            db.session.commit()
            return user.id

    return _make_user


@pytest.fixture
def login(app: Flask) -> Callable[[FlaskClient, int], None]:
    """Sign a test client in as an account, with a real server-side session."""
    from app.auth import SESSION_TOKEN_KEY, sessions
    from app.auth.models import User

    def _login(client: FlaskClient, user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            assert user is not None
            token = sessions.start_session(user, acr=user.last_acr or "", provider_sid=None)
            db.session.commit()
        with client.session_transaction() as session:
            session[SESSION_TOKEN_KEY] = token
            session["csrf_binding"] = "test-binding"

    return _login


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """A real Redis on a Unix socket (``tests/_redis.py``), started for the tests that need one."""
    from tests._redis import ThrowawayRedis, redis_server_binary

    if redis_server_binary() is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message + ". CI must provide it: see .ci/run.")
        pytest.skip(message)
    server = ThrowawayRedis().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _empty_page_cache(app: Flask) -> None:
    """Each test starts with an empty cache of pages: a rolled-back test's pages must not stay."""
    from app.core.pagecache import cache

    with app.app_context():
        cache.clear()


@contextmanager
def made_afresh(app: Flask) -> Iterator[None]:
    """Pages requested inside are made again, not served from the cache of anonymous pages.

    As a new release would: everything else kept in the process (the reference data, the
    cache's generations) stays, so what a count sees is what a page costs to make.
    """
    import uuid

    release = app.config["RELEASE"]
    app.config["RELEASE"] = f"afresh-{uuid.uuid4()}"
    try:
        yield
    finally:
        app.config["RELEASE"] = release


@pytest.fixture(autouse=True)
def _fresh_settings(app: Flask) -> None:
    """Each test reads the settings of its own transaction, not the copy a rolled-back one left.

    ``app.core.settings.cached`` keeps site settings per process for a few seconds; a test that
    saved rules is rolled back, but its copy would outlive it.
    """
    from app.core import settings

    settings.clear_cache(app)


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) sent on this test's connection while inside."""
    seen: list[tuple[str, Any]] = []
    connection = app.extensions["test_connection"]

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", listener)
