"""The steps of ``flask backup create``, ``verify`` and ``restore``.

**Create** writes into ``DIR.partial`` (0700: a backup holds every account's data) and renames
it to ``DIR`` only when everything is in it, so a backup folder is always complete; on any
failure ``DIR.partial`` is removed. The database is copied first and the files after: a file is
written before its row commits and deleted only after its row's deletion commits
(``app.attachments.files``), so every file a row of the copy names is still there to be copied,
and a file without a row is only an orphan. Every such file must be in the copy, or there is no
backup: a missing uploads folder (or a mount that is not mounted) must not pass for a site
without files. A file deleted with its row while the backup ran is missing too; the next run
has neither.

**Restore** refuses a backup of another schema (its Alembic revision must be this release's
head), checks the whole folder against its manifest and decides how the files will go in
(``placing.method``) before touching anything, copies the files, puts them in place, restores
the database, and then compares every table's row count and every file's hash on the live site
with the manifest.
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

from app.backup import database, placing, uploads
from app.backup.errors import BackupError
from app.backup.manifest import (
    FORMAT,
    PRIVATE_FILE,
    UPLOADS,
    DatabaseDump,
    FileEntry,
    Manifest,
    read,
    write,
)
from app.core import pagecache
from app.core.durable import sync_folder
from app.core.hashing import sha256_of
from app.core.release import release
from app.core.time import utcnow
from app.extensions import db

PARTIAL = ".partial"
#: A backup's folder: only its owner may enter it (the files inside keep their own modes,
#: which a restore puts back).
PRIVATE_FOLDER = 0o700
#: How many missing files a message names; the count says how many there are in all.
_NAMED_AT_MOST = 10


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
            partial.mkdir(mode=PRIVATE_FOLDER)
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
            sync_folder(target.parent)
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
    dump = partial / copied.file
    os.chmod(dump, PRIVATE_FILE)
    if copied.stored_files and not live.is_dir():
        rows = len(copied.stored_files)
        raise BackupError(
            f"The uploads folder {live} does not exist, but {rows:,} "
            f"{'row names a stored file' if rows == 1 else 'rows name a stored file'}: "
            "is it mounted, and is UPLOAD_FOLDER right?"
        )
    files = _mark_referenced(uploads.copy_tree(live, partial / UPLOADS), copied.stored_files, live)
    manifest = Manifest(
        format=FORMAT,
        created_at=created_at,
        release=release(current_app),
        revision=copied.revision,
        database=DatabaseDump(
            kind=copied.kind, file=copied.file, size=dump.stat().st_size, sha256=sha256_of(dump)
        ),
        tables=copied.tables,
        files=files,
        referenced_files=len(copied.stored_files),
    )
    with dump.open("rb") as handle:
        os.fsync(handle.fileno())
    write(partial, manifest)
    sync_folder(partial)
    return manifest


def _mark_referenced(
    copied: list[FileEntry], stored_files: dict[str, str], live: Path
) -> tuple[FileEntry, ...]:
    """The copied files, those the rows name marked so.

    :raise BackupError: a file a row names was not copied (the message names them).
    """
    # A stored file lies at the top of the folder under its stored name (``files.path_of``).
    have = {entry.path for entry in copied}
    missing = sorted((name, table) for name, table in stored_files.items() if name not in have)
    if missing:
        named = ", ".join(f"{name} ({table})" for name, table in missing[:_NAMED_AT_MOST])
        more = len(missing) - _NAMED_AT_MOST
        rest = f" and {more:,} more" if more > 0 else ""
        count = (
            "1 file that rows name is"
            if len(missing) == 1
            else f"{len(missing):,} files that rows name are"
        )
        raise BackupError(
            f"{count} not in the uploads folder {live}: {named}{rest}. Is the uploads folder "
            "mounted, and is UPLOAD_FOLDER right? (A file deleted with its row while the backup "
            "ran is missing too: then run the backup again.)"
        )
    return tuple(replace(entry, referenced=entry.path in stored_files) for entry in copied)


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
    # Each file a row names is checked above like any other; this finds one left out of the
    # list (a backup whose files were lost is not whole, whatever its list says).
    listed = sum(1 for entry in manifest.files if entry.referenced)
    if listed != manifest.referenced_files:
        named = manifest.referenced_files
        problems.append(
            f"{UPLOADS}: the database names {named:,} stored file{'' if named == 1 else 's'}, "
            f"the manifest lists {listed:,} of them"
        )
    return problems


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a restore of the backup would overwrite, and how the files would go in."""

    manifest: Manifest
    database: str
    uploads: Path
    placement: placing.Method


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
        live = uploads.folder()
        return Plan(manifest, database.describe(), live, placing.method(live))


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
    #: The previous uploaded files, kept because the comparison found a difference.
    kept_uploads: Path | None
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            all(check.ok for check in self.tables)
            and not self.files.problems
            and self.revision == self.plan.manifest.revision
        )


_UNCHANGED = "The database and the uploads folder are as they were."


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
    # The files go in first and the database last. Putting the files in place is the step
    # that can fail part way (a full disk, a file system that refuses a rename), and it can be
    # undone: the previous files wait until the end. Restoring the database is all or nothing
    # (one transaction on PostgreSQL, one backup step on SQLite) but cannot be undone, for no
    # copy of the database it replaces is kept. So once the database is restored, nothing is
    # left that can fail, and a failure before leaves the site as it was.
    swapped = _put_files_in_place(folder, chosen)
    try:
        with _reported("Restoring the database"):
            database.restore(manifest.database.kind, folder / manifest.database.file)
    except BaseException as error:
        try:
            placing.undo(swapped)
        except placing.LeftHalfway as undo_error:
            raise BackupError(
                f"{error}\nThe database is as it was, but the uploads folder holds the "
                f"backup's files. {undo_error}"
            ) from None
        if isinstance(error, BackupError):
            raise BackupError(f"{error}\n{_UNCHANGED}") from None
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
    old = swapped.previous
    restored = Restored(chosen, checks, revision, files, old, time.monotonic() - started)
    if restored.ok and old is not None:
        # Only now: until the comparison passed, the previous files were the way back.
        uploads.discard(old)
        restored = replace(restored, kept_uploads=None)
    return restored


def _put_files_in_place(folder: Path, chosen: Plan) -> placing.Swapped:
    """Copy the backup's files and swap them in, as ``chosen.placement`` says.

    :raise BackupError: nothing was changed (the message says so).
    """
    try:
        with _reported("Copying the backup's files for the uploads folder"):
            staged = placing.stage(
                folder / UPLOADS, chosen.manifest.files, chosen.uploads, chosen.placement
            )
        with _reported("Putting the backup's files in the uploads folder"):
            try:
                return placing.swap(staged)
            except placing.LeftHalfway:
                raise  # the staged files are still needed: the message says where they are
            except BaseException:
                uploads.discard(staged.folder)
                raise
    except placing.LeftHalfway as error:
        raise BackupError(f"{error} The database is as it was.") from None
    except BackupError as error:
        raise BackupError(
            f"{error} Nothing was restored: the database and the uploads folder are as they were."
        ) from None


def _forget_cached_pages() -> None:
    # Every cached page and kept value (a shared Redis outlives the restore) was made of the
    # data just replaced: a new generation of "site" makes them all stale.
    pagecache.changed(db.session(), pagecache.SITE)
    db.session.commit()
