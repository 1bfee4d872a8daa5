"""The uploaded files: copied with their hashes into a backup, and compared with a manifest.

How a restore puts them back in the live folder is ``placing``'s: its hidden folders inside
the live folder (``RESTORE_PREFIX``) are never taken for uploads here.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.backup.manifest import FileEntry
from app.core.durable import sync_folder
from app.core.hashing import file_digest, read_digest

#: ``app.attachments.files`` writes each upload to such a file and renames it when complete:
#: one that is there while the backup runs is a file half written, never one a row names.
_IN_PROGRESS = (".upload-", ".part")
#: A restore's own folders inside the live folder (staged files, previous files kept):
#: ``placing`` makes them; a backup, a comparison and a restore's swap pass them by.
RESTORE_PREFIX = ".glas-restore-"


def folder() -> Path:
    """UPLOAD_FOLDER, as ``app.attachments.files.path_of`` resolves it (the config fills it)."""
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def _regular_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, in a stable order; symbolic links are not followed."""
    for here, folders, names in os.walk(root):
        if here == str(root):
            folders[:] = [name for name in folders if not name.startswith(RESTORE_PREFIX)]
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

    A file that disappears while the copy runs is left out; whether one that a row names may
    be missing is the caller's to decide.
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
    try:
        reader = source.open("rb")
    except FileNotFoundError:
        return None
    with reader, destination.open("xb") as writer:
        copied = read_digest(reader, copy_to=writer)
        writer.flush()
        os.fsync(writer.fileno())
        os.chmod(destination, stat.S_IMODE(os.fstat(reader.fileno()).st_mode))
    return FileEntry(path=relative, size=copied.size, sha256=copied.sha256)


def hashes(root: Path) -> dict[str, FileEntry]:
    """Every file under ``root`` by its relative path, with its size and hash."""
    if not root.is_dir():
        return {}
    found: dict[str, FileEntry] = {}
    for path in _regular_files(root):
        relative = _relative(path, root)
        digest = file_digest(path)
        found[relative] = FileEntry(path=relative, size=digest.size, sha256=digest.sha256)
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


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
