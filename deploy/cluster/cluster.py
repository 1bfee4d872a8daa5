"""The reference set-up of ``deploy/`` on one machine: what ``make cluster`` and the drills run.

::

    client ─TLS─▶ HAProxy :8443 ─┬─▶ glas-web@1 :8001 ─┬─▶ PostgreSQL primary :25432
                  (admin socket) └─▶ glas-web@2 :8002 ─┤        │ streaming
                                                       │        ▼
    glas-worker@1, @2 ─▶ SMTP relay :2525              ├─▶ replica :25433 (API, dumps)
    eID provider :5011 ◀─ chaos proxy :5012 ◀─ Glas    ├─▶ Redis :26380 pages, :26379 limits
                                                       └─▶ uploads (one folder, shared)

Every file an operator adapts is used as it stands: the units' command lines
(``units.py``), ``deploy/env/*.env`` with only the addresses changed, ``deploy/haproxy``,
``deploy/redis``, ``deploy/postgresql``. The differences from a real host are the ports (one
machine), trust authentication on loopback instead of passwords, a self-signed certificate
and the development eID provider.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.cluster import services, units
from deploy.cluster.chaos import Chaos
from deploy.cluster.services import ROOT, Postgres, Process

DEPLOY = ROOT / "deploy"


@dataclass(frozen=True)
class Ports:
    https: int = 8443
    http: int = 8080
    app1: int = 8001
    app2: int = 8002
    # Below the kernel's ephemeral ports (32768-60999), which a client socket may hold.
    primary: int = 25432
    replica: int = 25433
    cache: int = 26380
    limits: int = 26379
    smtp: int = 2525
    eid: int = 5011
    eid_public: int = 5012


class Cluster:
    def __init__(self, root: Path, *, replica: bool = True, log: Any = print) -> None:
        self.root = root
        # PostgreSQL runs as the postgres user under root: it must be able to enter this folder.
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o711)
        self.ports = Ports()
        self.with_replica = replica
        self.say = log
        self.etc = root / "etc" / "glas"
        self.var = root / "var" / "lib" / "glas"
        self.logs = root / "log"
        self.run = root / "run"
        self.mail = root / "mail"
        self.paths = {
            "/opt/glas/current": ROOT,
            "/etc/glas": self.etc,
            "/var/lib/glas": self.var,
            "/var/log/glas": self.logs,
        }
        self.primary = Postgres("primary", root / "pg", self.ports.primary)
        self.replica = Postgres("replica", root / "pg", self.ports.replica)
        self.processes: dict[str, Process] = {}
        self.chaos = Chaos(self.ports.eid_public, self.ports.eid)
        self.cafile = root / "tls" / "glas.crt"
        self.public_url = f"https://127.0.0.1:{self.ports.https}"
        self.environment: dict[str, str] = {}

    # --- set-up -------------------------------------------------------------------------------

    def check_free(self) -> None:
        busy = [p for p in vars(self.ports).values() if services.port_open(p)]
        if busy:
            raise SystemExit(
                f"ports in use: {busy}; is another cluster running? (make cluster-stop)"
            )

    def configure(self) -> None:
        """The environment files: deploy/env's, with this machine's addresses and fresh secrets."""
        for folder in (self.etc, self.var / "uploads", self.var / "open-data", self.logs, self.run):
            folder.mkdir(parents=True, exist_ok=True)
        cert, pem = services.self_signed_certificate(self.root / "tls")
        self.cafile = cert
        example = units.read_environment_file(DEPLOY / "env" / "glas.env")
        local = {
            "FLASK_PUBLIC_URL": self.public_url,
            "FLASK_OIDC_ISSUER": f"http://127.0.0.1:{self.ports.eid_public}",
            "FLASK_OIDC_CLIENT_ID": "glas-cluster",
            # Short, so that the eID drill ends soon; production keeps 10 s.
            "FLASK_OIDC_TIMEOUT": "3",
            "FLASK_CACHE_REDIS_URL": f"redis://127.0.0.1:{self.ports.cache}/0",
            "FLASK_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.ports.limits}/0",
            "FLASK_MAIL_SERVER": "127.0.0.1",
            "FLASK_MAIL_PORT": str(self.ports.smtp),
            "FLASK_MAIL_DEFAULT_SENDER": "glas@glas.test",
        }
        unknown = set(local) - set(example)
        if unknown:  # the example must name every setting a real host needs
            raise SystemExit(f"deploy/env/glas.env lacks {sorted(unknown)}")
        values = {name: self._local(value) for name, value in {**example, **local}.items()}
        units.write_environment_file(
            self.etc / "glas.env", values, "written by make cluster from deploy/env/glas.env"
        )
        client_secret = secrets.token_urlsafe(32)
        secret_values = {
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            "FLASK_SUBJECT_PEPPER": secrets.token_hex(32),
            "FLASK_OIDC_CLIENT_SECRET": client_secret,
            "FLASK_SQLALCHEMY_DATABASE_URI": self.primary.url(),
        }
        if self.with_replica:
            secret_values["FLASK_REPLICA_DATABASE_URI"] = self.replica.url()
        names = set(units.read_environment_file(DEPLOY / "env" / "secrets.env.example"))
        if set(secret_values) - names:
            raise SystemExit(f"secrets.env.example lacks {sorted(set(secret_values) - names)}")
        units.write_environment_file(self.etc / "secrets.env", secret_values, "make cluster")
        (self.etc / "secrets.env").chmod(0o600)
        for n in (1, 2):
            shutil.copy(DEPLOY / "env" / f"web-{n}.env", self.etc / f"web-{n}.env")
        registration = {
            "client_id": "glas-cluster",
            "client_secret": client_secret,
            "redirect_uris": [f"{self.public_url}/auth/callback"],
            "post_logout_redirect_uris": [f"{self.public_url}/auth/logged-out"],
            "backchannel_logout_uri": f"{self.public_url}/auth/backchannel-logout",
            "backchannel_logout_session_required": True,
            "subject_type": "pairwise",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        (self.root / "eid-clients.json").write_text(json.dumps([registration]), encoding="utf-8")
        self.haproxy_environment = {
            **services.base_environment(),
            "GLAS_HTTPS_BIND": f"127.0.0.1:{self.ports.https}",
            "GLAS_HTTP_BIND": f"127.0.0.1:{self.ports.http}",
            "GLAS_TLS_PEM": str(pem),
            "GLAS_APP1": f"127.0.0.1:{self.ports.app1}",
            "GLAS_APP2": f"127.0.0.1:{self.ports.app2}",
            "GLAS_PUBLIC_HOST": f"127.0.0.1:{self.ports.https}",
            "GLAS_APP_MAXCONN": units.read_environment_file(DEPLOY / "env" / "web-1.env")[
                "GLAS_WEB_WORKERS"
            ],
            "GLAS_ERRORS": str(DEPLOY / "haproxy" / "errors"),
            "GLAS_ADMIN_SOCKET": str(self.run / "haproxy.sock"),
            "GLAS_LOG": "stdout",
        }
        self.environment = self.unit_environment("glas-worker@.service", "1")

    def _local(self, value: str) -> str:
        for host_path, here in sorted(self.paths.items(), key=lambda item: -len(item[0])):
            value = value.replace(host_path, str(here))
        return value

    def unit_environment(self, unit: str, instance: str) -> dict[str, str]:
        """The environment systemd would give ``unit``: its files in order, then Environment=."""
        command = units.command(unit, instance, self.paths)
        environment = services.base_environment()
        for path in command.environment_files:
            environment.update(units.read_environment_file(path))
        environment.update(command.environment)
        return environment

    def unit_process(self, unit: str, instance: str, name: str) -> Process:
        command = units.command(unit, instance, self.paths)
        return Process(
            name,
            command.argv,
            self.logs / f"{name}.out",
            self.unit_environment(unit, instance),
            cwd=command.working_directory,
        )

    # --- the servers ----------------------------------------------------------------------

    def start_databases(self) -> None:
        self.say("PostgreSQL primary …")
        self.primary.init_primary(
            {"listen_addresses": "'127.0.0.1'", "max_connections": "100", "shared_buffers": "256MB"}
        )
        self.primary.start()
        self.primary.psql("CREATE DATABASE glas", database="postgres")
        if self.with_replica:
            self.say("PostgreSQL streaming replica (pg_basebackup -R) …")
            self.replica.init_replica(
                self.primary, {"listen_addresses": "'127.0.0.1'", "max_connections": "100"}
            )
            self.replica.start()

    def start_redis(self, which: str) -> None:
        port = self.ports.cache if which == "cache" else self.ports.limits
        process = services.redis(
            f"redis-{which}", DEPLOY / "redis" / f"glas-{which}.conf", port, self.root / "redis"
        )
        self.processes[process.name] = process.start()
        services.wait_for(process.name, lambda: services.port_open(port))

    def start_smtp(self) -> None:
        process = services.python_module(
            "smtp",
            "deploy.cluster.mailsink",
            ["--port", str(self.ports.smtp), "--folder", str(self.mail)],
            self.logs / "smtp.out",
        )
        self.processes["smtp"] = process.start()
        services.wait_for("SMTP relay", lambda: services.port_open(self.ports.smtp))

    def start_eid(self) -> None:
        argv = [
            "node", str(ROOT / "devtools" / "eid-provider" / "server.mjs"),
            "--host", "127.0.0.1", "--port", str(self.ports.eid),
            "--issuer", f"http://127.0.0.1:{self.ports.eid_public}",
            "--clients", str(self.root / "eid-clients.json"),
        ]  # fmt: skip
        process = Process("eid", argv, self.logs / "eid.out", services.base_environment())
        self.processes["eid"] = process.start()
        services.wait_for("eID provider", lambda: services.port_open(self.ports.eid))
        self.chaos.start()

    def start_app(self, n: int) -> float:
        """glas-web@n as its unit runs it; the seconds until its /healthz answers 200."""
        name = f"glas-web-{n}"
        process = self.unit_process("glas-web@.service", str(n), name)
        started = time.monotonic()
        self.processes[name] = process.start()
        port = self.ports.app1 if n == 1 else self.ports.app2
        services.wait_for(
            name, lambda: services.http_status(f"http://127.0.0.1:{port}/healthz") == 200, 90
        )
        return time.monotonic() - started

    def start_worker(self, n: int) -> None:
        name = f"glas-worker-{n}"
        self.processes[name] = self.unit_process("glas-worker@.service", str(n), name).start()

    def start_haproxy(self) -> None:
        argv = ["haproxy", "-W", "-db", "-f", str(DEPLOY / "haproxy" / "haproxy.cfg")]
        process = Process("haproxy", argv, self.logs / "haproxy.out", self.haproxy_environment)
        self.processes["haproxy"] = process.start()
        services.wait_for(
            "HAProxy",
            lambda: services.https_ok(f"{self.public_url}/healthz", self.cafile),
        )

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``flask --app wsgi …`` with the units' environment (as glas-migrate.service runs it)."""
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            check=check,
        )

    def migrate(self) -> None:
        command = units.command("glas-migrate.service", "", self.paths)
        subprocess.run(
            command.argv, cwd=command.working_directory, env=self.environment, check=True,
            capture_output=True,
        )  # fmt: skip

    def seed(self) -> Any:
        """Kranj at its size today (bench.seed, scale 1); the Flask app that wrote it."""
        from bench.seed import SCALES, seed

        environment = dict(self.environment)
        environment["FLASK_SQLALCHEMY_DATABASE_URI"] = self.primary.socket_url()
        environment.pop("FLASK_REPLICA_DATABASE_URI", None)
        lines: list[str] = []
        seeding = seed(environment, SCALES[1], log=lines.append)
        self.say(f"  seeded Kranj at 1x: {lines[-1].strip()}")
        return seeding.app

    def up(self) -> Any:
        """Everything, in order; the Flask app of the seeding (for the drills' residents)."""
        started = time.monotonic()
        self.check_free()
        self.configure()
        self.start_databases()
        self.say("Redis (cache, limits), SMTP relay, eID provider …")
        self.start_redis("cache")
        self.start_redis("limits")
        self.start_smtp()
        self.start_eid()
        self.say("Seeding (migrations, then Kranj at 1x) …")
        app = self.seed()
        self.migrate()  # a no-op after the seeding's: what an upgrade runs first
        self.say("Glas: two app servers, two workers, HAProxy …")
        for n in (1, 2):
            self.start_app(n)
            self.start_worker(n)
        self.start_haproxy()
        if self.with_replica:
            lag = self.replica.psql(
                "SELECT coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)"
            )
            self.say(f"  replica in recovery, last replay {float(lag or 0):.1f} s ago")
        self.say(f"Cluster up in {time.monotonic() - started:.0f} s.")
        return app

    def down(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes[name].stop(timeout=20)
        with contextlib.suppress(RuntimeError, TimeoutError):  # never started
            self.chaos.stop()
        for database in (self.replica, self.primary):
            if database.data.exists():
                database.stop("fast")

    # --- the proxy's runtime API --------------------------------------------------------------

    def haproxy(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.run / "haproxy.sock"))
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Each app server's state in the proxy (UP, DOWN, DRAIN, MAINT …)."""
        states = {}
        for line in self.haproxy("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 17 and fields[0] == "glas_app" and fields[1].startswith("app"):
                states[fields[1]] = fields[17]
        return states

    def served(self) -> dict[str, int]:
        """Requests each app server has been sent by the proxy so far (``stot``)."""
        counts = {}
        for line in self.haproxy("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 7 and fields[0] == "glas_app" and fields[1].startswith("app"):
                counts[fields[1]] = int(fields[7] or 0)
        return counts


def python() -> str:
    return sys.executable


def ensure_tools() -> None:
    tools = ("haproxy", "redis-server", "node", "openssl", "socat", "curl")
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise SystemExit(f"missing: {missing}; `make cluster` installs them (apt-get)")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
