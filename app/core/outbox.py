"""The e-mail outbox: mail is written in the caller's transaction and sent after the commit.

A service calls ``queue_email`` while it changes data. The message is a row in the same
transaction, so it commits or rolls back with the change: no mail goes out for a change that
was undone, and none is lost once the change is saved. The worker (``flask worker``, which
calls ``deliver_due``) sends what is due, marks each message sent in its own transaction, and
retries failures with a growing delay until it gives up.

Delivery is at least once. If the process dies after the SMTP server accepted a message but
before the commit, that message is sent again; it keeps its Message-ID, so mail systems can
recognise the copy. The alternative, marking a message sent before sending it, could lose it.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Mapped, mapped_column

from app.core import mail, pagecache
from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import Model, db

#: Attempts before a message is given up (``failed_at`` is set).
MAX_ATTEMPTS = 8
#: Wait after the 1st, 2nd, … failed attempt; the last delay repeats. With MAX_ATTEMPTS = 8
#: the worker keeps trying for about a day and a half, long enough to outlast a relay outage
#: over a night.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
#: Sent and given-up messages are deleted after this long: they hold residents' addresses.
RETENTION = timedelta(days=30)
_LAST_ERROR_LENGTH = 500
# One bare address: no display name, no spaces, no line breaks. Forms validate it properly;
# this only keeps garbage and header injection out of the queue.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")

_PENDING = sa.text("sent_at IS NULL AND failed_at IS NULL")


def is_address(value: str) -> bool:
    """Whether ``value`` is one bare address the outbox accepts (bulk writers check first)."""
    return _ADDRESS.fullmatch(value.strip()) is not None


class OutboxMessage(Model):
    """One e-mail: waiting to be sent, sent, or given up."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # Only pending rows are indexed, so looking for due mail stays cheap however many
        # sent messages the table holds.
        sa.Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        sa.CheckConstraint("sent_at IS NULL OR failed_at IS NULL", name="sent_or_failed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.Text)
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    #: Extra headers, name → value (e.g. List-Unsubscribe).
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: The language the message is written in: the recipient's, not the sender's.
    language: Mapped[str] = mapped_column(sa.String(8))
    #: Failed attempts so far.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when delivery was given up: too many attempts, or the address was refused.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last failure in one line for the operator; never a stack trace.
    last_error: Mapped[str | None] = mapped_column(sa.String(_LAST_ERROR_LENGTH))

    def __repr__(self) -> str:
        state = "sent" if self.sent_at else "failed" if self.failed_at else "pending"
        return f"<OutboxMessage {self.id} {state}>"


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` call did."""

    sent: int = 0
    #: Failed this time, to be tried again later.
    retrying: int = 0
    #: Failed for the last time (``failed_at`` set).
    given_up: int = 0

    @property
    def processed(self) -> int:
        return self.sent + self.retrying + self.given_up


def queue_email(
    *,
    to: str,
    template: str,
    language: str,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Add an e-mail to the current transaction; the worker sends it after the commit.

    The message is rendered now, in ``language`` (the recipient's, whatever the visitor's),
    from ``templates/email/<template>.subject.txt``, ``<template>.txt`` and, if it exists,
    ``<template>.html``. Like every service this flushes and never commits.

    :raise ValueError: if ``to`` is not a single address or a header is not allowed.
    """
    recipient = to.strip()
    if not _ADDRESS.fullmatch(recipient):
        raise ValueError(f"not an e-mail address: {to!r}")
    extra = dict(headers or {})
    mail.check_headers(extra)  # here, so a bad header fails the caller, not the worker
    config = current_app.config
    if language not in config["LANGUAGES"]:
        # A preference for a language this site no longer offers: use the default.
        language = config["BABEL_DEFAULT_LOCALE"]
    context = {"language": language, "public_url": config["PUBLIC_URL"], **context}
    with force_locale(language):
        subject = render_template(f"email/{template}.subject.txt", **context)
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = _render_if_exists(f"email/{template}.html", context)
    return queue_rendered(
        to=recipient,
        subject=subject,
        text=body_text,
        html=body_html,
        language=language,
        headers=extra,
    )


def queue_rendered(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    language: str,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add a message already rendered (a digest) to the current transaction; flushes.

    :raise ValueError: if ``to`` is not a single address or a header is not allowed.
    """
    recipient = to.strip()
    if not _ADDRESS.fullmatch(recipient):
        raise ValueError(f"not an e-mail address: {to!r}")
    extra = dict(headers or {})
    mail.check_headers(extra)
    message = OutboxMessage(
        recipient=recipient,
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        body_text=text,
        body_html=html,
        headers=extra,
        language=language,
    )
    db.session.add(message)
    db.session.flush()
    return message


def _render_if_exists(name: str, context: dict[str, Any]) -> str | None:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return None
    return render_template(name, **context)


def deliver_due(*, limit: int = 50) -> DeliveryReport:
    """Send up to ``limit`` due messages, committing after each one.

    Each message is claimed, sent and marked in a transaction of its own, so one that fails
    never holds back the others and every outcome is saved as soon as it is known. Call it
    with a session that has nothing pending: it commits.
    """
    report = DeliveryReport()
    with mail.Postman() as postman:
        for _ in range(limit):
            message = _claim_next()
            if message is None:
                break
            _attempt(postman, message, report)
            db.session.commit()  # saves the outcome and releases the claim
        db.session.commit()  # ends the last, empty claim (SQLite's write lock with it)
    return report


def _claim_next() -> OutboxMessage | None:
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks, so no SKIP LOCKED: take its single write lock before
        # looking, and a second worker waits here instead of sending the same message. The
        # lock is held while the message is sent; SQLite is for the demo and small sites.
        db.session.execute(
            sa.update(OutboxMessage)
            .where(sa.false())
            .values(attempts=OutboxMessage.attempts)
            .execution_options(synchronize_session=False)
        )
    statement = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        # PostgreSQL: the row stays locked until this message's commit, and other workers
        # skip it rather than wait for it or send it twice. (SQLite ignores the clause.)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(statement).first()


def _attempt(postman: mail.Postman, message: OutboxMessage, report: DeliveryReport) -> None:
    try:
        postman.send(_as_email(message))
    except Exception as error:
        _record_failure(message, error, report)
    else:
        message.sent_at = utcnow()
        report.sent += 1


def _as_email(message: OutboxMessage) -> EmailMessage:
    return mail.build_message(
        to=message.recipient,
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        language=message.language,
        headers=message.headers,
        date=message.created_at,
        # The same on every attempt, so a copy sent twice can be recognised.
        message_id=mail.message_id(f"outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}"),
    )


def _record_failure(message: OutboxMessage, error: Exception, report: DeliveryReport) -> None:
    now = utcnow()
    message.attempts += 1
    message.last_error = " ".join(f"{type(error).__name__}: {error}".split())[:_LAST_ERROR_LENGTH]
    logger = current_app.logger
    if not isinstance(error, (smtplib.SMTPException, OSError)):
        # Not the relay's doing: a bug, worth its traceback in the log (never in the row).
        logger.exception("Building or sending outbox message %d failed", message.id)
    permanent = _is_permanent(error)
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        report.given_up += 1
        refusal = _address_refusal(error)
        if refusal is not None:
            for handler in refusal_handlers:
                handler(message.recipient, refusal)
        logger.error(
            "Gave up outbox message %d after %d attempts: %s",
            message.id,
            message.attempts,
            message.last_error,
        )
        return
    delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
    message.next_attempt_at = now + delay
    report.retrying += 1
    logger.warning(
        "Outbox message %d not sent (attempt %d of %d), next try in %s: %s",
        message.id,
        message.attempts,
        MAX_ATTEMPTS,
        delay,
        message.last_error,
    )


#: Called with the address and the relay's words when the relay refused the address itself
#: for good: the notifications stop mailing that address (app/notifications/bounces.py).
refusal_handlers: list[Callable[[str, str], None]] = []

#: Enhanced status codes (RFC 3463) that say the address is bad: no such mailbox, no such
#: domain, a bad address syntax, a disabled mailbox. A 5.7.x (policy: spam, relaying denied)
#: is about the message or about us, never a reason to stop mailing a resident.
_BAD_ADDRESS = re.compile(r"5\.1\.[0-9]+|5\.2\.1")
#: Without an enhanced code, the basic replies that name the mailbox (RFC 5321 4.2.3).
_BAD_MAILBOX_REPLIES = frozenset({550, 551, 553})


def _is_permanent(error: Exception) -> bool:
    """Whether retrying is pointless: the relay refused the address or the message (5xx)."""
    if isinstance(error, smtplib.SMTPDataError):
        # The relay refused this content for good (a filter); the address may be fine.
        return 500 <= error.smtp_code < 600 and error.smtp_code != 552
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    # RFC 5321 §4.5.3.1.10: treat 552 on RCPT ("mailbox full") as a temporary failure.
    return all(500 <= code < 600 and code != 552 for code, _ in error.recipients.values())


def _address_refusal(error: Exception) -> str | None:
    """The relay's words if it refused the address itself, else ``None`` (one line)."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return None
    for code, words in error.recipients.values():
        text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
        enhanced = _BAD_ADDRESS.match(text.strip())
        policy = text.strip().startswith("5.7.")
        if enhanced or (code in _BAD_MAILBOX_REPLIES and not policy):
            return " ".join(f"{code} {text}".split())[:_LAST_ERROR_LENGTH]
    return None


def purge_old(*, older_than: timedelta = RETENTION) -> int:
    """Delete sent and given-up messages older than ``older_than``; return how many.

    They carry residents' addresses and the text sent to them, and are of no use once the
    operator had time to look at a failure. Flushes, never commits.
    """
    cutoff = utcnow() - older_than
    result = db.session.execute(
        sa.delete(OutboxMessage)
        .where(sa.or_(OutboxMessage.sent_at < cutoff, OutboxMessage.failed_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# Mail waiting to go is on no page (app/core/pagecache.py).
pagecache.tags_for(OutboxMessage)
