"""The daily dump: every dataset's CSV written to ``OPEN_DATA_FOLDER``, and the manifest.

A reader (the web server, a harvester mid-download) must never see half a file, and a run
that fails must leave the previous dump in place. So each file is written to a temporary file
in the same folder (same file system: the rename is atomic), flushed to disk with ``fsync``,
and only then put in place with ``os.replace``; the folder is synced too, so that the rename
survives a crash. A dataset that fails leaves its previous file and manifest entry as they
were, and the others are still written.

A file whose content has not changed is not replaced at all: its modification time, and so
the ``Last-Modified`` and ``ETag`` the site serves it with and the ``dct:modified`` of the
catalogue, stay those of the day the data last changed, and harvesters that ask "has it
changed?" get a 304. A second run on unchanged data therefore leaves every file, the manifest
included, byte for byte as it was.

The files are UTF-8 with a byte-order mark, as the site's CSV exports are: Excel reads UTF-8
without a BOM as the local ANSI code page (č, š and ž come out garbled in Slovenian Windows),
while CKAN's loaders (xloader, DataPusher), pandas and Python's ``utf-8-sig`` skip the BOM.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from app.core import replica
from app.core.durable import sync_folder
from app.core.hashing import sha256_of
from app.core.time import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.opendata.datasets import Dataset, all_datasets

#: The manifest's file name, beside the datasets' files.
MANIFEST = "datasets.json"
_LOCK = ".dump.lock"
#: Temporary files start with a dot (never a name the site serves) and end like this.
_TEMPORARY = ".tmp"


@dataclass(frozen=True)
class Entry:
    """What the manifest says of one dataset's file."""

    id: str
    file: str
    rows: int
    bytes: int
    sha256: str
    #: When this content was written (a run that finds it unchanged keeps the time).
    generated_at: datetime
    columns: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.file,
            "url": public_url_for("opendata.file", name=self.file),
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "generated_at": self.generated_at.isoformat(),
            "columns": list(self.columns),
        }


@dataclass(frozen=True)
class Manifest:
    entries: dict[str, Entry]

    @property
    def modified(self) -> datetime | None:
        """When any of the files last changed (``None``: nothing dumped yet)."""
        return max((entry.generated_at for entry in self.entries.values()), default=None)


@dataclass(frozen=True)
class Outcome:
    """What a run did with one dataset: its entry (new or kept), or why it failed."""

    dataset: Dataset
    entry: Entry | None
    changed: bool = False
    error: str | None = None
    #: Which database it was read from: "replica" or "primary" (app.core.replica).
    read_from: str = "primary"


class DumpBusy(Exception):
    """Another dump is writing to the same folder (cron started one before the last ended)."""


def folder() -> Path:
    return Path(current_app.config["OPEN_DATA_FOLDER"])


