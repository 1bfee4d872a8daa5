"""A full uploads disk (issue 13): the upload fails with a clear message on the form, nothing
half-written stays behind, no row is added, and uploads work again once there is room.

The disk is real: a small tmpfs mounted for the test (the tests run as root, here and in CI),
filled so that the upload cannot fit. Without the right to mount, the tests are skipped, and
fail in CI (``CI`` set, as CI services do).
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.attachments import files, messages
from app.attachments.files import Refusal
from app.auth.models import User
from app.extensions import db
from app.initiatives import services
from app.initiatives.models import Attachment
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from app.replies.models import ReplyAttachment
from tests.attachments.samples import STORED_NAME, pdf_of_size
from tests.replies.factories import Letters

#: The size of the test's disk; tmpfs counts in pages of 4 KiB.
DISK_BYTES = 256 * 1024
DESCRIPTION = "Načrt prehoda pred šolo"


class Disk:
    """A tmpfs of ``DISK_BYTES`` at ``root``; uploads go to ``folder`` on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "uploads"
        self.filler = root / "filler"

    def fill(self, leave: int) -> None:
        """Take all the room but about ``leave`` bytes."""
        with self.filler.open("wb") as out:
            out.write(b"\0" * (DISK_BYTES - leave))

    def free(self) -> None:
        self.filler.unlink()

    def remount(self, options: str) -> None:
        _mount("-o", f"remount,{options}", str(self.root))

    def contents(self) -> list[str]:
        """Everything in the upload folder, temporary files (``.upload-*.part``) included."""
        return sorted(p.name for p in self.folder.iterdir()) if self.folder.exists() else []


def _unavailable(message: str) -> NoReturn:
    """Skipped where a tmpfs cannot be mounted; in CI a failure, as the CI must be able to
    (as ``tests/conftest.py`` does for a missing redis-server)."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}\nCI runs the tests as root, which may mount one: see .ci/run.")
    pytest.skip(message)


def _mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True, capture_output=True, text=True)


@pytest.fixture
def disk(app: Flask, tmp_path: Path, upload_folder: Path) -> Iterator[Disk]:
    root = tmp_path / "disk"
    root.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0700", "glas-test-uploads", str(root))
    except FileNotFoundError:
        _unavailable("a full disk needs mount(8), which is not installed here")
    except subprocess.CalledProcessError as refused:
        _unavailable(
            "a full disk needs a tmpfs, and mounting one is not permitted here (the tests "
            f"must run as root, with CAP_SYS_ADMIN): {refused.stderr.strip()}"
        )
    app.config["UPLOAD_FOLDER"] = str(root / "uploads")  # upload_folder puts it back
    try:
        yield Disk(root)
    finally:
        subprocess.run(["umount", str(root)], check=True)


@pytest.fixture
def draft(app: Flask, make_user: Callable[..., int]) -> tuple[int, int]:
    """A draft initiative and its author's id."""
    author_id = make_user()
    with app.app_context():
        seed_reference_data()
        topic_id = db.session.scalar(sa.select(Topic.id).order_by(Topic.id).limit(1))
        initiative = services.create_draft(
            db.session.get(User, author_id),  # type: ignore[arg-type]
            title="Varen prehod pred šolo",
            summary="Zebra in luč pred šolo.",
            body="Otroci prečkajo cesto vsako jutro.",
            topic_id=topic_id,
            community_id=None,
            location=None,
        )
        db.session.commit()
        return initiative.id, author_id


def _upload(client: FlaskClient, initiative_id: int, data: bytes) -> Any:
    fields = {
        "next": f"/initiatives/{initiative_id}/edit",
        "file": FileStorage(io.BytesIO(data), "nacrt.pdf", content_type="application/pdf"),
        "description": DESCRIPTION,
    }
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/initiatives/{initiative_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _rows(app: Flask, initiative_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Attachment.stored_name).where(Attachment.initiative_id == initiative_id)
            )
        )


