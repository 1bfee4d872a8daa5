"""Glas on a real HTTP server on loopback, for the browser tests and back-channel logout.

The live server runs its own app on its own database, migrated and loaded with the demo
data, with CSRF and rate limits on, and signs in against the development eID provider as
the registered client ``glas-live``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.demo import seed_demo
from app.extensions import db
from tests.conftest import Databases, base_config
from tests.eid import Provider, oidc_config


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(
    databases: Databases, eid_provider: Provider, live_socket: socket.socket, live_port: int
) -> Iterator[LiveServer]:
    url = f"http://127.0.0.1:{live_port}"
    app = create_app(
        base_config(
            databases.new("live"),
            CSRF_ENABLED=True,
            PROPAGATE_EXCEPTIONS=False,
            PUBLIC_URL=url,
            **oidc_config(eid_provider.issuer, client_id="glas-live"),
        )
    )
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    # On the socket held since the provider registered its address (tests/eid.py).
    server = make_server("127.0.0.1", live_port, app, threaded=True, fd=live_socket.fileno())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, url, server, thread)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()
