"""The replica against a real streaming standby: who reads it, and what happens when it lags or
goes away.

Which database answered is told by the data: with the standby's replay paused
(``pg_wal_replay_pause()``), a write on the primary reaches the standby's disk but not its
tables, so the old value is the replica's and the new one the primary's. The lag then grows by
the second, and the bound (``MAX_LAG``) is crossed while the test watches.
"""

from __future__ import annotations

import csv
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql

from app.core import replica, settings
from app.extensions import db
from app.initiatives.models import Initiative
from app.reference.models import Topic
from tests.replica.conftest import DATABASE, MAX_LAG, Site

Logs = Callable[[], list[str]]
#: A list with a topic, which the API looks up among the topics kept in the process.
FILTERED = "/api/v1/initiatives?topic=promet"


def _count(client: FlaskClient, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["support_count"])


def _support(site: Site, app: Flask, initiative_id: int) -> FlaskClient:
    """A resident supports the initiative (a write, on the primary); their signed-in client."""
    resident = site.signed_in(app)
    response = resident.post(f"/initiatives/{initiative_id}/support")
    assert response.status_code == 302
    site.pair.received()  # the standby has the write on disk, not yet in its tables
    return resident


def _wait_usable(app: Flask) -> None:
    with app.app_context():
        found = replica.replica()
        deadline = time.monotonic() + replica.DOWN_RETRY_SECONDS + 5
        while not found.measurement().usable(found.bound):
            assert time.monotonic() < deadline, found.measurement()
            time.sleep(0.05)


def test_anonymous_api_reads_the_replica_until_it_lags_past_the_bound(
    site: Site, replica_logs: Logs
) -> None:
    app = site.app(PAGE_CACHE_SECONDS=0)  # every anonymous answer made afresh
    initiative_id = site.new_initiative(app, "Prehod za pešce pri šoli")
    path = f"/api/v1/initiatives/{initiative_id}"
    anonymous = app.test_client()
    assert _count(anonymous, path) == 0
    with site.pair.replay_paused() as committed:
        resident = _support(site, app, initiative_id)
        # Signed in: the primary, which has the support.
        assert _count(resident, path) == 1
        # Anonymous, within the bound: the replica, which does not have it yet.
        assert _count(anonymous, path) == 0
        assert time.monotonic() - committed < MAX_LAG, "too slow to test within the bound"
        assert f"API {path} reads the replica (" in " ".join(replica_logs())
        # Past the bound: the primary, with no error on the way.
        while _count(anonymous, path) == 0:
            assert time.monotonic() - committed < MAX_LAG + 5, "never fell back"
            time.sleep(0.05)
        switched = time.monotonic() - committed
        # Never later than the bound, counted from the last commit the standby replayed (the
        # mark, or a commit after it); at most a second more (the measurement's interval and
        # the polling).
        assert MAX_LAG - 0.3 < switched < MAX_LAG + 2.0, switched
        health = anonymous.get("/healthz")
        assert health.status_code == 200
        assert health.json is not None
        assert health.json["status"] == "ok"
        assert health.json["replica"]["state"] == "lagging"
        assert health.json["replica"]["lag_seconds"] >= MAX_LAG  # rounded to 0.1 s
    # Replay resumed: the replica is read again, and has the support.
    _wait_usable(app)
    before = len(replica_logs())
    assert _count(anonymous, path) == 1
    assert any("reads the replica" in message for message in replica_logs()[before:])


def test_the_page_cache_is_filled_from_the_primary_only(site: Site, replica_logs: Logs) -> None:
    app = site.app()  # the page cache on, in the process
    initiative_id = site.new_initiative(app, "Pokrita kolesarnica ob postaji")
    item = f"/api/v1/initiatives/{initiative_id}"
    search = "/api/v1/initiatives?q=kolesarnica"
    anonymous = app.test_client()
    with site.pair.replay_paused():
        _support(site, app, initiative_id)
        # An item, which the cache keeps under a key every visitor shares: the primary's.
        first = anonymous.get(item)
        assert first.get_json()["support_count"] == 1
        assert "X-Glas-Cache" not in first.headers
        again = anonymous.get(item)
        assert again.headers["X-Glas-Cache"] == "hit"
        assert again.get_json()["support_count"] == 1
        # A search (a typed value): the replica's, never kept.
        for _ in range(2):
            found = anonymous.get(search)
            assert found.status_code == 200
            assert "X-Glas-Cache" not in found.headers
            [listed] = [i for i in found.get_json()["items"] if i["id"] == initiative_id]
            assert listed["support_count"] == 0
        # Not kept, still conditional: the API's own ETag answers a 304.
        unchanged = anonymous.get(search, headers={"If-None-Match": found.headers["ETag"]})
        assert unchanged.status_code == 304
    messages = " ".join(replica_logs())
    assert f"API {item} reads the primary: its answer fills the page cache" in messages
    assert "API /api/v1/initiatives reads the replica (" in messages


