"""A relay's permanent refusal stops notification mail to that address.

Registered with the outbox (``outbox.refusal_handlers``) when this module is imported. The
account page then says that mail stopped and why; giving an address again starts afresh
(``app.auth.email.change_address``).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from app.core import outbox
from app.core.time import utcnow
from app.extensions import db

_REASON_LENGTH = 200


def address_refused(address: str, reason: str | None) -> None:
    """Mark every live account with ``address`` (in the worker's transaction)."""
    db.session.execute(
        sa.update(User)
        .where(
            sa.func.lower(User.email) == address.strip().lower(),
            User.deleted_at.is_(None),
            User.email_refused_at.is_(None),
        )
        .values(email_refused_at=utcnow(), email_refused_reason=(reason or "")[:_REASON_LENGTH])
        .execution_options(synchronize_session=False)
    )


outbox.refusal_handlers.append(address_refused)
