"""Who may do what with a reply letter. Pure functions of the account and the row.

The letter belongs to its issuing unit: its officials draft, edit, sign, send, publish,
correct and retract it. The review is the four-eyes step: another official of that unit,
never the one who drafted it, approves. Officials of the answering units read the draft, so
that the departments whose answer it carries can check it; nobody else sees a letter until it
is published — not the public, not other units, not administrators.
"""

from __future__ import annotations

from app.auth import permissions as auth
from app.auth.models import Role, User
from app.replies.models import PUBLIC, Reply, ReplyState

_R = ReplyState


def _account(user: User | None) -> User | None:
    return user if isinstance(user, User) and user.deleted_at is None else None


def is_issuer_official(user: User | None, reply: Reply) -> bool:
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=reply.issuer_unit_id)


def is_answering_official(user: User | None, reply: Reply) -> bool:
    return any(
        auth.has_role(user, Role.OFFICIAL, org_unit_id=row.unit_id) for row in reply.answering_units
    )


def is_drafter(user: User | None, reply: Reply) -> bool:
    """The account wrote any of the letter: drafted it, edited it, or sent it for review."""
    account = _account(user)
    return account is not None and (
        reply.drafted_by_id == account.id or account.id in (reply.written_by or ())
    )


def can_view(user: User | None, reply: Reply) -> bool:
    """Published, corrected and retracted letters are public; the rest stays in the units."""
    if reply.state in PUBLIC:
        return True
    return is_issuer_official(user, reply) or is_answering_official(user, reply)


def can_draft(user: User | None, issuer_unit_id: int | None = None) -> bool:
    """Write a new letter (or import one) for a unit: an official of that unit.

    Without a unit: whether the account drafts for any unit at all (the link on the pages).
    """
    if issuer_unit_id is None:
        return auth.is_official(user)
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=issuer_unit_id)


def can_view_internal_list(user: User | None) -> bool:
    """The officials' list of letters in the works (their units' only)."""
    return auth.is_official(user)


def can_edit(user: User | None, reply: Reply) -> bool:
    """A draft, by the issuing unit; a letter in review goes back to draft first."""
    return reply.state is _R.DRAFT and is_issuer_official(user, reply)


def can_submit(user: User | None, reply: Reply) -> bool:
    """Send the draft for review."""
    return reply.state is _R.DRAFT and is_issuer_official(user, reply)


def can_review(user: User | None, reply: Reply) -> bool:
    """Approve, or return with a note: another official of the issuing unit (four eyes), one
    who wrote none of it."""
    return (
        reply.state is _R.IN_REVIEW
        and reply.approved_at is None
        and is_issuer_official(user, reply)
        and not is_drafter(user, reply)
    )


def could_review(user: User | None, reply: Reply) -> bool:
    """Whether ``user`` may ever review this letter (the drafter never may)."""
    return is_issuer_official(user, reply) and not is_drafter(user, reply)


def can_sign(user: User | None, reply: Reply) -> bool:
    """Record the signed original: after the approval, by the issuing unit."""
    return (
        reply.state is _R.IN_REVIEW
        and reply.approved_at is not None
        and is_issuer_official(user, reply)
    )


def can_send(user: User | None, reply: Reply) -> bool:
    return reply.state is _R.SIGNED and is_issuer_official(user, reply)


def can_publish(user: User | None, reply: Reply) -> bool:
    return reply.state is _R.SENT and is_issuer_official(user, reply)


def can_correct(user: User | None, reply: Reply) -> bool:
    """Start a correction of a published letter (not of a correction still in the works)."""
    return (
        reply.state is _R.PUBLISHED
        and reply.superseded_by is None
        and is_issuer_official(user, reply)
    )


def can_retract(user: User | None, reply: Reply) -> bool:
    return reply.state is _R.PUBLISHED and is_issuer_official(user, reply)


def can_delete(user: User | None, reply: Reply) -> bool:
    """A draft that was never sent may be thrown away by its unit."""
    return reply.state is _R.DRAFT and is_issuer_official(user, reply)


def can_manage_files(user: User | None, reply: Reply) -> bool:
    """Annexes, while drafting only: the reviewer approves the letter with its annexes, and
    nothing may be added after that. (The signed original is ``sign``'s.)"""
    return can_edit(user, reply)


def can_give_verdict(user: User | None, reply: Reply, *, asker: bool, supporter: bool) -> bool:
    """Say whether the published letter answered the question: who asked, or a supporter.

    ``asker``/``supporter`` are facts about the question the caller has looked up (the
    councillor who posed it, the resident whose it is; a resident who supported it).
    """
    if _account(user) is None or reply.state is not _R.PUBLISHED:
        return False
    return asker or supporter
