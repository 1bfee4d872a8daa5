"""Who may do what with an initiative. Pure functions of the account, the initiative, the time."""

from __future__ import annotations

from datetime import datetime

from app.auth import permissions as auth
from app.auth.models import Role, User
from app.initiatives import lifecycle
from app.initiatives.models import PUBLIC, Initiative, InitiativeState, ResponseKind

_S = InitiativeState


def _account(user: User | None) -> User | None:
    return user if isinstance(user, User) and user.deleted_at is None else None


def is_author(user: User | None, initiative: Initiative) -> bool:
    account = _account(user)
    return account is not None and initiative.author_id == account.id


def can_view(user: User | None, initiative: Initiative) -> bool:
    """Published and later states are public; drafts and the moderation queue are not."""
    if initiative.state is _S.WITHDRAWN and initiative.published_at is None:
        # Withdrawn before any moderator approved it: its text was never made public.
        return is_author(user, initiative)
    if initiative.state in PUBLIC:
        return True
    if initiative.state is _S.SUBMITTED:
        return is_author(user, initiative) or auth.is_moderator(user)
    return is_author(user, initiative)


def can_view_body(user: User | None, initiative: Initiative) -> bool:
    """A rejected initiative shows its title and the reason, not its text."""
    if initiative.state is _S.REJECTED:
        return is_author(user, initiative) or auth.is_moderator(user)
    return can_view(user, initiative)


def can_create(user: User | None) -> bool:
    return auth.can_participate(user)


def can_edit(user: User | None, initiative: Initiative) -> bool:
    """Authors edit until publication; moderators may correct a submitted or open one."""
    if is_author(user, initiative) and initiative.state in (_S.DRAFT, _S.SUBMITTED):
        return auth.can_participate(user)
    return auth.is_moderator(user) and initiative.state in (_S.SUBMITTED, _S.PUBLISHED)


def can_submit(user: User | None, initiative: Initiative) -> bool:
    return (
        is_author(user, initiative) and initiative.state is _S.DRAFT and auth.can_participate(user)
    )


def can_delete(user: User | None, initiative: Initiative) -> bool:
    return is_author(user, initiative) and initiative.state is _S.DRAFT


def can_withdraw(user: User | None, initiative: Initiative, now: datetime) -> bool:
    """Until the threshold is reached: after that, the municipality owes an answer.

    A submitted one is taken back to a draft instead (``can_unsubmit``): withdrawing it would
    show text no moderator has seen.
    """
    return (
        is_author(user, initiative)
        and initiative.state is _S.PUBLISHED
        and lifecycle.is_open_for_support(initiative, now)
    )


def can_unsubmit(user: User | None, initiative: Initiative) -> bool:
    return is_author(user, initiative) and initiative.state is _S.SUBMITTED


def can_moderate(user: User | None, initiative: Initiative) -> bool:
    return could_moderate(user, initiative) and initiative.state is _S.SUBMITTED


def can_support(user: User | None, initiative: Initiative, now: datetime) -> bool:
    return (
        auth.can_participate(user)
        and not is_author(user, initiative)
        and lifecycle.is_open_for_support(initiative, now)
    )


def can_withdraw_support(user: User | None, initiative: Initiative, now: datetime) -> bool:
    return _account(user) is not None and lifecycle.is_open_for_support(initiative, now)


def answers_for(user: User | None, initiative: Initiative) -> bool:
    """An official of the responsible unit (any official while none is chosen), or an admin."""
    if auth.is_administrator(user):
        return True
    if initiative.responsible_unit_id is None:
        return auth.is_official(user)
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=initiative.responsible_unit_id)


def could_moderate(user: User | None, initiative: Initiative) -> bool:
    """Whether ``user`` moderates this initiative, whatever its state (never their own)."""
    return auth.is_moderator(user) and not is_author(user, initiative)


def could_assign_unit(user: User | None, initiative: Initiative) -> bool:
    """Whether ``user`` sets the responsible unit of this initiative in some state."""
    return auth.is_moderator(user) or answers_for(user, initiative)


def can_respond(user: User | None, initiative: Initiative, now: datetime) -> bool:
    """Once published, until answered; not after it expired (even before the cron job ran)."""
    return answers_for(user, initiative) and lifecycle.effective_state(initiative, now) in (
        _S.PUBLISHED,
        _S.AWAITING_RESPONSE,
    )


def can_report_progress(user: User | None, initiative: Initiative) -> bool:
    return (
        answers_for(user, initiative)
        and initiative.state is _S.ANSWERED
        and initiative.response_kind is not ResponseKind.REJECTED
    )


def can_assign_unit(user: User | None, initiative: Initiative) -> bool:
    """Moderators (also while it waits for moderation) and the officials who answer for it.

    An official of another unit cannot take an initiative over by reassigning it.
    """
    if auth.is_moderator(user):
        return initiative.state in (_S.SUBMITTED, _S.PUBLISHED, _S.AWAITING_RESPONSE)
    return answers_for(user, initiative) and initiative.state in (
        _S.PUBLISHED,
        _S.AWAITING_RESPONSE,
    )


def can_manage_attachments(user: User | None, initiative: Initiative) -> bool:
    return is_author(user, initiative) and initiative.state in (_S.DRAFT, _S.SUBMITTED)
