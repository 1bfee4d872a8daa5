"""The database: one consistent copy with its row counts, and putting a copy back.

Counts and copy are of the same moment, even while the site writes. On PostgreSQL the counts
are taken in a REPEATABLE READ transaction whose snapshot is handed to ``pg_dump --snapshot``,
so the dump holds exactly the rows counted. On SQLite the online backup API copies the file
in one step (a read transaction: WAL lets the site go on writing), and the counts are read
from the copy itself.

The tables counted are those of the models plus ``alembic_version``, where the database has
them (a database awaiting ``flask db upgrade`` may lack the newest). SQLite's full-text tables
are not counted: the triggers fill them from the tables that are, and the copy holds them all.

With the counts, and of the same moment, every file name the rows record (the ``stored_name``
of every model with ``app.attachments.models.StoredFile``'s columns): the files a backup must
hold to be whole.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from app.attachments.models import StoredFile
from app.backup import programs
from app.backup.errors import BackupError
from app.core.db import READ_ONLY
from app.extensions import Model, db

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
#: The database's file in a backup folder, by kind.
FILES = {POSTGRESQL: "database.pgdump", SQLITE: "database.sqlite3"}
_NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
_ALEMBIC = "alembic_version"
#: ``StoredFile``'s column of the file's name in UPLOAD_FOLDER.
_STORED_NAME = "stored_name"
_REVISION_SQL = "SELECT version_num FROM alembic_version"
#: Entries of ``pg_restore --list``: "2; 3079 16659 EXTENSION - unaccent", and its comment.
_EXTENSION = re.compile(r"\d+; \d+ \d+ EXTENSION ")
_EXTENSION_COMMENT = re.compile(r"\d+; \d+ \d+ COMMENT - EXTENSION ")
#: How long a restore waits for the site's SQLite writers to let go (seconds).
_SQLITE_WAIT = 30.0


@dataclass(frozen=True)
class Copied:
    """What ``copy`` wrote, and what the database held at that moment."""

    kind: str
    file: str
    revision: str
    tables: dict[str, int]
    #: Every file name a row records, with the row's table: the files the backup must hold.
    stored_files: dict[str, str]


def _url() -> sa.URL:
    # The engine's URL, not the setting: Flask-SQLAlchemy puts a relative SQLite path in the
    # instance folder.
    return db.engine.url


def kind() -> str:
    """The configured database's kind: "postgresql" or "sqlite"."""
    backend = _url().get_backend_name()
    if backend not in FILES:
        raise BackupError(f"Backups handle PostgreSQL and SQLite, not {backend}.")
    return backend


def describe() -> str:
    """Where the configured database is, for messages (never with its password)."""
    if kind() == SQLITE:
        return str(_sqlite_path())
    # Decoded for reading ("?host=/run/postgresql", not "%2Frun%2Fpostgresql").
    return unquote(_client_target().uri)


def code_revision() -> str:
    """The Alembic head of this release's migrations (heads joined by ",")."""
    script = ScriptDirectory(str(current_app.extensions["migrate"].directory))
    return ",".join(sorted(script.get_heads()))


def model_tables() -> list[str]:
    """The tables a backup counts: the models' and Alembic's."""
    return sorted({*db.metadata.tables, _ALEMBIC})


def stored_file_tables() -> list[str]:
    """The tables whose rows name a file in UPLOAD_FOLDER: those of ``StoredFile`` models.

    Found from the models, so that a new kind of attachment is backed up without a change here.
    """
    return sorted(
        mapper.local_table.name
        for mapper in Model.registry.mappers
        if issubclass(mapper.class_, StoredFile) and isinstance(mapper.local_table, sa.Table)
    )


def copy(folder: Path) -> Copied:
    """Write the database into ``folder`` (as ``FILES[kind]``) and count its rows.

    :raise BackupError: the database cannot be read or the copy cannot be written.
    """
    found = kind()
    path = folder / FILES[found]
    if found == POSTGRESQL:
        revision, tables, stored = _copy_postgresql(path)
    else:
        revision, tables, stored = _copy_sqlite(path)
    return Copied(kind=found, file=path.name, revision=revision, tables=tables, stored_files=stored)


