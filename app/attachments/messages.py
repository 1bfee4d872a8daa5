"""What a refused upload tells its author, and the HTTP status of the answer."""

from __future__ import annotations

from flask import current_app
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from app.attachments import files
from app.attachments.files import Refusal
from app.attachments.forms import max_megabytes

_R = Refusal
#: The HTTP status of each refusal: too large is 413; no room to keep it is 507 (Insufficient
#: Storage), a failed write 503 (try again later); everything else is content the server
#: understood and cannot accept (422), as for a form that does not validate.
STATUS = {_R.TOO_LARGE: 413, _R.STORAGE_FULL: 507, _R.STORAGE_FAILED: 503}
#: Messages that need no number from the settings.
MESSAGES = {
    _R.NO_FILE: _l("Choose a file to attach."),
    _R.EMPTY_FILE: _l("The file is empty. Choose another file."),
    _R.UNSUPPORTED_TYPE: _l(
        "This file is not a JPEG, PNG or WebP picture or a PDF document. "
        "Save it in one of these formats and try again."
    ),
    _R.DAMAGED: _l(
        "The file is damaged or incomplete and cannot be read. "
        "Open it on your device, save it again and try again."
    ),
    _R.ENCRYPTED_PDF: _l(
        "The PDF document is protected with a password or encrypted. "
        "Save it without protection and try again."
    ),
    _R.NO_DESCRIPTION: _l("Describe the picture or document."),
    # The author can do nothing about the server's disk but wait, or send less.
    _R.STORAGE_FULL: _l(
        "The file could not be saved: there is no room for it on the server right now. "
        "Nothing was saved. Try again later, or with a smaller file."
    ),
    _R.STORAGE_FAILED: _l(
        "The file could not be saved because of a fault on the server. "
        "Nothing was saved. Please try again in a few minutes."
    ),
    _R.DESCRIPTION_TOO_LONG: _l("Use at most %(max)d characters.", max=files.DESCRIPTION_MAX),
}
#: Which refusals are about the description (the rest are about the file).
DESCRIPTION_REFUSALS = (_R.NO_DESCRIPTION, _R.DESCRIPTION_TOO_LONG)


def status(reason: Refusal) -> int:
    """The HTTP status of the page that explains the refusal."""
    return STATUS.get(reason, 422)


def refusal_message(reason: Refusal, *, too_many: str | None = None) -> str:
    """What is wrong and what to do, in the user's language.

    ``too_many`` is the owner's message for ``TOO_MANY``: only the owner knows its limit and
    what to call itself ("An initiative can have at most …").

    :raise ValueError: ``TOO_MANY`` without the owner's message.
    """
    if reason is _R.TOO_MANY:
        if too_many is None:
            raise ValueError("the owner says what too many attachments are")
        return too_many
    if reason is _R.TOO_LARGE:
        return gettext(
            "The file is larger than %(size)s MB. Make it smaller and try again.",
            size=max_megabytes(),
        )
    if reason is _R.TOO_MANY_PIXELS:
        limit = current_app.config.get("ATTACHMENT_MAX_PIXELS", files.MAX_PIXELS)
        return gettext(
            "The picture has more than %(megapixels)s million pixels. "
            "Make it smaller and try again.",
            megapixels=format_decimal(round(limit / 1_000_000, 1)),
        )
    return str(MESSAGES[reason])
