"""Messages sent through the accessibility statement's feedback form."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core import pagecache
from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import Model


class AccessibilityFeedback(Model):
    """A report of an accessibility barrier, or a request for content in another form."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    #: The page the barrier is on, as the sender gave it.
    page_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: Optional, only to answer the sender; deleted with the message.
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    #: The language the sender used, so the answer can be in it.
    language: Mapped[str] = mapped_column(sa.String(8))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<AccessibilityFeedback {self.id}>"


# Feedback is read only in the administration, never cached (app/core/pagecache.py).
pagecache.tags_for(AccessibilityFeedback)
