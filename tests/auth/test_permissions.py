"""Who may do what: a matrix of kinds of account against every permission, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.auth import permissions
from app.auth.models import Role, RoleGrant, User

SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
LOW = "http://eidas.europa.eu/LoA/low"
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def account(kind: str) -> User | None:
    if kind == "anonymous":
        return None
    user = User(id=1, pseudonym="P", last_acr=SUBSTANTIAL, resident_verified_at=NOW)
    user.role_grants = []
    if kind == "unverified":
        user.resident_verified_at = None
    elif kind == "low":
        user.last_acr = LOW
    elif kind == "not_set_up":
        user.pseudonym = None
    elif kind == "deleted":
        user.deleted_at = NOW
    elif kind in {role.value for role in Role}:
        user.role_grants = [
            RoleGrant(role=Role(kind), org_unit_id=3 if kind == "official" else None)
        ]
    return user


KINDS = [
    "anonymous", "resident", "unverified", "low", "not_set_up", "deleted",
    "councillor", "council_office", "official", "moderator", "administrator",
]  # fmt: skip
T, F = True, False
EXPECTED = {
    # anonymous, resident, unverified, low, not set up, deleted,
    # councillor, council office, official, moderator, administrator
    "can_participate":      (F, T, F, F, F, F, T, T, T, T, T),
    "can_ask":              (F, T, T, T, F, F, T, T, T, T, T),
    "is_moderator":         (F, F, F, F, F, F, F, F, F, T, T),
    "is_official":          (F, F, F, F, F, F, F, F, T, F, F),
    "is_councillor":        (F, F, F, F, F, F, T, F, F, F, F),
    "can_manage_roles":     (F, F, F, F, F, F, F, F, F, F, T),
    "can_verify_residents": (F, F, F, F, F, F, F, F, T, F, T),
    "can_view_admin":       (F, F, F, F, F, F, F, F, T, F, T),
}  # fmt: skip
CASES = [
    (name, kind, expected)
    for name, row in EXPECTED.items()
    for kind, expected in zip(KINDS, row, strict=True)
]


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(("permission", "kind", "expected"), CASES)
def test_permission_matrix(permission: str, kind: str, expected: bool) -> None:
    assert getattr(permissions, permission)(account(kind)) is expected


@pytest.mark.usefixtures("ctx")
def test_official_role_is_per_unit() -> None:
    user = account("official")
    assert permissions.has_role(user, Role.OFFICIAL, org_unit_id=3)
    assert not permissions.has_role(user, Role.OFFICIAL, org_unit_id=4)
