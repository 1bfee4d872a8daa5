"""The e-mail outbox: queued with the change, sent after the commit, never lost, never twice.

Every message here goes over TCP to the real SMTP server of ``tests/smtp.py``.
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import gettext

from app.core import mail
from app.core.cli import run_worker
from app.core.db import READ_ONLY
from app.core.outbox import (
    MAX_ATTEMPTS,
    RETENTION,
    DeliveryReport,
    OutboxMessage,
    deliver_due,
    purge_old,
    queue_email,
)
from app.core.time import utcnow
from app.extensions import db
from tests.conftest import ROOT
from tests.smtp import PASSWORD, USERNAME, SMTPServer, unused_port

pytestmark = pytest.mark.usefixtures("ctx")

CONFIRM_URL = "http://localhost/me/email/confirm?token=abc123"


def _queue(to: str = "ana@example.org", language: str = "sl", **overrides: Any) -> OutboxMessage:
    context: dict[str, Any] = {"confirm_url": CONFIRM_URL, "hours": 48, **overrides}
    return queue_email(to=to, template="confirm_email", language=language, **context)


def _count_pending() -> int:
    statement = sa.select(sa.func.count()).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
    )
    return int(db.session.scalar(statement) or 0)


def _make_due(message: OutboxMessage) -> None:
    """Move the next attempt to the past instead of sleeping until it."""
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


# --- Transactions ---------------------------------------------------------------------------


def test_queued_mail_waits_for_the_commit(app: Flask, smtp: SMTPServer) -> None:
    message = _queue()
    assert message.id is not None
    assert message.sent_at is None
    assert smtp.messages == []  # queueing sends nothing
    # A worker in another process sees only committed rows: nothing yet.
    elsewhere = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with elsewhere.connect().execution_options(**{READ_ONLY: True}) as connection:
            count = sa.select(sa.func.count()).select_from(OutboxMessage.__table__)
            assert connection.scalar(count) == 0
    finally:
        elsewhere.dispose()

    db.session.commit()
    assert deliver_due() == DeliveryReport(sent=1)
    assert [received.rcpt_tos for received in smtp.messages] == [["ana@example.org"]]


def test_nothing_is_sent_for_a_rolled_back_change(smtp: SMTPServer) -> None:
    _queue()
    db.session.rollback()  # the view failed: the change and its mail are undone together
    assert deliver_due() == DeliveryReport()
    assert smtp.messages == []


def test_a_second_run_sends_nothing_twice(smtp: SMTPServer) -> None:
    message = _queue()
    db.session.commit()
    assert deliver_due().sent == 1
    assert deliver_due() == DeliveryReport()
    assert len(smtp.messages) == 1
    assert message.sent_at is not None
    assert message.attempts == 0


def test_mail_not_yet_due_waits(smtp: SMTPServer) -> None:
    later = _queue()
    later.next_attempt_at = utcnow() + timedelta(minutes=10)
    db.session.commit()
    assert deliver_due() == DeliveryReport()
    assert smtp.messages == []


def test_limit_caps_one_run(smtp: SMTPServer) -> None:
    for n in range(3):
        _queue(to=f"resident{n}@example.org")
    db.session.commit()
    assert deliver_due(limit=2).sent == 2
    assert _count_pending() == 1
    assert deliver_due(limit=2).sent == 1


# --- The message itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "expires", "button"),
    [
        (
            "sl",
            "Potrdite svoj e-poštni naslov za Glas",
            "Pozdravljeni,",
            "Povezava poteče čez 48 ur.",
            "Potrdite e-poštni naslov",
        ),
        (
            "en",
            "Confirm your e-mail address for Glas",
            "Hello,",
            "The link expires in 48 hours.",
            "Confirm my e-mail address",
        ),
    ],
)
def test_delivered_in_the_recipients_language_with_text_and_html(
    smtp: SMTPServer, language: str, subject: str, greeting: str, expires: str, button: str
) -> None:
    unsubscribe = "<http://localhost/me/unsubscribe/xyz>"
    message = queue_email(
        to="ana@example.org",
        template="confirm_email",
        language=language,
        headers={"List-Unsubscribe": unsubscribe},
        confirm_url=CONFIRM_URL,
        hours=48,
    )
    db.session.commit()
    deliver_due()

    (received,) = smtp.messages
    assert received.mail_from == "glas@localhost"
    assert received.rcpt_tos == ["ana@example.org"]
    email = received.message
    assert email["From"] == "glas@localhost"
    assert email["To"] == "ana@example.org"
    assert email["Subject"] == subject
    assert email["Content-Language"] == language
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["List-Unsubscribe"] == unsubscribe
    assert email["Message-ID"].startswith(f"<outbox.{message.id}.")
    assert email["Message-ID"].endswith("@localhost>")
    assert email["Date"].datetime == message.created_at.replace(microsecond=0)
    assert email.get_content_type() == "multipart/alternative"
    # 7-bit on the wire (quoted-printable), whatever the language.
    assert received.raw.isascii()

    text = email.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP sends CRLF
    assert greeting in text
    assert CONFIRM_URL in text
    assert f"{expires}\n\n" in text  # a paragraph of its own
    html = email.get_body(("html",)).get_content()
    assert f'<html lang="{language}">' in html
    assert f'<a href="{CONFIRM_URL}">{button}</a>' in html
    assert expires in html


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (1, "čez 1 uro."),
        (2, "čez 2 uri."),
        (3, "čez 3 ure."),
        (5, "čez 5 ur."),
        (101, "čez 101 uro."),
    ],
)
def test_slovenian_counts_hours_in_four_forms(hours: int, expected: str) -> None:
    assert expected in _queue(hours=hours).body_text


def test_the_recipients_language_does_not_change_the_visitors(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "glas_lang=en"}):
        assert gettext("Page not found") == "Page not found"
        message = _queue(language="sl")
        assert gettext("Page not found") == "Page not found"
    assert message.language == "sl"
    assert "Pozdravljeni" in message.body_text


def test_a_language_the_site_does_not_offer_falls_back_to_slovenian() -> None:
    message = _queue(language="de")
    assert message.language == "sl"
    assert message.subject == "Potrdite svoj e-poštni naslov za Glas"


def test_a_message_without_html_is_plain_text(smtp: SMTPServer) -> None:
    mail.send(mail.build_message(to="ana@example.org", subject="Test", text="Živjo", language="sl"))
    (received,) = smtp.messages
    assert received.message.get_content_type() == "text/plain"
    assert received.message.get_content().strip() == "Živjo"


@pytest.mark.parametrize(
    ("to", "headers"),
    [
        ("not-an-address", None),
        ("ana@example.org\r\nBcc: eve@example.org", None),
        ("Ana <ana@example.org>", None),
        ("ana@example.org", {"Bcc": "eve@example.org"}),
        ("ana@example.org", {"Subject": "Something else"}),
        ("ana@example.org", {"List-Unsubscribe": "<x>\r\nBcc: eve@example.org"}),
        ("ana@example.org", {"Bad Name": "x"}),
    ],
)
def test_bad_addresses_and_headers_are_refused_when_queued(
    to: str, headers: dict[str, str] | None
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (the message names the culprit; any will do)
        queue_email(to=to, template="confirm_email", language="sl", headers=headers, hours=1)
    assert _count_pending() == 0


# --- Failures and retries -------------------------------------------------------------------


def test_unreachable_server_keeps_the_message_and_retries_later(
    app: Flask, smtp: SMTPServer
) -> None:
    message = _queue()
    db.session.commit()
    app.config["MAIL_PORT"] = unused_port()  # nothing listens there: the relay is down

    before = utcnow()
    assert deliver_due() == DeliveryReport(retrying=1)
    assert message.sent_at is None
    assert message.failed_at is None
    assert message.attempts == 1
    assert message.next_attempt_at >= before + timedelta(minutes=1)
    assert message.last_error is not None
    assert message.last_error.startswith("ConnectionRefusedError")
    assert "\n" not in message.last_error
    assert deliver_due() == DeliveryReport()  # not due again yet

    app.config["MAIL_PORT"] = smtp.port  # the relay is back
    _make_due(message)
    assert deliver_due() == DeliveryReport(sent=1)
    assert message.sent_at is not None
    assert len(smtp.messages) == 1


def test_gives_up_after_the_maximum_attempts(app: Flask, smtp: SMTPServer) -> None:
    message = _queue()
    db.session.commit()
    app.config["MAIL_PORT"] = unused_port()
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        before = utcnow()
        assert deliver_due() == DeliveryReport(retrying=1)
        waits.append(round((message.next_attempt_at - before).total_seconds() / 60))
        _make_due(message)
    assert deliver_due() == DeliveryReport(given_up=1)

    # Minutes between attempts: growing, then every 12 hours.
    assert waits == [1, 5, 30, 120, 720, 720, 720]
    assert message.attempts == MAX_ATTEMPTS
    assert message.failed_at is not None
    assert message.sent_at is None
    app.config["MAIL_PORT"] = smtp.port
    assert deliver_due() == DeliveryReport()
    assert smtp.messages == []


def test_a_refused_address_is_given_up_at_once_and_holds_back_no_one(smtp: SMTPServer) -> None:
    smtp.inbox.refused.add("nobody@example.org")
    refused = _queue(to="nobody@example.org")
    accepted = _queue(to="ana@example.org")
    db.session.commit()

    assert deliver_due() == DeliveryReport(sent=1, given_up=1)
    assert refused.failed_at is not None
    assert refused.attempts == 1
    assert refused.last_error is not None
    assert "550" in refused.last_error
    assert accepted.sent_at is not None
    assert [received.rcpt_tos for received in smtp.messages] == [["ana@example.org"]]


def test_starttls_and_login_to_the_relay(
    app: Flask, smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp.certificate))  # trust the test relay's CA
    app.config.update(MAIL_USE_STARTTLS=True, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
    _queue()
    db.session.commit()
    assert deliver_due() == DeliveryReport(sent=1)
    (received,) = smtp.messages
    assert received.encrypted
    assert received.login == USERNAME


def test_a_relay_with_an_unverifiable_certificate_gets_nothing(
    app: Flask, smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    app.config.update(MAIL_USE_STARTTLS=True, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
    message = _queue()
    db.session.commit()
    assert deliver_due() == DeliveryReport(retrying=1)
    assert message.last_error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
    assert smtp.messages == []


def test_console_backend_logs_instead_of_sending(
    app: Flask, smtp: SMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["MAIL_BACKEND"] = "console"
    caplog.set_level(logging.INFO, logger=app.logger.name)
    message = _queue(language="en")
    db.session.commit()
    assert deliver_due() == DeliveryReport(sent=1)
    assert message.sent_at is not None
    assert smtp.messages == []
    assert "To: ana@example.org" in caplog.text
    assert "Subject: Confirm your e-mail address for Glas" in caplog.text
    assert CONFIRM_URL in caplog.text


@pytest.mark.usefixtures("smtp")
def test_workers_skip_a_message_another_worker_is_sending(app: Flask) -> None:
    """PostgreSQL's SKIP LOCKED: a second worker neither waits for the message nor sends it."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks; there the worker takes the one write lock")
    table = OutboxMessage.__table__
    now = utcnow()
    row = {
        "created_at": now,
        "recipient": "ana@example.org",
        "subject": "s",
        "body_text": "t",
        "headers": {},
        "language": "sl",
        "attempts": 0,
        "next_attempt_at": now - timedelta(seconds=1),
    }
    elsewhere = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with elsewhere.connect() as other_worker:
            # A committed message, which the other worker has claimed and is sending.
            message_id = other_worker.execute(
                sa.insert(table).values(row).returning(table.c.id)
            ).scalar_one()
            other_worker.commit()
            try:
                other_worker.execute(
                    sa.select(table.c.id).where(table.c.id == message_id).with_for_update()
                )
                # Fail, rather than hang, should SKIP LOCKED ever be lost.
                db.session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
                assert deliver_due() == DeliveryReport()
            finally:
                other_worker.execute(sa.delete(table).where(table.c.id == message_id))
                other_worker.commit()
    finally:
        elsewhere.dispose()


