"""Browser harness: the app on a real HTTP server, Debian's headless Chromium, axe-core, vnu.

The live server runs its own app on its own database (migrated and loaded with the demo data),
so what the browser sees is what ``make demo`` serves, with CSRF and rate limits on.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.demo import seed_demo
from app.extensions import db
from tests.conftest import ROOT, Databases, base_config

CHROMIUM = os.environ.get("GLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no internet: keep Chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: The WCAG 2.1 A and AA rules of axe-core.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing(what: str, how: str) -> None:
    message = f"{what} is not available ({how}); browser tests cannot run"
    if os.environ.get("CI"):
        pytest.fail(message + ". CI must provide it: see .ci/run.")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(databases: Databases) -> Iterator[LiveServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        base_config(
            databases.new("browser"),
            CSRF_ENABLED=True,
            PROPAGATE_EXCEPTIONS=False,
            PUBLIC_URL=url,
        )
    )
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, url, server, thread)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing("Chromium", f"{CHROMIUM} not found; apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url)
    yield context
    context.close()


def set_language(context: Any, live_server: LiveServer, language: str) -> None:
    context.add_cookies([{"name": "glas_lang", "value": language, "url": live_server.url}])


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        _missing("axe-core", "run npm ci")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)
    result = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    return list(result["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


class Validator:
    """The Nu HTML Checker (vnu.jar) as a local web service, started once per session."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/?out=json"

    def errors(self, html: bytes) -> list[str]:
        response = requests.post(
            self.url,
            data=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
            timeout=60,
        )
        response.raise_for_status()
        return [
            f"line {m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
            for m in response.json()["messages"]
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]


@pytest.fixture(scope="session")
def html_validator() -> Iterator[Validator]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        _missing("The Nu HTML Checker", "needs java and npm ci")
    port = free_port()
    process = subprocess.Popen(
        [
            java, "-Xss8m", "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    validator = Validator(port)
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the Nu HTML Checker did not start")
                time.sleep(0.25)
        yield validator
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path | None:
    folder = request.config.getoption("--screenshots")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path