def _entry(data: Any) -> Entry | None:
    """One dataset of a manifest read back; ``None`` for anything not as the dump writes it."""
    try:
        entry = Entry(
            id=str(data["id"]),
            file=str(data["file"]),
            rows=int(data["rows"]),
            bytes=int(data["bytes"]),
            sha256=str(data["sha256"]),
            generated_at=datetime.fromisoformat(str(data["generated_at"])),
            columns=tuple(str(name) for name in data["columns"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return entry if entry.generated_at.tzinfo is not None else None


def read_manifest(where: Path | None = None) -> Manifest:
    """The manifest of the last dump; empty if there is none (or it is not one we wrote)."""
    path = (where or folder()) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["datasets"]
    except FileNotFoundError:
        return Manifest({})
    except (OSError, ValueError, KeyError, TypeError):
        current_app.logger.warning("open data: %s is not a manifest, ignored", path)
        return Manifest({})
    entries = [_entry(item) for item in items] if isinstance(items, list) else []
    return Manifest({entry.id: entry for entry in entries if entry is not None})


def manifest_text(entries: Sequence[Entry]) -> str:
    config = current_app.config
    document = {
        "publisher": config["ORGANISATION_NAME"],
        "licence": {"name": config["OPEN_DATA_LICENCE"], "url": config["OPEN_DATA_LICENCE_URL"]},
        "catalogue": public_url_for("opendata.catalog_as", extension="ttl"),
        "datasets": [entry.as_json() for entry in entries],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- writing files safely -------------------------------------------------------------------


def _temporary(target: Path) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(
        mode="wb", dir=target.parent, prefix=f".{target.name}.", suffix=_TEMPORARY, delete=False
    )


def _put_in_place(handle: IO[bytes], target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    # mkstemp makes files only their owner may read; the web server serves these.
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, target)
    # The rename is in the folder's entries: without this a crash could forget it.
    sync_folder(target.parent)


def _sha256(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except FileNotFoundError:
        return None


def write_if_changed(target: Path, content: bytes) -> bool:
    """Write a small file (the manifest) atomically, unless it already holds exactly this."""
    if _sha256(target) == hashlib.sha256(content).hexdigest():
        return False
    handle = _temporary(target)
    try:
        handle.write(content)
        _put_in_place(handle, target)
    except BaseException:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)
        raise
    return True


def _rows_and_columns(path: Path) -> tuple[int, tuple[str, ...]]:
    """Read the written file back as a CSV reader would: its header and number of records."""
    with path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        header = next(reader, [])
        return sum(1 for _ in reader), tuple(header)


def write_dataset(dataset: Dataset, where: Path, previous: Entry | None) -> tuple[Entry, bool]:
    """Stream one dataset into its file; the entry for the manifest, and whether it changed.

    Memory stays flat: each chunk the dataset yields (a batch of rows) is encoded, hashed and
    written, then dropped.
    """
    target = where / dataset.file
    handle = _temporary(target)
    try:
        digest = hashlib.sha256()
        size = 0
        for chunk in dataset.chunks():
            data = chunk.encode("utf-8")
            handle.write(data)
            digest.update(data)
            size += len(data)
        handle.flush()
        rows, columns = _rows_and_columns(Path(handle.name))
        sha256 = digest.hexdigest()
        if previous is not None and previous.sha256 == sha256 and _sha256(target) == sha256:
            handle.close()
            Path(handle.name).unlink()
            return previous, False
        _put_in_place(handle, target)
    except BaseException:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)
        raise
    generated = utcnow().replace(microsecond=0).astimezone(UTC)
    return Entry(dataset.id, dataset.file, rows, size, sha256, generated, columns), True


def _write_from_either(
    dataset: Dataset, where: Path, previous: Entry | None
) -> tuple[Entry, bool, str]:
    """``write_dataset`` from the replica if the dump reads it, again from the primary if that
    fails (the replica went away, or cancelled a long read for its replay)."""
    source = "replica" if replica.routed() else "primary"
    try:
        return (*write_dataset(dataset, where, previous), source)
    except (sa.exc.DBAPIError, sa.exc.TimeoutError) as error:
        if not replica.fall_back(error):
            raise
        current_app.logger.warning(
            "open data: reading %s from the replica failed; read from the primary", dataset.id
        )
        return (*write_dataset(dataset, where, previous), "primary")


@contextlib.contextmanager
def _locked(where: Path) -> Iterator[None]:
    with (where / _LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DumpBusy(str(where)) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_leftovers(where: Path) -> None:
    """Temporary files of a run that was killed (under the lock, none is being written)."""
    for leftover in where.glob(f".*{_TEMPORARY}"):
        leftover.unlink(missing_ok=True)


def _dataset_context() -> contextlib.ExitStack:
    """Where the datasets are made: a request on ``PUBLIC_URL``, in the site's language.

    The site's exports build their addresses with ``url_for``, which needs a request to take
    the host from; the dump has none, so it makes one on the public address (nothing is
    dispatched: no before-request hook, no session, no cookie). The few words a file holds
    ("Former user") are in the default language, whoever runs the command.
    """
    stack = contextlib.ExitStack()
    public = current_app.config["PUBLIC_URL"]
    stack.enter_context(current_app.test_request_context("/", base_url=public + "/"))
    stack.enter_context(force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]))
    return stack


def dump(only: Sequence[str] | None = None) -> list[Outcome]:
    """Write the datasets (``only`` those ids, else all) and the manifest; what became of each.

    :raise DumpBusy: if another run holds the folder.
    """
    where = folder()
    where.mkdir(parents=True, exist_ok=True)
    chosen = [d for d in all_datasets() if only is None or d.id in only]
    outcomes: list[Outcome] = []
    with _locked(where):
        _remove_leftovers(where)
        previous = read_manifest(where)
        # A dump may be some seconds old: it reads the replica if one is usable (and says so).
        with _dataset_context(), replica.reading("open data: the dump"):
            for dataset in chosen:
                before = previous.entries.get(dataset.id)
                try:
                    entry, changed, read_from = _write_from_either(dataset, where, before)
                except Exception as error:  # any failure: report it, and go on with the next
                    # The dataset's transaction may be aborted (PostgreSQL refuses every later
                    # statement in it): start the next dataset on a clean one.
                    db.session.rollback()
                    current_app.logger.exception("open data: the dump of %s failed", dataset.id)
                    outcomes.append(
                        Outcome(dataset, before, error=f"{type(error).__name__}: {error}")
                    )
                else:
                    outcomes.append(Outcome(dataset, entry, changed=changed, read_from=read_from))
            # Datasets not dumped this time keep their entries; datasets no longer registered
            # drop out of the manifest, in the registry's order.
            done = {outcome.dataset.id: outcome.entry for outcome in outcomes}
            kept = (done.get(d.id, previous.entries.get(d.id)) for d in all_datasets())
            entries = [entry for entry in kept if entry is not None]
            write_if_changed(where / MANIFEST, manifest_text(entries).encode("utf-8"))
    return outcomes
