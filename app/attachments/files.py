"""Checking and storing uploaded files: pictures and PDF documents.

An upload is trusted for nothing. Its type is decided from the bytes, never from the name or
the browser's Content-Type; pictures are decoded in full and encoded again, which drops every
piece of metadata (a phone photo's EXIF GPS position must not be published) and anything a
polyglot file hid beside the pixels; PDFs must at least look like PDFs. Files live outside the
static folder under random names and are served only through a download view (``serving``).

The database decides what exists: a file is written before its row is flushed and deleted only
after the row's deletion is committed, so a failure leaves at worst an orphan file, never a row
pointing at nothing. ``store`` and the listeners at the end of this module do that for every
model with the ``models.StoredFile`` columns.

A file is written whole or not at all: to a temporary file beside it, synced, then renamed. If
the disk is full (or a quota or file size limit is reached) or the write fails otherwise, the
temporary file is removed and the upload is refused like a bad file (``STORAGE_FULL``,
``STORAGE_FAILED``): the author sees why on the form, and the caller's row is never added.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import functools
import hashlib
import io
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from app.core.durable import sync_folder
from app.core.text import DIRECTION_CONTROLS
from app.extensions import db

#: Longest text alternative or document description (the column's size).
DESCRIPTION_MAX = 300
#: Longest file name kept for the download (the column's size).
FILENAME_MAX = 150
#: Largest picture accepted, in pixels, unless ATTACHMENT_MAX_PIXELS says otherwise. 50 MP takes
#: any phone photo; decoding one needs about 200 MB, so the limit is what keeps a small file
#: that declares a huge canvas (a decompression bomb) from exhausting the server's memory. It
#: stays below Pillow's own warning threshold (about 89 MP), so ours is the check that speaks.
MAX_PIXELS = 50_000_000
#: Quality of re-encoded JPEG and WebP pictures: visually lossless for photos.
QUALITY = 85


class Refusal(enum.StrEnum):
    """Why an upload was refused; the view turns each into a message in the user's language."""

    NO_FILE = "no_file"
    EMPTY_FILE = "empty_file"
    TOO_LARGE = "too_large"
    #: The owner (an initiative, a reply) has as many files as it may have.
    TOO_MANY = "too_many"
    UNSUPPORTED_TYPE = "unsupported_type"
    DAMAGED = "damaged"
    TOO_MANY_PIXELS = "too_many_pixels"
    ENCRYPTED_PDF = "encrypted_pdf"
    NO_DESCRIPTION = "no_description"
    DESCRIPTION_TOO_LONG = "description_too_long"
    #: The upload folder has no room: its disk is full, or a quota or size limit is reached.
    STORAGE_FULL = "storage_full"
    #: Writing the file failed otherwise (a disk error, a folder that cannot be written).
    STORAGE_FAILED = "storage_failed"