def restore(dump_kind: str, path: Path) -> None:
    """Replace the configured database's content with the backup's ``path``.

    :raise BackupError: the database cannot be written; on PostgreSQL it is then unchanged
        (one transaction).
    """
    refuse_other_kind(dump_kind)
    # Pooled connections would hold locks (PostgreSQL) or the file a restore replaces (SQLite).
    db.engine.dispose()
    try:
        if dump_kind == POSTGRESQL:
            _restore_postgresql(path)
        else:
            _restore_sqlite(path)
    finally:
        db.engine.dispose()


def refuse_other_kind(dump_kind: str) -> None:
    """:raise BackupError: the backup's database is not of the configured kind."""
    if dump_kind != kind():
        raise BackupError(
            f"The backup holds a {_NAMES.get(dump_kind, dump_kind)} database; this site is "
            f"configured for {_NAMES[kind()]}. Restore it on a site of the same kind."
        )


def live_counts(tables: Iterable[str]) -> dict[str, int | None]:
    """Every named table's row count in the configured database; None for a missing table."""
    with db.engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        existing = set(sa.inspect(connection).get_table_names())
        return {name: _count(connection, name) if name in existing else None for name in tables}


def live_revision() -> str | None:
    with db.engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        if not sa.inspect(connection).has_table(_ALEMBIC):
            return None
        rows = connection.exec_driver_sql(_REVISION_SQL).scalars()
        return ",".join(sorted(str(row) for row in rows)) or None


def problems_reading(dump_kind: str, path: Path, tables: dict[str, int]) -> list[str]:
    """Why the backup's database file cannot be restored; empty if it can."""
    if dump_kind == POSTGRESQL:
        pg_restore = programs.find("pg_restore")
        try:
            listing = programs.run(pg_restore, ["--list", str(path)], dict(os.environ))
        except BackupError as error:
            return [f"{path.name}: not a readable dump ({error})"]
        return [] if listing.strip() else [f"{path.name}: the dump lists nothing"]
    if dump_kind != SQLITE:
        return [f"{path.name}: a database of unknown kind {dump_kind!r}"]
    try:
        with closing(_open(path, "ro")) as connection:
            verdict = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                return [f"{path.name}: SQLite finds it damaged ({'; '.join(verdict[:3])})"]
            found = _sqlite_counts(connection)
    except sqlite3.Error as error:
        return [f"{path.name}: not a readable SQLite database ({error})"]
    return [
        f"{path.name}: table {name} holds {found.get(name)} rows where the manifest says {count}"
        for name, count in sorted(tables.items())
        if found.get(name) != count
    ]


# --- PostgreSQL -------------------------------------------------------------------------------


def _client_target() -> programs.Target:
    return programs.target(_url().render_as_string(hide_password=False))


def _copy_postgresql(path: Path) -> tuple[str, dict[str, int], dict[str, str]]:
    pg_dump = programs.find("pg_dump")
    target = _client_target()
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            # The first statement fixes the transaction's snapshot; exported, pg_dump reads
            # the database exactly as the counts below do, whatever commits meanwhile.
            snapshot = str(connection.scalar(sa.text("SELECT pg_export_snapshot()")))
            existing = set(sa.inspect(connection).get_table_names())
            revision = _revision(
                connection.exec_driver_sql(_REVISION_SQL).scalars() if _ALEMBIC in existing else ()
            )
            tables = {name: _count(connection, name) for name in model_tables() if name in existing}
            stored = {
                str(name): table
                for table in stored_file_tables()
                if table in existing
                for name in connection.exec_driver_sql(_stored_names_sql(table)).scalars()
            }
            # The snapshot lives only as long as this transaction: pg_dump runs inside it.
            programs.run(
                pg_dump,
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    f"--dbname={target.uri}",
                ],
                target.env,
            )
    return revision, tables, stored


