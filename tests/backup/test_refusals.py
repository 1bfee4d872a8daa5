"""What a backup command refuses, and what it leaves when it fails: a message, exit status 1,
no traceback, no half-written backup, and a site that is exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.initiatives.models import Attachment
from app.replies.models import ReplyAttachment
from tests.backup.conftest import Site, new_app, refused
from tests.conftest import ROOT, Databases


@pytest.fixture
def copy_of(backup: Path, tmp_path: Path) -> Callable[[], Path]:
    """A copy of the module's backup, to damage without harming the others' tests."""

    def _copy() -> Path:
        target = tmp_path / "copy"
        shutil.copytree(backup, target)
        return target

    return _copy


def _rewrite_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def since_the_backup(site: Site) -> Iterator[None]:
    """A row and a file the backup does not have: if a refused restore ran, they would go."""
    with site.app.app_context():
        db.session.execute(
            sa.insert(User).values(subject_key="since-the-backup", language="sl", is_adult=True)
        )
        db.session.commit()
        db.session.remove()
    marker = site.uploads / "since-the-backup.txt"
    marker.write_text("added after the backup")
    changed = site.state()
    yield
    assert site.state() == changed, "the site changed although the restore was refused"
    assert sorted(path.name for path in site.uploads.parent.iterdir()) == ["uploads"]
    with site.app.app_context():
        db.session.execute(sa.delete(User).where(User.subject_key == "since-the-backup"))
        db.session.commit()
        db.session.remove()
    marker.unlink()
    assert site.state() == site.seeded


# --- create -----------------------------------------------------------------------------------


def test_create_refuses_a_folder_that_is_not_empty(site: Site, tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "yesterday.txt").write_text("another backup")

    output = refused(site.cli("backup", "create", str(folder)))

    assert "is not empty" in output
    assert [path.name for path in folder.iterdir()] == ["yesterday.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken"]


def test_create_refuses_a_file_in_the_folders_place(site: Site, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")

    assert "is not a folder" in refused(site.cli("backup", "create", str(tmp_path / "taken")))
    assert (tmp_path / "taken").read_text() == "a file"


def test_create_leaves_an_interrupted_backup_to_the_operator(site: Site, tmp_path: Path) -> None:
    (tmp_path / "new.partial").mkdir()
    (tmp_path / "new.partial" / "database.sqlite3").write_text("half")

    output = refused(site.cli("backup", "create", str(tmp_path / "new")))

    assert "new.partial exists" in output
    assert not (tmp_path / "new").exists()
    assert (tmp_path / "new.partial" / "database.sqlite3").read_text() == "half"


def test_create_refuses_a_folder_inside_the_uploads(site: Site) -> None:
    output = refused(site.cli("backup", "create", str(site.uploads / "backup")))

    assert "inside the uploads folder" in output
    assert not (site.uploads / "backup").exists()
    assert not (site.uploads / "backup.partial").exists()


def _stored_names(site: Site) -> list[str]:
    """The files the rows name (every model with ``StoredFile`` columns), read with plain SQL."""
    with site.app.app_context():
        names = [
            *db.session.scalars(sa.select(Attachment.stored_name)),
            *db.session.scalars(sa.select(ReplyAttachment.stored_name)),
        ]
        db.session.remove()
    return sorted(names)


def test_create_refuses_a_missing_uploads_folder(site: Site, tmp_path: Path) -> None:
    """The folder is gone (or the mount is missing) while rows name files: no backup at all."""
    assert len(_stored_names(site)) == 3
    away = site.uploads.with_name("uploads-away")
    site.uploads.rename(away)
    try:
        output = refused(site.cli("backup", "create", str(tmp_path / "b")))
    finally:
        away.rename(site.uploads)

    assert f"The uploads folder {site.uploads} does not exist" in output
    assert "3 rows name a stored file" in output
    assert "Nothing was written" in output
    assert list(tmp_path.iterdir()) == []
    assert site.state() == site.seeded


def test_create_refuses_an_empty_uploads_folder_where_rows_name_files(
    site: Site, tmp_path: Path
) -> None:
    """An unmounted mount point is an empty folder: every file a row names is missing."""
    away = site.uploads.with_name("uploads-away")
    site.uploads.rename(away)
    site.uploads.mkdir()
    try:
        output = refused(site.cli("backup", "create", str(tmp_path / "b")))
    finally:
        site.uploads.rmdir()
        away.rename(site.uploads)

    assert "3 files that rows name are not in the uploads folder" in output
    for name in _stored_names(site):
        assert name in output
    assert list(tmp_path.iterdir()) == []


def test_create_names_a_missing_file(site: Site, tmp_path: Path) -> None:
    missing = _stored_names(site)[1]
    kept = tmp_path / "kept"
    (site.uploads / missing).rename(kept)
    try:
        output = refused(site.cli("backup", "create", str(tmp_path / "b")))
    finally:
        kept.rename(site.uploads / missing)

    assert "1 file that rows name is not in the uploads folder" in output
    assert f"{missing} (initiative_attachments)" in output
    assert "Nothing was written" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == []
    assert site.state() == site.seeded


def _unreachable_url(databases: Databases, tmp_path: Path) -> str:
    if databases.kind == "postgresql":
        return f"postgresql+psycopg://glas:secret-word@/nowhere?host={tmp_path}/no-server"
    (tmp_path / "a-file").write_text("not a folder")
    return f"sqlite:///{tmp_path}/a-file/glas.db"


def test_create_with_the_database_unreachable(databases: Databases, tmp_path: Path) -> None:
    app = new_app(_unreachable_url(databases, tmp_path), tmp_path / "uploads")

    output = refused(app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")]))

    assert "Nothing was written" in output
    assert "secret-word" not in output
    assert not (tmp_path / "b").exists()
    assert not (tmp_path / "b.partial").exists()


def test_create_that_cannot_write_leaves_nothing(site: Site, tmp_path: Path) -> None:
    """A real ``flask --app wsgi backup create`` whose files may not grow past 32 kB, as on a
    full disk: the copy fails part way, and nothing of it is left."""
    limit = 32 * 1024

    def _limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": site.url,
        "FLASK_UPLOAD_FOLDER": str(site.uploads),
        "FLASK_PUBLIC_URL": "http://localhost",
        "FLASK_SECRET_KEY": "backup-test-" + "x" * 32,
    }
    target = tmp_path / "full"
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "--debug", "backup", "create", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Error: The backup failed" in done.stderr or "Error: pg_dump" in done.stderr, done.stderr
    assert "Nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert site.state() == site.seeded


# --- verify -----------------------------------------------------------------------------------


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _first_upload(folder: Path) -> Path:
    return sorted(path for path in (folder / "uploads").rglob("*") if path.is_file())[0]


def _unreadable_dump(folder: Path) -> None:
    """The database's file replaced by other bytes, and the manifest made to agree with them:
    only reading the file can tell."""
    manifest = json.loads((folder / "manifest.json").read_text())
    dump = folder / manifest["database"]["file"]
    data = b"PGDMP" + bytes(range(256)) * 40 if dump.suffix == ".pgdump" else b"\0" * 8192
    dump.write_bytes(data)

    def agree(content: dict[str, Any]) -> None:
        content["database"]["size"] = len(data)
        content["database"]["sha256"] = hashlib.sha256(data).hexdigest()

    _rewrite_manifest(folder, agree)


def _database_file(folder: Path) -> Path:
    return folder / json.loads((folder / "manifest.json").read_text())["database"]["file"]


def _drop_a_named_file(folder: Path) -> None:
    """A file a row names taken out of the backup, and out of the manifest's list with it:
    only the manifest's count of such files can tell."""
    manifest = json.loads((folder / "manifest.json").read_text())
    named = next(entry for entry in manifest["uploads"]["files"] if entry["referenced"])
    (folder / "uploads" / named["path"]).unlink()

    def drop(content: dict[str, Any]) -> None:
        content["uploads"]["files"].remove(named)

    _rewrite_manifest(folder, drop)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "a file changed": (lambda f: _flip_a_byte(_first_upload(f)), "SHA-256 differs"),
    "a file shortened": (lambda f: _first_upload(f).write_bytes(b"short"), "bytes where"),
    "a file missing": (lambda f: _first_upload(f).unlink(), ": missing"),
    "a file added": (
        lambda f: (f / "uploads" / "extra.txt").write_text("x"),
        "not in the manifest",
    ),
    "the database changed": (lambda f: _flip_a_byte(_database_file(f)), "SHA-256 differs"),
    "the database missing": (lambda f: _database_file(f).unlink(), ": missing"),
    "the database unreadable": (_unreadable_dump, "not a readable"),
    "a named file dropped": (_drop_a_named_file, "the database names 3 stored files"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_verify_finds_the_damage(site: Site, copy_of: Callable[[], Path], damage: str) -> None:
    folder = copy_of()
    harm, said = DAMAGE[damage]
    harm(folder)

    output = refused(site.cli("backup", "verify", str(folder)))

    assert said in output
    assert "does not match its manifest: 1 problem " in output


def test_restore_of_a_damaged_backup_changes_nothing(
    site: Site, copy_of: Callable[[], Path], since_the_backup: None
) -> None:
    folder = copy_of()
    _flip_a_byte(_first_upload(folder))

    output = refused(site.cli("backup", "restore", str(folder), "--yes"))

    assert "nothing was restored" in output
    assert "SHA-256 differs" in output


def test_verify_of_a_folder_that_is_no_backup(site: Site, tmp_path: Path) -> None:
    assert "is not a Glas backup" in refused(site.cli("backup", "verify", str(tmp_path)))
    assert "is not a folder" in refused(site.cli("backup", "verify", str(tmp_path / "none")))


# --- restore ----------------------------------------------------------------------------------


def test_restore_without_yes_says_what_it_would_overwrite(
    site: Site, backup: Path, since_the_backup: None
) -> None:
    output = refused(site.cli("backup", "restore", str(backup)))

    assert "Nothing was restored: add --yes" in output
    assert f"the uploads folder {site.uploads} (replaced as a whole)" in output
    with site.app.app_context():
        database = Path(str(db.engine.url.database)).name
    assert f"the database {'' if site.url.startswith('sqlite') else 'postgresql://'}" in output
    assert database in output
    rows = sum(json.loads((backup / "manifest.json").read_text())["tables"].values())
    assert f"{rows:,} rows, 4 files" in output


def test_restore_refuses_an_unknown_format(
    site: Site, copy_of: Callable[[], Path], since_the_backup: None
) -> None:
    folder = copy_of()
    _rewrite_manifest(folder, lambda manifest: manifest.update(format=3))

    output = refused(site.cli("backup", "restore", str(folder), "--yes"))

    assert "is of format 3" in output
    assert "reads backups of format 2 only" in output
    assert "is of format 3" in refused(site.cli("backup", "verify", str(folder)))


def test_restore_refuses_another_revision(
    site: Site, copy_of: Callable[[], Path], since_the_backup: None
) -> None:
    folder = copy_of()
    _rewrite_manifest(folder, lambda manifest: manifest.update(alembic_revision="0000older00"))

    output = refused(site.cli("backup", "restore", str(folder), "--yes"))

    assert "at revision 0000older00" in output
    assert "flask --app wsgi db upgrade" in output


def test_restore_refuses_another_kind_of_database(
    site: Site, copy_of: Callable[[], Path], since_the_backup: None
) -> None:
    folder = copy_of()
    other = "sqlite" if site.url.startswith("postgresql") else "postgresql"
    _rewrite_manifest(folder, lambda manifest: manifest["database"].update(kind=other))

    assert "Restore it on a site of the same kind" in refused(
        site.cli("backup", "restore", str(folder), "--yes")
    )


def test_restore_with_the_database_unreachable(
    databases: Databases, backup: Path, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "kept.txt").write_text("the live file")
    app = new_app(_unreachable_url(databases, tmp_path), uploads)

    output = refused(app.test_cli_runner().invoke(args=["backup", "restore", str(backup), "--yes"]))

    assert "The database and the uploads folder are as they were" in output
    assert "secret-word" not in output
    assert [path.name for path in uploads.iterdir()] == ["kept.txt"]
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".uploads")]
