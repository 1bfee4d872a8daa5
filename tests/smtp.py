"""A real SMTP server on loopback for the tests: aiosmtpd, with STARTTLS and AUTH on offer.

``smtp_server`` runs for the whole session; ``smtp`` empties its inbox and points the app's
MAIL_* settings at it for one test. No mock stands in for smtplib: the app talks SMTP to a
server over TCP, as it does to the municipality's relay.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from tests.eid import free_port

HOST = "127.0.0.1"
#: The one account the server accepts (it offers AUTH only after STARTTLS, as relays do).
USERNAME = "glas-relay"
PASSWORD = "relay-secret"
MAIL_SETTINGS = (
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_STARTTLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
)


def unused_port() -> int:
    """A loopback port nothing listens on (connecting to it is refused at once).

    Kept from other servers and connections for a minute (``tests.eid.free_port``): another
    xdist worker's server cannot take it while a test counts on it being closed.
    """
    return free_port()


@dataclass
class ReceivedMail:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    #: The account the client logged in as, if it did.
    login: str | None
    #: Whether the client switched to TLS (STARTTLS) before sending.
    encrypted: bool


@dataclass
class Inbox:
    """The handler: keeps what it receives, and refuses the addresses in ``refused``."""

    messages: list[ReceivedMail] = field(default_factory=list)
    #: Recipients answered with ``550 5.1.1`` (a mailbox that does not exist).
    refused: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused.clear()

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = bytes(envelope.original_content or envelope.content)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        received = ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            message=parsed,
            raw=raw,
            login=session.auth_data if session.authenticated else None,
            encrypted=session.ssl is not None,
        )
        with self._lock:
            self.messages.append(received)
        return "250 2.0.0 Message accepted"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    if (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    ):
        return AuthResult(success=True, auth_data=USERNAME)
    return AuthResult(success=False, handled=False)


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, so that STARTTLS can be verified like a real relay's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Glas test relay")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class SMTPServer:
    """The running server: where it listens, what it received, and its certificate."""

    host: str
    port: int
    inbox: Inbox
    #: The server's self-signed certificate; trust it with ``SSL_CERT_FILE`` to use STARTTLS.
    certificate: Path

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.inbox.messages


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1 for the whole session, stopped at its end."""
    cert_path, key_path = _self_signed_certificate(tmp_path_factory.mktemp("smtp"))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname=HOST,
        port=free_port(),  # asyncio's server binds it with SO_REUSEADDR
        tls_context=tls,
        authenticator=_authenticate,
    )
    controller.start()
    try:
        yield SMTPServer(HOST, controller.port, inbox, cert_path)
    finally:
        controller.stop()


@pytest.fixture
def smtp(app: Flask, smtp_server: SMTPServer) -> Iterator[SMTPServer]:
    """The session's SMTP server with an empty inbox, and the app sending to it (plain SMTP)."""
    saved = {key: app.config[key] for key in MAIL_SETTINGS}
    smtp_server.inbox.clear()
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_USE_STARTTLS=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_TIMEOUT=5,
    )
    yield smtp_server
    app.config.update(saved)
    smtp_server.inbox.clear()