class AttachmentRefused(Exception):
    """The upload cannot become an attachment; ``reason`` says why. Nothing was saved."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Kind:
    """A type Glas accepts: how it is served, stored and, for pictures, decoded."""

    content_type: str
    extension: str
    #: Other extensions that name the same type, so "IMG_1.JPEG" keeps its name.
    aliases: frozenset[str]
    #: Pillow's name of the format; None for documents, which are not decoded.
    pillow_format: str | None

    @property
    def is_image(self) -> bool:
        return self.pillow_format is not None


JPEG = Kind("image/jpeg", ".jpg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}), "JPEG")
PNG = Kind("image/png", ".png", frozenset({".png"}), "PNG")
WEBP = Kind("image/webp", ".webp", frozenset({".webp"}), "WEBP")
PDF = Kind("application/pdf", ".pdf", frozenset({".pdf"}), None)
KINDS = (JPEG, PNG, WEBP, PDF)
_KNOWN_EXTENSIONS = frozenset().union(*(kind.aliases for kind in KINDS))
_BY_EXTENSION = {kind.extension: kind for kind in KINDS}
#: The shape of every name ``store`` generates; anything else is never opened.
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp|pdf)")


@dataclass(frozen=True)
class Checked:
    """An upload that passed every check: the bytes to store and what to record of them."""

    #: What is stored: a picture re-encoded without metadata, a document as it came.
    data: bytes
    kind: Kind
    #: The uploaded name, cleaned, ending in the real type's extension.
    filename: str
    sha256: str
    size: int


# --- checking and storing -----------------------------------------------------------------


def check(upload: FileStorage | None, *, kinds: tuple[Kind, ...] = KINDS) -> Checked:
    """Read, identify and clean an upload; ``kinds`` are the types the caller accepts.

    :raise AttachmentRefused: no file, too large, not of an accepted kind, or unreadable.
    """
    data = _read(upload)
    kind = sniff(data)
    # A picture offered where only documents are taken is as unsupported as a ZIP file.
    if kind is None or kind not in kinds:
        raise AttachmentRefused(Refusal.UNSUPPORTED_TYPE)
    stored = _reencode(data, kind) if kind.is_image else _checked_pdf(data)
    return Checked(
        data=stored,
        kind=kind,
        filename=clean_filename(upload.filename if upload else None, kind),
        sha256=hashlib.sha256(stored).hexdigest(),
        size=len(stored),
    )


def store(checked: Checked) -> str:
    """Write the checked bytes under a new random name in UPLOAD_FOLDER; return the name.

    The file goes away again unless the session's transaction commits, so the caller adds the
    row that names it in that same transaction.

    :raise AttachmentRefused: the file could not be written (``STORAGE_FULL``,
        ``STORAGE_FAILED``); nothing of it is left in the folder.
    """
    stored_name = secrets.token_hex(16) + checked.kind.extension
    path = path_of(stored_name)
    session = db.session()
    if not session.in_transaction():
        # Before any SQL there is no transaction yet, so none would end and take the file.
        session.begin()
    try:
        _write_atomically(path, checked.data)
    except OSError as error:
        raise AttachmentRefused(_refusal_for(error, path.parent, checked.size)) from error
    # From here on the file goes away again unless the transaction commits.
    _pending(session, _NEW_FILES).append(path)
    return stored_name


def delete_after_commit(session: Session, stored_name: str) -> None:
    """Delete the stored file once the session's transaction commits (its row was deleted)."""
    # A name Glas did not generate has no file of ours to delete.
    with contextlib.suppress(ValueError):
        _pending(session, _DOOMED_FILES).append(path_of(stored_name))


def path_of(stored_name: str) -> Path:
    """Where the stored file is, inside UPLOAD_FOLDER and nowhere else.

    :raise ValueError: the stored name is not one Glas generates (a tampered row).
    """
    if not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored attachment name: {stored_name!r}")
    folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    path = folder / stored_name
    # The pattern already rules out separators and "..": this is belt and braces.
    if path.parent != folder:
        raise ValueError(f"attachment path outside the upload folder: {path}")
    return path


def image_size(stored_name: str) -> tuple[int, int] | None:
    """Width and height of a stored picture (for the ``<img>`` attributes), or None."""
    try:
        path = path_of(stored_name)
    except ValueError:
        return None
    if not _BY_EXTENSION[path.suffix].is_image:
        return None
    return _image_size(str(path))


@functools.lru_cache(maxsize=4096)
def _image_size(path: str) -> tuple[int, int] | None:
    # Stored files never change (a new upload gets a new random name), so the answer can be
    # kept for the life of the process; only the header is read.
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


# --- checking the input -------------------------------------------------------------------


def clean_description(description: str | None) -> str:
    """One line of text without control characters; refused when empty or too long."""
    text = "".join(char for char in (description or "") if not _is_control(char) or char.isspace())
    text = " ".join(text.split())
    if not text:
        raise AttachmentRefused(Refusal.NO_DESCRIPTION)
    if len(text) > DESCRIPTION_MAX:
        raise AttachmentRefused(Refusal.DESCRIPTION_TOO_LONG)
    return text


