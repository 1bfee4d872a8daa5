"""A replica that cannot work is refused at start-up, with the variable named (no server needed:
these run on both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError
from tests.conftest import base_config

STANDBY = "postgresql+psycopg://glas@/glas?host=/run/standby"
PRIMARY = "postgresql+psycopg://glas@/glas?host=/run/primary"


def test_a_replica_of_sqlite_is_refused_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLASK_TESTING", "true")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/glas.db")
    monkeypatch.setenv("FLASK_REPLICA_DATABASE_URI", STANDBY)
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert message.startswith("FLASK_REPLICA_DATABASE_URI is set, but the database")
    assert "(FLASK_SQLALCHEMY_DATABASE_URI) is not PostgreSQL" in message
    assert "/run/standby" not in message  # a URI may hold a password


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"REPLICA_DATABASE_URI": "mysql://glas@db/glas"},
            "FLASK_REPLICA_DATABASE_URI must be a postgresql:// URI of a standby, "
            "got one starting 'mysql'.",
        ),
        (
            {"REPLICA_DATABASE_URI": PRIMARY},
            "FLASK_REPLICA_DATABASE_URI names the primary itself",
        ),
        (
            {"REPLICA_DATABASE_URI": STANDBY, "REPLICA_CHECK_SECONDS": 10},
            "FLASK_REPLICA_CHECK_SECONDS must be between 1 and 5, got 10.",
        ),
        (
            {"REPLICA_DATABASE_URI": STANDBY, "REPLICA_MAX_LAG_SECONDS": 0},
            "FLASK_REPLICA_MAX_LAG_SECONDS must be between 1 and 3600, got 0.",
        ),
    ],
)
def test_a_replica_that_cannot_work_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(base_config(PRIMARY, **settings))
    assert str(refused.value).startswith(message)


def test_a_standby_of_postgresql_is_accepted_and_no_replica_is_the_default(
    tmp_path: Path,
) -> None:
    # Made lazily: starting the app connects to neither database.
    app = create_app(base_config(PRIMARY, REPLICA_DATABASE_URI=STANDBY))
    assert app.config["REPLICA_DATABASE_URI"] == STANDBY
    assert app.config["REPLICA_MAX_LAG_SECONDS"] == 5
    assert app.config["REPLICA_CHECK_SECONDS"] == 1
    assert (
        create_app(base_config(f"sqlite:///{tmp_path}/glas.db")).config["REPLICA_DATABASE_URI"]
        is None
    )