def test_a_stopped_replica_sends_the_api_and_the_dump_to_the_primary(
    site: Site, replica_logs: Logs
) -> None:
    app = site.app(PAGE_CACHE_SECONDS=0)
    initiative_id = site.new_initiative(app, "Klopi v parku")
    path = f"/api/v1/initiatives/{initiative_id}"
    anonymous = app.test_client()
    assert _count(anonymous, path) == 0  # from the replica, whose connection stays pooled
    site.pair.stop_standby()
    try:
        waits = []
        for _ in range(6):
            started = time.monotonic()
            assert _count(anonymous, path) == 0
            waits.append(time.monotonic() - started)
        assert max(waits) < 1.0, waits
        health = anonymous.get("/healthz")
        assert health.status_code == 200
        assert health.json == {
            "status": "ok",
            "database": "ok",
            "replica": {"state": "down", "lag_seconds": None},
        }
        result = app.test_cli_runner().invoke(args=["open-data", "dump", "--only", "initiatives"])
        assert result.exit_code == 0, result.output
        assert "read from: primary" in result.output
    finally:
        site.pair.start_standby()
    assert any(message.startswith("replica: down (") for message in replica_logs())


def test_a_replica_that_does_not_answer_costs_one_request_the_connect_timeout(site: Site) -> None:
    # Listens (the kernel completes the handshake) but never answers: a hung server.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        app = site.app(
            PAGE_CACHE_SECONDS=0,
            REPLICA_DATABASE_URI=f"postgresql+psycopg://glas@127.0.0.1:{port}/{DATABASE}",
        )
        initiative_id = site.new_initiative(app, "Javna pitna voda")
        path = f"/api/v1/initiatives/{initiative_id}"
        anonymous = app.test_client()
        started = time.monotonic()
        assert _count(anonymous, path) == 0
        first = time.monotonic() - started
        timeout = replica.CONNECT_TIMEOUT_SECONDS
        assert timeout - 0.1 < first < timeout + 1.5, first
        # Down is remembered: the next requests do not try it again.
        waits = []
        for _ in range(5):
            started = time.monotonic()
            assert _count(anonymous, path) == 0
            waits.append(time.monotonic() - started)
        assert max(waits) < 0.5, waits
        health = anonymous.get("/healthz")
        assert health.status_code == 200
        assert health.json is not None
        assert health.json["replica"]["state"] == "down"


def test_a_read_that_fails_on_the_replica_is_made_again_on_the_primary(
    site: Site, replica_logs: Logs
) -> None:
    # Measured once in the bound: the second request trusts it, and meets the dead connection.
    app = site.app(PAGE_CACHE_SECONDS=0, REPLICA_CHECK_SECONDS=MAX_LAG)
    initiative_id = site.new_initiative(app, "Razsvetljava pločnika")
    path = f"/api/v1/initiatives/{initiative_id}"
    anonymous = app.test_client()
    with site.pair.replay_paused():
        _support(site, app, initiative_id)
        assert _count(anonymous, path) == 0  # the replica's
        killed = site.pair.on_standby(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            DATABASE,
        )
        assert killed >= 1
        # The view's read fails on the replica mid-request; the answer is the primary's.
        assert _count(anonymous, path) == 1
    assert any("made again on the primary" in message for message in replica_logs())


def test_the_dump_reads_the_replica_and_says_so(site: Site, replica_logs: Logs) -> None:
    app = site.app()
    initiative_id = site.new_initiative(app, "Stara klop na trgu")
    with site.pair.replay_paused():
        with app.app_context():
            found = db.session.get(Initiative, initiative_id)
            assert found is not None
            found.title = "Nova klop na trgu"
            db.session.commit()
        site.pair.received()
        result = app.test_cli_runner().invoke(args=["open-data", "dump", "--only", "initiatives"])
    assert result.exit_code == 0, result.output
    assert "read from: replica" in result.output
    with app.app_context():
        written = Path(app.config["OPEN_DATA_FOLDER"]) / "initiatives.csv"
    rows = list(csv.reader(written.read_text("utf-8-sig").splitlines()))
    titles = {row[rows[0].index("title")] for row in rows[1:]}
    assert "Stara klop na trgu" in titles
    assert "Nova klop na trgu" not in titles
    assert any(
        message.startswith("open data: the dump reads from the replica (")
        for message in replica_logs()
    )


