"""Who may do what with an initiative: role by state, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.models import Role, RoleGrant, User
from app.initiatives import permissions
from app.initiatives.models import Initiative, InitiativeState, ResponseKind

_S = InitiativeState
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
AUTHOR, RESIDENT, UNVERIFIED, MODERATOR, OFFICIAL, OTHER_UNIT, ADMIN, ANON = range(8)
WHO = ["author", "resident", "unverified", "moderator", "official", "other unit", "admin", "anon"]


def account(who: int) -> User | None:
    if who == ANON:
        return None
    user = User(id=who + 1, pseudonym="P", last_acr=SUBSTANTIAL, resident_verified_at=NOW)
    user.role_grants = []
    if who == UNVERIFIED:
        user.resident_verified_at = None
    role = {MODERATOR: Role.MODERATOR, OFFICIAL: Role.OFFICIAL, OTHER_UNIT: Role.OFFICIAL,
            ADMIN: Role.ADMINISTRATOR}.get(who)  # fmt: skip
    if role is not None:
        user.role_grants = [RoleGrant(role=role, org_unit_id={OFFICIAL: 7, OTHER_UNIT: 8}.get(who))]
    return user


def initiative(state: _S, **fields: object) -> Initiative:
    item = Initiative(
        author_id=AUTHOR + 1, state=state, responsible_unit_id=7,
        support_closes_at=NOW + timedelta(days=10),
    )  # fmt: skip
    for name, value in fields.items():
        setattr(item, name, value)
    return item


T, F = True, False
#           author resident unverif moderat official otherunit admin anon
MATRIX = {
    ("can_view", _S.DRAFT):              (T, F, F, F, F, F, F, F),
    ("can_view", _S.SUBMITTED):          (T, F, F, T, F, F, T, F),
    ("can_view", _S.PUBLISHED):          (T, T, T, T, T, T, T, T),
    ("can_view", _S.REJECTED):           (T, T, T, T, T, T, T, T),
    ("can_unsubmit", _S.SUBMITTED):      (T, F, F, F, F, F, F, F),
    ("can_unsubmit", _S.DRAFT):          (F, F, F, F, F, F, F, F),
    ("can_view_body", _S.REJECTED):      (T, F, F, T, F, F, T, F),
    ("can_edit", _S.DRAFT):              (T, F, F, F, F, F, F, F),
    ("can_edit", _S.SUBMITTED):          (T, F, F, T, F, F, T, F),
    ("can_edit", _S.PUBLISHED):          (F, F, F, T, F, F, T, F),
    ("can_edit", _S.ANSWERED):           (F, F, F, F, F, F, F, F),
    ("can_submit", _S.DRAFT):            (T, F, F, F, F, F, F, F),
    ("can_submit", _S.SUBMITTED):        (F, F, F, F, F, F, F, F),
    ("can_delete", _S.DRAFT):            (T, F, F, F, F, F, F, F),
    ("can_delete", _S.SUBMITTED):        (F, F, F, F, F, F, F, F),
    ("can_moderate", _S.SUBMITTED):      (F, F, F, T, F, F, T, F),
    ("can_moderate", _S.PUBLISHED):      (F, F, F, F, F, F, F, F),
    ("can_report_progress", _S.ANSWERED): (F, F, F, F, T, F, T, F),
    ("can_assign_unit", _S.SUBMITTED):   (F, F, F, T, F, F, T, F),
    ("can_assign_unit", _S.PUBLISHED):   (F, F, F, T, T, F, T, F),
    ("can_assign_unit", _S.ANSWERED):    (F, F, F, F, F, F, F, F),
    ("can_manage_attachments", _S.DRAFT): (T, F, F, F, F, F, F, F),
    ("can_manage_attachments", _S.PUBLISHED): (F, F, F, F, F, F, F, F),
}  # fmt: skip
TIMED = {
    ("can_support", _S.PUBLISHED):       (F, T, F, T, T, T, T, F),
    ("can_support", _S.AWAITING_RESPONSE): (F, T, F, T, T, T, T, F),
    ("can_support", _S.ANSWERED):        (F, F, F, F, F, F, F, F),
    ("can_support", _S.SUBMITTED):       (F, F, F, F, F, F, F, F),
    ("can_withdraw", _S.SUBMITTED):      (F, F, F, F, F, F, F, F),
    ("can_withdraw", _S.PUBLISHED):      (T, F, F, F, F, F, F, F),
    ("can_withdraw", _S.AWAITING_RESPONSE): (F, F, F, F, F, F, F, F),
    ("can_withdraw_support", _S.PUBLISHED): (T, T, T, T, T, T, T, F),
    ("can_withdraw_support", _S.EXPIRED): (F, F, F, F, F, F, F, F),
    ("can_respond", _S.PUBLISHED):       (F, F, F, F, T, F, T, F),
    ("can_respond", _S.AWAITING_RESPONSE): (F, F, F, F, T, F, T, F),
    ("can_respond", _S.ANSWERED):        (F, F, F, F, F, F, F, F),
}  # fmt: skip


def _cases(table: dict) -> list[tuple[str, _S, str, bool]]:
    return [
        (name, state, WHO[who], expected)
        for (name, state), row in table.items()
        for who, expected in enumerate(row)
    ]


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(("permission", "state", "who", "expected"), _cases(MATRIX))
def test_matrix(permission: str, state: _S, who: str, expected: bool) -> None:
    item = initiative(state)
    if state is _S.ANSWERED:
        item.response_kind = ResponseKind.ACCEPTED
    assert getattr(permissions, permission)(account(WHO.index(who)), item) is expected


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(("permission", "state", "who", "expected"), _cases(TIMED))
def test_matrix_in_time(permission: str, state: _S, who: str, expected: bool) -> None:
    item = initiative(state)
    assert getattr(permissions, permission)(account(WHO.index(who)), item, NOW) is expected


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(
    "permission", ["can_support", "can_withdraw", "can_withdraw_support", "can_respond"]
)
def test_nothing_after_the_deadline(permission: str) -> None:
    item = initiative(_S.PUBLISHED)
    after = NOW + timedelta(days=11)
    assert not any(
        getattr(permissions, permission)(account(who), item, after) for who in range(len(WHO))
    )


@pytest.mark.usefixtures("ctx")
def test_any_official_answers_while_no_unit_is_chosen() -> None:
    item = initiative(_S.AWAITING_RESPONSE, responsible_unit_id=None)
    assert permissions.can_respond(account(OTHER_UNIT), item, NOW)
    assert permissions.can_assign_unit(account(OTHER_UNIT), item)


@pytest.mark.usefixtures("ctx")
def test_withdrawn_before_publication_stays_private() -> None:
    never_published = initiative(_S.WITHDRAWN, published_at=None)
    assert permissions.can_view(account(AUTHOR), never_published)
    assert not permissions.can_view(account(RESIDENT), never_published)
    assert not permissions.can_view(None, never_published)
    published_once = initiative(_S.WITHDRAWN, published_at=NOW - timedelta(days=3))
    assert permissions.can_view(None, published_once)
