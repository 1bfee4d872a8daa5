"""The form that adds an attachment to an initiative."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from app.core.forms import Form, max_length
from app.initiatives.attachments import DESCRIPTION_MAX, KINDS

#: What the browser's file chooser offers first; the server decides by content all the same.
ACCEPT = ",".join(
    [kind.content_type for kind in KINDS] + sorted({e for k in KINDS for e in k.aliases})
)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class AttachmentForm(Form):
    # Explicit ids: the form sits on pages with other forms, whose fields may share names.
    file = FileField(
        _l("Picture or PDF document"),
        id="attachment-file",
        validators=[FileRequired(message=_l("Choose a file to attach."))],
        render_kw={"accept": ACCEPT},
    )
    description = TextAreaField(
        _l("Description"),
        id="attachment-description",
        description=_l(
            "For a picture, describe what it shows, for people who cannot see it. "
            "For a document, say what it is."
        ),
        # Stripped first, so a trailing newline does not count against the limit.
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Describe the picture or document.")),
            max_length(DESCRIPTION_MAX),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limits are settings, known only inside a request; the hint names them.
        self.file.description = gettext(
            "A JPEG, PNG or WebP picture, or a PDF document, of at most %(size)s MB.",
            size=max_megabytes(),
        )


def max_megabytes() -> str:
    """The largest attachment, in MB, written in the user's language."""
    return format_decimal(round(current_app.config["ATTACHMENT_MAX_BYTES"] / (1024 * 1024), 1))
