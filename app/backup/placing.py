"""Putting a backup's files in the place of the live uploads folder, and taking them out again.

The files are first copied in full (``stage``) to where a rename can move them, so the live
folder is never half replaced; ``swap`` then moves them in with renames only, and keeps the
previous files until the caller discards them (once the whole restore has succeeded) or
``undo`` puts them back. How, ``method`` decides before anything changes:

- ``Method.FOLDER``: an ordinary folder, on the file system of its parent. The files are
  staged in a hidden sibling, and two renames swap the folders.
- ``Method.ENTRIES``: a mount point (production mounts the shared NFS or CephFS folder at
  /var/lib/glas/uploads), or a folder on another file system than its parent. A mount point
  cannot be renamed (EBUSY) and a rename cannot cross file systems (EXDEV), so the files are
  staged in a hidden folder inside it and its entries are swapped: the current ones are moved
  aside into another hidden folder inside it, then the staged ones are moved in. Every move is
  a rename within that one file system; the mounted folder itself, its owner and its mode
  stay as they are.
"""

from __future__ import annotations

import enum
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.backup import uploads
from app.backup.errors import BackupError
from app.backup.manifest import FileEntry
from app.core.durable import sync_folder


class LeftHalfway(BackupError):
    """Moving files failed, and so did moving them back: the message says where they are."""


class Method(enum.Enum):
    """How the backup's files replace the live folder's (see the module's docstring)."""

    FOLDER = "folder"
    ENTRIES = "entries"


def method(live: Path) -> Method:
    """How a restore will put files in ``live``: decided before anything is changed."""
    if not live.is_dir():
        # Nothing there yet (a new server): the staged folder is renamed into its place.
        return Method.FOLDER
    if os.path.ismount(live) or live.stat().st_dev != live.parent.stat().st_dev:
        return Method.ENTRIES
    return Method.FOLDER


@dataclass(frozen=True)
class Staged:
    """The backup's files, copied in full where ``swap`` can rename them into place."""

    method: Method
    live: Path
    folder: Path


@dataclass(frozen=True)
class Swapped:
    """The backup's files are in place; the previous ones wait in ``previous``, if any."""

    staged: Staged
    previous: Path | None


def _token() -> str:
    return secrets.token_hex(4)


def stage(backup: Path, expected: tuple[FileEntry, ...], live: Path, how: Method) -> Staged:
    """Copy the backup's files to a new hidden folder (beside ``live`` or inside it).

    :raise BackupError: what was copied is not what the manifest lists (nothing is left behind).
    :raise OSError: the copy failed (nothing is left behind).
    """
    if how is Method.FOLDER:
        live.parent.mkdir(parents=True, exist_ok=True)
        staging = live.parent / f".{live.name}.restoring-{_token()}"
    else:
        staging = live / f"{uploads.RESTORE_PREFIX}{_token()}"
    try:
        uploads.copy_tree(backup, staging)
        problems = uploads.compare(expected, staging).problems
    except BaseException:
        uploads.discard(staging)
        raise
    if problems:
        uploads.discard(staging)
        raise BackupError(f"The backup's files changed while they were copied ({problems[0]}).")
    return Staged(how, live, staging)


def swap(staged: Staged) -> Swapped:
    """Put the staged files in the place of the live ones.

    :raise OSError: a rename failed; the live folder is then as it was and the staged files
        are still staged (the caller discards them).
    :raise LeftHalfway: a rename failed and so did one putting things back.
    """
    if staged.method is Method.FOLDER:
        return Swapped(staged, _swap_folders(staged.folder, staged.live))
    return Swapped(staged, _swap_entries(staged.folder, staged.live))


def undo(swapped: Swapped) -> None:
    """Put the previous files back in the live folder; the backup's files are deleted.

    :raise LeftHalfway: a rename failed; the message says where the previous files are.
    """
    live = swapped.staged.live
    previous = swapped.previous
    try:
        if swapped.staged.method is Method.FOLDER:
            doomed = live.parent / f".{live.name}.undone-{_token()}"
            os.rename(live, doomed)
            if previous is not None:
                os.rename(previous, live)
            sync_folder(live.parent)
        else:
            doomed = live / f"{uploads.RESTORE_PREFIX}undone-{_token()}"
            doomed.mkdir(mode=0o700)
            _move(_entries(live), live, doomed)
            if previous is not None:
                _move(sorted(os.listdir(previous)), previous, live)
                previous.rmdir()
            sync_folder(live)
    except OSError as error:
        kept = f" The previous files are in {previous}: move them back by hand." if previous else ""
        raise LeftHalfway(
            f"Putting the previous uploads back failed ({_why(error)}).{kept}"
        ) from None
    uploads.discard(doomed)


def _swap_folders(staging: Path, live: Path) -> Path | None:
    old: Path | None = None
    if live.exists() or live.is_symlink():
        old = live.parent / f".{live.name}.old-{_token()}"
        os.rename(live, old)
    in_place = False
    try:
        os.rename(staging, live)
        in_place = True
        # Inside: a swap that may not last is undone, so "nothing was restored" stays true.
        sync_folder(live.parent)
    except OSError as error:
        try:
            if in_place:
                os.rename(live, staging)
            if old is not None:
                os.rename(old, live)
        except OSError as again:
            raise LeftHalfway(
                f"Putting the backup's files in {live} failed ({_why(error)}), and so did "
                f"putting the previous folder back ({_why(again)}): the previous files are in "
                f"{old}; put them back in {live} by hand."
            ) from None
        raise
    return old


def _swap_entries(staging: Path, live: Path) -> Path:
    aside = live / f"{uploads.RESTORE_PREFIX}previous-{_token()}"
    aside.mkdir(mode=0o700)
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in _entries(live):
            os.rename(live / name, aside / name)
            moved_aside.append(name)
        for name in sorted(os.listdir(staging)):
            os.rename(staging / name, live / name)
            moved_in.append(name)
        # Inside: a swap that may not last is undone, so "nothing was restored" stays true.
        sync_folder(aside)
        sync_folder(live)
    except OSError as error:
        # Back as it was, in the reverse order: what came in goes back to be staged, then
        # what went aside comes back.
        try:
            _move(reversed(moved_in), live, staging)
            _move(reversed(moved_aside), aside, live)
            aside.rmdir()
        except OSError as again:
            raise LeftHalfway(
                f"Moving the backup's files into {live} failed ({_why(error)}), and so did "
                f"moving the previous ones back ({_why(again)}): the previous files are in "
                f"{aside}, the backup's in {staging}; move them back by hand."
            ) from None
        raise
    uploads.discard(staging)  # empty by now
    return aside


def _entries(live: Path) -> list[str]:
    """The live folder's entries: all but a restore's own hidden folders (this one's, and any
    an interrupted one left, which may hold the only copy of older files)."""
    return sorted(name for name in os.listdir(live) if not name.startswith(uploads.RESTORE_PREFIX))


def _why(error: OSError) -> str:
    where = f": {error.filename}" if error.filename else ""
    return f"{error.strerror or error}{where}"


def _move(names: Iterable[str], source: Path, target: Path) -> None:
    for name in names:
        os.rename(source / name, target / name)
