"""The PostgreSQL client programs a backup runs: where they are, and how they are called.

The password never goes on a command line, where every user of the machine can read it in the
process list: the programs get a libpq URI without it and find it in ``PGPASSWORD``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from app.backup.errors import BackupError

#: Where Debian's and Ubuntu's packages put each major version's programs.
_DEBIAN_FOLDER = Path("/usr/lib/postgresql")


def find(name: str) -> str:
    """The program ``name`` (pg_dump, pg_restore): on PATH, or the newest Debian version's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = [path for path in _DEBIAN_FOLDER.glob(f"*/bin/{name}") if os.access(path, os.X_OK)]
    if candidates:
        # By version as a number: "9.6" sorts after "15" as text.
        return str(max(candidates, key=lambda path: _version(path.parent.parent.name)))
    raise BackupError(
        f"{name} was not found on PATH nor in {_DEBIAN_FOLDER}/*/bin: install the PostgreSQL "
        "client programs of the server's major version or newer "
        "(apt-get install postgresql-client)."
    )


def _version(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder))


@dataclass(frozen=True)
class Target:
    """How the client programs reach the database: a URI without password, and their env."""

    uri: str
    env: dict[str, str]


def target(sqlalchemy_uri: str) -> Target:
    """The libpq form of a SQLAlchemy URI (``postgresql+psycopg://`` → ``postgresql://``)."""
    url = make_url(sqlalchemy_uri)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return Target(uri=uri, env=env)


def run(program: str, arguments: list[str], env: dict[str, str]) -> str:
    """Run ``program`` and return what it wrote to stdout.

    :raise BackupError: it could not start, or it failed (with what it wrote to stderr).
    """
    name = Path(program).name
    try:
        # No shell: the program was found by ``find``, the arguments are ours and a list.
        done = subprocess.run(  # noqa: S603
            [program, *arguments], env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BackupError(f"{name} could not be started: {error.strerror}.") from None
    if done.returncode < 0:
        # Killed: SIGXFSZ when a file grew past the size limit, SIGKILL when out of memory.
        raise BackupError(f"{name} was stopped by {_signal_name(-done.returncode)}.")
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or "no message"
        raise BackupError(f"{name} failed (exit status {done.returncode}): {said}")
    return done.stdout


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
