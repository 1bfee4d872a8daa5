"""Outgoing e-mail: a standard MIME message, sent over SMTP or written to the log.

Application code never sends mail directly: it queues it with ``app.core.outbox.queue_email``
in its own transaction, and the worker (``flask worker``) hands it to a ``Postman`` after the
commit. ``MAIL_BACKEND = "console"`` logs each message instead of sending it (development).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType
from urllib.parse import urlsplit

from flask import current_app

from app.core.time import utcnow

#: Headers Glas sets itself; an extra header may not replace one of them.
RESERVED_HEADERS = frozenset(
    {
        "auto-submitted",
        "bcc",
        "cc",
        "content-language",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "reply-to",
        "sender",
        "subject",
        "to",
    }
)
# RFC 5322 field names: printable ASCII without the colon.
_HEADER_NAME = re.compile(r"[!-9;-~]+")


def check_headers(headers: Mapping[str, str]) -> None:
    """Refuse extra headers that would replace ours or smuggle in more (CR or LF).

    :raise ValueError: naming the bad header.
    """
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"not a header name: {name!r}")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name} is set by Glas itself")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            raise ValueError(f"the value of {name} must be one line of text")


def message_id(local_part: str) -> str:
    """A Message-ID on the public host, e.g. ``<outbox.7.20261127183012@glas.kranj.si>``."""
    return f"<{local_part}@{_public_host()}>"


def _public_host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    language: str,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """Build the message: a text part, and the HTML part as its alternative when given."""
    extra = dict(headers or {})
    check_headers(extra)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or utcnow())
    message["Message-ID"] = message_id or make_msgid(domain=_public_host())
    # RFC 3834: out-of-office replies and other robots must not answer a notification.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in extra.items():
        message[name] = value
    # Quoted-printable keeps the body 7-bit: any relay accepts it, 8BITMIME or not.
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # Only now: setting the content clears every Content-* header set before it.
    message["Content-Language"] = language
    return message


class Postman:
    """Sends messages with the configured backend, over one SMTP session per batch.

    Use it as a context manager: the SMTP connection opens with the first message and closes
    at the end of the block, so an idle worker holds no connection to the relay.
    """

    def __init__(self) -> None:
        self.backend: str = current_app.config["MAIL_BACKEND"]
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Postman:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
        if self.backend == "console":
            _log(message)
            return
        try:
            if self._smtp is None:
                self._smtp = _connect()
            self._smtp.send_message(message)
        except BaseException:
            # The session may have died half-way through a command: the next message
            # starts on a fresh connection.
            self._discard()
            raise

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def _discard(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def send(message: EmailMessage) -> None:
    """Send one message now (the outbox worker uses a ``Postman`` for a whole batch)."""
    with Postman() as postman:
        postman.send(message)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_STARTTLS"]:
            # Verified against the system's CAs (or SSL_CERT_FILE): a relay that cannot prove
            # who it is must not receive residents' addresses or the relay password.
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _log(message: EmailMessage) -> None:
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    text_part = message.get_body(("plain",))
    text = text_part.get_content() if isinstance(text_part, EmailMessage) else ""
    current_app.logger.info("E-mail not sent (MAIL_BACKEND is console):\n%s\n\n%s", headers, text)
