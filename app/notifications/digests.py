"""The daily digest: everything a person was told since their last one, in one e-mail.

``flask notifications send-digests`` (cron, once a day) takes each person's notifications
waiting for a digest (``mail = 'digest'``), writes one message with all of them to the
outbox and marks them ``digested``, in one transaction per person. A notification is in one
digest at most, and never in a digest once it had a mail of its own (``queued``): each is
sent once, whatever the person's setting was when, and however often the command runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from app.auth.models import User
from app.core.outbox import queue_rendered
from app.core.urls import public_url_for
from app.extensions import db
from app.notifications import queries, unsubscribe
from app.notifications.fanout import mail_for
from app.notifications.models import Event, Mail, Notification

#: Most notifications in one digest; the rest wait for the next (and the list has them all).
MAX_PER_DIGEST = 200


def send_digests() -> int:
    """Queue a digest for everyone with notifications waiting; how many were queued.

    Commits after each person: call it with a session that has nothing pending.
    """
    sent = 0
    people = list(
        db.session.scalars(
            sa.select(Notification.user_id)
            .where(Notification.mail == Mail.DIGEST)
            .distinct()
            .order_by(Notification.user_id)
        )
    )
    for user_id in people:
        if _digest_for(user_id):
            sent += 1
        db.session.commit()
    return sent


def _digest_for(user_id: int) -> bool:
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        return False
    waiting = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id, Notification.mail == Mail.DIGEST)
            .order_by(Notification.id)
            .limit(MAX_PER_DIGEST)
            .with_for_update(skip_locked=True)
        )
    )
    if not waiting:
        return False
    # Turned e-mail off, or lost the address, since: they stay in the list, unsent.
    deliver = mail_for(user) is not Mail.NONE
    ids = [n.id for n in waiting]
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids))
        .values(mail=Mail.DIGESTED if deliver else Mail.NONE)
        .execution_options(synchronize_session=False)
    )
    if not deliver:
        return False
    events = {
        e.id: e
        for e in db.session.scalars(
            sa.select(Event).where(Event.id.in_([n.event_id for n in waiting]))
        )
    }
    language = user.language
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    link = unsubscribe.url_for_user(user)
    with force_locale(language):
        said = queries.describe_all(list(events.values()))
        digest = [said[n.event_id] for n in waiting if n.event_id in said]
        if not digest:
            return False
        context = {
            "language": language,
            "public_url": current_app.config["PUBLIC_URL"],
            "digest": digest,
            "count": len(digest),
            "unsubscribe_url": link,
            "settings_url": public_url_for("account.index") + "#notifications",
        }
        subject = render_template("email/digest.subject.txt", **context)
        text = render_template("email/digest.txt", **context)
        html = render_template("email/digest.html", **context)
    queue_rendered(
        to=user.email or "",  # mail_for said there is one
        subject=subject,
        text=text,
        html=html,
        language=language,
        headers=unsubscribe.headers_for_link(link),
    )
    return True
