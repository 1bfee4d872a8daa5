"""Test fixtures: a real database (PostgreSQL or SQLite), one transaction per test.

``pytest --db postgresql`` (the default) starts a throwaway PostgreSQL cluster unless
``TEST_DATABASE_URL`` names one; ``pytest --db sqlite`` runs the same suite on a SQLite file,
the embedded default that ``make demo`` uses. Both run the real Alembic migrations.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from itertools import count
from pathlib import Path
from typing import Any

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
    yield
    with app.app_context():
        db.session.remove()
    transaction.rollback()
    connection.close()
    engines[None] = engine
    app.extensions.pop("test_connection", None)


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

    numbers = count(1)

    def _make_user(roles: list[tuple[Role, str | None]] = (), **overrides: object) -> int:  # type: ignore[assignment]
        n = next(numbers)
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
