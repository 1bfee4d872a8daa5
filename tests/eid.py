"""The development eID provider as a real OpenID provider on loopback, for the tests.

``devtools/eid-provider/server.mjs`` (oidc-provider 9.13.3 under Node) runs as a subprocess on
a free port. Tests drive the whole authorization-code flow over HTTP: the Flask test client
for Glas's side, ``requests`` for the browser's side at the provider.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "devtools" / "eid-provider" / "server.mjs"

CLIENT_ID = "glas-test"
CLIENT_SECRET = "glas-test-secret-0123456789"
OTHER_CLIENT_ID = "glas-other"
TEST_PUBLIC_URL = "http://localhost"
LEVELS = {level: f"http://eidas.europa.eu/LoA/{level}" for level in ("low", "substantial", "high")}


def free_port() -> int:
    """A free loopback port, kept from everyone else for a minute, for a server about to start.

    A port only probed and let go could be handed out again at once: to another xdist
    worker's probe, or as the local end of a connection. So the port is kept as the kernel
    keeps a connection just closed (TIME_WAIT, a minute): ``bind(0)`` and ``connect()`` pass it
    over, connecting to it is refused, and only a server that sets ``SO_REUSEADDR`` (Werkzeug,
    asyncio, Node and Jetty all do) may listen on it.
    """
    with socket.socket() as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        address = listening.getsockname()
        with socket.create_connection(address, timeout=5):
            accepted, _ = listening.accept()
            accepted.close()  # this end closes first: the port's side waits in TIME_WAIT
        return int(address[1])


def client_registration(client_id: str, secret: str, public_url: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [f"{public_url}/auth/callback"],
        "post_logout_redirect_uris": [f"{public_url}/auth/logged-out"],
        "backchannel_logout_uri": f"{public_url}/auth/backchannel-logout",
        "backchannel_logout_session_required": True,
        "subject_type": "pairwise",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


def oidc_config(issuer: str, client_id: str = CLIENT_ID) -> dict[str, Any]:
    """Sign-in against a development eID provider, with residency proven by its claim."""
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid profile residence",
        "RESIDENCY_CLAIM": "municipality_code",
        "RESIDENCY_VALUES": "052",
    }


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def discovery(self) -> dict[str, Any]:
        return dict(
            requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_provider(
    clients: list[dict[str, Any]], *, lenient_acr: bool = False, tamper: str | None = None
) -> Provider:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("the development eID provider needs node and `npm ci` (make test does both)")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(clients, handle)
    command = [node, str(SERVER), "--port", str(port), "--clients", handle.name]
    if lenient_acr:
        command.append("--lenient-acr")
    if tamper:
        command += ["--tamper", tamper]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                discovery = f"{issuer}/.well-known/openid-configuration"
                requests.get(discovery, timeout=1).raise_for_status()
                return Provider(issuer, process)
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("the development eID provider did not start")
                time.sleep(0.1)
    finally:
        Path(handle.name).unlink()  # read once, at the start: none is left in the temp folder


@pytest.fixture(scope="session")
def live_socket() -> Iterator[socket.socket]:
    """The browser tests' live server's listening socket, bound at once and held all session.

    The provider registers the live server's address at the start of the session; the live
    server may start minutes later (or never, on SQLite), so the port is kept bound until then.
    """
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening


@pytest.fixture(scope="session")
def live_port(live_socket: socket.socket) -> int:
    """The port the browser tests' live server will use (the provider registers it)."""
    return int(live_socket.getsockname()[1])


def _clients(live_port: int) -> list[dict[str, Any]]:
    return [
        client_registration(CLIENT_ID, CLIENT_SECRET, TEST_PUBLIC_URL),
        client_registration(OTHER_CLIENT_ID, CLIENT_SECRET, TEST_PUBLIC_URL),
        client_registration(CLIENT_ID, CLIENT_SECRET, f"http://127.0.0.1:{live_port}")
        | {"client_id": "glas-live"},
    ]


@pytest.fixture(scope="session")
def eid_provider(live_port: int) -> Iterator[Provider]:
    provider = start_provider(_clients(live_port))
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def other_eid_provider(live_port: int) -> Iterator[Provider]:
    """A second instance: same clients and personas, another issuer."""
    provider = start_provider(_clients(live_port))
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def lenient_eid_provider(live_port: int) -> Iterator[Provider]:
    """An instance that issues tokens at a lower level than the client demanded."""
    provider = start_provider(_clients(live_port), lenient_acr=True)
    yield provider
    provider.stop()


@dataclass
class Flow:
    """One sign-in as a browser would do it: Glas's test client plus the provider's cookies."""

    client: FlaskClient
    browser: requests.Session = field(default_factory=requests.Session)
    #: The callback URL the provider sent the browser to (for replay tests).
    callback_url: str | None = None
    authorize_url: str | None = None

    def start(self, next_url: str | None = None) -> str:
        """GET /auth/login; returns the provider's persona page URL."""
        response = self.client.get(
            "/auth/login", query_string={"next": next_url} if next_url else {}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.authorize_url = response.headers["Location"]
        at_provider = self.browser.get(self.authorize_url, allow_redirects=False, timeout=10)
        assert at_provider.status_code in (302, 303), at_provider.text
        return urljoin(self.authorize_url, at_provider.headers["Location"])

    def choose(self, interaction_url: str, persona: str, level: str) -> requests.Response:
        """Submit the persona page the way a person (or a headless test) does."""
        page = self.browser.get(interaction_url, timeout=10)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text
        return self.browser.post(
            urljoin(interaction_url, action.group(1)),
            data={"persona": persona, "level": level},
            allow_redirects=False,
            timeout=10,
        )

    def follow_to_callback(self, response: requests.Response) -> str:
        """Follow the provider's redirects until it sends the browser back to Glas."""
        for _ in range(10):
            location = urljoin(response.url, response.headers["Location"])
            if urlsplit(location).netloc == urlsplit(TEST_PUBLIC_URL).netloc:
                self.callback_url = location
                return location
            response = self.browser.get(location, allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), response.text
        raise AssertionError("the provider never redirected back")

    def callback(self, url: str | None = None) -> Any:
        parts = urlsplit(url or self.callback_url or "")
        return self.client.get(parts.path, query_string=parts.query)

    def sign_in(self, persona: str, level: str = "substantial", next_url: str | None = None) -> Any:
        """The whole flow; returns Glas's response to the callback."""
        interaction = self.start(next_url)
        return self.callback(self.follow_to_callback(self.choose(interaction, persona, level)))
