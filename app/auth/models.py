"""Accounts, their roles, and server-side sign-in sessions.

An account is keyed by an HMAC of the provider's issuer and subject; no national identifier,
no name from the eID and no token is ever stored.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import pagecache
from app.core.db import UTCDateTime, enum_type
from app.core.time import utcnow
from app.council.models import Person
from app.extensions import Model
from app.org.models import OrgUnit


class Role(enum.StrEnum):
    """Roles an administrator grants. Being a resident is not granted: it is verified."""

    COUNCILLOR = "councillor"
    COUNCIL_OFFICE = "council_office"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMINISTRATOR = "administrator"


ROLE_LABELS = {
    Role.COUNCILLOR: _l("Councillor"),
    Role.COUNCIL_OFFICE: _l("Council office"),
    Role.OFFICIAL: _l("Official"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMINISTRATOR: _l("Administrator"),
}


class ResidencySource(enum.StrEnum):
    EID = "eid"  # a claim of the eID provider proved it at sign-in
    OFFICIAL = "official"  # an official verified it by hand


class EmailFrequency(enum.StrEnum):
    """When notifications go out by e-mail."""

    IMMEDIATE = "immediate"
    DAILY = "daily"  # one digest a day (``flask notifications send-digests``)
    NEVER = "never"  # only the list on the site


EMAIL_FREQUENCY_LABELS = {
    EmailFrequency.IMMEDIATE: _l("At once, one e-mail for each notification"),
    EmailFrequency.DAILY: _l("Once a day, a digest of the day's notifications"),
    EmailFrequency.NEVER: _l("Never: I read them on the site"),
}


class User(UserMixin, Model):
    """A person's account. After deletion the row stays as a tombstone (see ``deleted_at``)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256(pepper, issuer + "|" + sub), hex: one live account per eID identity.
    #: A tombstone's is ``deleted:<id>``, which no HMAC equals: sign-in never finds it.
    subject_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: A tombstone's old key, kept only so that a returning person (a new account) cannot
    #: support again what this account supported or proposed. Never shown, never exported;
    #: one person who deleted twice has two tombstones with the same value.
    former_subject_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: Which pepper made the key (SUBJECT_PEPPER_VERSION), so that it can be rotated.
    subject_key_version: Mapped[int] = mapped_column(default=1)
    #: The public name the person chose; ``None`` until the first sign-in is completed.
    # active_history: a change must know the name it replaced (app/core/pagecache.py), also
    # when the old value was not loaded.
    pseudonym: Mapped[str | None] = mapped_column(sa.String(40), active_history=True)
    #: ``pseudonym`` folded for uniqueness: case, accents and spacing do not make a new name.
    pseudonym_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How notifications reach the address once confirmed (app/notifications).
    email_frequency: Mapped[EmailFrequency] = mapped_column(
        enum_type(EmailFrequency), default=EmailFrequency.IMMEDIATE
    )
    #: Set when the relay refused the address for good (a 5xx reply): no more mail goes to it
    #: until the person gives an address again; the account page says why.
    email_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_refused_reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: Follow one's own items, what one supports and what one adopts (app/follows).
    follow_automatically: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(8), default="sl")
    #: Derived at each sign-in from the birth date, which itself is not kept.
    is_adult: Mapped[bool] = mapped_column(default=False)
    #: The level of assurance of the last sign-in (an eIDAS URI).
    last_acr: Mapped[str | None] = mapped_column(sa.String(80))
    resident_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    residency_source: Mapped[ResidencySource | None] = mapped_column(enum_type(ResidencySource))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person deleted the account: everything personal is gone; the row stays
    #: so that its supports remain counted once (see ``former_subject_key``).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        foreign_keys="RoleGrant.user_id",
        cascade="all, delete-orphan",
        order_by="RoleGrant.id",
    )

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login: a tombstone cannot be signed in
        return self.deleted_at is None

    @property
    def is_set_up(self) -> bool:
        return self.pseudonym is not None

    @property
    def display_name(self) -> str:
        """The public name; a label for a deleted account or one not set up yet."""
        if self.pseudonym:
            return self.pseudonym
        if self.deleted_at is not None:
            return str(_l("Former user"))
        # A first sign-in not completed yet: not a former user (the header said so once).
        return str(_l("Account without a public name yet"))

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RoleGrant(Model):
    """One role of one account; an official's role names the unit, a councillor's the person."""

    __tablename__ = "role_grants"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'official') = (org_unit_id IS NOT NULL)", name="official_has_unit"
        ),
        sa.CheckConstraint(
            "(role = 'councillor') = (person_id IS NOT NULL)", name="councillor_has_person"
        ),
        # One grant per role and unit. NULLs are distinct in a plain unique constraint, so the
        # unit-less roles get a partial index of their own.
        sa.Index(
            "uq_role_grants_user_role_unit",
            "user_id",
            "role",
            "org_unit_id",
            unique=True,
            postgresql_where=sa.text("org_unit_id IS NOT NULL"),
            sqlite_where=sa.text("org_unit_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_role_grants_user_role",
            "user_id",
            "role",
            unique=True,
            postgresql_where=sa.text("org_unit_id IS NULL"),
            sqlite_where=sa.text("org_unit_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    org_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit | None] = relationship()
    person: Mapped[Person | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoleGrant {self.user_id} {self.role}>"


class AuthSession(Model):
    """A signed-in session, kept on the server so that it can be revoked.

    The browser's (signed) session cookie holds a random token; only its SHA-256 is stored,
    so a copy of the database does not let anyone take over a session.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The absolute end, whatever the activity (SESSION_MAX_HOURS after sign-in).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: SHA-256 of the provider's session id (``sid``), to find it on back-channel logout.
    provider_sid_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    acr: Mapped[str] = mapped_column(sa.String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it ended: signed-out, everywhere, backchannel, deleted, idle.
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(20))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AuthSession {self.id} user={self.user_id}>"


class SeenLogoutToken(Model):
    """The ``jti`` of each back-channel logout token already used, so none is replayed."""

    __tablename__ = "seen_logout_tokens"

    jti_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _public_name_changed(user: User) -> tuple[str, ...]:
    # Pages show an account only by its public name (or that it was deleted); a sign-in,
    # a language or an e-mail address changes no page. A name is on many pages: all of them.
    # Only a name that was shown can change a page: a first name replaces none (and an
    # account without one has written nothing, app.initiatives.permissions), so a new
    # resident's first visit leaves the cache alone. Deleting an account clears its name.
    attrs = sa.inspect(user).attrs
    renamed = any(old is not None for old in attrs.pseudonym.history.deleted)
    deleted = any(new is not None for new in attrs.deleted_at.history.added)
    return (pagecache.SITE,) if renamed or deleted else ()


# What a change of these rows invalidates among the cached pages (app/core/pagecache.py).
# The only bulk update of accounts moves tombstones' keys, which no page shows.
pagecache.tags_for(User, _public_name_changed, bulk=())
pagecache.tags_for(AuthSession)
pagecache.tags_for(SeenLogoutToken)