def _is_control(char: str) -> bool:
    # Cc are control characters (NUL breaks PostgreSQL text); the bidirectional overrides in
    # Cf can make "photo‮gpj.exe" display as "photoexe.jpg".
    category = unicodedata.category(char)
    return category == "Cc" or char in DIRECTION_CONTROLS


def clean_filename(raw: str | None, kind: Kind) -> str:
    """The uploaded name, safe to show and to offer for download, ending in the real type.

    Only the last path part is kept (browsers on Windows send ``C:\\…\\photo.jpg``), control
    and formatting characters and the characters Windows forbids go, and an extension that
    names another type is replaced: a PNG uploaded as ``scan.pdf`` downloads as ``scan.png``.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        "_" if char in '<>:"|?*' else char
        for char in name
        if not unicodedata.category(char).startswith("C")
    )
    name = " ".join(name.split()).strip(" .")  # no hidden ".htaccess", no trailing dot
    stem, extension = os.path.splitext(name)
    if extension.lower() in kind.aliases:
        ending = extension
    else:
        ending = kind.extension
        if extension.lower() not in _KNOWN_EXTENSIONS:
            stem = name  # "report.v2" is a name, not an extension to drop
    stem = stem.strip(" .") or "attachment"
    return stem[: FILENAME_MAX - len(ending)].rstrip(" .") + ending


def sniff(data: bytes) -> Kind | None:
    """The type the content declares by its signature (magic bytes), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def _read(upload: FileStorage | None) -> bytes:
    if upload is None:
        raise AttachmentRefused(Refusal.NO_FILE)
    # One byte more than allowed tells "too large" without reading a huge file whole.
    data = upload.stream.read(_max_bytes() + 1)
    if not data:
        # A form sent without choosing a file still has the part, with an empty name.
        raise AttachmentRefused(Refusal.EMPTY_FILE if upload.filename else Refusal.NO_FILE)
    if len(data) > _max_bytes():
        raise AttachmentRefused(Refusal.TOO_LARGE)
    return data


def _reencode(data: bytes, kind: Kind) -> bytes:
    """Decode the picture in full and encode it again in its own format, without metadata."""
    try:
        # Only the sniffed format's decoder may read it: no format detection by Pillow.
        image = Image.open(io.BytesIO(data), formats=[str(kind.pillow_format)])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses (or, where warnings are errors, warns about) a huge declared size.
        raise AttachmentRefused(Refusal.TOO_MANY_PIXELS) from None
    except Exception:  # a decoder fed hostile bytes may raise anything
        raise AttachmentRefused(Refusal.DAMAGED) from None
    with image:
        width, height = image.size
        if width < 1 or height < 1 or width * height > _max_pixels():
            raise AttachmentRefused(Refusal.TOO_MANY_PIXELS)
        try:
            image.load()  # every pixel: a truncated or corrupt file fails here
            upright = ImageOps.exif_transpose(image)  # before the EXIF with the rotation goes
            return _encode(upright, kind)
        except AttachmentRefused:
            raise
        except Exception:  # as above; a MemoryError is refused too
            raise AttachmentRefused(Refusal.DAMAGED) from None


