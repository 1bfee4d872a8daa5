"""Who may do what with projects and commitments. Pure functions of the account and the row.

Projects are public: everyone reads every project, signed in or not. A project belongs to its
responsible unit: the officials of that unit record it, set its light, progress, money, dates
and milestones, link what led to it, and may hand it to another unit. Nobody else changes it —
not other units, not moderators, not administrators (an administrator who must act is granted
the unit's official role, which the audit log then shows).

A commitment belongs to the letter that made it: the officials of the letter's issuing unit
record it; the officials of the unit that owns it (or of the issuing unit) mark it kept or
given up.
"""

from __future__ import annotations

from app.auth import permissions as auth
from app.auth.models import Role, User
from app.projects.models import Commitment, Project


def can_create(user: User | None, unit_id: int | None = None) -> bool:
    """Record a project for ``unit_id`` (any unit of the account's without one): an official."""
    if unit_id is None:
        return auth.is_official(user)
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=unit_id)


def can_import(user: User | None) -> bool:
    """Import projects from a CSV file (each row for one of the account's units)."""
    return auth.is_official(user)


def can_update(user: User | None, project: Project) -> bool:
    """Change anything of the project: an official of its responsible unit."""
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=project.unit_id)


def can_record_commitment(user: User | None, issuer_unit_id: int) -> bool:
    """Record a commitment of a letter: an official of the letter's issuing unit."""
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=issuer_unit_id)


def can_close_commitment(user: User | None, commitment: Commitment, issuer_unit_id: int) -> bool:
    """Mark an open commitment kept or given up, or reopen a closed one: an official of the
    unit that owns it or of the letter's issuing unit."""
    return auth.has_role(
        user, Role.OFFICIAL, org_unit_id=commitment.owner_unit_id
    ) or auth.has_role(user, Role.OFFICIAL, org_unit_id=issuer_unit_id)
