"""Back up, destroy, restore: every table's row count and every file's hash are as before.

The figures compared are those measured before the backup (``conftest.state_of``), not the
manifest's own. Every test here leaves the site as it was seeded, restored from ``backup``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from app.auth.models import User
from app.core import pagecache
from app.extensions import db
from app.initiatives.models import Attachment
from tests.backup.conftest import Site, new_app, state_of
from tests.conftest import Databases


def _destroy(site: Site) -> None:
    """Lose everything: the database's every object (or its file) and the uploads folder."""
    with site.app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            path = Path(str(db.engine.url.database))
            db.engine.dispose()
            for doomed in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                doomed.unlink(missing_ok=True)
        db.engine.dispose()
    shutil.rmtree(site.uploads)


def _leftovers(site: Site) -> list[str]:
    """Anything a restore leaves beside the uploads folder (its staging or the old folder)."""
    return sorted(path.name for path in site.uploads.parent.iterdir() if path != site.uploads)


def _takes_new_rows(site: Site) -> None:
    """The restored sequences continue after the restored ids (PostgreSQL's are in the dump)."""
    with site.app.app_context():
        with db.engine.connect() as connection:
            transaction = connection.begin()
            new_id = connection.execute(
                sa.insert(User.__table__)
                .values(subject_key="after-restore", language="sl", is_adult=True)
                .returning(User.__table__.c.id)
            ).scalar_one()
            highest = connection.scalar(sa.select(sa.func.max(User.__table__.c.id)))
            transaction.rollback()
        db.engine.dispose()
    assert new_id == highest


def test_manifest_records_what_was_measured(site: Site, backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 2
    assert manifest["created_at"].endswith("Z")
    assert (
        manifest["database"]["kind"]
        == site.app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    )
    assert (backup / manifest["database"]["file"]).stat().st_size == manifest["database"]["size"]
    with site.app.app_context():
        model_tables = set(db.metadata.tables) | {"alembic_version"}
    assert set(manifest["tables"]) == model_tables
    assert manifest["tables"] == {name: site.seeded.tables[name] for name in model_tables}
    assert manifest["alembic_revision"]
    assert {entry["path"]: entry["sha256"] for entry in manifest["uploads"]["files"]} == (
        site.seeded.files
    )
    # The three attachments' files are named by rows; the operator's notes are not.
    with site.app.app_context():
        named = set(db.session.scalars(sa.select(Attachment.stored_name)))
        db.session.remove()
    assert len(named) == 3
    assert manifest["uploads"]["referenced_files"] == 3
    assert {entry["path"] for entry in manifest["uploads"]["files"] if entry["referenced"]} == named
    assert not list(backup.parent.glob("*.partial"))


def test_backup_is_private(site: Site, tmp_path: Path) -> None:
    """The backup holds every account's data: only its owner may read it, whatever the umask
    of the shell or timer that made it."""
    previous = os.umask(0)
    try:
        result = site.cli("backup", "create", str(tmp_path / "private"))
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "private"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "manifest.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / manifest["database"]["file"]).stat().st_mode) == 0o600
    # The uploaded files keep their own modes (a restore puts them back): the folder guards them.


def test_verify_accepts_the_backup(site: Site, backup: Path) -> None:
    result = site.cli("backup", "verify", str(backup))
    assert result.exit_code == 0, result.output
    assert "is complete" in result.output


def _memo(site: Site, value: str) -> str:
    """A value kept while the "site" generation of the page cache stands (as the topics are)."""
    with site.app.app_context():
        return pagecache.memoized("backup-test", lambda: value)


def test_back_up_destroy_restore(site: Site, backup: Path) -> None:
    assert _memo(site, "before") == "before"
    assert _memo(site, "kept") == "before"
    _destroy(site)
    destroyed = site.state()
    assert destroyed.files == {} or not site.uploads.exists()
    assert sum(destroyed.tables.values()) == 0

    result = site.cli("backup", "restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    assert "DIFFERS" not in result.output
    users = f"{site.seeded.tables['users']:,}"
    assert re.search(rf"^  users +{users} +{users}$", result.output, re.MULTILINE), result.output
    assert site.state() == site.seeded
    assert _leftovers(site) == []
    _takes_new_rows(site)
    # Cached pages and kept values were of the data before: they are all made again.
    assert _memo(site, "after") == "after"


def test_restore_over_a_site_that_changed(site: Site, backup: Path) -> None:
    """Rows added and files removed or added since the backup: the restore undoes them all."""
    with site.app.app_context():
        db.session.execute(
            sa.insert(User).values(subject_key="since-the-backup", language="sl", is_adult=True)
        )
        supports = db.metadata.tables["initiative_supports"]
        key = supports.primary_key.columns.values()
        first = db.session.execute(sa.select(*key).limit(1)).one()
        db.session.execute(
            sa.delete(supports).where(*(c == v for c, v in zip(key, first, strict=True)))
        )
        db.session.commit()
        db.session.remove()
    (site.uploads / sorted(site.seeded.files)[0]).unlink()
    (site.uploads / "stray.txt").write_text("not in the backup")
    assert site.state() != site.seeded

    result = site.cli("backup", "restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    assert site.state() == site.seeded
    assert _leftovers(site) == []


def test_backup_while_the_site_writes(
    site: Site, backup: Path, databases: Databases, tmp_path: Path
) -> None:
    """Users committed one by one during the backup: the manifest counts exactly the rows the
    dump holds (restored into a new database), neither those committed after nor fewer."""
    with site.app.app_context():
        engine = sa.create_engine(db.engine.url)
    stop = threading.Event()
    commits: list[float] = []
    failures: list[BaseException] = []

    def write() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                with engine.begin() as connection:
                    connection.execute(
                        sa.insert(User.__table__).values(
                            subject_key=f"concurrent-{n}", language="sl", is_adult=True
                        )
                    )
                commits.append(time.monotonic())
                time.sleep(0.002)
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(commits) < 5:
            time.sleep(0.01)
        started = time.monotonic()
        result = site.cli("backup", "create", str(tmp_path / "during"))
        finished = time.monotonic()
        while len([t for t in commits if t > finished]) < 5:
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert failures == []
    assert result.exit_code == 0, result.output
    assert any(started < moment < finished for moment in commits)
    counted = json.loads((tmp_path / "during" / "manifest.json").read_text())["tables"]
    assert site.seeded.tables["users"] < counted["users"] < site.state().tables["users"]

    # Into a new, empty database and uploads folder: a new server.
    elsewhere = new_app(databases.new("backup_elsewhere"), tmp_path / "elsewhere" / "uploads")
    try:
        restored = elsewhere.test_cli_runner().invoke(
            args=["backup", "restore", str(tmp_path / "during"), "--yes"]
        )
        assert restored.exit_code == 0, restored.output
        there = state_of(elsewhere, tmp_path / "elsewhere" / "uploads")
    finally:
        with elsewhere.app_context():
            db.engine.dispose()
    assert {name: there.tables[name] for name in counted} == counted
    assert there.files == site.seeded.files

    # Back to the seeded site for the other tests.
    assert site.cli("backup", "restore", str(backup), "--yes").exit_code == 0
    assert site.state() == site.seeded
