"""The one-click way out of notification e-mail (RFC 8058), without signing in.

Every notification mail carries ``List-Unsubscribe: <https://…/notifications/unsubscribe/T>``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``: the mail client POSTs to that
address and the person gets no more notification e-mail. The token is the authority: signed
with the secret key, naming the account and (by a hash) the address the mail went to, so a
link from mail to a former address does nothing, and no token can be made up. It does not
expire: a mail read a year later must still let its reader out.

The POST comes from a mail provider's servers, not from a page of ours, so it carries no CSRF
token and no same-origin header: that view is exempt from the CSRF check by design. It can
only ever turn e-mail off, which is all a forged request could wish for anyway.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from app.auth.models import EmailFrequency, User
from app.core import models as audit
from app.core.urls import public_url_for
from app.extensions import db

_SALT = "glas.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def token_for(user: User) -> str:
    return str(_serializer().dumps([user.id, _fingerprint(user.email or "")]))


def url_for_user(user: User) -> str:
    return public_url_for("notifications.unsubscribe", token=token_for(user))


def headers_for(user: User) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{url_for_user(user)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def user_of(token: str) -> User | None:
    """The account a token was made for, while it still has that address; else ``None``."""
    try:
        data = _serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        return None
    if isinstance(data[0], bool):
        return None
    user = db.session.get(User, data[0])
    if user is None or user.deleted_at is not None or user.email is None:
        return None
    if _fingerprint(user.email) != data[1]:
        return None
    return user


def unsubscribe(user: User) -> bool:
    """Turn notification e-mail off; whether it was on."""
    if user.email_frequency is EmailFrequency.NEVER:
        return False
    user.email_frequency = EmailFrequency.NEVER
    audit.record(user.id, "notifications.unsubscribe", "user", user.id)
    db.session.flush()
    return True
