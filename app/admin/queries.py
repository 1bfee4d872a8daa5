"""Read-side queries of the administration."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth import pseudonyms
from app.auth.models import Role, RoleGrant, User
from app.core import pagination
from app.core.models import AuditEntry
from app.core.pagination import Page
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit
from app.pages.models import AccessibilityFeedback
from app.reference.services import ReferenceModel, sort_key

PAGE_SIZE = 50


def _paged(query: sa.Select[Any], page: int) -> Page[Any]:
    # The lists of the administration are short enough to count exactly.
    return pagination.paginate(query, page=page, size=PAGE_SIZE)


def users(*, search: str = "", role: Role | None = None, page: int = 1) -> Page[User]:
    """Accounts matching a name and a role, newest first, one page; and the total count."""
    query = sa.select(User).where(User.deleted_at.is_(None))
    folded = pseudonyms.key(search)
    if folded:
        query = query.where(User.pseudonym_key.contains(folded, autoescape=True))
    if role is not None:
        query = query.where(User.role_grants.any(RoleGrant.role == role))
    return _paged(
        query.options(
            selectinload(User.role_grants).selectinload(RoleGrant.org_unit),
            selectinload(User.role_grants).selectinload(RoleGrant.person),
        ).order_by(User.created_at.desc(), User.id.desc()),
        page,
    )


def grant_choices() -> tuple[list[OrgUnit], list[Person]]:
    """What a role can be tied to: the organisational units in use, and the person records."""
    units = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.is_active).order_by(OrgUnit.name))
    people = db.session.scalars(sa.select(Person).order_by(Person.name))
    return list(units), list(people)


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def audit_entries(*, page: int = 1) -> Page[AuditEntry]:
    return _paged(sa.select(AuditEntry).order_by(AuditEntry.id.desc()), page)


def actor_names(entries: list[AuditEntry]) -> dict[int, str]:
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    if not ids:
        return {}
    return {
        user.id: user.display_name
        for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }


def reference_items(model: ReferenceModel) -> list[Any]:
    """Every item of a reference list: active ones first, each group in Slovenian order."""
    # Sorted here, not in SQL: the database's collation may well not be Slovenian.
    rows = db.session.scalars(sa.select(model))
    return sorted(rows, key=lambda item: (not item.is_active, sort_key(item.name_sl)))


def feedback(*, page: int = 1) -> Page[AccessibilityFeedback]:
    """The unhandled first, newest first."""
    return _paged(
        sa.select(AccessibilityFeedback).order_by(
            AccessibilityFeedback.handled_at.is_not(None),
            AccessibilityFeedback.created_at.desc(),
        ),
        page,
    )
