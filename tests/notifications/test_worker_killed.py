"""A worker killed between two batches of a fan-out sends nothing twice when restarted.

Real processes: ``flask worker`` is started on a database of its own, fans out an event to
120 followers two people per transaction, and is held at the batch of the 61st and killed there
with SIGKILL. A second worker finishes the job. The relay is down for the first one, so that
what it queued waits in the outbox (SMTP delivery is at least once by design,
``app/core/outbox.py``; this is about the fan-out): every follower then gets exactly one
message from the second.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.auth.models import EmailFrequency, User
from app.core.outbox import OutboxMessage
from app.core.time import utcnow
from app.extensions import db
from app.follows.models import Follow, Reason, Target
from app.initiatives.models import Initiative, InitiativeState
from app.notifications import recording
from app.notifications.kinds import Kind
from app.notifications.models import Event, Notification
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.conftest import ROOT, Databases, base_config
from tests.smtp import SMTPServer, unused_port

FOLLOWERS = 120


@pytest.fixture
def own_database(databases: Databases) -> Iterator[tuple[Flask, str]]:
    """A migrated database of this test's own: the worker commits, and nothing rolls back."""
    url = databases.new("killed")
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        seed_reference_data()
        db.session.commit()
    yield app, url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _seed(app: Flask) -> int:
    """Residents with confirmed addresses following one initiative, and its event."""
    with app.app_context():
        now = utcnow()
        db.session.execute(
            sa.insert(User),
            [
                {
                    "subject_key": f"k{n:04}",
                    "pseudonym": f"Bralec {n}",
                    "pseudonym_key": f"bralec {n}",
                    "email": f"r{n}@example.si",
                    "email_confirmed_at": now,
                    "email_frequency": EmailFrequency.IMMEDIATE,
                    "language": "en" if n % 3 == 0 else "sl",
                    "is_adult": True,
                }
                for n in range(FOLLOWERS + 1)
            ],
        )
        author = db.session.scalar(sa.select(User).where(User.subject_key == "k0000"))
        topic = db.session.scalars(sa.select(Topic)).first()
        assert author is not None
        assert topic is not None
        initiative = Initiative(
            title="Razsvetljava prehoda pri šoli",
            summary="Prehod naj bo osvetljen.",
            body="Prehod naj bo osvetljen.",
            body_html="<p>Prehod naj bo osvetljen.</p>",
            topic_id=topic.id,
            author=author,
            state=InitiativeState.PUBLISHED,
            published_at=now,
            threshold=100,
        )
        db.session.add(initiative)
        db.session.flush()
        followers = db.session.scalars(sa.select(User.id).where(User.id != author.id))
        db.session.execute(
            sa.insert(Follow),
            [
                {
                    "user_id": user_id,
                    "target": Target.INITIATIVE,
                    "target_id": initiative.id,
                    "reason": Reason.CHOSEN,
                    "created_at": now,
                }
                for user_id in followers
            ],
        )
        recording.record(Kind.INITIATIVE_ANSWERED, "initiative", initiative.id)
        db.session.commit()
        return initiative.id


def _worker(url: str, smtp_port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_MAIL_BACKEND": "smtp",
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp_port),
        "FLASK_MAIL_TIMEOUT": "5",
        "FLASK_PUBLIC_URL": "http://localhost",
        "FLASK_SECRET_KEY": "worker-test-" + "x" * 32,
        # Two people per transaction: sixty commits, so that the kill lands among them.
        "FLASK_NOTIFICATIONS_BATCH_SIZE": "2",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "--debug", "worker", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _told(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        db.session.remove()
        return int(count or 0)


def _followers(app: Flask) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Follow.user_id).order_by(Follow.user_id)))
        db.session.remove()
        return ids


