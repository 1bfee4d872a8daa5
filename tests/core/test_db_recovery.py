"""Glas survives a PostgreSQL restart without ``pool_pre_ping``.

A PostgreSQL cluster of this module's own (restarting the suite's would break every other test)
serves an app with a real connection pool. After ``pg_ctl restart -m fast`` every pooled
connection is dead. The bound: the first request that uses one gets the 503 "try again" page,
never a 500; SQLAlchemy then drops the whole pool, so every later request connects afresh and
succeeds, and so does a support. A connection that lay idle is pinged at checkout instead
(``app.core.db.PING_AFTER_IDLE_SECONDS``): after a pause, not even one request fails. While the
server is down, pages are 503 too, and come back when it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.auth import SESSION_TOKEN_KEY, sessions
from app.auth.models import ResidencySource, User
from app.core import db as core_db
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState, Support
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests._postgres import ThrowawayPostgres
from tests.conftest import base_config

#: Connections in the pool when the server restarts: all of them die, one request notices.
POOLED = 3


@dataclass
class Site:
    app: Flask
    cluster: ThrowawayPostgres
    initiative_id: int
    token: str  # a resident's server-side session

    def client(self) -> FlaskClient:
        client = self.app.test_client()
        with client.session_transaction() as session:
            session[SESSION_TOKEN_KEY] = self.token
            session["csrf_binding"] = "test-binding"
        return client

    def pg_ctl(self, *args: str) -> None:
        # The helper's own runner: it knows to run the server as ``postgres`` under root.
        self.cluster._run("pg_ctl", "-D", str(self.cluster.data), "-w", "-t", "60", *args)

    def restart(self) -> None:
        # Fast: every client is disconnected, as by a real restart. The log file keeps the new
        # server off pg_ctl's output, which the runner reads to the end.
        self.pg_ctl("-m", "fast", "-l", self.log, "restart")

    @property
    def log(self) -> str:
        return str(self.cluster.root / "server.log")

    def fill_pool(self) -> None:
        """Leave ``POOLED`` live connections in the pool, as a site that served requests has."""
        with self.app.app_context():
            connections = [db.engine.connect() for _ in range(POOLED)]
            for connection in connections:
                connection.execute(sa.select(1))
                connection.close()
            assert db.engine.pool.checkedin() >= POOLED  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("a server restart is a PostgreSQL matter: SQLite is a file in the process")
    cluster = ThrowawayPostgres().start()
    # No page cache: every page must come from the database for the restart to show.
    app = create_app(base_config(cluster.create_database("glas_recovery"), PAGE_CACHE_SECONDS=0))
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    try:
        with app.app_context():
            upgrade()
            seed_reference_data()
            author, resident = (
                User(
                    subject_key=f"{n:064x}", pseudonym=f"R{n}", pseudonym_key=f"r{n}",
                    is_adult=True, last_acr="http://eidas.europa.eu/LoA/substantial",
                    resident_verified_at=utcnow(), residency_source=ResidencySource.EID,
                )
                for n in range(2)
            )  # fmt: skip
            db.session.add_all([author, resident])
            initiative = Initiative(
                title="Po ponovnem zagonu", summary="s", body="b", body_html="<p>b</p>",
                topic=db.session.scalar(sa.select(Topic).filter_by(slug="promet")),
                author=author, state=InitiativeState.PUBLISHED, threshold=300,
                published_at=utcnow(), support_closes_at=utcnow() + timedelta(days=30),
            )  # fmt: skip
            db.session.add(initiative)
            db.session.flush()
            token = sessions.start_session(resident, acr=resident.last_acr or "", provider_sid=None)
            db.session.commit()
            initiative_id = initiative.id
        # Outside the app context: each request must get its own session and connection.
        yield Site(app, cluster, initiative_id, token)
    finally:
        with app.app_context():
            db.engine.dispose()
        cluster.stop()


def _statuses(site: Site, client: FlaskClient, count: int) -> list[int]:
    path = f"/initiatives/{site.initiative_id}"
    return [client.get(path).status_code for _ in range(count)]


def _supporters(site: Site) -> int:
    with site.app.app_context():
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Support)
                .filter_by(initiative_id=site.initiative_id)
            )
            or 0
        )


def test_after_a_restart_at_most_one_503_then_pages_and_supports_work(site: Site) -> None:
    client = site.client()
    assert _statuses(site, client, 3) == [200, 200, 200]
    site.fill_pool()
    site.restart()
    statuses = _statuses(site, client, 10)
    assert 500 not in statuses
    # Only the request that meets a dead connection first fails; the pool is then dropped.
    failed = statuses.count(503)
    assert failed <= 1, statuses
    assert statuses == [503] * failed + [200] * (10 - failed)
    before = _supporters(site)
    response = client.post(f"/initiatives/{site.initiative_id}/support")
    assert response.status_code == 302
    assert _supporters(site) == before + 1
    client.post(f"/initiatives/{site.initiative_id}/support/withdraw")


def test_the_503_page_asks_to_try_again(site: Site) -> None:
    client = site.client()
    site.fill_pool()
    site.restart()
    response = client.get(f"/initiatives/{site.initiative_id}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Začasno nedosegljivo" in response.get_data(as_text=True)  # "Temporarily unavailable"
    assert client.get(f"/initiatives/{site.initiative_id}").status_code == 200


def test_connections_idle_for_a_while_are_pinged_and_none_fails(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = site.client()
    site.fill_pool()
    # Every pooled connection counts as idle: each is pinged, found dead and replaced.
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    site.restart()
    assert _statuses(site, client, 5) == [200] * 5


def test_while_the_server_is_down_pages_are_503_and_come_back_with_it(site: Site) -> None:
    client = site.client()
    site.fill_pool()
    site.pg_ctl("-m", "fast", "stop")
    try:
        assert _statuses(site, client, 3) == [503] * 3
    finally:
        # The options ThrowawayPostgres starts with that matter: only its Unix socket.
        site.pg_ctl(
            "-o", f"-k {site.cluster.socket_dir} -c listen_addresses=''", "-l", site.log, "start"
        )  # fmt: skip
    assert _statuses(site, client, 3) == [200] * 3