# --- Housekeeping ---------------------------------------------------------------------------


def test_old_finished_messages_are_purged_and_pending_ones_kept() -> None:
    long_ago = utcnow() - RETENTION - timedelta(days=1)
    sent_long_ago, failed_long_ago, sent_today, pending = (_queue() for _ in range(4))
    sent_long_ago.sent_at = long_ago
    failed_long_ago.failed_at = long_ago
    sent_today.sent_at = utcnow()
    pending.created_at = long_ago
    db.session.flush()

    assert purge_old() == 2
    remaining = set(db.session.scalars(sa.select(OutboxMessage.id)))
    assert remaining == {sent_today.id, pending.id}


def test_every_sentence_of_the_email_templates_is_translated() -> None:
    """Plain-text templates are not extracted (babel.cfg reads *.html); their strings must be
    in the catalogue all the same, through the HTML twin of each template."""
    with (ROOT / "translations/sl/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    options = {"trimmed": "true", "extensions": "jinja2.ext.do"}
    missing = []
    for path in sorted((ROOT / "templates/email").glob("*.txt")):
        for _line, text, _comments, _context in extract_from_file("jinja2", path, options=options):
            msgid = text[0] if isinstance(text, tuple) else text
            entry = catalog.get(msgid)
            strings = entry.string if entry is not None else ""
            if not (all(strings) if isinstance(strings, tuple) else strings):
                missing.append(f"{path.name}: {msgid!r}")
    assert not missing, "\n".join(missing)


# --- The worker -----------------------------------------------------------------------------


def test_worker_once_delivers_and_exits(runner: FlaskCliRunner, smtp: SMTPServer) -> None:
    message = _queue()
    db.session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, to retry 0, given up 0" in result.output
    assert message.sent_at is not None
    assert len(smtp.messages) == 1


def test_worker_loop_delivers_until_told_to_stop(smtp: SMTPServer) -> None:
    _queue()
    db.session.commit()
    deadline = time.monotonic() + 10
    run_worker(
        interval=0.05,
        should_stop=lambda: bool(smtp.messages) or time.monotonic() > deadline,
    )
    assert len(smtp.messages) == 1


def test_worker_loop_survives_a_failed_round(
    smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.core import outbox

    real_deliver_due = outbox.deliver_due
    rounds = []

    def database_away_once(**kwargs: Any) -> DeliveryReport:
        rounds.append(1)
        if len(rounds) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return real_deliver_due(**kwargs)

    monkeypatch.setattr(outbox, "deliver_due", database_away_once)
    _queue()
    db.session.commit()
    deadline = time.monotonic() + 10
    run_worker(
        interval=0.05,
        should_stop=lambda: bool(smtp.messages) or time.monotonic() > deadline,
    )
    assert len(rounds) >= 2
    assert len(smtp.messages) == 1
    assert "Delivering the outbox failed" in caplog.text


def _read_until(stream: Any, marker: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while marker not in seen and (left := deadline - time.monotonic()) > 0:
            if selector.select(timeout=left):
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
    assert marker in seen, seen.decode(errors="replace")
    return seen


def test_worker_stops_cleanly_on_sigterm(database_url: str) -> None:
    """As systemd stops it: the worker finishes its round and exits with status 0."""
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_MAIL_BACKEND": "console",
        "FLASK_PUBLIC_URL": "http://localhost",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "--debug", "worker"]
    with subprocess.Popen(
        [*command, "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=0,
    ) as worker:
        try:
            _read_until(worker.stdout, b"Worker started", timeout=30)
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert worker.returncode == 0, output.decode(errors="replace")
    assert b"SIGTERM received" in output
    assert b"Worker stopped." in output