@contextmanager
def _gate(app: Flask, user_id: int) -> Iterator[None]:
    """Hold the worker at the batch that tells ``user_id``, deterministically.

    PostgreSQL: an uncommitted notification of that person, which the worker's INSERT … ON
    CONFLICT must wait for (so it is killed inside that batch). SQLite, which has no row
    locks: a trigger refuses that person's notification, the batch fails and waits to be
    tried again (so it is killed between two batches, its cursor committed)."""
    with app.app_context():
        connection = db.engine.connect()
        event_id = db.session.scalar(sa.select(Event.id))
        db.session.remove()  # on SQLite even a read holds the write lock (app/core/db.py)
        sqlite = connection.dialect.name == "sqlite"
        with connection.begin():
            if sqlite:
                connection.exec_driver_sql(
                    "CREATE TRIGGER gate BEFORE INSERT ON notifications"
                    f" WHEN NEW.user_id = {int(user_id)} BEGIN SELECT RAISE(ABORT, 'gate'); END"
                )
        held = None if sqlite else connection.begin()
        if held is not None:
            connection.execute(
                sa.insert(Notification).values(
                    event_id=event_id, user_id=user_id, created_at=utcnow(), mail="none"
                )
            )
        try:
            yield
        finally:
            if held is not None:
                held.rollback()
            else:
                with connection.begin():
                    connection.exec_driver_sql("DROP TRIGGER gate")
            connection.close()
        db.session.remove()


def _stuck_or_failed(app: Flask) -> bool:
    """The worker is waiting on the held row (PostgreSQL) or its batch failed (SQLite)."""
    with app.app_context():
        if db.session.get_bind().dialect.name == "sqlite":
            attempts = db.session.scalar(sa.select(Event.attempts))
            db.session.remove()
            return bool(attempts)
        waiting = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO notifications%'"
            )
        )
        db.session.remove()
        return bool(waiting)


def _wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        time.sleep(0.005)


def test_a_worker_killed_between_batches_sends_nothing_twice(
    own_database: tuple[Flask, str], smtp_server: SMTPServer
) -> None:
    app, url = own_database
    _seed(app)
    smtp_server.inbox.clear()

    gated = _followers(app)[FOLLOWERS // 2]  # the batch that tells this person is held
    first = _worker(url, unused_port(), "--interval", "0.2")  # the relay is down for it
    try:
        with _gate(app, gated):
            # Everyone before the gate told, the batches committed one by one; the worker is
            # now stuck in (PostgreSQL) or just past (SQLite) the batch of the gated person.
            _wait_for(lambda: _told(app) == FOLLOWERS // 2)
            _wait_for(lambda: _stuck_or_failed(app))
            first.send_signal(signal.SIGKILL)  # no clean stop, in the middle of its work
            first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert _told(app) == FOLLOWERS // 2  # the batch it was in left nothing

    with app.app_context():
        event = db.session.scalars(sa.select(Event)).one()
        assert event.fanned_out_at is None
        assert event.fanned_up_to > 0  # the committed batches' cursor survived
        # What the first worker queued waits for the relay, and on SQLite the failed batch
        # waits to be tried again: make both due for the second worker.
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.execute(sa.update(Event).values(retry_at=None))
        db.session.commit()
        db.session.remove()

    second = _worker(url, smtp_server.port, "--once")
    assert second.wait(timeout=120) == 0

    with app.app_context():
        event = db.session.scalars(sa.select(Event)).one()
        assert event.fanned_out_at is not None
        assert event.recipients == FOLLOWERS
        per_person = Counter(db.session.scalars(sa.select(Notification.user_id)).all())
        assert len(per_person) == FOLLOWERS
        assert set(per_person.values()) == {1}
        queued = Counter(db.session.scalars(sa.select(OutboxMessage.recipient)).all())
        assert len(queued) == FOLLOWERS
        assert set(queued.values()) == {1}
        db.session.remove()
    received = Counter(a for m in smtp_server.messages for a in m.rcpt_tos)
    assert len(received) == FOLLOWERS
    assert set(received.values()) == {1}
    smtp_server.inbox.clear()
