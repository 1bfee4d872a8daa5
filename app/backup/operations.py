"""The steps of ``flask backup create``, ``verify`` and ``restore``.

**Create** writes into ``DIR.partial`` and renames it to ``DIR`` only when everything is in it,
so a backup folder is always complete; on any failure ``DIR.partial`` is removed. The database
is copied first and the files after: a file is written before its row commits and deleted only
after its row's deletion commits (``app.attachments.files``), so every row of the copy finds
its file in the copy (a file deleted in between is the one exception), and a file without a
row is only an orphan.

**Restore** refuses a backup of another schema (its Alembic revision must be this release's
head), checks the whole folder against its manifest before touching anything, copies the files
beside the live folder, restores the database, swaps the folders, and then compares every
table's row count and every file's hash on the live site with the manifest.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.backup import database, uploads
from app.backup.errors import BackupError
from app.backup.manifest import FORMAT, UPLOADS, DatabaseDump, Manifest, read, sha256_of, write
from app.core import pagecache
from app.core.release import release
from app.core.time import utcnow
from app.extensions import db

PARTIAL = ".partial"


@contextmanager
def _reported(doing: str) -> Iterator[None]:
    """Turn the errors of files and databases into a ``BackupError`` saying what failed."""
    try:
        yield
    except BackupError:
        raise
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise BackupError(_sentence(f"{doing} failed: {error.strerror or error}{where}")) from None
    except sqlite3.Error as error:
        raise BackupError(_sentence(f"{doing} failed: SQLite says: {error}")) from None
    except SQLAlchemyError as error:
        reason = error.orig if isinstance(error, DBAPIError) else error
        raise BackupError(_sentence(f"{doing} failed: the database says: {reason}")) from None


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


# --- create -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    folder: Path
    manifest: Manifest
    #: The whole folder's size: database, files and manifest.
    bytes: int
    seconds: float


def create(target: Path) -> Created:
    """Back up the database and the uploads into the new folder ``target``.

    :raise BackupError: nothing was written (no ``target``, no ``target.partial``).
    """
    started = time.monotonic()
    target = Path(os.path.abspath(target))
    partial = target.with_name(target.name + PARTIAL)
    with _reported("The backup"):
        _refuse_existing(target)
        live = uploads.folder()
        if partial.resolve().is_relative_to(live):
            raise BackupError(f"{target} is inside the uploads folder {live}: choose another.")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            partial.mkdir()
        except FileExistsError:
            raise BackupError(
                f"{partial} exists: another backup is being written there, or one was "
                "interrupted. Remove it once no backup is running, or choose another folder."
            ) from None
    try:
        with _reported("The backup"):
            manifest = _fill(partial, live)
            # rename(2) replaces an empty folder: the backup appears whole or not at all.
            os.rename(partial, target)
            uploads.sync_folder(target.parent)
    except BaseException as error:
        uploads.discard(partial)
        if isinstance(error, BackupError):
            raise BackupError(f"{error} Nothing was written ({partial} is removed).") from None
        raise
    size = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
    return Created(target, manifest, size, time.monotonic() - started)


def _refuse_existing(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise BackupError(f"{target} exists and is not a folder.")
    if target.is_dir() and any(target.iterdir()):
        raise BackupError(
            f"{target} exists and is not empty: a backup never writes over another. "
            "Choose a new folder (e.g. one named after the date)."
        )


def _fill(partial: Path, live: Path) -> Manifest:
    # The moment the backup is of: the database's snapshot is taken right after.
    created_at = utcnow()
    copied = database.copy(partial)
    files = uploads.copy_tree(live, partial / UPLOADS)
    dump = partial / copied.file
    manifest = Manifest(
        format=FORMAT,
        created_at=created_at,
        release=release(current_app),
        revision=copied.revision,
        database=DatabaseDump(
            kind=copied.kind, file=copied.file, size=dump.stat().st_size, sha256=sha256_of(dump)
        ),
        tables=copied.tables,
        files=tuple(files),
    )
    with dump.open("rb") as handle:
        os.fsync(handle.fileno())
    write(partial, manifest)
    uploads.sync_folder(partial)
    return manifest


# --- verify -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    #: One line per problem; none: the folder is what its manifest says.
    problems: list[str]


def verify(folder: Path) -> Verified:
    """Check the backup in ``folder`` against its manifest.

    :raise BackupError: there is no readable manifest (nothing else can be checked).
    """
    with _reported("The verification"):
        manifest = read(folder)
        return Verified(manifest, _problems(folder, manifest))


def _problems(folder: Path, manifest: Manifest) -> list[str]:
    problems: list[str] = []
    expected = manifest.database
    dump = folder / expected.file
    if not dump.is_file():
        problems.append(f"{expected.file}: missing")
    elif dump.stat().st_size != expected.size:
        problems.append(
            f"{expected.file}: {dump.stat().st_size} bytes where {expected.size} are expected"
        )
    elif sha256_of(dump) != expected.sha256:
        problems.append(f"{expected.file}: its SHA-256 differs (the file changed)")
    else:
        problems.extend(database.problems_reading(expected.kind, dump, manifest.tables))
    problems.extend(
        f"{UPLOADS}/{problem}"
        for problem in uploads.compare(manifest.files, folder / UPLOADS).problems
    )
    return problems


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a restore of the backup would overwrite."""

    manifest: Manifest
    database: str
    uploads: Path


