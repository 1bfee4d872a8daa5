"""The fan-out: from one event to a notification for each person, in batches, by the worker.

A reply that reaches 10,000 followers is not told in the request that published it: the
request only wrote the event. The worker then tells ``NOTIFICATIONS_BATCH_SIZE`` people per
transaction, in the order of their user ids, and the same transaction writes their
notifications, queues their immediate e-mails in the outbox and moves the event's cursor
(``fanned_up_to``). A worker killed between two batches leaves a committed cursor, and the
next one carries on after it; one killed inside a batch leaves nothing of it. The unique key
on (event, person) makes even a batch done twice harmless: a person already told is not
inserted again, and only a person inserted now gets an e-mail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from app.auth.models import EmailFrequency, User
from app.core import outbox, upsert
from app.core.outbox import OutboxMessage
from app.core.time import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.notifications import audience, messages, unsubscribe
from app.notifications.models import Event, Mail, Notification

#: Put in the rendered mail where each reader's own unsubscribe address goes: a mail is
#: rendered once per language and batch, not once per reader.
_UNSUBSCRIBE_SLOT = "https://unsubscribe.invalid/glas-unsubscribe-slot"


#: Failed batches of one event before it is given up, and the wait after the first (it
#: doubles: 1, 2, 4, 8 minutes).
MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=1)


@dataclass
class FanOutReport:
    batches: int = 0
    notified: int = 0
    mailed: int = 0
    events_done: int = 0
    failed: int = 0


def mail_for(user: User) -> Mail:
    """What e-mail a notification brings this person now."""
    if user.email is None or user.email_confirmed_at is None or user.email_refused_at:
        return Mail.NONE
    if not outbox.is_address(user.email):
        return Mail.NONE  # the rows are written in bulk, past queue_email's own check
    if user.email_frequency is EmailFrequency.IMMEDIATE:
        return Mail.QUEUED
    if user.email_frequency is EmailFrequency.DAILY:
        return Mail.DIGEST
    return Mail.NONE


def fan_out(*, max_batches: int = 20, mail: bool = True) -> FanOutReport:
    """Do up to ``max_batches`` batches of pending events, committing after each.

    ``mail=False`` tells people on the site only (the demo's history). Call it with a session
    that has nothing pending: it commits.
    """
    report = FanOutReport()
    for _ in range(max_batches):
        event = _claim_next()
        if event is None:
            break
        event_id = event.id
        try:
            _batch(event, report, mail=mail)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            _failed(event_id, error)
            db.session.commit()
            report.failed += 1
        report.batches += 1
    db.session.commit()  # ends the last, empty claim
    return report


def _failed(event_id: int, error: Exception) -> None:
    """A batch failed: try the event again later, and give it up after ``MAX_ATTEMPTS``."""
    current_app.logger.exception("Fanning out event %d failed", event_id)
    event = db.session.get(Event, event_id, with_for_update=True)
    if event is None:
        return
    event.attempts += 1
    event.last_error = " ".join(f"{type(error).__name__}: {error}".split())[:500]
    if event.attempts >= MAX_ATTEMPTS:
        event.fanned_out_at = utcnow()  # given up; the log and last_error say why
        current_app.logger.error("Gave up fanning out event %d: %s", event.id, event.last_error)
    else:
        event.retry_at = utcnow() + RETRY_DELAY * 2 ** (event.attempts - 1)


def fan_out_all(*, mail: bool = True) -> FanOutReport:
    """Every pending event, to the end (the demo, the CLI and the tests)."""
    total = FanOutReport()
    while True:
        report = fan_out(max_batches=50, mail=mail)
        total.batches += report.batches
        total.notified += report.notified
        total.mailed += report.mailed
        total.events_done += report.events_done
        total.failed += report.failed
        if report.batches == 0:
            return total


def _claim_next() -> Event | None:
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: take its one write lock first, so a second worker waits
        # here rather than doing the same batch (which the unique key would make harmless,
        # but wasted).
        db.session.execute(
            sa.update(Event)
            .where(sa.false())
            .values(recipients=Event.recipients)
            .execution_options(synchronize_session=False)
        )
    statement = (
        sa.select(Event)
        .where(
            Event.fanned_out_at.is_(None),
            sa.or_(Event.retry_at.is_(None), Event.retry_at <= utcnow()),
        )
        .order_by(Event.id)
        .limit(1)
        # FOR NO KEY UPDATE: the batch changes no key of the event, so notifications being
        # inserted elsewhere for it (their foreign key takes KEY SHARE) do not hide it.
        .with_for_update(skip_locked=True, key_share=True)
    )
    return db.session.scalars(statement).first()


def _batch(event: Event, report: FanOutReport, *, mail: bool) -> None:
    size = current_app.config["NOTIFICATIONS_BATCH_SIZE"]
    item = audience.item_of(event)
    people = (
        audience.recipients(audience.of(event), after=event.fanned_up_to, limit=size)
        if item is not None
        else []
    )
    if people:
        states = {user.id: (mail_for(user) if mail else Mail.NONE) for user in people}
        told = _insert(event, states)
        to_mail = [user for user in people if user.id in told and states[user.id] is Mail.QUEUED]
        if to_mail and item is not None:
            _queue(event, item, to_mail)
        event.fanned_up_to = people[-1].id
        event.recipients += len(told)
        report.notified += len(told)
        report.mailed += len(to_mail)
    if len(people) < size:
        event.fanned_out_at = utcnow()
        report.events_done += 1
    db.session.flush()


def _insert(event: Event, states: dict[int, Mail]) -> set[int]:
    """Insert the notifications not there yet; the user ids of those inserted now."""
    # One statement with many parameter sets: compiled once and cached, sent as batched
    # multi-row INSERTs by SQLAlchemy ("insertmanyvalues"), RETURNING the rows that went in.
    statement = (
        upsert.insert(Notification)
        .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
        .returning(Notification.user_id)
    )
    rows = [
        {"event_id": event.id, "user_id": user_id, "created_at": event.created_at, "mail": state}
        for user_id, state in states.items()
    ]
    return set(db.session.scalars(statement, rows))


def _queue(event: Event, item: audience.Item, people: list[User]) -> None:
    """The immediate e-mails of one batch, rendered once per language."""
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in people:
        by_language[_language(user.language)].append(user)
    rows: list[dict[str, Any]] = []
    now = utcnow()
    link_for = unsubscribe.url_maker()
    for language, readers in sorted(by_language.items()):
        subject, text, html = _render(event, item, language)
        for user in readers:
            link = link_for(user)
            rows.append(
                {
                    "recipient": (user.email or "").strip(),  # mail_for said there is one
                    "subject": subject,
                    "body_text": text.replace(_UNSUBSCRIBE_SLOT, link),
                    "body_html": html.replace(_UNSUBSCRIBE_SLOT, link),
                    "headers": unsubscribe.headers_for_link(link),
                    "language": language,
                    "created_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                }
            )
    db.session.execute(sa.insert(OutboxMessage), rows)


def _language(language: str) -> str:
    config = current_app.config
    return language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _render(event: Event, item: audience.Item, language: str) -> tuple[str, str, str]:
    with force_locale(language):
        message = messages.describe(event, item)
        context = {
            "language": language,
            "public_url": current_app.config["PUBLIC_URL"],
            "message": message,
            "unsubscribe_url": _UNSUBSCRIBE_SLOT,
            "settings_url": public_url_for("account.index") + "#notifications",
        }
        subject = render_template("email/notification.subject.txt", **context)
        text = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    return " ".join(subject.split()), text, html
