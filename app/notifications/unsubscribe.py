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
import hmac
from collections.abc import Callable

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer, want_bytes

from app.auth.models import EmailFrequency, User
from app.core import models as audit
from app.core.urls import public_url_for
from app.extensions import db

_SALT = "glas.unsubscribe"


def _keys() -> list[bytes]:
    # The newest last, as itsdangerous wants: links in old mail still work after the secret
    # key is rotated, while SECRET_KEY_FALLBACKS lists the old one (Flask's own setting).
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]
    return [want_bytes(key) for key in keys]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_keys(), salt=_SALT)


def _fingerprints(address: str) -> set[str]:
    """The address's keyed hashes (one per key): the token is signed, not encrypted, and a
    plain hash would let whoever holds a forwarded mail test guesses of the address."""
    folded = address.strip().lower().encode()
    return {hmac.new(key, folded, hashlib.sha256).hexdigest()[:20] for key in _keys()}


def _fingerprint(address: str) -> str:
    """The address's keyed hash with the newest key: what a new token carries."""
    folded = address.strip().lower().encode()
    return hmac.new(_keys()[-1], folded, hashlib.sha256).hexdigest()[:20]


def token_for(user: User) -> str:
    return str(_serializer().dumps([user.id, _fingerprint(user.email or "")]))


_TOKEN_SLOT = "glas-token-slot"  # noqa: S105  (a placeholder, replaced by each token)


def url_maker() -> Callable[[User], str]:
    """Who makes many links (a batch of the fan-out) builds the address once."""
    address = public_url_for("notifications.unsubscribe", token=_TOKEN_SLOT)
    return lambda user: address.replace(_TOKEN_SLOT, token_for(user))


def url_for_user(user: User) -> str:
    return url_maker()(user)


def headers_for_link(link: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def user_of(token: str) -> User | None:
    """The account a token was made for, while it still has that address; else ``None``."""
    try:
        data = _serializer().loads(token)
    except BadData:
        return None
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], int)
        and isinstance(data[1], str)
    ):
        return None
    if isinstance(data[0], bool):
        return None
    user = db.session.get(User, data[0])
    if user is None or user.deleted_at is not None or user.email is None:
        return None
    if data[1] not in _fingerprints(user.email):
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
