"""A throwaway PostgreSQL cluster configured like production, for the benchmark.

The tests' cluster (``tests/_postgres.py``) turns durability off to run fast; a benchmark
that did so would flatter every write. This one keeps ``fsync``, ``synchronous_commit`` and
``full_page_writes`` on (PostgreSQL's defaults) and gives the server a realistic share of
memory; otherwise it is the same: ``initdb`` and ``pg_ctl`` on a Unix socket in a temporary
folder, run as the ``postgres`` system user under root, removed afterwards.
"""

from __future__ import annotations

from tests._postgres import ThrowawayPostgres

#: Server settings, production-like for a small dedicated host; everything else is default.
SETTINGS = {
    "listen_addresses": "''",
    "max_connections": "200",
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "maintenance_work_mem": "256MB",
    # Bulk loading writes a lot of WAL at once; checkpoints are spread out as in production.
    "max_wal_size": "4GB",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
}


class BenchPostgres(ThrowawayPostgres):
    """``ThrowawayPostgres`` with durability on (see the module's docstring)."""

    def start(self) -> BenchPostgres:
        if self._as_postgres:
            import shutil

            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "glas", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        options = f"-k {self.socket_dir} " + " ".join(
            f"-c {name}={value}" for name, value in SETTINGS.items()
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
            "-w", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        # "fast": the server finishes cleanly (no recovery needed), then the folder goes.
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            import shutil

            shutil.rmtree(self.root, ignore_errors=True)
