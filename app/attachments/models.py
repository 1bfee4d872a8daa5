"""The columns of a stored file, for every model that owns one: ``StoredFile``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session

from app.attachments import files
from app.core.db import UTCDateTime
from app.core.time import utcnow


class StoredFile:
    """A checked file in UPLOAD_FOLDER, as a row records it: the owner adds its own columns.

    The file follows the row: it is deleted after the commit that deletes the row (see
    ``_note_deleted_file`` below and the listeners in ``files``).
    """

    #: A generated name on disk (never the uploaded one).
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: The uploaded name, cleaned, for the download.
    filename: Mapped[str] = mapped_column(sa.String(150))
    #: Decided from the content, not from the name or the browser's claim.
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Last, after the owner's own columns, as in the tables made before this mixin was.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=2)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def set_file(self, checked: files.Checked, stored_name: str) -> None:
        """Record the file ``files.store(checked)`` wrote as ``stored_name``."""
        self.stored_name = stored_name
        self.filename = checked.filename
        self.content_type = checked.kind.content_type
        self.size = checked.size
        self.sha256 = checked.sha256


# On the mixin, for every model that uses it, mapped now or later.
@sa.event.listens_for(StoredFile, "after_delete", propagate=True)
def _note_deleted_file(_mapper: Mapper[StoredFile], _connection: object, item: StoredFile) -> None:
    # Every ORM deletion of a row passes here: a removal, an orphan, a deleted draft's cascade.
    session = object_session(item)
    if session is not None:
        files.delete_after_commit(session, item.stored_name)