def _encode(image: Image.Image, kind: Kind) -> bytes:
    transparency = image.info.get("transparency")
    icc_profile = image.info.get("icc_profile")
    # Pillow's encoders copy some metadata (ICC profile, comments, XMP, text chunks) from
    # ``info`` when saving; emptying it is what strips the file, with the pixels kept.
    image.info = {}
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    options: dict[str, Any] = {}
    if kind is JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        options = {"quality": QUALITY, "optimize": True}
    elif kind is PNG:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        if transparency is not None and image.mode in ("1", "L", "P", "RGB"):
            options["transparency"] = transparency
    else:
        if image.mode not in ("RGB", "RGBA"):
            has_alpha = "A" in image.mode or transparency is not None
            image = image.convert("RGBA" if has_alpha else "RGB")
        options = {"quality": QUALITY, "method": 4}
    out = io.BytesIO()
    image.save(out, kind.pillow_format, **options)
    return out.getvalue()


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert to sRGB, so dropping the embedded colour profile does not change the colours.

    The profile is not personal data, but it is up to megabytes of bytes the author chose;
    converting lets us drop it. Where that is impossible the picture keeps its pixels as they
    are, a little off in colour at worst.
    """
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    except Exception:  # a broken profile is the author's problem, not a reason to refuse
        return image
    return converted if converted is not None else image


def _checked_pdf(data: bytes) -> bytes:
    """A PDF is stored as it is, once it has a PDF header and end marker and is not encrypted.

    Glas does not render PDFs: they are served for download only, as ``attachment`` with a
    sandboxing Content-Security-Policy, so a stricter parse would add little.
    """
    if not re.match(rb"%PDF-[12]\.\d", data) or b"%%EOF" not in data[-1024:]:
        raise AttachmentRefused(Refusal.DAMAGED)
    if b"/Encrypt" in data:
        # Encrypted documents cannot be checked, indexed or read by a screen reader.
        raise AttachmentRefused(Refusal.ENCRYPTED_PDF)
    return data


def _max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def _max_pixels() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_PIXELS", MAX_PIXELS))


#: The errors of a write that found no room: the disk, the quota, the largest file allowed.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _refusal_for(error: OSError, folder: Path, size: int) -> Refusal:
    """Why the file could not be written, as the author is told; the operator is told more."""
    if error.errno in _NO_ROOM:
        # Not a fault of the code: the folder needs room, which only the operator can make.
        current_app.logger.error(
            "attachment of %d bytes not saved, no room in %s: %s", size, folder, error
        )
        return Refusal.STORAGE_FULL
    current_app.logger.exception("attachment of %d bytes not saved in %s", size, folder)
    return Refusal.STORAGE_FAILED


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, sync, then rename: the file is there
    whole, or nothing is (the temporary file is removed whatever fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # a full disk may say so only here (delayed allocation)
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
        # A crash right after the commit must not lose the file.
        sync_folder(path.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        path.unlink(missing_ok=True)  # renamed already, but the rename was not made durable
        raise


# --- files follow the transaction ---------------------------------------------------------
#
# Files are not transactional, so they follow the outermost database transaction of the
# session: new files are deleted when it ends without a commit, files of deleted rows only
# after it commits. A process that dies in between leaves an orphan file, which is harmless.
# The rows' side, noting the file of every deleted row, is in ``models`` (``StoredFile``).

_NEW_FILES = "glas.attachments.new_files"
_DOOMED_FILES = "glas.attachments.doomed_files"


def _pending(session: Session, key: str) -> list[Path]:
    return session.info.setdefault(key, [])  # type: ignore[no-any-return]


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not delete attachment file %s", path, exc_info=True)


@sa.event.listens_for(db.session, "after_soft_rollback")
def _keep_files_on_savepoint_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        # A SAVEPOINT rolled back may have restored rows whose files were to go: keep them
        # all; an orphan file is better than a row pointing at nothing.
        session.info.pop(_DOOMED_FILES, None)


@sa.event.listens_for(db.session, "after_commit")
def _apply_file_changes(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released; the real commit comes later
    session.info.pop(_NEW_FILES, None)  # their rows are saved now
    _unlink(session.info.pop(_DOOMED_FILES, []))


@sa.event.listens_for(db.session, "after_transaction_end")
def _discard_file_changes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # The outermost transaction ended without a commit (rolled back, or the session closed):
    # the deleted rows are back, and the new files have no rows.
    session.info.pop(_DOOMED_FILES, None)
    _unlink(session.info.pop(_NEW_FILES, []))
