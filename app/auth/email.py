"""The optional e-mail address: confirmed by a signed, expiring link before any use."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.auth.models import User
from app.core.outbox import queue_email
from app.core.time import utcnow
from app.extensions import db

_SALT = "glas.email-confirmation"


class ConfirmationInvalid(Exception):
    pass


class ConfirmationExpired(Exception):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(address: str) -> str:
    # The link is signed, not encrypted, and ends up in access logs: it names the address
    # only by a hash.
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def change_address(user: User, address: str | None) -> None:
    """Set a new address (unconfirmed) and send the confirmation link; ``None`` removes it."""
    user.email = address
    user.email_confirmed_at = None
    # A new address (or the same one given again) starts afresh after a relay's refusal.
    user.email_refused_at = None
    user.email_refused_reason = None
    db.session.flush()
    if address is None:
        return
    token = _serializer().dumps({"user": user.id, "email": _fingerprint(address)})
    queue_email(
        to=address,
        template="confirm_email",
        language=user.language,
        confirm_url=current_app.config["PUBLIC_URL"] + url_for("auth.confirm_email", token=token),
        hours=current_app.config["EMAIL_CONFIRMATION_HOURS"],
    )


def confirm(token: str) -> User:
    """Confirm the address a link was sent to, if it is still the account's address."""
    max_age = current_app.config["EMAIL_CONFIRMATION_HOURS"] * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ConfirmationExpired from None
    except BadSignature:
        raise ConfirmationInvalid from None
    if not isinstance(data, dict):
        raise ConfirmationInvalid
    user = db.session.get(User, data.get("user"))
    # A link for an address the person has since replaced (or an erased account) is void.
    if (
        user is None
        or user.deleted_at is not None
        or user.email is None
        or _fingerprint(user.email) != data.get("email")
    ):
        raise ConfirmationInvalid
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()
    return user
