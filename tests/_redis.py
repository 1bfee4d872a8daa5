"""A throwaway Redis for the tests: Debian's ``redis-server`` on a Unix socket in a temp folder.

No TCP port, no persistence, nothing left behind; like the PostgreSQL cluster, a real server,
so what the tests see is what production's shared cache does.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None


class ThrowawayRedis:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="glas-redis-"))
        self.socket = self.root / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> ThrowawayRedis:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("redis-server not found: apt-get install redis-server")
        arguments = {
            "port": "0",  # no TCP at all: only the socket
            "unixsocket": str(self.socket),
            "unixsocketperm": "700",
            "save": "",  # no snapshots: a cache for one test run
            "appendonly": "no",
            "dir": str(self.root),
            "logfile": str(self.root / "redis.log"),
        }
        command = [
            binary,
            *(part for name, value in arguments.items() for part in (f"--{name}", value)),
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if redis.Redis.from_url(self.url).ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        log = self.root / "redis.log"
        raise RuntimeError(f"redis-server did not start:\n{log.read_text()[-2000:]}")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