def test_a_write_while_reading_the_replica_fails_loudly(site: Site) -> None:
    app = site.app()
    in_recovery = sa.select(sa.func.pg_is_in_recovery())
    with app.app_context():
        _wait_usable(app)
        with replica.reading("a test") as where:
            assert where.source == "replica"
            assert db.session.scalar(in_recovery) is True  # the standby answers
            topic = db.session.scalars(sa.select(Topic).limit(1)).one()
            topic.name_sl = "Spremenjeno"
            with pytest.raises(replica.ReplicaWriteError):
                db.session.flush()
            db.session.rollback()
            with pytest.raises(replica.ReplicaWriteError):
                db.session.execute(sa.update(Topic).values(name_sl="Spremenjeno"))
            # Raw SQL cannot be told from a read: the standby refuses it.
            with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
                db.session.execute(sa.text("UPDATE topics SET name_sl = 'Spremenjeno'"))
        assert db.session.scalar(in_recovery) is False  # after the block: the primary
        assert "Spremenjeno" not in db.session.scalars(sa.select(Topic.name_sl)).all()


def test_settings_read_from_the_replica_are_not_kept(site: Site) -> None:
    # The process keeps its settings a few seconds; a copy from a lagging replica would show
    # an administrator who has just saved the value from before.
    app = site.app()
    kept = settings._cache(app).entries
    with app.app_context():
        _wait_usable(app)
        with replica.reading("a test"):
            settings.cached(["initiative.threshold"])
        assert kept == {}
        settings.cached(["initiative.threshold"])
        assert list(kept) == [("initiative.threshold",)]


def test_a_standby_cut_off_from_the_primary_is_not_read(site: Site, replica_logs: Logs) -> None:
    # Without a WAL receiver it replays nothing, and says it is not behind at all.
    app = site.app(PAGE_CACHE_SECONDS=0)
    initiative_id = site.new_initiative(app, "Drevored ob reki")
    conninfo = site.pair.on_standby("SHOW primary_conninfo")
    site.pair.on_standby("ALTER SYSTEM SET primary_conninfo = ''")
    site.pair.on_standby("SELECT pg_reload_conf()")
    try:
        site.pair.wait_until(
            lambda: site.pair.on_standby("SELECT count(*) FROM pg_stat_wal_receiver") == 0
        )
        assert _count(app.test_client(), f"/api/v1/initiatives/{initiative_id}") == 0
        # /healthz tells what that request found (it measures nothing itself).
        health = app.test_client().get("/healthz")
        assert health.json is not None
        assert health.json["replica"] == {"state": "not receiving", "lag_seconds": 0.0}
        path = f"/api/v1/initiatives/{initiative_id}"
        assert f"API {path} reads the primary: the replica is not usable" in replica_logs()
    finally:
        site.pair.on_standby(
            sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(sql.Literal(conninfo))
        )
        site.pair.on_standby("SELECT pg_reload_conf()")
        site.pair.wait_until(
            lambda: site.pair.on_standby("SELECT count(*) FROM pg_stat_wal_receiver") == 1
        )


def test_every_collection_of_the_api_answers_from_the_replica(
    site: Site, replica_logs: Logs
) -> None:
    # Proof that no anonymous answer of the API writes: each would fail on the replica.
    app = site.app(PAGE_CACHE_SECONDS=0)
    site.new_initiative(app, "Zbiralnica odpadkov")
    _wait_usable(app)
    client = app.test_client()
    on_primary: list[str] = []

    def sent(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        on_primary.append(statement)

    with app.app_context():
        primary = db.engine
    sa.event.listen(primary, "before_cursor_execute", sent)
    try:
        index = client.get("/api/v1/")
        assert index.status_code == 200
        links = index.get_json()["links"]
        paths = [urlsplit(url).path for name, url in links.items() if name != "self"]
        paths.append(FILTERED)  # reads the topics, which the process keeps (``memoized``)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.get_data(as_text=True))
    finally:
        sa.event.remove(primary, "before_cursor_execute", sent)
    assert on_primary == []  # not one statement: the replica answered them all
    read = [message for message in replica_logs() if "reads the replica" in message]
    assert len(read) == len(paths) + 1, replica_logs()
    # What they read of the reference data was not kept for the requests that read the primary.
    memos = app.extensions["glas_page_cache_memos"]
    assert "initiatives.reference" not in memos
    assert site.signed_in(app).get(FILTERED).status_code == 200
    assert "initiatives.reference" in memos
    health = client.get("/healthz")
    assert health.json == {
        "status": "ok",
        "database": "ok",
        "replica": {"state": "ok", "lag_seconds": 0.0},
    }
