"""Fixtures of the replica's tests: a real primary with a streaming standby, and apps on them.

The pair is started once for the run (two clusters cost seconds) and only with ``--db
postgresql``: a replica is a PostgreSQL matter. These tests commit for real, on the pair's
own database: replication is what they test, and the suite's rolled-back transaction would
never reach a standby. Each test makes its own apps (``site.app(...)``), so that one whose
replica went down leaves no measurement, and no dead pooled connection, to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.auth import SESSION_TOKEN_KEY, sessions
from app.auth.models import ResidencySource, User
from app.core import replica
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.conftest import base_config
from tests.replica._cluster import StreamingPair

DATABASE = "glas_replica"
#: The tests' bound: short, so that waiting past it costs little.
MAX_LAG = 3


@pytest.fixture(scope="session")
def pair(request: pytest.FixtureRequest) -> Iterator[StreamingPair]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("a streaming replica is a PostgreSQL matter: SQLite has none")
    started = StreamingPair()
    try:
        started.start()
        started.primary.create_database(DATABASE)
        yield started
    finally:
        started.stop()


@dataclass
class Site:
    """The pair's database, migrated and seeded, and a resident who may sign in."""

    pair: StreamingPair
    folder: Path
    resident_token: str
    author_id: int
    made: list[Flask] = field(default_factory=list)
    numbers: Iterator[int] = field(default_factory=lambda: count(1))

    @property
    def primary_url(self) -> str:
        return self.pair.primary.url(DATABASE)

    @property
    def standby_url(self) -> str:
        return self.pair.standby_url(DATABASE)

    def app(self, **overrides: Any) -> Flask:
        """An app on the primary, reading the standby as its replica (unless overridden)."""
        config: dict[str, Any] = {
            "REPLICA_DATABASE_URI": self.standby_url,
            "REPLICA_MAX_LAG_SECONDS": MAX_LAG,
            "REPLICA_CHECK_SECONDS": 1,
            "OPEN_DATA_FOLDER": str(self.folder / f"open-data-{next(self.numbers)}"),
            **overrides,
        }
        made = create_app(base_config(self.primary_url, **config))
        self.made.append(made)
        return made

    def signed_in(self, app: Flask) -> FlaskClient:
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_TOKEN_KEY] = self.resident_token
            session["csrf_binding"] = "test-binding"
        return client

    def new_initiative(self, app: Flask, title: str) -> int:
        """A published initiative, committed on the primary and replayed by the standby."""
        with app.app_context():
            initiative = Initiative(
                title=title, summary="s", body="b", body_html="<p>b</p>",
                topic=db.session.scalar(sa.select(Topic).filter_by(slug="promet")),
                author_id=self.author_id, state=InitiativeState.PUBLISHED, threshold=300,
                published_at=utcnow(), support_closes_at=utcnow() + timedelta(days=30),
            )  # fmt: skip
            db.session.add(initiative)
            db.session.commit()
            made = initiative.id
        self.pair.caught_up()
        return made

    def close(self) -> None:
        for made in self.made:
            with made.app_context():
                db.session.remove()
                db.engine.dispose()
                if replica.configured():
                    replica.replica().dispose()
        self.made.clear()


@pytest.fixture(scope="session")
def _seeded(pair: StreamingPair, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate the primary and seed it once; the standby replays it all."""
    setup = create_app(base_config(pair.primary.url(DATABASE)))
    with setup.app_context():
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
        db.session.flush()
        token = sessions.start_session(resident, acr=resident.last_acr or "", provider_sid=None)
        db.session.commit()
        seeded = {"author_id": author.id, "resident_token": token}
        db.session.remove()
        db.engine.dispose()
    pair.caught_up()
    return {**seeded, "folder": tmp_path_factory.mktemp("replica")}


@pytest.fixture
def site(pair: StreamingPair, _seeded: dict[str, Any]) -> Iterator[Site]:
    made = Site(pair, _seeded["folder"], _seeded["resident_token"], _seeded["author_id"])
    yield made
    made.close()


@pytest.fixture
def replica_logs(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The messages ``app.core.replica`` and ``app.api.reads`` logged, debug included."""
    caplog.set_level("DEBUG", logger="app.core.replica")
    caplog.set_level("DEBUG", logger="app.api.reads")

    def _messages() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.name in ("app.core.replica", "app.api.reads")
        ]

    return _messages
