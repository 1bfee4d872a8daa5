"""The production layout: the shared uploads folder is a mount point (NFS or CephFS mounted at
/var/lib/glas/uploads), so it cannot be renamed (EBUSY) and its parent is another file system.

The mount is real: a small tmpfs at the site's uploads folder (the tests run as root, here and
in CI). Without the right to mount, the tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from tests.backup.conftest import Site, new_app, refused, seeded_site
from tests.conftest import Databases

#: Room for the seeded files (four of a few kB), a staged copy of them and much to spare.
DISK_BYTES = 4 * 1024 * 1024


def _unavailable(reason: str) -> None:
    message = f"an uploads folder that is a mount point needs a tmpfs: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + ". CI runs as root and must be able to mount one.")
    pytest.skip(message)


def _mount_tmpfs(root: Path) -> None:
    try:
        subprocess.run(
            [
                "mount",
                "-t",
                "tmpfs",
                "-o",
                f"size={DISK_BYTES},mode=0755",
                "glas-test-backup",
                root,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        _unavailable("mount(8) is not installed")
    except subprocess.CalledProcessError as error:
        _unavailable(
            "mounting one is not permitted here (the tests must run as root, with "
            f"CAP_SYS_ADMIN): {error.stderr.strip()}"
        )


@pytest.fixture(scope="module")
def site(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The seeded site of ``conftest``, its uploads folder a tmpfs of its own (the ``backup``
    fixture backs up this one)."""
    folder = tmp_path_factory.mktemp("mounted")
    uploads = folder / "uploads"
    uploads.mkdir()
    _mount_tmpfs(uploads)
    try:
        made = seeded_site(databases, folder)
        assert os.path.ismount(made.uploads)
        yield made
        made.dispose()
    finally:
        subprocess.run(["umount", str(uploads)], check=True)


def _hidden(site: Site) -> list[str]:
    """What a restore may leave: hidden folders inside the mount, anything beside it."""
    inside = sorted(path.name for path in site.uploads.iterdir() if path.name.startswith("."))
    beside = sorted(path.name for path in site.uploads.parent.iterdir() if path != site.uploads)
    return inside + beside


def _add_a_user(site: Site, subject_key: str) -> None:
    with site.app.app_context():
        db.session.execute(
            sa.insert(User).values(subject_key=subject_key, language="sl", is_adult=True)
        )
        db.session.commit()
        db.session.remove()


def _remove_the_user(site: Site, subject_key: str) -> None:
    with site.app.app_context():
        db.session.execute(sa.delete(User).where(User.subject_key == subject_key))
        db.session.commit()
        db.session.remove()


def test_restore_onto_a_mount_point(site: Site, backup: Path) -> None:
    """Rows and files changed since the backup: all put back, the mount stays mounted."""
    _add_a_user(site, "since-the-backup")
    (site.uploads / sorted(site.seeded.files)[0]).unlink()
    (site.uploads / "stray.txt").write_text("not in the backup")
    assert site.state() != site.seeded

    result = site.cli("backup", "restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    assert "DIFFERS" not in result.output
    assert site.state() == site.seeded
    assert os.path.ismount(site.uploads)
    assert _hidden(site) == []


def test_restore_onto_a_full_mount_point_changes_nothing(site: Site, backup: Path) -> None:
    """The staged copy does not fit on the mount: the restore fails before anything changed,
    the database included (it is restored only once the files are in place)."""
    _add_a_user(site, "kept-by-a-failed-restore")
    filler = site.uploads / "filler.bin"
    room = os.statvfs(site.uploads)
    # All the room: not one of the backup's files can be staged.
    with filler.open("wb") as out:
        out.write(b"\0" * (room.f_bavail * room.f_frsize))
    assert os.statvfs(site.uploads).f_bavail == 0
    before = site.state()
    try:
        output = refused(site.cli("backup", "restore", str(backup), "--yes"))

        assert "nothing was restored" in output.lower(), output
        assert "No space left on device" in output
        assert site.state() == before
        assert _hidden(site) == []
    finally:
        filler.unlink()
        _remove_the_user(site, "kept-by-a-failed-restore")
    assert site.state() == site.seeded


def test_database_failure_puts_the_mounted_files_back(
    site: Site, backup: Path, databases: Databases, tmp_path: Path
) -> None:
    """The files go in first; when the database then cannot be restored, the previous files
    are put back, and the site is as it was."""
    (site.uploads / "stray.txt").write_text("the live file")
    before = site.state()
    if databases.kind == "postgresql":
        url = f"postgresql+psycopg://glas@/nowhere?host={tmp_path}/no-server"
    else:
        (tmp_path / "a-file").write_text("not a folder")
        url = f"sqlite:///{tmp_path}/a-file/glas.db"
    unreachable = new_app(url, site.uploads)
    try:
        output = refused(
            unreachable.test_cli_runner().invoke(args=["backup", "restore", str(backup), "--yes"])
        )

        assert "The database and the uploads folder are as they were" in output
        assert site.state() == before
        assert _hidden(site) == []
    finally:
        (site.uploads / "stray.txt").unlink()
    assert site.state() == site.seeded


def test_restore_without_yes_says_how_the_files_go_in(site: Site, backup: Path) -> None:
    output = refused(site.cli("backup", "restore", str(backup)))

    assert f"the uploads folder {site.uploads} (a mount point" in output
    assert "everything in it is replaced" in output
    assert site.state() == site.seeded


def test_an_entry_that_cannot_be_moved_changes_nothing(site: Site, backup: Path) -> None:
    """A folder inside the uploads that is a mount point itself cannot be moved aside (EBUSY):
    the entries moved before it go back, and the database was never touched."""
    nested = site.uploads / "zz-nested"  # after every other entry: the others move first
    nested.mkdir()
    _mount_tmpfs(nested)
    try:
        (nested / "kept.txt").write_text("on a mount of its own")
        _add_a_user(site, "kept-by-a-failed-restore")
        before = site.state()

        output = refused(site.cli("backup", "restore", str(backup), "--yes"))

        assert "Device or resource busy" in output
        assert "Nothing was restored: the database and the uploads folder are as they were" in (
            output
        )
        assert site.state() == before
        assert _hidden(site) == []
    finally:
        subprocess.run(["umount", str(nested)], check=True)
        nested.rmdir()
        _remove_the_user(site, "kept-by-a-failed-restore")
    assert site.state() == site.seeded
