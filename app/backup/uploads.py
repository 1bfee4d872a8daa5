"""The uploaded files: copied with their hashes into a backup, and swapped back in on restore.

A restore never leaves the site with half a folder: the files are copied into a hidden sibling
of UPLOAD_FOLDER (same file system, so a rename moves it), and the live folder is replaced by
two renames; the old one is deleted only once the whole restore has succeeded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from flask import current_app

from app.backup.errors import BackupError
from app.backup.manifest import FileEntry

_COPY_BLOCK = 1 << 20
#: ``app.attachments.files`` writes each upload to such a file and renames it when complete:
#: one that is there while the backup runs is a file half written, never one a row names.
_IN_PROGRESS = (".upload-", ".part")


def folder() -> Path:
    """UPLOAD_FOLDER, as ``app.attachments.files.path_of`` resolves it (the config fills it)."""
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def _regular_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, in a stable order; symbolic links are not followed."""
    for here, folders, names in os.walk(root):
        folders.sort()
        for name in sorted(names):
            if name.startswith(_IN_PROGRESS[0]) and name.endswith(_IN_PROGRESS[1]):
                continue
            path = Path(here, name)
            if stat.S_ISREG(path.lstat().st_mode):
                yield path


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def copy_tree(source: Path, target: Path) -> list[FileEntry]:
    """Copy every file under ``source`` into the new folder ``target``; hash what is written.

    A file that disappears while the copy runs is left out: it was deleted after its row was
    (``app.attachments`` deletes files after the commit), so the copy is still what a site at
    some moment could have held.
    """
    target.mkdir()
    entries: list[FileEntry] = []
    if not source.is_dir():
        return entries
    for path in _regular_files(source):
        relative = _relative(path, source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        entry = _copy_file(path, destination, relative)
        if entry is not None:
            entries.append(entry)
    sync_folder(target)
    return entries


def _copy_file(source: Path, destination: Path, relative: str) -> FileEntry | None:
    digest = sha256()
    size = 0
    try:
        reader = source.open("rb")
    except FileNotFoundError:
        return None
    with reader, destination.open("xb") as writer:
        while block := reader.read(_COPY_BLOCK):
            digest.update(block)
            writer.write(block)
            size += len(block)
        writer.flush()
        os.fsync(writer.fileno())
        os.chmod(destination, stat.S_IMODE(os.fstat(reader.fileno()).st_mode))
    return FileEntry(path=relative, size=size, sha256=digest.hexdigest())


def hashes(root: Path) -> dict[str, FileEntry]:
    """Every file under ``root`` by its relative path, with its size and hash."""
    if not root.is_dir():
        return {}
    found: dict[str, FileEntry] = {}
    for path in _regular_files(root):
        relative = _relative(path, root)
        digest = sha256()
        size = 0
        with path.open("rb") as reader:
            while block := reader.read(_COPY_BLOCK):
                digest.update(block)
                size += len(block)
        found[relative] = FileEntry(path=relative, size=size, sha256=digest.hexdigest())
    return found


@dataclass(frozen=True)
class Comparison:
    """The manifest's files against a folder: how many are as listed, and what differs."""

    matching: int
    #: One line per difference, starting with the file's relative path.
    problems: list[str]


def compare(expected: tuple[FileEntry, ...], root: Path) -> Comparison:
    """Compare the manifest's files with the files under ``root`` (by size and SHA-256)."""
    found = hashes(root)
    problems: list[str] = []
    for entry in expected:
        have = found.pop(entry.path, None)
        if have is None:
            problems.append(f"{entry.path}: missing")
        elif have.size != entry.size:
            problems.append(f"{entry.path}: {have.size} bytes where {entry.size} are expected")
        elif have.sha256 != entry.sha256:
            problems.append(f"{entry.path}: its SHA-256 differs (the file changed)")
    matching = len(expected) - len(problems)
    problems.extend(f"{path}: not in the manifest" for path in sorted(found))
    return Comparison(matching, problems)


def stage(backup: Path, expected: tuple[FileEntry, ...], live: Path) -> Path:
    """Copy the backup's files into a new hidden sibling of ``live``; return where.

    :raise BackupError: what was copied is not what the manifest lists (nothing is left behind).
    """
    live.parent.mkdir(parents=True, exist_ok=True)
    staging = live.parent / f".{live.name}.restoring-{secrets.token_hex(4)}"
    try:
        copy_tree(backup, staging)
        problems = compare(expected, staging).problems
    except BaseException:
        discard(staging)
        raise
    if problems:
        discard(staging)
        raise BackupError(
            f"the backup's files changed while they were copied ({problems[0]}); "
            "nothing was restored."
        )
    return staging


def swap(staging: Path, live: Path) -> Path | None:
    """Put ``staging`` in the place of ``live``; return where the old folder went, if any."""
    old: Path | None = None
    if live.exists() or live.is_symlink():
        old = live.parent / f".{live.name}.old-{secrets.token_hex(4)}"
        os.rename(live, old)
    try:
        os.rename(staging, live)
    except OSError:
        if old is not None:
            os.rename(old, live)
        raise
    sync_folder(live.parent)
    return old


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def sync_folder(path: Path) -> None:
    # A rename or a new file is durable only once its folder is flushed too.
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
