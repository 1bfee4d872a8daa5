"""The form that adds a stored file: the file, and what it shows or is."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from app.attachments.files import DESCRIPTION_MAX, KINDS, Kind
from app.core.forms import Form, max_length


def accept(kinds: tuple[Kind, ...]) -> str:
    """The file chooser's ``accept`` for these kinds: their content types and extensions."""
    return ",".join(
        [kind.content_type for kind in kinds] + sorted({e for k in kinds for e in k.aliases})
    )


#: What the browser's file chooser offers first; the server decides by content all the same.
ACCEPT = accept(KINDS)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class AttachmentForm(Form):
    """A picture or PDF document with its description.

    A form for fewer kinds (a reply's signed PDF) sets ``kinds``, which the file chooser
    offers, overrides ``file_hint`` to name them and passes the same kinds to ``files.check``.
    """

    #: The kinds the file chooser offers.
    kinds: ClassVar[tuple[Kind, ...]] = KINDS

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
        if self.kinds != KINDS:
            # A new dict: the class's field arguments are shared by every form made from it.
            self.file.render_kw = {**(self.file.render_kw or {}), "accept": accept(self.kinds)}
        # The limits are settings, known only inside a request; the hint names them.
        self.file.description = self.file_hint()

    def file_hint(self) -> str:
        """What the file field takes, in the user's language."""
        return gettext(
            "A JPEG, PNG or WebP picture, or a PDF document, of at most %(size)s MB.",
            size=max_megabytes(),
        )


def max_megabytes() -> str:
    """The largest attachment, in MB, written in the user's language."""
    return format_decimal(round(current_app.config["ATTACHMENT_MAX_BYTES"] / (1024 * 1024), 1))
