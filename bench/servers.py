"""The processes the benchmark starts: gunicorn (Glas and the hello app) and Redis.

Glas is configured for production through ``FLASK_*`` environment variables, as the README's
deployment section does: a secret key and pepper, an https eID issuer (a dummy one: nobody
signs in during the benchmark), PostgreSQL, Redis for the rate limits shared by the workers,
and one trusted reverse proxy, so that each simulated resident has an address of their own
(``X-Forwarded-For``), as behind nginx in production.

Both apps run under the same gunicorn settings: 2 sync workers (one per core, as issue 8 asks;
gunicorn's rule of thumb of 2 x cores + 1 would hide some database waits at the price of
memory), default timeout, no access log. Every process started here is stopped by ``stop``,
also on failure or Ctrl-C (``run.py`` calls it from ``finally``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.seed import ISSUER

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2

# One secret key and pepper per benchmark process: sessions made by the seeder and the
# runner are signed with the same key as the servers use.
_SECRET_KEY = secrets.token_hex(32)
_PEPPER = secrets.token_hex(32)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(
    database_url: str,
    instance: Path,
    *,
    public_url: str = "http://127.0.0.1:8000",
    ratelimit_storage: str = "memory://",
    cache_url: str | None = None,
) -> dict[str, str]:
    """The environment of a production-like Glas (see the module's docstring)."""
    instance.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    environment.update(
        FLASK_SECRET_KEY=_SECRET_KEY,
        FLASK_SUBJECT_PEPPER=_PEPPER,
        FLASK_SQLALCHEMY_DATABASE_URI=database_url,
        FLASK_OIDC_ISSUER=ISSUER,
        FLASK_OIDC_CLIENT_ID="glas-bench",
        FLASK_OIDC_CLIENT_SECRET=secrets.token_hex(16),
        FLASK_PUBLIC_URL=public_url,
        FLASK_TRUSTED_PROXY_COUNT="1",
        FLASK_RATELIMIT_STORAGE_URI=ratelimit_storage,
        FLASK_MAIL_BACKEND="console",
        # Never the checkout's instance/ (where `make demo` keeps its config and database).
        FLASK_INSTANCE_PATH=str(instance),
    )
    if cache_url:
        # The cache of anonymous pages, shared by the workers as production must share it.
        environment["FLASK_CACHE_REDIS_URL"] = cache_url
    for name in ("FLASK_DEBUG", "FLASK_TESTING"):
        environment.pop(name, None)
    return environment


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        # Each server runs in a session of its own: signal its whole group (master + workers).
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


def _start(name: str, command: list[str], log: Path, environment: dict[str, str]) -> Process:
    handle = log.open("wb")
    popen = subprocess.Popen(  # noqa: S603  (our own commands)
        command,
        cwd=ROOT,
        env=environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    return Process(name, popen, log)


def _wait_http(process: Process, url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=30).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer at {url} within {timeout:.0f} s")


def start_gunicorn(
    name: str, target: str, port: int, environment: dict[str, str], logs: Path
) -> Process:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn), "--workers", str(WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
        # Two servers run at once: neither may take the other's control socket.
        "--no-control-socket", target,
    ]  # fmt: skip
    process = _start(name, command, logs / f"{name}.log", environment)
    try:
        _wait_http(
            process,
            f"http://127.0.0.1:{port}/healthz" if name == "glas" else f"http://127.0.0.1:{port}/",
        )
    except BaseException:
        process.stop()  # not yet in the caller's list of processes to stop
        raise
    return process


def start_redis(port: int, logs: Path) -> Process | None:
    """Redis for the rate limits, as the README asks for more than one worker; ``None`` if
    it is not installed (the limits then count per worker, in memory)."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--daemonize", "no",
    ]  # fmt: skip
    process = _start("redis", command, logs / "redis.log", dict(os.environ))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"redis-server did not start:\n{process.log.read_text()[-2000:]}")


# --- memory -------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may contain spaces and parentheses: the fields start after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) so far, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class MemoryWatch:
    """Follows the workers of gunicorn masters and keeps each worker's peak RSS.

    The kernel keeps the peak itself (VmHWM); the watch only has to see every worker before
    it exits, so it looks again every half second (gunicorn replaces a worker that died).
    """

    masters: dict[str, int]
    peaks: dict[str, dict[int, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        for name, master in self.masters.items():
            for worker in _children(master):
                peak = _peak_rss_mb(worker)
                if peak is not None:
                    workers = self.peaks.setdefault(name, {})
                    workers[worker] = max(peak, workers.get(worker, 0.0))

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def start(self) -> MemoryWatch:
        self.sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def peak(self, name: str) -> float:
        return max(self.peaks.get(name, {0: 0.0}).values())


@contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Stop every process of the list on the way out, whatever happened."""
    try:
        yield processes
    finally:
        for process in reversed(processes):
            process.stop()
