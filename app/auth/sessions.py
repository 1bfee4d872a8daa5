"""Server-side sign-in sessions: opened at sign-in, ended on sign-out, idleness or by the provider.

The browser's (signed) session cookie holds a random token; only its SHA-256 is stored. Like
every service, these flush and never commit: the activity touch of ``load_session`` is
committed at the request boundary (``app.auth._record_activity``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth import identity
from app.auth.models import AuthSession, SeenLogoutToken, User
from app.auth.oidc import LogoutRequest, hash_value
from app.core.time import utcnow
from app.extensions import db
from app.notifications.models import Notification

#: Write ``last_seen_at`` at most this often, not on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


class ReplayedLogoutToken(Exception):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, acr: str, provider_sid: str | None) -> str:
    """Open a server-side session; returns the random token for the session cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=current_app.config["SESSION_MAX_HOURS"]),
            provider_sid_hash=hash_value(provider_sid) if provider_sid else None,
            acr=acr,
        )
    )
    db.session.flush()
    return token


def load_session(token: str, *, now: datetime | None = None) -> AuthSession | None:
    """The live session for a cookie token, or ``None`` (unknown, revoked, idle, expired)."""
    # The account in the same statement: every signed-in request needs it. So does the
    # header's number of unread notifications, which comes with it for no round trip more.
    # Counted up to 100 only: the header says "99+" beyond, and a moderator's thousands of
    # unread notifications must not be counted on every page.
    unread_rows = (
        sa.select(sa.literal(1))
        .select_from(Notification)
        .where(Notification.user_id == AuthSession.user_id, Notification.read_at.is_(None))
        .limit(100)
        # Tied to the session of this row: without it the subquery would get an
        # auth_sessions of its own and count everyone's notifications.
        .correlate(AuthSession)
        .subquery()
    )
    unread = sa.select(sa.func.count()).select_from(unread_rows).scalar_subquery()
    row = db.session.execute(
        sa.select(AuthSession, unread)
        .where(AuthSession.token_hash == _token_hash(token))
        .options(joinedload(AuthSession.user))
    ).first()
    if row is None:
        return None
    auth: AuthSession = row[0]
    g.unread_notifications = int(row[1])
    if auth.revoked_at is not None:
        return None
    now = now or utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now >= auth.expires_at or now - auth.last_seen_at >= idle:
        end_session(auth, "expired")
        return None
    if not auth.user.is_active:
        return None
    return auth


def touch_due(auth: AuthSession, now: datetime) -> bool:
    """Whether this request's activity should be written (at most once a TOUCH_INTERVAL)."""
    return now - auth.last_seen_at >= TOUCH_INTERVAL


def touch(session_id: int, now: datetime) -> None:
    """Record activity on a session, unless it ended meanwhile (sign-out in this request)."""
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def end_session(auth: AuthSession, reason: str) -> None:
    if auth.revoked_at is None:
        auth.revoked_at = utcnow()
        auth.revoked_reason = reason
    db.session.flush()


def end_all_sessions(user: User, reason: str) -> int:
    result = db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def active_sessions(user: User) -> list[AuthSession]:
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


def backchannel_logout(request: LogoutRequest, *, issuer: str) -> int:
    """End the sessions a provider's logout token names; returns how many were ended."""
    try:
        with db.session.begin_nested():  # SAVEPOINT: a replay must not poison the request
            db.session.add(SeenLogoutToken(jti_hash=hash_value(f"{issuer}|{request.jti}")))
    except IntegrityError:
        raise ReplayedLogoutToken from None
    query = sa.update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if request.sid:
        query = query.where(AuthSession.provider_sid_hash == hash_value(request.sid))
    else:
        user = identity.find_by_identity(issuer, request.subject or "")
        query = query.where(AuthSession.user_id == (user.id if user else None))
    result = db.session.execute(
        query.values(revoked_at=utcnow(), revoked_reason="backchannel").execution_options(
            synchronize_session="fetch"
        )
    )
    # Old token ids are useless once their tokens could no longer pass the iat check.
    db.session.execute(
        sa.delete(SeenLogoutToken).where(SeenLogoutToken.seen_at < utcnow() - timedelta(days=1))
    )
    return int(getattr(result, "rowcount", 0) or 0)
