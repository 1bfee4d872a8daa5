"""A site of its own for the backup tests: a migrated database with the demo data, and files.

Backups commit, drop and restore whole databases, so they cannot run inside the suite's
rolled-back transaction: each module gets a database of its own (``Databases.new``) and an
uploads folder of its own, seeded once. What the site holds is measured here independently of
``app.backup``: every table the database itself lists (SQLite's full-text tables too), counted
with plain SQL, and every file's SHA-256 read with hashlib.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage

from app import create_app
from app.auth.models import ResidencySource, User
from app.auth.pseudonyms import key
from app.core.time import utcnow
from app.demo import seed_demo
from app.extensions import db
from app.initiatives import attachments, services
from app.reference.models import Topic
from tests.attachments.samples import pdf, picture
from tests.conftest import Databases, base_config


@dataclass(frozen=True)
class State:
    """What a site holds: every table's row count and every uploaded file's SHA-256."""

    tables: dict[str, int]
    files: dict[str, str]


@dataclass
class Site:
    app: Flask
    url: str
    uploads: Path
    #: Measured after seeding, before any backup.
    seeded: State

    def cli(self, *args: str) -> Result:
        return self.app.test_cli_runner().invoke(args=list(args))

    def state(self) -> State:
        return state_of(self.app, self.uploads)

    def dispose(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def state_of(app: Flask, uploads: Path) -> State:
    with app.app_context():
        with db.engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            tables = {
                name: int(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name))))
                for name in names
            }
        db.engine.dispose()
    files = {
        path.relative_to(uploads).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(uploads.rglob("*"))
        if path.is_file()
    }
    return State(tables, files)


def refused(result: Result) -> str:
    """The output of a command that must fail with a message: status 1, no traceback."""
    assert result.exit_code == 1, result.output
    # A ClickException ends in SystemExit(1); anything else would be an unhandled error.
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


def new_app(url: str, uploads: Path, **config: Any) -> Flask:
    return create_app(base_config(url, UPLOAD_FOLDER=str(uploads), **config))


def _resident(n: int) -> User:
    return User(
        subject_key=f"backup-{n:057x}",
        pseudonym=f"Backup author {n}",
        pseudonym_key=key(f"Backup author {n}"),
        language="sl",
        is_adult=True,
        last_acr="http://eidas.europa.eu/LoA/substantial",
        resident_verified_at=utcnow(),
        residency_source=ResidencySource.EID,
    )


def _attach_files(uploads: Path) -> None:
    """Three attachments of a draft, through the service (real stored files), and one more
    file in a subfolder, as an operator might keep there: a backup takes the whole folder."""
    author = _resident(1)
    db.session.add(author)
    db.session.flush()
    topic_id = db.session.scalar(sa.select(Topic.id).order_by(Topic.id).limit(1))
    assert topic_id is not None
    draft = services.create_draft(
        author,
        title="Klopi ob Savi",
        summary="Nove klopi na sprehajalni poti.",
        body="Na poti ob Savi ni nobene klopi.",
        topic_id=topic_id,
        community_id=None,
        location=None,
    )
    for data, name in (
        (picture("JPEG", noise=True), "pot.jpg"),
        (picture("PNG"), "načrt.png"),
        (pdf(), "podpisi.pdf"),
    ):
        upload = FileStorage(io.BytesIO(data), name, content_type="application/octet-stream")
        attachments.add(author, draft, upload=upload, description=f"Priloga {name}")
    notes = uploads / "arhiv" / "zapisnik 2026.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("Zapisnik seje, ki ga hrani skrbnik.\n", encoding="utf-8")


def seeded_site(databases: Databases, folder: Path) -> Site:
    url = databases.new(f"backup_{uuid.uuid4().hex[:8]}")
    uploads = folder / "uploads"
    app = new_app(url, uploads)
    with app.app_context():
        upgrade()
        seed_demo()
        _attach_files(uploads)
        db.session.commit()
        db.session.remove()
    site = Site(app, url, uploads, state_of(app, uploads))
    assert len(site.seeded.files) == 4
    assert site.seeded.tables["users"] > 300
    return site


@pytest.fixture(scope="module")
def site(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = seeded_site(databases, tmp_path_factory.mktemp("site"))
    yield made
    made.dispose()


@pytest.fixture(scope="module")
def backup(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the seeded site, into a folder that exists and is empty (that is allowed)."""
    folder = tmp_path_factory.mktemp("backups") / "glas-2026-12-03"
    folder.mkdir()
    result = site.cli("backup", "create", str(folder))
    assert result.exit_code == 0, result.output
    assert site.state() == site.seeded
    return folder
