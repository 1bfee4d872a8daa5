"""The person's account: public name, language, e-mail, "download my data", deletion.

Services flush, never commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.auth import email, identity, permissions, pseudonyms, roles, sessions
from app.auth.models import User
from app.core import models as audit
from app.core.outbox import OutboxMessage
from app.core.time import utcnow
from app.council.models import Person
from app.extensions import db


class PseudonymTaken(Exception):
    pass


class PseudonymNotAllowed(Exception):
    """The name would look like an official's or a councillor's."""


class PseudonymInvalid(Exception):
    """The name breaks the rules of ``pseudonyms.problem`` (forms check this first)."""


class LastAdministrator(Exception):
    """The account is the only administrator's: another must be appointed first."""


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


def update_profile(user: User, *, pseudonym: str, email_address: str | None, language: str) -> None:
    """The profile of the first sign-in and of "My account": name, language, e-mail.

    A new e-mail address is unconfirmed until the person opens the link sent to it.
    Raises ``PseudonymTaken``, ``PseudonymNotAllowed`` or ``PseudonymInvalid``.
    """
    set_pseudonym(user, pseudonym)
    set_language(user, language)
    address = (email_address or "").strip().lower() or None
    if address != user.email:
        email.change_address(user, address)


#: Features add what they hold about a person (initiatives, supports …) to the export.
data_exporters: list[Callable[[User], dict[str, Any]]] = []


def export_data(user: User) -> dict[str, Any]:
    """Everything Glas holds about the person, for the GDPR right of access (Art. 15, 20).

    What belongs to the person is what this account holds. A deleted earlier account is not
    theirs any more: its key is kept only to refuse a second support, and it is never
    exported (nor is any account key).
    """
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
            for s in sessions.active_sessions(user)
        ],
    }
    for exporter in data_exporters:
        data.update(exporter(user))
    return data


def export_json(user: User) -> str:
    """The "download my data" file: the export, stamped with the time it was made."""
    document = {"exported_at": utcnow().isoformat(), **export_data(user)}
    return json.dumps(document, ensure_ascii=False, indent=2)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: Features anonymise what the person wrote when the account is deleted.
account_erasers: list[Callable[[User], None]] = []


def delete_account(user: User) -> None:
    """Erase the person and keep a tombstone, so that supports stay counted exactly once.

    The tombstone keeps the account key in ``former_subject_key`` only: sign-in never finds
    it there, so a returning person gets a new account with nothing of the old one, and the
    old key only stops them supporting again what the old account supported or proposed.
    """
    if permissions.is_administrator(user) and roles.administrator_count() <= 1:
        raise LastAdministrator
    for erase in account_erasers:
        erase(user)
    sessions.end_all_sessions(user, "deleted")
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
    user.former_subject_key, user.subject_key = user.subject_key, identity.void_key(user)
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
