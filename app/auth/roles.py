"""Roles an administrator grants, and residency an official verifies. Every change is audited.

``actor`` None means the system (the command line). Services flush, never commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.auth import permissions
from app.auth.models import ResidencySource, Role, RoleGrant, User
from app.core import models as audit
from app.core.time import utcnow
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit


class NotAllowed(Exception):
    """The acting user may not perform this action."""


class InvalidRoleGrant(Exception):
    """The grant lacks what its role needs (a unit for officials, a person for councillors)."""


class AlreadyGranted(Exception):
    pass


def grant_role(
    actor: User | None,
    user: User,
    role: Role,
    *,
    org_unit: OrgUnit | None = None,
    person: Person | None = None,
) -> RoleGrant:
    """Grant a role. Audited."""
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
        and administrator_count() <= 1
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


def administrator_count() -> int:
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
