"""deploy/haproxy/haproxy.cfg as it behaves: a real HAProxy in front of two small servers.

What Glas relies on from its proxy, checked on the wire: the client's forwarded headers are
dropped and the proxy's own sent; a foreign Host is refused; plain HTTP goes to the public
address; a read whose server died without answering is sent to the other server, a POST is not
(the app may have done it), and the client gets the proxy's bilingual 502 page.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.deploy.test_files import DEPLOY, _haproxy_environment
from tests.eid import free_port

pytestmark = [
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed"),
    # The fixture's certificate is self-signed, made for this test: not checked on purpose.
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


class Backend(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[str] = Counter()
        self.headers_seen: list[dict[str, str]] = []


class Handler(BaseHTTPRequestHandler):
    server: Backend

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/healthz":
            self._send(200, b'{"status": "ok"}')
            return
        self.server.hits[f"{self.command} {self.path}"] += 1
        if self.path == "/die":
            # Read the request in full, then vanish without a byte: a worker killed mid-request.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.server.headers_seen.append(dict(self.headers.items()))
        self._send(200, json.dumps(dict(self.headers.items())).encode())

    do_GET = do_POST = _answer  # noqa: N815

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("haproxy")
    backends = [Backend(), Backend()]
    for backend in backends:
        threading.Thread(target=backend.serve_forever, daemon=True).start()
    https, http = free_port(), free_port()
    environment = _haproxy_environment(folder)
    environment.update(
        GLAS_HTTPS_BIND=f"127.0.0.1:{https}",
        GLAS_HTTP_BIND=f"127.0.0.1:{http}",
        GLAS_APP1=f"127.0.0.1:{backends[0].server_address[1]}",
        GLAS_APP2=f"127.0.0.1:{backends[1].server_address[1]}",
        GLAS_PUBLIC_HOST=f"localhost:{https}",
        GLAS_APP_MAXCONN="2",
    )
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(DEPLOY / "haproxy" / "haproxy.cfg")],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    session = requests.Session()
    session.trust_env = False
    session.verify = False
    base = f"https://localhost:{https}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if session.get(base + "/echo", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # refused, reset or a TLS handshake cut short
                pass
            assert time.monotonic() < deadline, "HAProxy did not start"
            time.sleep(0.1)
        yield {"base": base, "http": f"http://127.0.0.1:{http}", "session": session,
               "backends": backends, "https_port": https}  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)
        session.close()
        for backend in backends:
            backend.shutdown()
            backend.server_close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_the_client_cannot_forge_what_glas_reads_of_the_proxy(proxy: dict[str, Any]) -> None:
    forged = {
        "X-Forwarded-For": "10.9.9.9",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Port": "1337",
        "X-Forwarded-Prefix": "/evil",
        "X-Real-IP": "10.8.8.8",
        "Forwarded": "for=10.7.7.7",
    }
    seen = proxy["session"].get(proxy["base"] + "/echo", headers=forged, timeout=5).json()
    lowered = {name.lower(): value for name, value in seen.items()}
    assert lowered["x-forwarded-for"] == "127.0.0.1"  # the proxy's view of the client, alone
    assert lowered["x-forwarded-proto"] == "https"
    for name in ("x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip",
                 "forwarded"):  # fmt: skip
        assert name not in lowered, name


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_foreign_host_is_refused_and_http_goes_to_the_public_address(
    proxy: dict[str, Any],
) -> None:
    refused = proxy["session"].get(
        proxy["base"] + "/echo", headers={"Host": "evil.example"}, timeout=5
    )
    assert refused.status_code == 421
    moved = proxy["session"].get(
        proxy["http"] + "/initiatives/?q=x", headers={"Host": "evil.example"},
        allow_redirects=False, timeout=5,
    )  # fmt: skip
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"https://localhost:{proxy['https_port']}/initiatives/?q=x"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_read_is_sent_again_a_post_is_not(proxy: dict[str, Any]) -> None:
    backends: list[Backend] = proxy["backends"]
    for backend in backends:
        backend.hits.clear()
    # The first request of a connection: the client gets the proxy's 502 page.
    fresh = requests.Session()
    fresh.trust_env = False
    fresh.verify = False
    posted = fresh.post(proxy["base"] + "/die", data={"a": "1"}, timeout=10)
    assert posted.status_code == 502
    assert "Glas je za trenutek nedosegljiv" in posted.text
    assert sum(b.hits["POST /die"] for b in backends) == 1  # done at most once
    # On a kept-alive connection HAProxy may close it instead (HTTP/1.1 lets it): the client
    # sees an error it can retry, and the proxy still sent the POST only once.
    try:
        again = fresh.post(proxy["base"] + "/die", data={"a": "1"}, timeout=10)
    except requests.ConnectionError:
        pass
    else:
        assert again.status_code == 502
    assert sum(b.hits["POST /die"] for b in backends) == 2
    read = fresh.get(proxy["base"] + "/die", timeout=10)
    assert read.status_code == 502  # both servers die here, but each was tried
    assert all(b.hits["GET /die"] >= 1 for b in backends)
    assert sum(b.hits["GET /die"] for b in backends) == 4  # the first try and 3 retries
    fresh.close()


def test_the_certificate_is_served(proxy: dict[str, Any]) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", proxy["https_port"]), timeout=5)
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