def _message(app: Flask, reason: Refusal, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return messages.refusal_message(reason)


def _author(app: Flask, login: Callable[..., None], user_id: int) -> FlaskClient:
    client = app.test_client()
    login(client, user_id)
    client.set_cookie("glas_lang", "en")
    return client


def test_an_upload_that_does_not_fit_is_refused_and_leaves_nothing(
    app: Flask, disk: Disk, draft: tuple[int, int], login: Callable[..., None], caplog: Any
) -> None:
    initiative_id, author_id = draft
    author = _author(app, login, author_id)
    assert _upload(author, initiative_id, pdf_of_size(8 * 1024)).status_code == 303
    before = disk.contents()
    disk.fill(leave=40 * 1024)

    response = _upload(author, initiative_id, pdf_of_size(120 * 1024))
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "there is no room for it on the server right now" in page
    assert _message(app, Refusal.STORAGE_FULL, "en") in page
    assert DESCRIPTION in page, "the form keeps what the author wrote"
    assert disk.contents() == before, "no partial file, no temporary file"
    assert len(_rows(app, initiative_id)) == 1, "no row for the refused file"
    assert "no room in" in caplog.text  # the operator is told

    disk.free()
    smaller = pdf_of_size(60 * 1024)
    assert _upload(author, initiative_id, smaller).status_code == 303
    stored = _rows(app, initiative_id)
    assert len(stored) == 2
    assert all(STORED_NAME.fullmatch(name) for name in disk.contents())
    assert sorted(disk.contents()) == sorted(stored)
    assert smaller in [(disk.folder / name).read_bytes() for name in stored]


def test_the_refusal_is_in_the_authors_language(
    app: Flask, disk: Disk, draft: tuple[int, int], login: Callable[..., None]
) -> None:
    initiative_id, author_id = draft
    author = app.test_client()
    login(author, author_id)  # Slovenian, the default
    disk.fill(leave=16 * 1024)
    response = _upload(author, initiative_id, pdf_of_size(100 * 1024))
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert '<html lang="sl">' in page
    assert _message(app, Refusal.STORAGE_FULL, "sl") in page
    assert disk.contents() == []


def test_a_disk_that_cannot_be_written_is_explained_too(
    app: Flask, disk: Disk, draft: tuple[int, int], login: Callable[..., None], caplog: Any
) -> None:
    """Another failure of the disk (here read-only: EROFS): a friendly 503, nothing kept."""
    initiative_id, author_id = draft
    author = _author(app, login, author_id)
    disk.remount("ro")
    try:
        response = _upload(author, initiative_id, pdf_of_size(8 * 1024))
    finally:
        disk.remount("rw")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert _message(app, Refusal.STORAGE_FAILED, "en") in page
    assert DESCRIPTION in page
    assert disk.contents() == []
    assert _rows(app, initiative_id) == []
    assert "Read-only file system" in caplog.text


def test_a_reply_annex_that_does_not_fit_is_refused_and_leaves_nothing(
    app: Flask, disk: Disk, letters: Letters, login: Callable[..., None]
) -> None:
    with app.app_context():
        reply_id = letters.create().id
        db.session.commit()
    drafter = _author(app, login, letters.drafter)
    disk.fill(leave=16 * 1024)
    boundary, body = encode_multipart(
        {
            "annex-file": FileStorage(
                io.BytesIO(pdf_of_size(100 * 1024)), "priloga.pdf", "application/pdf"
            ),
            "annex-description": "Načrt",
        }
    )
    response = drafter.post(
        f"/replies/{reply_id}/annexes",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 507
    assert _message(app, Refusal.STORAGE_FULL, "en") in response.get_data(as_text=True)
    assert disk.contents() == []
    with app.app_context():
        annexes = db.session.scalar(
            sa.select(sa.func.count()).where(ReplyAttachment.reply_id == reply_id)
        )
    assert annexes == 0


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (errno.ENOSPC, Refusal.STORAGE_FULL),
        (errno.EDQUOT, Refusal.STORAGE_FULL),
        (errno.EFBIG, Refusal.STORAGE_FULL),
        (errno.EIO, Refusal.STORAGE_FAILED),
        (errno.EACCES, Refusal.STORAGE_FAILED),
    ],
)
def test_what_each_error_of_the_disk_tells_the_author(
    app: Flask, number: int, reason: Refusal
) -> None:
    # The quota and the file size limit cannot be reached on a tmpfs without changing this
    # whole test process's limits; what they mean is decided by their error number alone.
    with app.app_context():
        assert files._refusal_for(OSError(number, "test"), Path("/uploads"), 1) is reason
        assert messages.status(reason) == (507 if reason is Refusal.STORAGE_FULL else 503)


def test_the_refusals_are_translated(app: Flask) -> None:
    for reason in (Refusal.STORAGE_FULL, Refusal.STORAGE_FAILED):
        assert _message(app, reason, "sl") != _message(app, reason, "en"), reason
