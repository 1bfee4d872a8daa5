"""Read-side queries of the administration."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth import pseudonyms
from app.auth.models import Role, RoleGrant, User
from app.core.models import AuditEntry
from app.extensions import db
from app.pages.models import AccessibilityFeedback
from app.reference.services import ReferenceModel, sort_key

PAGE_SIZE = 50


def _paged(query: sa.Select[Any], page: int) -> tuple[list[Any], int]:
    """One page of an ordered select, and the total it pages through."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(rows), int(total)


def users(*, search: str = "", role: Role | None = None, page: int = 1) -> tuple[list[User], int]:
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


def audit_entries(*, page: int = 1) -> tuple[list[AuditEntry], int]:
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


def feedback(*, page: int = 1) -> tuple[list[AccessibilityFeedback], int]:
    """The unhandled first, newest first."""
    return _paged(
        sa.select(AccessibilityFeedback).order_by(
            AccessibilityFeedback.handled_at.is_not(None),
            AccessibilityFeedback.created_at.desc(),
        ),
        page,
    )
