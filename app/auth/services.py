"""Use cases of accounts, sessions and roles. Services flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.auth import permissions, pseudonyms
from app.auth.models import (
    AuthSession,
    ResidencySource,
    Role,
    RoleGrant,
    SeenLogoutToken,
    User,
)
from app.auth.oidc import Identity, LogoutRequest, hash_value
from app.core import models as audit
from app.core.outbox import OutboxMessage
from app.core.time import to_local, utcnow
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit


class NotAllowed(Exception):
    """The acting user may not perform this action."""


class TooYoung(Exception):
    """The person is younger than MINIMUM_AGE (or the provider did not say how old)."""

    def __init__(self, *, age_known: bool) -> None:
        super().__init__("too young" if age_known else "age unknown")
        self.age_known = age_known


class PseudonymTaken(Exception):
    pass


class PseudonymNotAllowed(Exception):
    """The name would look like an official's or a councillor's."""


class InvalidRoleGrant(Exception):
    """The grant lacks what its role needs (a unit for officials, a person for councillors)."""


class AlreadyGranted(Exception):
    pass


# --- identity -------------------------------------------------------------------------------


def subject_key(issuer: str, subject: str, *, pepper: str | None = None) -> str:
    """The account key: a keyed hash, so neither the eID subject nor a guess can be recovered."""
    secret = pepper if pepper is not None else current_app.config["SUBJECT_PEPPER"]
    message = f"{issuer.rstrip('/')}|{subject}".encode()
    return hmac.new(str(secret).encode(), message, hashlib.sha256).hexdigest()


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


def _candidate_keys(issuer: str, subject: str) -> list[str]:
    """The account key under the current pepper, then under each earlier one, newest first."""
    previous = current_app.config["SUBJECT_PEPPER_PREVIOUS"]
    peppers = [previous[v] for v in sorted(previous, key=int, reverse=True)]
    return [subject_key(issuer, subject)] + [
        subject_key(issuer, subject, pepper=pepper) for pepper in peppers
    ]


def _find_by_identity(issuer: str, subject: str) -> User | None:
    keys = _candidate_keys(issuer, subject)
    found = {
        user.subject_key: user
        for user in db.session.scalars(sa.select(User).where(User.subject_key.in_(keys)))
    }
    return next((found[key] for key in keys if key in found), None)


def sign_in(identity: Identity, *, language: str | None = None) -> User:
    """Find or create the account for a verified identity and refresh its derived facts.

    A new account starts in ``language`` (the one the person was reading in).

    Raises ``TooYoung`` before anything is stored about a person under the minimum age.
    """
    age = _age(identity.claims)
    minimum = current_app.config["MINIMUM_AGE"]
    if minimum and (age is None or age < minimum):
        raise TooYoung(age_known=age is not None)

    key = subject_key(identity.issuer, identity.subject)
    user = _find_by_identity(identity.issuer, identity.subject)
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
            user = _find_by_identity(identity.issuer, identity.subject)
            if user is None:
                raise
    elif user.subject_key != key:
        # Found under an earlier pepper: move the account to the current one.
        user.subject_key = key
        user.subject_key_version = current_app.config["SUBJECT_PEPPER_VERSION"]
    if user.deleted_at is not None:
        # A person who deleted their account comes back: same key, a fresh start. Their old
        # supports were always counted under this key, so they still cannot vote twice.
        user.deleted_at = None
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


# --- sessions -------------------------------------------------------------------------------


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


#: Write ``last_seen_at`` at most this often, not on every request.
_TOUCH_INTERVAL = timedelta(seconds=60)


def load_session(token: str) -> AuthSession | None:
    """The live session for a cookie token, or ``None`` (unknown, revoked, idle, expired)."""
    auth = db.session.scalar(
        sa.select(AuthSession).where(AuthSession.token_hash == _token_hash(token))
    )
    if auth is None or auth.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now >= auth.expires_at or now - auth.last_seen_at >= idle:
        end_session(auth, "expired")
        return None
    if not auth.user.is_active:
        return None
    if now - auth.last_seen_at >= _TOUCH_INTERVAL:
        auth.last_seen_at = now
        # Its own short transaction: a page that only reads never commits, and reading is
        # activity too.
        db.session.commit()
    return auth


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


class ReplayedLogoutToken(Exception):
    pass


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
        user = _find_by_identity(issuer, request.subject or "")
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


# --- the account ----------------------------------------------------------------------------


class PseudonymInvalid(Exception):
    """The name breaks the rules of ``pseudonyms.problem`` (forms check this first)."""


def _check_pseudonym(user: User, pseudonym: str) -> tuple[str, str]:
    if pseudonyms.problem(pseudonym) is not None:
        raise PseudonymInvalid
    name = pseudonyms.normalize(pseudonym)
    name_key = pseudonyms.key(name)
    is_staff = bool(user.role_grants)
    if pseudonyms.looks_official(name) and not is_staff:
        raise PseudonymNotAllowed
    # A councillor's public name belongs to that councillor's account alone.
    own_people = {grant.person_id for grant in user.role_grants if grant.person_id}
    for person in db.session.scalars(sa.select(Person)):
        if pseudonyms.key(person.name) == name_key and person.id not in own_people:
            raise PseudonymNotAllowed
    taken = db.session.scalar(
        sa.select(User.id).where(User.pseudonym_key == name_key, User.id != user.id)
    )
    if taken is not None:
        raise PseudonymTaken
    return name, name_key


def set_pseudonym(user: User, pseudonym: str) -> None:
    name, name_key = _check_pseudonym(user, pseudonym)
    user.pseudonym, user.pseudonym_key = name, name_key
    try:
        with db.session.begin_nested():  # SAVEPOINT: two people may pick it at once
            db.session.flush()
    except IntegrityError:
        raise PseudonymTaken from None


def set_language(user: User, language: str) -> None:
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(language)
    user.language = language
    db.session.flush()


#: Features add what they hold about a person (initiatives, supports …) to the export.
data_exporters: list[Callable[[User], dict[str, Any]]] = []


def export_data(user: User) -> dict[str, Any]:
    """Everything Glas holds about the person, for the GDPR right of access (Art. 15, 20)."""
    data: dict[str, Any] = {
        "account": {
            "pseudonym": user.pseudonym,
            "email": user.email,
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "language": user.language,
            "is_adult": user.is_adult,
            "level_of_assurance": user.last_acr,
            "resident_verified_at": _iso(user.resident_verified_at),
            "residency_verified_by": user.residency_source.value if user.residency_source else None,
            "created_at": _iso(user.created_at),
            "last_sign_in_at": _iso(user.last_sign_in_at),
        },
        "roles": [
            {
                "role": grant.role.value,
                "org_unit": grant.org_unit.name if grant.org_unit else None,
                "person": grant.person.name if grant.person else None,
                "granted_at": _iso(grant.granted_at),
            }
            for grant in user.role_grants
        ],
        "sessions": [
            {"signed_in_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at)}
            for s in active_sessions(user)
        ],
    }
    for exporter in data_exporters:
        data.update(exporter(user))
    return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: Features anonymise what the person wrote when the account is deleted.
account_erasers: list[Callable[[User], None]] = []


class LastAdministrator(Exception):
    """The account is the only administrator's: another must be appointed first."""


