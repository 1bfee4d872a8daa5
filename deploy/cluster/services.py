"""The processes of the cluster: each a real, well-known server started by hand.

PostgreSQL (a primary and a streaming replica, on loopback TCP), two Redis servers (the cache
of pages and the rate limits, from ``deploy/redis``), an SMTP relay (``mailsink``), the
development eID provider behind a fault-injecting TCP proxy (``chaos``), HAProxy (from
``deploy/haproxy``) and the Glas processes, whose command lines come from the systemd units
(``units.py``). Every process runs in a session of its own, so that a signal reaches a server
and all its children (gunicorn's workers) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pg_binary(name: str) -> str:
    """A PostgreSQL program, found as ``flask backup`` finds its own (newest version first)."""
    from app.backup import programs
    from app.backup.errors import BackupError

    try:
        return programs.find(name)
    except BackupError as error:
        raise SystemExit(str(error)) from None


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> float:
    """Poll ``check`` until it holds; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Process:
    """A server run in its own session, its output in a log file."""

    name: str
    argv: list[str]
    log: Path
    environment: dict[str, str]
    cwd: Path = ROOT
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as handle:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.environment,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def signal(self, number: int) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, number)

    def kill(self) -> None:
        """SIGKILL to the server and its children: no goodbye, as when a host dies."""
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 40.0) -> None:
        """SIGTERM (a clean stop: gunicorn finishes what it serves), SIGKILL after ``timeout``."""
        if not self.running:
            return
        assert self.popen is not None
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Postgres:
    """PostgreSQL 15 on loopback TCP and a socket folder, run as ``postgres`` under root."""

    def __init__(self, name: str, root: Path, port: int) -> None:
        self.name = name
        self.data = root / name
        self.socket_dir = root / "sock"
        self.port = port
        self.log = root / f"{name}.log"
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [pg_binary(args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _own(self, *paths: Path) -> None:
        for path in paths:
            path.mkdir(parents=True, exist_ok=True)
            if self._as_postgres:
                shutil.chown(path, "postgres")

    def init_primary(self, settings: dict[str, str]) -> None:
        self._own(self.data.parent, self.socket_dir)
        self._run(
            "initdb", "-D", str(self.data), "-U", "glas", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._configure(settings)

    def init_replica(self, primary: Postgres, settings: dict[str, str]) -> None:
        """A streaming replica of ``primary``: ``pg_basebackup -R`` writes standby.signal."""
        self._own(self.data.parent, self.socket_dir)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "glas",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self._configure(settings)

    def _configure(self, settings: dict[str, str]) -> None:
        # deploy/postgresql/glas.conf as the operator installs it, then this host's values.
        included = ROOT / "deploy" / "postgresql" / "glas.conf"
        local = "".join(f"{name} = {value}\n" for name, value in settings.items())
        extra = self.data / "glas-cluster.conf"
        extra.write_text(local, encoding="utf-8")
        shutil.copy(included, self.data / "glas.conf")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\ninclude 'glas.conf'\ninclude 'glas-cluster.conf'\n")
        if self._as_postgres:
            for path in (extra, self.data / "glas.conf"):
                shutil.chown(path, "postgres")

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", f"-p {self.port} -k {self.socket_dir}", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def psql(self, query: str, database: str = "glas") -> str:
        result = self._run(
            "psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "glas",
            "-d", database, "-Atqc", query,
        )  # fmt: skip
        return result.stdout.strip()

    def url(self, database: str = "glas") -> str:
        """What the app servers use: TCP, as from another host."""
        return f"postgresql+psycopg://glas@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "glas") -> str:
        """What the seeding uses (bench.seed reads the socket folder from the URL)."""
        return f"postgresql+psycopg://glas@/{database}?host={self.socket_dir}&port={self.port}"


def redis(name: str, conf: Path, port: int, folder: Path) -> Process:
    """Debian's redis-server with ``deploy/redis/<conf>``, the port moved for one machine."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    folder.mkdir(parents=True, exist_ok=True)
    argv = [binary, str(conf), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    return Process(name, argv, folder / f"{name}.log", base_environment())


def base_environment() -> dict[str, str]:
    """What systemd gives a service: a plain PATH and a UTF-8 locale, nothing of the caller's."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/root"),
    }


def python_module(name: str, module: str, args: Sequence[str], log: Path) -> Process:
    environment = base_environment()
    environment["PYTHONPATH"] = str(ROOT)
    return Process(name, [sys.executable, "-m", module, *args], log, environment)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A key and certificate for 127.0.0.1 and localhost; HAProxy wants both in one PEM."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert, pem = folder / "glas.key", folder / "glas.crt", folder / "glas.pem"
    if not pem.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=Glas cluster",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        pem.write_bytes(cert.read_bytes() + key.read_bytes())
        pem.chmod(0o600)
    return cert, pem


def https_ok(url: str, cafile: Path, timeout: float = 2.0) -> bool:
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None
