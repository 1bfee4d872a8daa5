"""Who signed in: the account key (a keyed hash of the eID identity), its pepper, and sign-in.

No national identifier is stored: only ``subject_key``, an HMAC of the provider's issuer and
subject under a secret pepper. Peppers can be rotated; earlier ones stay configured until
every account that signs in has been moved to the current one.

A deleted account (a tombstone) keeps its key in ``former_subject_key``, where sign-in never
looks, and gets a void ``subject_key``: a person who returns gets a new account, and the old
key serves only to refuse a second support of what the old account supported or proposed
(``former_accounts``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.auth.models import ResidencySource, User
from app.auth.oidc import Identity
from app.core.time import to_local, utcnow
from app.extensions import db


class TooYoung(Exception):
    """The person is younger than MINIMUM_AGE (or the provider did not say how old)."""

    def __init__(self, *, age_known: bool) -> None:
        super().__init__("too young" if age_known else "age unknown")
        self.age_known = age_known


def subject_key(issuer: str, subject: str, *, pepper: str | None = None) -> str:
    """The account key: a keyed hash, so neither the eID subject nor a guess can be recovered."""
    secret = pepper if pepper is not None else current_app.config["SUBJECT_PEPPER"]
    message = f"{issuer.rstrip('/')}|{subject}".encode()
    return hmac.new(str(secret).encode(), message, hashlib.sha256).hexdigest()


def candidate_keys(issuer: str, subject: str) -> list[str]:
    """The account key under the current pepper, then under each earlier one, newest first."""
    previous = current_app.config["SUBJECT_PEPPER_PREVIOUS"]
    peppers = [previous[v] for v in sorted(previous, key=int, reverse=True)]
    return [subject_key(issuer, subject)] + [
        subject_key(issuer, subject, pepper=pepper) for pepper in peppers
    ]


#: A tombstone's ``subject_key``: unique, and never a hex HMAC, so no sign-in matches it.
#: (The column stays NOT NULL: making it nullable would mean rebuilding ``users`` on SQLite,
#: whose foreign keys would cascade the drop of the old table onto sessions and roles.)
_VOID_KEY = "deleted:{id}"


def void_key(user: User) -> str:
    return _VOID_KEY.format(id=user.id)


def find_by_identity(issuer: str, subject: str) -> User | None:
    """The live account of an eID identity (a tombstone's key is void: never found)."""
    keys = candidate_keys(issuer, subject)
    found = {
        user.subject_key: user
        for user in db.session.scalars(sa.select(User).where(User.subject_key.in_(keys)))
    }
    return next((found[key] for key in keys if key in found), None)


def former_accounts(user: User) -> sa.Select[int]:
    """The ids of the person's deleted accounts, as a subquery for "supported already?".

    Only for refusing a second support: never shown, never exported.
    """
    if user.deleted_at is not None:
        return sa.select(User.id).where(sa.false())
    return sa.select(User.id).where(User.former_subject_key == user.subject_key)


def age_on(birthdate: date, today: date) -> int:
    return (
        today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))
    )


def _age(claims: dict[str, Any]) -> int | None:
    """Age from the ``birthdate`` claim; ``None`` if absent or unusable.

    OIDC allows a year alone ("1980"): then the age is counted as if the birthday had not
    come yet this year, so nobody passes the minimum age too early.
    """
    raw = claims.get("birthdate")
    if not isinstance(raw, str):
        return None
    today = to_local(utcnow()).date()
    if len(raw) == 4 and raw.isdigit() and raw != "0000":
        return today.year - int(raw) - 1
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        return None
    if born.year == 0 or born > today:
        return None
    return age_on(born, today)


def _is_resident(claims: dict[str, Any]) -> bool | None:
    """True or False if the configured residency claim decides it, ``None`` if not configured."""
    claim = current_app.config.get("RESIDENCY_CLAIM")
    if not claim:
        return None
    accepted = str(current_app.config["RESIDENCY_VALUES"]).split()
    return str(claims.get(claim, "")) in accepted


def _rekey_tombstones(keys: list[str]) -> None:
    """Move the person's tombstones found under earlier peppers to the current key.

    They must follow the live account, or the duplicate-support check would stop matching
    once an earlier pepper is retired.
    """
    current, earlier = keys[0], keys[1:]
    if not earlier:
        return
    db.session.execute(
        sa.update(User)
        .where(User.former_subject_key.in_(earlier))
        .values(
            former_subject_key=current,
            subject_key_version=current_app.config["SUBJECT_PEPPER_VERSION"],
        )
        .execution_options(synchronize_session="fetch")
    )


def sign_in(identity: Identity, *, language: str | None = None) -> User:
    """Find or create the account for a verified identity and refresh its derived facts.

    A new account starts in ``language`` (the one the person was reading in). A person who
    deleted their account gets a new one: nothing of the old one comes back.

    Raises ``TooYoung`` before anything is stored about a person under the minimum age.
    """
    age = _age(identity.claims)
    minimum = current_app.config["MINIMUM_AGE"]
    if minimum and (age is None or age < minimum):
        raise TooYoung(age_known=age is not None)

    keys = candidate_keys(identity.issuer, identity.subject)
    key = keys[0]
    user = find_by_identity(identity.issuer, identity.subject)
    now = utcnow()
    if user is None:
        user = User(
            subject_key=key,
            subject_key_version=current_app.config["SUBJECT_PEPPER_VERSION"],
            language=language or current_app.config["BABEL_DEFAULT_LOCALE"],
        )
        try:
            with db.session.begin_nested():  # SAVEPOINT: two first sign-ins may race
                db.session.add(user)
                db.session.flush()
        except IntegrityError:
            # The other request created it; it is there now.
            user = find_by_identity(identity.issuer, identity.subject)
            if user is None:
                raise
    elif user.subject_key != key:
        # Found under an earlier pepper: move the account to the current one.
        user.subject_key = key
        user.subject_key_version = current_app.config["SUBJECT_PEPPER_VERSION"]
    _rekey_tombstones(keys)
    user.is_adult = age is not None and age >= 18
    user.last_acr = identity.acr
    user.last_sign_in_at = now
    resident = _is_resident(identity.claims)
    if resident:
        if user.residency_source != ResidencySource.OFFICIAL:
            user.resident_verified_at = now
            user.residency_source = ResidencySource.EID
    elif resident is False and user.residency_source == ResidencySource.EID:
        # The provider no longer says so (the person moved away): the eID proof lapses.
        user.resident_verified_at = None
        user.residency_source = None
    db.session.flush()
    return user