def delete_account(user: User) -> None:
    """Erase the person; keep a tombstone so supports stay counted, exactly once."""
    if permissions.is_administrator(user) and _administrator_count() <= 1:
        raise LastAdministrator
    for erase in account_erasers:
        erase(user)
    end_all_sessions(user, "deleted")
    if user.email:
        # Mail not yet sent to the person is withdrawn with the address.
        db.session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.recipient == user.email, OutboxMessage.sent_at.is_(None)
            )
        )
    for grant in list(user.role_grants):
        audit.record(
            user.id, "role.revoke", "user", user.id, role=grant.role.value, reason="deleted"
        )
    user.role_grants.clear()
    user.pseudonym = None
    user.pseudonym_key = None
    user.email = None
    user.email_confirmed_at = None
    user.language = current_app.config["BABEL_DEFAULT_LOCALE"]
    user.is_adult = False
    user.last_acr = None
    user.resident_verified_at = None
    user.residency_source = None
    user.last_sign_in_at = None
    user.deleted_at = utcnow()
    audit.record(user.id, "account.delete", "user", user.id)
    db.session.flush()


# --- roles ----------------------------------------------------------------------------------


def grant_role(
    actor: User | None,
    user: User,
    role: Role,
    *,
    org_unit: OrgUnit | None = None,
    person: Person | None = None,
) -> RoleGrant:
    """Grant a role (``actor`` None: the system, i.e. the command line). Audited."""
    if actor is not None and not permissions.can_manage_roles(actor):
        raise NotAllowed
    if user.deleted_at is not None:
        raise InvalidRoleGrant
    if (role is Role.OFFICIAL) != (org_unit is not None):
        raise InvalidRoleGrant
    if (role is Role.COUNCILLOR) != (person is not None):
        raise InvalidRoleGrant
    for existing in user.role_grants:
        if existing.role is role and existing.org_unit_id == (org_unit.id if org_unit else None):
            raise AlreadyGranted
    grant = RoleGrant(
        role=role,
        org_unit=org_unit,
        person=person,
        granted_by_id=actor.id if actor else None,
    )
    user.role_grants.append(grant)
    try:
        with db.session.begin_nested():  # SAVEPOINT: a double submit must not poison it
            db.session.flush()
    except IntegrityError:
        user.role_grants.remove(grant)
        raise AlreadyGranted from None
    audit.record(
        actor.id if actor else None,
        "role.grant",
        "user",
        user.id,
        role=role.value,
        org_unit=org_unit.code if org_unit else None,
        person_id=person.id if person else None,
    )
    return grant


def revoke_role(actor: User | None, grant: RoleGrant) -> None:
    if actor is not None and not permissions.can_manage_roles(actor):
        raise NotAllowed
    if (
        actor is not None
        and grant.user_id == actor.id
        and grant.role is Role.ADMINISTRATOR
        and _administrator_count() <= 1
    ):
        # The last administrator cannot lock everybody out by accident.
        raise NotAllowed
    user = grant.user
    audit.record(
        actor.id if actor else None,
        "role.revoke",
        "user",
        user.id,
        role=grant.role.value,
        org_unit=grant.org_unit.code if grant.org_unit else None,
    )
    user.role_grants.remove(grant)
    db.session.flush()


def _administrator_count() -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.role == Role.ADMINISTRATOR)
        )
        or 0
    )


def set_residency(actor: User | None, user: User, *, verified: bool) -> None:
    """An official's manual verification of residence (or its withdrawal). Audited."""
    if actor is not None and (not permissions.can_verify_residents(actor) or actor.id == user.id):
        # Nobody vouches for their own residence.
        raise NotAllowed
    if verified:
        user.resident_verified_at = utcnow()
        user.residency_source = ResidencySource.OFFICIAL
    else:
        user.resident_verified_at = None
        user.residency_source = None
    audit.record(
        actor.id if actor else None,
        "resident.verify" if verified else "resident.unverify",
        "user",
        user.id,
    )
    db.session.flush()
