"""``manifest.json``: what a backup holds, so that a restore can be checked against it.

It records the format of the folder (``FORMAT``; a reader refuses any other), when and by which
release of Glas it was made, the database's Alembic revision and kind, every table's row count,
every uploaded file's path, size and SHA-256, and which of those files rows of the database name
(and how many such rows there were), so that a backup without its files cannot pass as whole.

Only its owner may read it (0600), as the database's file: they hold every account's data.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.backup.errors import BackupError

#: The version of the folder's layout and of this file; bumped whenever either changes.
#: 2: the files that rows name are marked, and counted.
FORMAT = 2
#: The names inside a backup folder.
MANIFEST = "manifest.json"
UPLOADS = "uploads"
#: The mode of the files a backup writes itself (its folder is 0700).
PRIVATE_FILE = 0o600


@dataclass(frozen=True)
class FileEntry:
    """One file: its path relative to its folder (with "/"), its size and its SHA-256."""

    path: str
    size: int
    sha256: str
    #: A row of the database names this file (a ``StoredFile``'s ``stored_name``).
    referenced: bool = False


@dataclass(frozen=True)
class DatabaseDump:
    """The database's file in the backup folder."""

    #: "postgresql" or "sqlite": what can restore it.
    kind: str
    file: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: datetime
    release: str
    #: The Alembic revision of the backed-up database (heads joined by "," if it has several).
    revision: str
    database: DatabaseDump
    #: Every table's row count, as of the moment the database was copied.
    tables: dict[str, int]
    files: tuple[FileEntry, ...]
    #: How many files rows of the database named, as of the same moment as ``tables``.
    referenced_files: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def file_bytes(self) -> int:
        return sum(entry.size for entry in self.files)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "release": self.release,
            "alembic_revision": self.revision,
            "database": {
                "kind": self.database.kind,
                "file": self.database.file,
                "size": self.database.size,
                "sha256": self.database.sha256,
            },
            "tables": dict(sorted(self.tables.items())),
            "uploads": {
                "folder": UPLOADS,
                "referenced_files": self.referenced_files,
                "files": [
                    {
                        "path": entry.path,
                        "size": entry.size,
                        "sha256": entry.sha256,
                        "referenced": entry.referenced,
                    }
                    for entry in self.files
                ],
            },
        }


def write(folder: Path, manifest: Manifest) -> None:
    """Write the manifest into ``folder`` (readable by its owner only) and flush it to disk."""
    text = json.dumps(manifest.as_json(), indent=2, ensure_ascii=False) + "\n"
    created = os.open(folder / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(created, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def read(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``.

    :raise BackupError: there is none, it is damaged, or it is of a format this code does not read.
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist: {folder} is not a Glas backup.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read: {error}.") from None
    version = data.get("format") if isinstance(data, dict) else None
    if version != FORMAT:
        raise BackupError(
            f"{path} is of format {version!r}; this release of Glas reads backups of format "
            f"{FORMAT} only. Restore it with the release of Glas that made it."
        )
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BackupError(f"{path} is damaged ({error!r}); the backup cannot be used.") from None


def _parse(data: dict[str, Any]) -> Manifest:
    database = data["database"]
    uploads = data["uploads"]
    tables = data["tables"]
    if not isinstance(tables, dict):
        raise TypeError("tables")
    created_at = datetime.fromisoformat(data["created_at"])
    return Manifest(
        format=int(data["format"]),
        created_at=created_at.astimezone(UTC),
        release=str(data["release"]),
        revision=str(data["alembic_revision"]),
        database=DatabaseDump(
            kind=str(database["kind"]),
            file=_plain_name(str(database["file"])),
            size=int(database["size"]),
            sha256=str(database["sha256"]),
        ),
        tables={str(name): int(count) for name, count in tables.items()},
        files=tuple(
            FileEntry(
                path=_relative(str(entry["path"])),
                size=int(entry["size"]),
                sha256=str(entry["sha256"]),
                referenced=_flag(entry["referenced"]),
            )
            for entry in uploads["files"]
        ),
        referenced_files=int(uploads["referenced_files"]),
    )


def _flag(value: object) -> bool:
    # bool("false") is True: only JSON's own true and false are read.
    if not isinstance(value, bool):
        raise TypeError(f"not true or false: {value!r}")
    return value


def _plain_name(name: str) -> str:
    # A manifest is read before anything is checked: it must not name a file outside the folder.
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    return name


def _relative(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a relative path: {path!r}")
    return path
