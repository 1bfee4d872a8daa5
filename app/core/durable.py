"""Making new names on disk survive a crash: flushing a folder's entries.

``fsync`` on a file makes its bytes durable, but its name lives in its folder: after a new
file or an ``os.replace``, a crash before the folder itself is flushed can forget the name,
and the file with it. Glas writes files this way in three places (uploads in
``app.attachments.files``, the open-data dump, backups); they all flush the folder here.

Some file systems cannot flush a folder at all: a few network ones (the shared uploads folder
is NFS or CephFS in production) answer EINVAL or ENOTSUP. The entries are then as durable as
that file system makes them and there is nothing more to do, so that answer is not an error:
failing an upload, a dump or a backup over it would only lose work that is safe.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

#: What a file system that cannot flush a folder answers.
_CANNOT_SYNC_FOLDERS = frozenset({errno.EINVAL, errno.ENOTSUP})


def sync_folder(path: Path) -> None:
    """Flush the entries of the folder ``path`` to disk (new names, renames, deletions).

    :raise OSError: the folder cannot be opened, or flushing it failed (a disk error).
    """
    handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in _CANNOT_SYNC_FOLDERS:
            raise
    finally:
        os.close(handle)
