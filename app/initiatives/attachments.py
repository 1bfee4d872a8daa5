"""Attachments of initiatives: pictures and PDF documents the author adds while editing.

The files themselves are checked, stored and tied to the transaction by ``app.attachments``;
what is the initiative's is here: who may change them, and how many an initiative may have.
Services flush, never commit: the view owns the transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from app.attachments import files
from app.attachments.files import AttachmentRefused, Refusal
from app.auth.models import User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import permissions
from app.initiatives.models import Attachment, Initiative
from app.initiatives.services import NotAllowed


def add(
    actor: User, initiative: Initiative, *, upload: FileStorage | None, description: str
) -> Attachment:
    """Check, clean and store an upload as the initiative's attachment.

    :raise NotAllowed: the actor may not change the initiative's attachments (now).
    :raise AttachmentRefused: the description or the file is not acceptable.
    """
    if not permissions.can_manage_attachments(actor, initiative):
        raise NotAllowed
    text = files.clean_description(description)
    if len(initiative.attachments) >= _limit():
        raise AttachmentRefused(Refusal.TOO_MANY)
    checked = files.check(upload)

    # Lock the initiative before the final count, so two uploads racing for the last place
    # cannot both win (PostgreSQL; SQLite has a single writer anyway). The state is read again
    # under the lock: a moderator may have published it while the picture was being decoded.
    db.session.flush()  # a refresh would silently drop the caller's unflushed changes
    db.session.refresh(initiative, with_for_update=True)
    if not permissions.can_manage_attachments(actor, initiative):
        raise NotAllowed
    if _count(initiative) >= _limit():
        raise AttachmentRefused(Refusal.TOO_MANY)

    attachment = Attachment(initiative_id=initiative.id, description=text)
    attachment.set_file(checked, files.store(checked))
    initiative.attachments.append(attachment)
    # A new picture is a new version for the moderator, like a new text.
    initiative.updated_at = utcnow()
    db.session.flush()
    return attachment


def remove(actor: User, initiative: Initiative, attachment: Attachment) -> None:
    """Delete the attachment; its file is deleted once the deletion is committed.

    :raise NotAllowed: the actor may not change the initiative's attachments (now), or the
        attachment belongs to another initiative.
    """
    if attachment.initiative_id != initiative.id:
        raise NotAllowed
    if not permissions.can_manage_attachments(actor, initiative):
        raise NotAllowed
    db.session.delete(attachment)
    initiative.updated_at = utcnow()
    db.session.flush()
    db.session.expire(initiative, ["attachments"])  # the loaded list still has it


def _limit() -> int:
    return int(current_app.config["ATTACHMENTS_PER_INITIATIVE"])


def _count(initiative: Initiative) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Attachment.id)).where(Attachment.initiative_id == initiative.id)
        )
        or 0
    )
