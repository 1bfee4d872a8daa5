"""Stored files without an owner: the checks of an upload, storing, the file's path, serving.

How an initiative uses them (permissions, its limit, the pages) is in
tests/initiatives/test_attachments.py, which also runs every refusal through the upload form.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound
from werkzeug.http import parse_options_header

from app.attachments import files, messages, serving
from app.attachments.files import JPEG, PDF, PNG, WEBP, AttachmentRefused, Kind, Refusal
from app.attachments.forms import ACCEPT, AttachmentForm
from app.extensions import db
from app.initiatives.models import Attachment
from tests.attachments.samples import (
    STORED_NAME,
    gps_exif,
    pdf,
    pdf_of_size,
    picture,
    png_declaring,
)

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture(autouse=True)
def upload_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Files go to a folder of this test (not created yet: ``store`` creates it)."""
    folder = tmp_path / "uploads"
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = saved


def _upload(data: bytes, filename: str = "a.png") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename, content_type="application/octet-stream")


def _refusal(upload: FileStorage | None, **options: tuple[Kind, ...]) -> Refusal:
    with pytest.raises(AttachmentRefused) as refused:
        files.check(upload, **options)
    return refused.value.reason


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- checking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "kind", "expected_name"),
    [
        (picture("JPEG"), "IMG_1.JPEG", JPEG, "IMG_1.JPEG"),
        (picture("PNG"), "scan.pdf", PNG, "scan.png"),
        (picture("WEBP"), "map", WEBP, "map.webp"),
        (pdf(), "photo.jpg", PDF, "photo.pdf"),
    ],
)
def test_check_decides_the_kind_by_content_and_cleans_the_name(
    data: bytes, filename: str, kind: Kind, expected_name: str
) -> None:
    checked = files.check(_upload(data, filename))
    assert checked.kind is kind
    assert checked.filename == expected_name
    assert checked.size == len(checked.data)
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    if kind is PDF:
        assert checked.data == data  # documents are kept byte for byte


def test_check_strips_the_location_and_turns_the_picture_upright() -> None:
    checked = files.check(_upload(picture("JPEG", (64, 48), exif=gps_exif(orientation=6))))
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (48, 64)
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"PhoneMaker" not in checked.data


def test_where_only_pdf_is_taken_a_picture_is_an_unsupported_type() -> None:
    assert _refusal(_upload(picture("PNG")), kinds=(PDF,)) is Refusal.UNSUPPORTED_TYPE
    assert _refusal(_upload(picture("JPEG")), kinds=(PDF,)) is Refusal.UNSUPPORTED_TYPE
    assert files.check(_upload(pdf(), "letter.pdf"), kinds=(PDF,)).kind is PDF


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (None, Refusal.NO_FILE),
        (FileStorage(io.BytesIO(b""), ""), Refusal.NO_FILE),
        (FileStorage(io.BytesIO(b""), "empty.pdf"), Refusal.EMPTY_FILE),
        (FileStorage(io.BytesIO(b"GIF89a;"), "anim.gif"), Refusal.UNSUPPORTED_TYPE),
        (FileStorage(io.BytesIO(pdf()[:-40]), "cut.pdf"), Refusal.DAMAGED),
        (
            FileStorage(io.BytesIO(pdf(trailer=b"/Encrypt 9 0 R ")), "secret.pdf"),
            Refusal.ENCRYPTED_PDF,
        ),
        (FileStorage(io.BytesIO(png_declaring(8_000, 8_000)), "bomb.png"), Refusal.TOO_MANY_PIXELS),
    ],
    ids=["none", "nothing-chosen", "empty", "gif", "cut-pdf", "encrypted-pdf", "bomb"],
)
def test_check_refuses_with_a_reason(upload: FileStorage | None, reason: Refusal) -> None:
    assert _refusal(upload) is reason


def test_check_takes_the_largest_size_and_refuses_a_byte_more(app: Flask) -> None:
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    assert files.check(_upload(pdf_of_size(limit), "big.pdf")).size == limit
    assert _refusal(_upload(pdf_of_size(limit + 1), "big.pdf")) is Refusal.TOO_LARGE


def test_a_description_is_one_line_of_text() -> None:
    assert files.clean_description(" The crossing\nat\tnight ") == "The crossing at night"
    for blank in ("", "  \n", None):
        with pytest.raises(AttachmentRefused) as refused:
            files.clean_description(blank)
        assert refused.value.reason is Refusal.NO_DESCRIPTION
    with pytest.raises(AttachmentRefused) as refused:
        files.clean_description("x" * (files.DESCRIPTION_MAX + 1))
    assert refused.value.reason is Refusal.DESCRIPTION_TOO_LONG


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # What old browsers sent, and what a hand-made request can send.
        ("..\\..\\windows\\system32\\evil.png", "evil.png"),
        ("C:\\Users\\Ana\\Desktop\\crossing.png", "crossing.png"),
        ("a\x00b\x1fc\r\n.png", "abc.png"),
        ('what?:"<>|*.png', "what_______.png"),
        ("\u202e\u2066", "attachment.png"),
        ("", "attachment.png"),
    ],
)
def test_names_no_browser_sends_are_cleaned_too(raw: str, expected: str) -> None:
    assert files.clean_filename(raw, PNG) == expected


def test_a_long_name_is_shortened_and_keeps_its_extension() -> None:
    name = files.clean_filename("š" * 400 + ".pdf", PDF)
    assert len(name) == files.FILENAME_MAX
    assert name.endswith("š.pdf")
    assert files.clean_filename("report.v2", PDF) == "report.v2.pdf"
    assert files.clean_filename(None, PNG) == "attachment.png"


