"""Browser harness: the app on a real HTTP server, Debian's headless Chromium, axe-core, vnu.

The live server runs its own app on its own database (migrated and loaded with the demo data),
so what the browser sees is what ``make demo`` serves, with CSRF and rate limits on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT
from tests.eid import free_port
from tests.live import LiveServer

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


#: The demo persona that stands for each kind of visitor in the page registry.
PERSONA_FOR_ROLE = {
    "resident": "ana",
    "supporter": "marko",  # a resident who did not write the demo's open initiative
    "administrator": "bojan",
    "official": "maja",
    "reviewer": "vesna",  # the cabinet's second official: reviews the letters Maja drafts
    "moderator": "nina",
    "councillor": "petra",
    "council_office": "jure",
    "newcomer": "eva",  # no account yet: lands on the first-sign-in form
    "non_resident": "tomaz",  # an official who lives in Ljubljana: may not take part
}


def sign_in(page: Any, persona: str, level: str = "substantial") -> None:
    """Sign in as a person does: the persona page of the development eID provider."""
    page.goto("/auth/login?next=/")
    page.get_by_role("radio", name=re.compile(rf"\({persona}:")).check()
    page.get_by_role("radio", name=level, exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/(auth/welcome.*)?$"))


@pytest.fixture(scope="session")
def signed_in_states(browser: Any, live_server: LiveServer) -> dict[str, Any]:
    """Browser storage (cookies) of each role, signed in once per test session."""
    states: dict[str, Any] = {}

    class _States(dict[str, Any]):
        def __missing__(self, role: str) -> Any:
            context = browser.new_context(base_url=live_server.url)
            try:
                sign_in(context.new_page(), PERSONA_FOR_ROLE[role])
                self[role] = context.storage_state()
            finally:
                context.close()
            return self[role]

    return _States(states)


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
