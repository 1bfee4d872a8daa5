"""Flushing a folder's entries (``app.core.durable``) and hashing files (``app.core.hashing``):
the helpers the uploads, the open-data dump and the backups share."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from pathlib import Path

import pytest

from app.core.durable import sync_folder
from app.core.hashing import BLOCK, file_digest, read_digest, sha256_of


def test_sync_folder_flushes_an_ordinary_folder(tmp_path: Path) -> None:
    (tmp_path / "new").write_text("a new name in the folder")
    sync_folder(tmp_path)


def test_a_file_system_that_cannot_sync_a_folder_is_no_error() -> None:
    """procfs, like a few network file systems, answers EINVAL: there is nothing to flush."""
    handle = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError, match="Invalid argument") as raised:
            os.fsync(handle)
    finally:
        os.close(handle)
    assert raised.value.errno == errno.EINVAL

    sync_folder(Path("/proc"))


def test_sync_folder_reports_what_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(NotADirectoryError):
        sync_folder(tmp_path / "a-file")
    with pytest.raises(FileNotFoundError):
        sync_folder(tmp_path / "nowhere")


@pytest.mark.parametrize("size", [0, 1, BLOCK, 2 * BLOCK + 7], ids=["empty", "1", "block", "2b+7"])
def test_digest_of_a_file_and_of_its_copy(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()

    assert file_digest(path).size == size
    assert file_digest(path).sha256 == sha256_of(path) == expected
    copy = io.BytesIO()
    with path.open("rb") as reader:
        copied = read_digest(reader, copy_to=copy)
    assert copy.getvalue() == data
    assert (copied.size, copied.sha256) == (size, expected)


def test_digest_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sha256_of(tmp_path / "nowhere")
