"""Who may do what. Pure functions of the account: no request, no session access.

``user`` is the signed-in account or ``None`` for a visitor. Templates pass Flask-Login's
``current_user`` proxy, which stands for an anonymous user when nobody is signed in; ``_user``
treats that, and a deleted account, as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app

from app.auth.current import current_account
from app.auth.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def _user(user: User | None) -> User | None:
    """The account, or ``None`` for an anonymous visitor or a deleted account."""
    if isinstance(user, User) and user.deleted_at is None:
        return user
    return None


def has_role(user: User | None, role: Role, *, org_unit_id: int | None = None) -> bool:
    account = _user(user)
    if account is None:
        return False
    return any(
        grant.role is role and (org_unit_id is None or grant.org_unit_id == org_unit_id)
        for grant in account.role_grants
    )


def is_administrator(user: User | None) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def is_moderator(user: User | None) -> bool:
    return has_role(user, Role.MODERATOR) or is_administrator(user)


def is_official(user: User | None) -> bool:
    return has_role(user, Role.OFFICIAL)


def is_councillor(user: User | None) -> bool:
    return has_role(user, Role.COUNCILLOR)


def is_council_office(user: User | None) -> bool:
    return has_role(user, Role.COUNCIL_OFFICE)


def councillor_person_ids(user: User | None) -> frozenset[int]:
    """The public person records a councillor's account speaks for (usually one)."""
    account = _user(user)
    if account is None:
        return frozenset()
    return frozenset(
        grant.person_id
        for grant in account.role_grants
        if grant.role is Role.COUNCILLOR and grant.person_id is not None
    )


def has_accepted_level(user: User | None) -> bool:
    """The account's last sign-in was at a level of assurance the municipality accepts."""
    account = _user(user)
    accepted = str(current_app.config["OIDC_ACR_VALUES"]).split()
    return account is not None and account.last_acr in accepted


def is_verified_resident(user: User | None) -> bool:
    account = _user(user)
    return account is not None and account.resident_verified_at is not None


def can_participate(user: User | None) -> bool:
    """Submit and support: a verified resident, signed in at an accepted level, set up.

    Anyone signed in may still read, follow and ask questions.
    """
    account = _user(user)
    return (
        account is not None
        and account.is_set_up
        and is_verified_resident(account)
        and has_accepted_level(account)
    )


def can_ask(user: User | None) -> bool:
    account = _user(user)
    return account is not None and account.is_set_up


def can_manage_roles(user: User | None) -> bool:
    return is_administrator(user)


def can_verify_residents(user: User | None) -> bool:
    return is_administrator(user) or is_official(user)


def can_view_admin(user: User | None) -> bool:
    return can_manage_roles(user) or can_verify_residents(user)


def can_edit_site_texts(user: User | None) -> bool:
    """Texts the site shows to everyone, such as how to have one's residence verified."""
    return is_administrator(user)


def role_required(check: Callable[[User | None], bool]) -> Callable[[F], F]:
    """A coarse gate for a whole area: 401 for visitors (sign in first), 403 for others."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_account()
            if user is None:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not check(user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
