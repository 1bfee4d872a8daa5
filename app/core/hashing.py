"""The SHA-256 of a file, read in blocks, and of a copy as it is written.

Files of any size (a backup's database dump, a scanned annex of 50 MB) are read a block at a
time, so memory stays flat; a copy is hashed from the very blocks it writes, so the hash is of
what was written, not of a second reading that might differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: 1 MiB: large enough that the per-call overhead vanishes, small enough to be nothing in RAM.
BLOCK = 1 << 20


@dataclass(frozen=True)
class Digest:
    """A file's size in bytes and its SHA-256 (lowercase hex)."""

    size: int
    sha256: str


def read_digest(reader: IO[bytes], copy_to: IO[bytes] | None = None) -> Digest:
    """Read ``reader`` to its end and hash it; write every block to ``copy_to`` as well."""
    digest = hashlib.sha256()
    size = 0
    while block := reader.read(BLOCK):
        digest.update(block)
        if copy_to is not None:
            copy_to.write(block)
        size += len(block)
    return Digest(size=size, sha256=digest.hexdigest())


def file_digest(path: Path) -> Digest:
    """The size and SHA-256 of the file ``path``.

    :raise OSError: it cannot be read (``FileNotFoundError`` if it is not there).
    """
    with path.open("rb") as reader:
        return read_digest(reader)


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file ``path`` (lowercase hex)."""
    return file_digest(path).sha256