def plan(folder: Path) -> Plan:
    """Read the backup and check that this site can take it; nothing is changed.

    :raise BackupError: no manifest, another format, another schema or another kind of database.
    """
    with _reported("Reading the backup"):
        manifest = read(folder)
        head = database.code_revision()
        if manifest.revision != head:
            raise BackupError(
                f"The backup's database is at revision {manifest.revision}; this release of "
                f"Glas is at {head}. Restore it with the release that made it (release "
                f"{manifest.release}), then upgrade with this one (flask --app wsgi db upgrade)."
            )
        database.refuse_other_kind(manifest.database.kind)
        return Plan(manifest, database.describe(), uploads.folder())


@dataclass(frozen=True)
class TableCheck:
    name: str
    expected: int
    found: int | None

    @property
    def ok(self) -> bool:
        return self.found == self.expected


@dataclass(frozen=True)
class Restored:
    plan: Plan
    tables: list[TableCheck]
    revision: str | None
    files: uploads.Comparison
    #: The previous uploads folder, kept because the comparison found a difference.
    kept_uploads: Path | None
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            all(check.ok for check in self.tables)
            and not self.files.problems
            and self.revision == self.plan.manifest.revision
        )


def restore(folder: Path) -> Restored:
    """Replace the database and the uploads with the backup in ``folder``, then compare.

    :raise BackupError: the backup or the site cannot be used; the message says what was
        changed (nothing, unless it says otherwise).
    """
    started = time.monotonic()
    chosen = plan(folder)
    manifest = chosen.manifest
    with _reported("The restore"):
        problems = _problems(folder, manifest)
        if problems:
            raise BackupError(
                "The backup does not match its manifest; nothing was restored:\n  "
                + "\n  ".join(problems)
            )
        staging = uploads.stage(folder / UPLOADS, manifest.files, chosen.uploads)
    try:
        with _reported("Restoring the database"):
            database.restore(manifest.database.kind, folder / manifest.database.file)
    except BaseException as error:
        uploads.discard(staging)
        if isinstance(error, BackupError):
            raise BackupError(
                f"{error}\nThe database and the uploads folder are as they were."
            ) from None
        raise
    with _reported("The database was restored, but replacing the uploads folder"):
        try:
            old = uploads.swap(staging, chosen.uploads)
        except BaseException:
            uploads.discard(staging)
            raise
    with _reported("The restore succeeded, but comparing the site with the backup"):
        _forget_cached_pages()
        counts = database.live_counts(manifest.tables)
        checks = [
            TableCheck(name, expected, counts[name])
            for name, expected in sorted(manifest.tables.items())
        ]
        files = uploads.compare(manifest.files, chosen.uploads)
        revision = database.live_revision()
    restored = Restored(chosen, checks, revision, files, old, time.monotonic() - started)
    if restored.ok and old is not None:
        # Only now: until the comparison passed, the previous files were the way back.
        uploads.discard(old)
        restored = replace(restored, kept_uploads=None)
    return restored


def _forget_cached_pages() -> None:
    # Every cached page and kept value (a shared Redis outlives the restore) was made of the
    # data just replaced: a new generation of "site" makes them all stale.
    pagecache.changed(db.session(), pagecache.SITE)
    db.session.commit()
