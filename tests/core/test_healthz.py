"""``/healthz``: 200 when the app and the database answer, 503 otherwise."""

from __future__ import annotations

from flask.testing import FlaskClient

from app import create_app
from tests.conftest import base_config


def test_healthy_database_gives_200(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_database_gives_503(tmp_path) -> None:
    # A real PostgreSQL client pointed at a socket folder where no server listens.
    url = f"postgresql+psycopg://glas@/glas?host={tmp_path}&connect_timeout=2"
    app = create_app(base_config(url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