def _restore_postgresql(path: Path) -> None:
    pg_restore = programs.find("pg_restore")
    target = _client_target()
    entries = programs.run(pg_restore, ["--list", str(path)], target.env).splitlines()
    extensions = [entry for entry in entries if _EXTENSION.match(entry)]
    # --clean would drop the extensions (unaccent) with the rest, which only their owner may:
    # a DBA who installed one for the site makes a restore as the site's user fail. They are
    # created first if missing (``CREATE EXTENSION IF NOT EXISTS``, as the migration does)
    # and otherwise left alone, with their comments, which are the owner's too.
    rest = [
        entry
        for entry in entries
        if not (_EXTENSION.match(entry) or _EXTENSION_COMMENT.match(entry))
    ]
    common = ["--no-owner", "--no-privileges", f"--dbname={target.uri}"]
    with tempfile.TemporaryDirectory(prefix="glas-restore-") as work:
        if extensions:
            listed = _write_list(Path(work, "extensions.list"), extensions)
            programs.run(pg_restore, [*common, f"--use-list={listed}", str(path)], target.env)
        listed = _write_list(Path(work, "objects.list"), rest)
        programs.run(
            pg_restore,
            [
                *common,
                # Drop what the dump will create (only that: a table of a newer release stays).
                "--clean",
                "--if-exists",
                # All or nothing: a failure leaves the database as it was.
                "--single-transaction",
                f"--use-list={listed}",
                str(path),
            ],
            target.env,
        )


def _write_list(path: Path, entries: list[str]) -> Path:
    path.write_text("\n".join(entries) + "\n", encoding="utf-8")
    return path


def _count(connection: sa.Connection, table: str) -> int:
    return int(connection.exec_driver_sql(_count_sql(table)).scalar_one())


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    database = _url().database
    if not database or database == ":memory:" or _url().query.get("mode") == "memory":
        raise BackupError("A SQLite database in memory has no file to back up or restore.")
    return Path(database).resolve()


def _open(path: Path, mode: str) -> sqlite3.Connection:
    # mode=rw and ro never create a file: a wrong path is an error, not a new empty database.
    return sqlite3.connect(
        f"{path.as_uri()}?mode={mode}", uri=True, isolation_level=None, timeout=_SQLITE_WAIT
    )


def _copy_sqlite(path: Path) -> tuple[str, dict[str, int], dict[str, str]]:
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    with (
        closing(_open(source_path, "rw")) as source,
        closing(sqlite3.connect(path, isolation_level=None)) as copy,
    ):
        # All pages in one step: one read transaction, so the copy is of one moment.
        source.backup(copy)
        # A file complete in itself, with no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        has_revision = _ALEMBIC in _sqlite_tables(copy)
        names = [str(row[0]) for row in copy.execute(_REVISION_SQL)] if has_revision else []
        counts = _sqlite_counts(copy)
        existing = _sqlite_tables(copy)
        stored = {
            str(row[0]): table
            for table in stored_file_tables()
            if table in existing
            for row in copy.execute(_stored_names_sql(table))
        }
    return _revision(names), counts, stored


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    found = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(row[0]) for row in found}


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    existing = _sqlite_tables(connection)
    return {
        name: int(connection.execute(_count_sql(name)).fetchone()[0])
        for name in model_tables()
        if name in existing
    }


def _restore_sqlite(path: Path) -> None:
    target = _sqlite_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"The SQLite database's folder {target.parent} cannot be made ({error.strerror}): "
            "is SQLALCHEMY_DATABASE_URI right?"
        ) from None
    if not target.exists():
        # A log left by a deleted database must not be replayed into the new one.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    with (
        closing(_open(path, "ro")) as source,
        closing(sqlite3.connect(target, isolation_level=None, timeout=_SQLITE_WAIT)) as live,
    ):
        # All pages in one step under the live file's write lock: a site that is running sees
        # the old database or the new one, never a mixture.
        source.backup(live)


# --- both ---------------------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {_quoted(table)}"  # noqa: S608 (a table name of our own, quoted)


def _stored_names_sql(table: str) -> str:
    # Names of our own, quoted.
    return f"SELECT {_quoted(_STORED_NAME)} FROM {_quoted(table)}"  # noqa: S608


def _revision(rows: Iterable[object]) -> str:
    revision = ",".join(sorted(str(row) for row in rows))
    if not revision:
        raise BackupError(
            "The database has no Alembic revision: it is empty or was never migrated "
            "(flask --app wsgi db upgrade). There is nothing to back up."
        )
    return revision