# --- storing --------------------------------------------------------------------------------


def test_a_stored_file_stays_when_the_transaction_commits(upload_folder: Path) -> None:
    checked = files.check(_upload(picture("PNG")))
    name = files.store(checked)
    assert STORED_NAME.fullmatch(name)
    assert _listing(upload_folder) == [name]  # no temporary file left beside it
    assert files.path_of(name).read_bytes() == checked.data
    db.session.commit()
    assert _listing(upload_folder) == [name]


def test_a_stored_file_goes_when_the_transaction_does_not_commit(upload_folder: Path) -> None:
    name = files.store(files.check(_upload(pdf(), "a.pdf")))
    assert files.path_of(name).exists()
    db.session.rollback()
    assert _listing(upload_folder) == []


def test_a_file_to_delete_goes_only_with_the_commit(upload_folder: Path) -> None:
    name = files.store(files.check(_upload(pdf(), "a.pdf")))
    db.session.commit()
    files.delete_after_commit(db.session(), name)
    db.session.rollback()  # the row's deletion undone: its file stays
    assert _listing(upload_folder) == [name]
    files.delete_after_commit(db.session(), name)
    db.session.commit()
    assert _listing(upload_folder) == []


@pytest.mark.parametrize(
    "name",
    ["../../x.png", "/etc/passwd", "0" * 32 + ".html", "0" * 31 + ".png", "0" * 32 + ".png/.."],
)
def test_a_name_glas_did_not_generate_is_never_opened(name: str) -> None:
    with pytest.raises(ValueError, match="not a stored attachment name"):
        files.path_of(name)
    assert files.image_size(name) is None
    files.delete_after_commit(db.session(), name)  # nothing to delete, and no error


def test_the_size_of_a_stored_picture_and_none_for_a_document() -> None:
    picture_name = files.store(files.check(_upload(picture("JPEG", (120, 80)))))
    document_name = files.store(files.check(_upload(pdf(), "a.pdf")))
    assert files.image_size(picture_name) == (120, 80)
    assert files.image_size(document_name) is None


# --- the form and the messages --------------------------------------------------------------


class _LetterForm(AttachmentForm):
    kinds = (PDF,)


def test_a_form_for_fewer_kinds_offers_only_them(app: Flask) -> None:
    with app.test_request_context():
        assert AttachmentForm().file.render_kw == {"accept": ACCEPT}
        assert _LetterForm().file.render_kw == {"accept": "application/pdf,.pdf"}
        assert AttachmentForm().file.render_kw == {"accept": ACCEPT}  # the class's is unchanged
    assert ACCEPT.startswith("image/jpeg,image/png,image/webp,application/pdf,")


def test_each_refusal_has_a_message_and_a_status(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "glas_lang=en"}):
        for reason in Refusal:
            if reason is not Refusal.TOO_MANY:
                assert messages.refusal_message(reason)
        assert "larger than 5 MB" in messages.refusal_message(Refusal.TOO_LARGE)
        assert "more than 50 million pixels" in messages.refusal_message(Refusal.TOO_MANY_PIXELS)
    assert messages.status(Refusal.TOO_LARGE) == 413
    assert messages.status(Refusal.DAMAGED) == 422


def test_the_owner_says_what_too_many_is() -> None:
    assert messages.refusal_message(Refusal.TOO_MANY, too_many="At most 3.") == "At most 3."
    with pytest.raises(ValueError, match="too many"):
        messages.refusal_message(Refusal.TOO_MANY)


# --- serving --------------------------------------------------------------------------------


def _item(data: bytes, filename: str) -> Attachment:
    # Any model with the StoredFile columns; an initiative's attachment is the one there is.
    checked = files.check(_upload(data, filename))
    item = Attachment(description="x")
    item.set_file(checked, files.store(checked))
    return item


@pytest.mark.parametrize("public", [True, False])
def test_a_picture_is_sent_inline_with_safe_headers(app: Flask, public: bool) -> None:
    item = _item(picture("PNG"), "plan.png")
    with app.test_request_context():
        response = serving.send(item, public=public)
        response.direct_passthrough = False
        assert response.get_data() == files.path_of(item.stored_name).read_bytes()
        response.close()
    headers = response.headers
    assert headers["Content-Type"] == "image/png"
    assert parse_options_header(headers["Content-Disposition"]) == (
        "inline",
        {"filename": "plan.png"},
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.get_etag() == (item.sha256, False)
    if public:
        assert "public" in headers["Cache-Control"]
    else:
        assert headers["Cache-Control"] == "private, no-store"


def test_a_document_is_saved_unless_the_caller_shows_it(app: Flask) -> None:
    item = _item(pdf(), "letter.pdf")
    with app.test_request_context():
        saved = serving.send(item, public=True)
        shown = serving.send(item, public=True, inline=True)
        saved.close()
        shown.close()
    assert parse_options_header(saved.headers["Content-Disposition"])[0] == "attachment"
    assert parse_options_header(shown.headers["Content-Disposition"])[0] == "inline"
    assert shown.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_missing_file_or_a_tampered_name_is_404(app: Flask) -> None:
    item = _item(picture("PNG"), "plan.png")
    files.path_of(item.stored_name).unlink()
    tampered = _item(picture("PNG"), "plan.png")
    tampered.stored_name = "../../x.png"
    with app.test_request_context():
        for broken in (item, tampered):
            with pytest.raises(NotFound):
                serving.send(broken, public=True)
