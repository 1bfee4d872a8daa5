"""Attachments: pictures and PDFs of an initiative, checked by content, stored and served safely.

Every file here is made by the test (tests/attachments/samples.py), and every refusal is checked
for its status, its message and for having saved nothing: no row, no file. The checks of the
files alone, without an initiative, are in tests/attachments/.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string, url_for
from flask.testing import FlaskClient
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.http import parse_options_header
from werkzeug.routing import BuildError
from werkzeug.test import encode_multipart

from app.attachments.files import AttachmentRefused, Refusal, path_of
from app.attachments.forms import AttachmentForm
from app.auth.models import Role, User
from app.extensions import db
from app.initiatives import attachments, services
from app.initiatives.models import Attachment, Initiative, InitiativeState
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.attachments.samples import (
    STORED_NAME,
    gps_exif,
    pdf,
    pdf_of_size,
    picture,
    png_declaring,
)

# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def upload_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a folder of this test (not created yet: the service creates it)."""
    folder = tmp_path / "uploads"
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def author(make_user: Callable[..., int]) -> int:
    return make_user()


@pytest.fixture
def draft(app: Flask, author: int) -> int:
    """A draft initiative of ``author``; returns its id."""
    with app.app_context():
        seed_reference_data()
        topic_id = db.session.scalar(sa.select(Topic.id).order_by(Topic.id).limit(1))
        initiative = services.create_draft(
            db.session.get(User, author),
            title="A safer crossing by the school",
            summary="Paint a zebra crossing and add a light.",
            body="Children cross here every morning.",
            topic_id=topic_id,
            community_id=None,
            location=None,
        )
        db.session.commit()
        return initiative.id


@pytest.fixture
def as_author(client: FlaskClient, login: Callable[..., None], author: int) -> FlaskClient:
    login(client, author)
    return client


def upload(
    client: FlaskClient,
    initiative_id: int,
    data: bytes | None,
    filename: str = "photo.jpg",
    *,
    description: str | None = "The crossing in the morning",
    content_type: str = "application/octet-stream",
    **form: str,
) -> Any:
    """Post the upload form as a browser does, with the page it was on (as the macro does)."""
    fields: dict[str, Any] = {"next": f"/initiatives/{initiative_id}/edit", **form}
    if data is not None:
        fields["file"] = FileStorage(io.BytesIO(data), filename, content_type=content_type)
    if description is not None:
        fields["description"] = description
    # Encoded in memory: the test client would spool a large body to a file nobody closes.
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/initiatives/{initiative_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def rows(app: Flask, initiative_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(Attachment)
            .where(Attachment.initiative_id == initiative_id)
            .order_by(Attachment.id)
        )
        return [{c.key: getattr(a, c.key) for c in Attachment.__table__.columns} for a in found]


def files(folder: Path) -> list[str]:
    """Everything in the upload folder, temporary files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def set_state(app: Flask, initiative_id: int, state: InitiativeState) -> None:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        initiative.state = state
        db.session.commit()


def url_of(row: dict[str, Any]) -> str:
    return f"/initiatives/{row['initiative_id']}/attachments/{row['id']}/{row['filename']}"


def edit_page(app: Flask, initiative_id: int) -> str:
    """Where the author goes back to when the form did not say."""
    with app.test_request_context():
        try:
            return url_for("initiatives.edit", initiative_id=initiative_id)
        except BuildError:  # a version without the edit page sends the author home
            return url_for("pages.home")


def download(client: FlaskClient, url: str) -> Any:
    # Buffered: the response is read whole and the file it streams from is closed.
    return client.get(url, buffered=True)


# --- accepted files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "pillow_format"),
    [
        (picture("JPEG"), "crossing.jpg", "image/jpeg", "JPEG"),
        (picture("PNG"), "crossing.png", "image/png", "PNG"),
        (picture("WEBP"), "crossing.webp", "image/webp", "WEBP"),
        (pdf(), "petition.pdf", "application/pdf", None),
    ],
    ids=["jpeg", "png", "webp", "pdf"],
)
def test_each_accepted_type_is_stored(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    data: bytes,
    filename: str,
    content_type: str,
    pillow_format: str | None,
) -> None:
    assert upload(as_author, draft, data, filename, content_type=content_type).status_code == 303

    (row,) = rows(app, draft)
    assert row["content_type"] == content_type
    assert row["filename"] == filename
    assert row["description"] == "The crossing in the morning"
    assert STORED_NAME.fullmatch(row["stored_name"])
    assert files(upload_folder) == [row["stored_name"]]
    stored = (upload_folder / row["stored_name"]).read_bytes()
    assert row["size"] == len(stored)
    assert row["sha256"] == hashlib.sha256(stored).hexdigest()
    if pillow_format is None:
        assert stored == data  # documents are kept byte for byte
    else:
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == pillow_format
            assert image.size == (64, 48)


@pytest.mark.parametrize(
    ("data", "filename", "claimed", "real", "expected_name"),
    [
        (picture("PNG"), "scan.pdf", "application/pdf", "image/png", "scan.png"),
        (pdf(), "photo.jpg", "image/jpeg", "application/pdf", "photo.pdf"),
        (picture("JPEG"), "IMG_0042.JPEG", "image/png", "image/jpeg", "IMG_0042.JPEG"),
        (picture("WEBP"), "map", "text/plain", "image/webp", "map.webp"),
    ],
)
def test_the_type_comes_from_the_content_not_the_name_or_the_browser(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    data: bytes,
    filename: str,
    claimed: str,
    real: str,
    expected_name: str,
) -> None:
    assert upload(as_author, draft, data, filename, content_type=claimed).status_code == 303
    (row,) = rows(app, draft)
    assert row["content_type"] == real
    assert row["filename"] == expected_name
    response = download(as_author, url_of(row))
    assert response.status_code == 200
    assert response.mimetype == real


def test_exif_location_is_stripped_and_the_rotation_applied(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    # A phone photo taken sideways: 64 by 48 pixels, with "rotate 90°" and a GPS position.
    original = picture("JPEG", (64, 48), exif=gps_exif(orientation=6))
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo has a location"
    assert upload(as_author, draft, original, "IMG_20261127.jpg").status_code == 303

    (row,) = rows(app, draft)
    stored = (upload_folder / row["stored_name"]).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (48, 64)  # turned upright before the EXIF went
        exif = image.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Orientation not in exif
        assert ExifTags.Base.Make not in exif
        assert "exif" not in image.info
    assert b"PhoneMaker" not in stored
    assert b"Exif\x00\x00" not in stored


def test_a_polyglot_loses_what_it_hid_behind_the_picture(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    polyglot = picture("JPEG") + b"<html><script>alert(document.cookie)</script></html>"
    assert upload(as_author, draft, polyglot, "photo.jpg").status_code == 303
    (row,) = rows(app, draft)
    assert b"<script" not in (upload_folder / row["stored_name"]).read_bytes()


def test_a_png_keeps_its_transparency(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, "PNG")
    assert upload(as_author, draft, out.getvalue(), "plan.png").status_code == 303
    (row,) = rows(app, draft)
    with Image.open(upload_folder / row["stored_name"]) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0


def test_a_file_of_exactly_the_largest_size_is_accepted(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    exact = pdf_of_size(limit)
    assert len(exact) == limit
    assert upload(as_author, draft, exact, "big.pdf").status_code == 303
    assert rows(app, draft)[0]["size"] == limit


def test_the_author_may_still_add_while_the_initiative_awaits_moderation(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    set_state(app, draft, InitiativeState.SUBMITTED)
    assert upload(as_author, draft, picture("PNG"), "a.png").status_code == 303
    assert len(rows(app, draft)) == 1


def test_the_form_may_send_the_author_back_to_a_page_of_the_initiative(
    as_author: FlaskClient, draft: int
) -> None:
    back = f"/initiatives/{draft}-a-safer-crossing"
    response = upload(as_author, draft, picture("PNG"), "a.png", next=back)
    assert response.headers["Location"] == back


def test_without_a_page_to_return_to_the_author_goes_to_the_edit_page(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    response = upload(as_author, draft, picture("PNG"), "a.png", next="")
    assert response.status_code == 303
    assert response.headers["Location"] == edit_page(app, draft)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/initiatives/999999", "/account/"]
)
def test_the_way_back_never_leaves_the_initiative(
    as_author: FlaskClient, draft: int, target: str
) -> None:
    response = upload(as_author, draft, picture("PNG"), "a.png", next=target)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"/initiatives/{draft}") or location == "/"
    assert "evil" not in location


# --- refused files --------------------------------------------------------------------------


def _assert_nothing_saved(app: Flask, draft: int, folder: Path) -> None:
    assert rows(app, draft) == []
    assert files(folder) == []


HTML = b"<!doctype html><title>x</title><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
JAVASCRIPT = b"fetch('/account/').then(r => r.text()).then(alert)"
_NOISY_JPEG = picture("JPEG", (256, 256), noise=True)
_NOISY_PNG = picture("PNG", (256, 256), noise=True)
DAMAGED = "The file is damaged or incomplete"
NOT_SUPPORTED = "This file is not a JPEG, PNG or WebP picture or a PDF document"


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (HTML, "photo.jpg", "image/jpeg", NOT_SUPPORTED),
        (JAVASCRIPT, "photo.jpg", "image/jpeg", NOT_SUPPORTED),
        (SVG, "photo.jpg", "image/jpeg", NOT_SUPPORTED),
        (SVG, "drawing.svg", "image/svg+xml", NOT_SUPPORTED),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif", NOT_SUPPORTED),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "sound.webp", "image/webp", NOT_SUPPORTED),
        (b"PK\x03\x04" + b"\x00" * 40, "document.pdf", "application/pdf", NOT_SUPPORTED),
        (_NOISY_JPEG[: len(_NOISY_JPEG) // 2], "truncated.jpg", "image/jpeg", DAMAGED),
        (_NOISY_PNG[: len(_NOISY_PNG) // 2], "truncated.png", "image/png", DAMAGED),
        (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "corrupt.png", "image/png", DAMAGED),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "corrupt.jpg", "image/jpeg", DAMAGED),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "corrupt.webp", "image/webp", DAMAGED),
        (pdf()[:-40], "cut.pdf", "application/pdf", DAMAGED),
        (b"%PDF-nonsense%%EOF", "fake.pdf", "application/pdf", DAMAGED),
        (pdf(trailer=b"/Encrypt 9 0 R "), "secret.pdf", "application/pdf", "protected"),
        (b"", "empty.pdf", "application/pdf", "The file is empty"),
    ],
    ids=[
        "html-as-jpg",
        "js-as-jpg",
        "svg-as-jpg",
        "svg",
        "gif",
        "riff-wave",
        "zip-as-pdf",
        "truncated-jpeg",
        "truncated-png",
        "corrupt-png",
        "corrupt-jpeg",
        "corrupt-webp",
        "pdf-without-end",
        "pdf-without-body",
        "encrypted-pdf",
        "empty",
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_saved(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
    data: bytes,
    filename: str,
    content_type: str,
    message: str,
) -> None:
    in_english(as_author)
    response = upload(as_author, draft, data, filename, content_type=content_type)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "The attachment was not added" in page
    assert f'href="/initiatives/{draft}' in page  # the way back
    assert "The crossing in the morning" in page  # what was typed is kept
    _assert_nothing_saved(app, draft, upload_folder)


@pytest.mark.parametrize(
    "size",
    [(20_000, 20_000), (10_000, 10_000), (8_000, 8_000)],
    ids=["pillow-refuses", "pillow-warns", "over-our-limit"],
)
def test_a_decompression_bomb_is_refused_not_decoded(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
    size: tuple[int, int],
) -> None:
    in_english(as_author)
    response = upload(as_author, draft, png_declaring(*size), "bomb.png")
    assert response.status_code == 422
    assert "The picture has more than 50 million pixels" in response.get_data(as_text=True)
    _assert_nothing_saved(app, draft, upload_folder)


def test_a_file_over_the_limit_is_refused_with_413(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
) -> None:
    in_english(as_author)
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    too_big = pdf_of_size(limit + 1)
    assert len(too_big) == limit + 1
    response = upload(as_author, draft, too_big, "big.pdf")
    assert response.status_code == 413
    assert "The file is larger than 5 MB" in response.get_data(as_text=True)
    _assert_nothing_saved(app, draft, upload_folder)


def test_a_request_over_the_servers_limit_gets_the_same_explanation(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
) -> None:
    in_english(as_author)
    huge = b"%PDF-1.4\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(as_author, draft, huge, "huge.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is larger than 5 MB" in page
    assert f'href="{edit_page(app, draft)}"' in page  # the body with "next" was never read
    _assert_nothing_saved(app, draft, upload_folder)


def test_too_many_attachments_are_refused_and_the_others_kept(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
) -> None:
    in_english(as_author)
    limit = app.config["ATTACHMENTS_PER_INITIATIVE"]
    for n in range(limit):
        assert upload(as_author, draft, picture("PNG"), f"{n}.png").status_code == 303
    before = rows(app, draft)
    stored = files(upload_folder)

    response = upload(as_author, draft, picture("PNG"), "one-more.png")
    assert response.status_code == 422
    assert "as many attachments as it can have" in response.get_data(as_text=True)
    assert rows(app, draft) == before
    assert files(upload_folder) == stored
    assert len(stored) == limit


def test_the_service_refuses_too_many_even_without_the_form(
    app: Flask, author: int, draft: int
) -> None:
    with app.app_context():
        app.config["ATTACHMENTS_PER_INITIATIVE"] = 1
        try:
            actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
            attachments.add(actor, initiative, upload=_storage(picture("PNG")), description="1")
            with pytest.raises(AttachmentRefused) as refused:
                attachments.add(actor, initiative, upload=_storage(picture("PNG")), description="2")
            assert refused.value.reason is Refusal.TOO_MANY
        finally:
            app.config["ATTACHMENTS_PER_INITIATIVE"] = 5


@pytest.mark.parametrize(
    ("data", "filename", "description", "message"),
    [
        (None, "", "A picture", "Choose a file to attach."),
        (b"", "", "A picture", "Choose a file to attach."),
        (picture("PNG"), "a.png", None, "Describe the picture or document."),
        (picture("PNG"), "a.png", "   \n\t ", "Describe the picture or document."),
        (picture("PNG"), "a.png", "x" * 301, "Use at most 300 characters."),
    ],
    ids=["no-file-part", "no-file-chosen", "no-description", "blank-description", "too-long"],
)
def test_the_form_explains_what_is_missing(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    in_english: Callable[[FlaskClient], None],
    data: bytes | None,
    filename: str,
    description: str | None,
    message: str,
) -> None:
    in_english(as_author)
    response = upload(as_author, draft, data, filename, description=description)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'href="#attachment-' in page  # the summary leads to the field
    _assert_nothing_saved(app, draft, upload_folder)


def test_a_description_of_the_largest_length_is_accepted(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    assert (
        upload(as_author, draft, picture("PNG"), "a.png", description="x" * 300).status_code == 303
    )
    assert rows(app, draft)[0]["description"] == "x" * 300


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../../../etc/evil.png", "evil.png"),
        ("/home/ana/../x/.htaccess", "htaccess.png"),
        ("..", "attachment.png"),
        ("photo\u202egnp.exe", "photognp.exe.png"),
        ("  spaced   out  .png", "spaced out.png"),
    ],
)
def test_the_uploaded_name_is_cleaned_and_nothing_escapes_the_folder(
    app: Flask,
    as_author: FlaskClient,
    draft: int,
    upload_folder: Path,
    tmp_path: Path,
    raw: str,
    expected: str,
) -> None:
    assert upload(as_author, draft, picture("PNG"), raw).status_code == 303
    (row,) = rows(app, draft)
    assert row["filename"] == expected
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [f"uploads/{row['stored_name']}"]


def test_control_characters_never_reach_the_database(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    # PostgreSQL refuses NUL in text: unchecked, this would be a 500. A NUL in any form value
    # is refused before the view runs; other invisible characters are cleaned away.
    response = upload(as_author, draft, picture("PNG"), "a.png", description="The \x00crossing")
    assert response.status_code == 400
    assert rows(app, draft) == []
    # A direction override is refused with a message, as in every other text a person types.
    response = upload(
        as_author, draft, picture("PNG"), "a.png", description="The crossing\u202e at night"
    )
    assert response.status_code == 422
    assert rows(app, draft) == []
    response = upload(
        as_author, draft, picture("PNG"), "a.png", description="The crossing\nat night"
    )
    assert response.status_code == 303
    assert rows(app, draft)[0]["description"] == "The crossing at night"


# --- download -------------------------------------------------------------------------------


def test_a_picture_is_shown_inline_with_safe_headers(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    upload(as_author, draft, picture("JPEG"), "crossing.jpg")
    (row,) = rows(app, draft)
    response = download(as_author, url_of(row))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert (disposition, options) == ("inline", {"filename": "crossing.jpg"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"  # a draft
    assert response.data == (upload_folder / row["stored_name"]).read_bytes()


def test_a_pdf_is_downloaded_under_its_name_also_with_non_ascii_letters(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    upload(as_author, draft, pdf(), "šola in vrtec.pdf")
    (row,) = rows(app, draft)
    response = download(as_author, url_of(row))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    header = response.headers["Content-Disposition"]
    # RFC 6266 and 5987: an ASCII fallback, and the real name encoded in UTF-8.
    assert header.startswith('attachment; filename="sola in vrtec.pdf"; ')
    assert "filename*=UTF-8''%C5%A1ola%20in%20vrtec.pdf" in header
    assert parse_options_header(header) == ("attachment", {"filename": "šola in vrtec.pdf"})
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.data == pdf()


def test_a_drafts_attachment_is_hidden_from_everyone_but_its_author(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., int],
    author: int,
    draft: int,
) -> None:
    login(client, author)
    upload(client, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    assert download(client, url_of(row)).status_code == 200

    anonymous = app.test_client()
    assert download(anonymous, url_of(row)).status_code == 404
    other = app.test_client()
    login(other, make_user())
    assert download(other, url_of(row)).status_code == 404  # 404, not 403: nothing is revealed


def test_after_publication_everyone_may_see_it(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    set_state(app, draft, InitiativeState.PUBLISHED)
    response = download(app.test_client(), url_of(row))
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers  # anonymous visitors get no cookie


def test_a_rejected_initiatives_pictures_are_not_shown(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    set_state(app, draft, InitiativeState.REJECTED)
    assert download(app.test_client(), url_of(row)).status_code == 404
    assert download(as_author, url_of(row)).status_code == 200


def test_download_of_a_missing_file_or_a_wrong_address_is_404(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    assert (
        download(as_author, f"/initiatives/{draft + 1}/attachments/{row['id']}/a.png").status_code
        == 404
    )
    assert (
        download(as_author, f"/initiatives/{draft}/attachments/{row['id'] + 1}/a.png").status_code
        == 404
    )
    (upload_folder / row["stored_name"]).unlink()
    assert download(as_author, url_of(row)).status_code == 404


def test_a_tampered_stored_name_is_never_opened(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    with app.app_context():
        db.session.execute(
            sa.update(Attachment)
            .where(Attachment.id == row["id"])
            .values(stored_name="../../x.png")
        )
        db.session.commit()
    assert download(as_author, url_of(row)).status_code == 404


# --- removal and permissions ----------------------------------------------------------------


def test_the_author_removes_an_attachment_and_its_file(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    upload(as_author, draft, pdf(), "b.pdf")
    first, second = rows(app, draft)
    response = as_author.post(f"/initiatives/{draft}/attachments/{first['id']}/delete")
    assert response.status_code == 303
    assert rows(app, draft) == [second]
    assert files(upload_folder) == [second["stored_name"]]


def test_another_resident_may_neither_add_nor_remove(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., int],
    author: int,
    draft: int,
    upload_folder: Path,
) -> None:
    login(client, author)
    upload(client, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    stored = files(upload_folder)
    set_state(app, draft, InitiativeState.PUBLISHED)  # now they can see it

    other = app.test_client()
    login(other, make_user())
    assert upload(other, draft, picture("PNG"), "b.png").status_code == 403
    assert other.post(f"/initiatives/{draft}/attachments/{row['id']}/delete").status_code == 403
    # Published: not even the author changes the attachments any more.
    assert upload(client, draft, picture("PNG"), "c.png").status_code == 403
    assert client.post(f"/initiatives/{draft}/attachments/{row['id']}/delete").status_code == 403
    assert rows(app, draft) == [row]
    assert files(upload_folder) == stored


def test_a_moderator_who_can_see_a_submitted_initiative_may_not_change_its_attachments(
    app: Flask,
    as_author: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., int],
    draft: int,
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    set_state(app, draft, InitiativeState.SUBMITTED)
    moderator = app.test_client()
    login(moderator, make_user(roles=[(Role.MODERATOR, None)]))
    assert download(moderator, url_of(row)).status_code == 200
    assert upload(moderator, draft, picture("PNG"), "b.png").status_code == 403
    assert moderator.post(f"/initiatives/{draft}/attachments/{row['id']}/delete").status_code == 403
    assert len(rows(app, draft)) == 1


def test_others_cannot_learn_that_a_draft_exists(
    app: Flask,
    as_author: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., int],
    draft: int,
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    other = app.test_client()
    login(other, make_user())
    assert upload(other, draft, picture("PNG"), "b.png").status_code == 404
    assert other.post(f"/initiatives/{draft}/attachments/{row['id']}/delete").status_code == 404
    assert len(rows(app, draft)) == 1


def test_signing_in_is_required_to_add_or_remove(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    anonymous = app.test_client()
    for response in (
        upload(anonymous, draft, picture("PNG"), "b.png"),
        anonymous.post(f"/initiatives/{draft}/attachments/{row['id']}/delete"),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    assert len(rows(app, draft)) == 1


def test_unknown_initiative_or_attachment_is_404(
    app: Flask, as_author: FlaskClient, draft: int
) -> None:
    assert upload(as_author, 999_999, picture("PNG"), "a.png").status_code == 404
    assert as_author.post(f"/initiatives/{draft}/attachments/999999/delete").status_code == 404


def test_an_attachment_cannot_be_removed_through_another_initiative(
    app: Flask, as_author: FlaskClient, author: int, draft: int
) -> None:
    upload(as_author, draft, picture("PNG"), "a.png")
    (row,) = rows(app, draft)
    with app.app_context():
        seed_reference_data()
        other = services.create_draft(
            db.session.get(User, author),
            title="Another",
            summary="Another one.",
            body="Text.",
            topic_id=db.session.scalar(sa.select(Topic.id).limit(1)),
            community_id=None,
            location=None,
        )
        db.session.commit()
        other_id = other.id
    response = as_author.post(f"/initiatives/{other_id}/attachments/{row['id']}/delete")
    assert response.status_code == 404
    assert len(rows(app, draft)) == 1


@pytest.mark.usefixtures("csrf_enabled")
def test_an_upload_without_the_csrf_token_is_refused(
    app: Flask, as_author: FlaskClient, draft: int, upload_folder: Path
) -> None:
    assert upload(as_author, draft, picture("PNG"), "a.png").status_code == 400
    _assert_nothing_saved(app, draft, upload_folder)


# --- files follow the transaction -----------------------------------------------------------


def _storage(data: bytes, filename: str = "a.png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="image/png")


def test_a_new_file_goes_when_the_transaction_is_rolled_back(
    app: Flask, author: int, draft: int, upload_folder: Path
) -> None:
    with app.app_context():
        actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
        attachment = attachments.add(
            actor, initiative, upload=_storage(picture("PNG")), description="A plan"
        )
        path = path_of(attachment.stored_name)
        assert path.exists()
        db.session.rollback()
        assert not path.exists()
    assert files(upload_folder) == []


def test_a_removed_file_goes_only_after_the_commit(
    app: Flask, author: int, draft: int, upload_folder: Path
) -> None:
    with app.app_context():
        actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
        attachment = attachments.add(
            actor, initiative, upload=_storage(picture("PNG")), description="A plan"
        )
        db.session.commit()
        path = path_of(attachment.stored_name)

        attachments.remove(actor, initiative, attachment)
        assert path.exists()  # the row's deletion is flushed, not committed
        db.session.rollback()
        assert path.exists()  # rolled back: the row is there again, and so is its file
        assert len(initiative.attachments) == 1

        attachments.remove(actor, initiative, initiative.attachments[0])
        db.session.commit()
        assert not path.exists()


def test_a_savepoint_rolled_back_keeps_the_file(
    app: Flask, author: int, draft: int, upload_folder: Path
) -> None:
    with app.app_context():
        actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
        attachment = attachments.add(
            actor, initiative, upload=_storage(picture("PNG")), description="A plan"
        )
        db.session.commit()
        path = path_of(attachment.stored_name)
        savepoint = db.session.begin_nested()
        attachments.remove(actor, initiative, attachment)
        savepoint.rollback()
        db.session.commit()
        assert db.session.get(Attachment, attachment.id) is not None
        assert path.exists()


def test_deleting_a_draft_deletes_its_files(
    app: Flask, author: int, draft: int, upload_folder: Path
) -> None:
    with app.app_context():
        actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
        attachments.add(actor, initiative, upload=_storage(picture("PNG")), description="A plan")
        db.session.commit()
        assert len(files(upload_folder)) == 1
        services.delete_draft(actor, initiative)
        db.session.commit()
    assert files(upload_folder) == []


def test_the_service_checks_permission_and_the_description(
    app: Flask, author: int, draft: int, make_user: Callable[..., int]
) -> None:
    other_id = make_user()
    with app.app_context():
        initiative = db.session.get(Initiative, draft)
        with pytest.raises(services.NotAllowed):
            attachments.add(
                db.session.get(User, other_id),
                initiative,
                upload=_storage(picture("PNG")),
                description="x",
            )
        with pytest.raises(AttachmentRefused) as refused:
            attachments.add(
                db.session.get(User, author),
                initiative,
                upload=_storage(picture("PNG")),
                description=" ",
            )
        assert refused.value.reason is Refusal.NO_DESCRIPTION


# --- the macros -----------------------------------------------------------------------------


def test_the_macros_render_an_accessible_list_and_form(app: Flask, author: int, draft: int) -> None:
    with app.app_context():
        actor, initiative = db.session.get(User, author), db.session.get(Initiative, draft)
        attachments.add(
            actor,
            initiative,
            upload=_storage(picture("JPEG", (120, 80)), "crossing.jpg"),
            description="Children at the crossing",
        )
        attachments.add(
            actor,
            initiative,
            upload=_storage(pdf(padding=1500), "signatures.pdf"),
            description="Signatures of 40 parents",
        )
        with app.test_request_context(
            f"/initiatives/{draft}/edit", headers={"Cookie": "glas_lang=en"}
        ):
            html = render_template_string(
                '{% from "initiatives/_attachments.html" import attachment_list, '
                "attachment_form %}{{ attachment_list(initiative) }}"
                "{{ attachment_form(initiative, form) }}",
                initiative=initiative,
                form=AttachmentForm(),
            )
    picture_url = re.search(r'<img src="([^"]+)"', html)
    assert picture_url
    assert picture_url.group(1).endswith("/crossing.jpg")
    assert 'alt="Children at the crossing"' in html
    assert 'width="120" height="80"' in html
    assert 'loading="lazy"' in html
    assert ">Signatures of 40 parents</a>" in html
    assert "PDF document, 2 kB" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrf_token"' in html
    assert '<label class="field__label" for="attachment-file">' in html
    assert 'for="attachment-description"' in html
    assert "of at most 5 MB" in html
    assert f'action="/initiatives/{draft}/attachments"' in html
    assert html.count("/delete") == 2  # a remove form for each attachment
    assert f'name="next" value="/initiatives/{draft}/edit"' in html
