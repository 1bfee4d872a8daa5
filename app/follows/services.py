"""Following and no longer following; the automatic follows of one's own and supported items.

Every write is one ``INSERT … ON CONFLICT DO NOTHING`` (or one DELETE): a double click, two
tabs or a support that also follows never make a second row, and no SAVEPOINT is needed. Like
every service these flush and never commit.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.auth.models import User
from app.core import pagecache, upsert
from app.core.time import utcnow
from app.extensions import db
from app.follows import targets
from app.follows.models import Follow, Reason, Target, page_tags


class NotFollowable(Exception):
    """The target does not exist or is not public."""


def _options(target: Target, target_id: int) -> dict[str, Any]:
    # The target's page says how many follow; a bulk statement must name it (pagecache).
    return {pagecache.TAGS: page_tags(target, target_id)}


def follow(actor: User, target: Target, target_id: int) -> bool:
    """Follow a public target; whether a follow was added (``False``: one existed).

    :raise NotFollowable: if the target does not exist or is not public.
    """
    if targets.describe_one(target, target_id) is None:
        raise NotFollowable
    # Not audited: whom one follows is the person's own business, not an act of office.
    return _add(actor.id, target, target_id, Reason.CHOSEN)


def unfollow(actor: User, target: Target, target_id: int) -> bool:
    """Stop following; whether there was a follow. Works for a target no longer public."""
    result = db.session.execute(
        sa.delete(Follow).where(
            Follow.user_id == actor.id, Follow.target == target, Follow.target_id == target_id
        ),
        execution_options=_options(target, target_id),
    )
    return bool(getattr(result, "rowcount", 0))


def _add(user_id: int, target: Target, target_id: int, reason: Reason) -> bool:
    statement = (
        upsert.insert(Follow)
        .values(
            user_id=user_id, target=target, target_id=target_id, reason=reason, created_at=utcnow()
        )
        .on_conflict_do_nothing(index_elements=["user_id", "target", "target_id"])
        .returning(Follow.id)
    )
    return db.session.scalar(statement, execution_options=_options(target, target_id)) is not None


def follow_automatically(user: User, target: Target, target_id: int, reason: Reason) -> None:
    """The follow one's own, supported or adopted item brings, unless the person turned
    automatic follows off. One statement; none at all when they are off."""
    if user.follow_automatically:
        _add(user.id, target, target_id, reason)


def drop_automatic(user: User, target: Target, target_id: int, reason: Reason) -> None:
    """Undo an automatic follow whose cause is gone (a support withdrawn); a follow the
    person chose, or made another way, stays."""
    db.session.execute(
        sa.delete(Follow).where(
            Follow.user_id == user.id,
            Follow.target == target,
            Follow.target_id == target_id,
            Follow.reason == reason,
        ),
        execution_options=_options(target, target_id),
    )


def follow_followers(source: Target, source_id: int, target: Target, target_id: int) -> None:
    """Make everyone who follows ``source`` follow ``target`` too (who allow automatic
    follows): a councillor's question that takes up an initiative is followed by whoever
    followed the initiative, its author first. One ``INSERT … SELECT``."""
    rows = (
        sa.select(
            Follow.user_id,
            sa.literal(target.value, Follow.target.type),
            sa.literal(target_id, sa.Integer),
            sa.literal(Reason.ADOPTED.value, Follow.reason.type),
            sa.literal(utcnow(), Follow.created_at.type),
        )
        .join(User, User.id == Follow.user_id)
        .where(
            Follow.target == source,
            Follow.target_id == source_id,
            User.follow_automatically,
            User.deleted_at.is_(None),
        )
    )
    statement = (
        upsert.insert(Follow)
        .from_select(["user_id", "target", "target_id", "reason", "created_at"], rows)
        .on_conflict_do_nothing(index_elements=["user_id", "target", "target_id"])
    )
    db.session.execute(statement, execution_options=_options(target, target_id))


def follow_supporters(
    supporter: InstrumentedAttribute[int],
    item: InstrumentedAttribute[int],
    item_id: int,
    target: Target,
    target_id: int,
) -> None:
    """Make everyone who supports ``item_id`` follow ``target`` (who allow automatic follows).

    One ``INSERT … SELECT``, however many supporters: when a councillor adopts an initiative
    with 10,000 supporters, the request does not loop over them.
    """
    rows = (
        sa.select(
            supporter,
            sa.literal(target.value, Follow.target.type),
            sa.literal(target_id, sa.Integer),
            sa.literal(Reason.ADOPTED.value, Follow.reason.type),
            sa.literal(utcnow(), Follow.created_at.type),
        )
        .join(User, User.id == supporter)
        .where(item == item_id, User.follow_automatically, User.deleted_at.is_(None))
    )
    statement = (
        upsert.insert(Follow)
        .from_select(["user_id", "target", "target_id", "reason", "created_at"], rows)
        .on_conflict_do_nothing(index_elements=["user_id", "target", "target_id"])
    )
    db.session.execute(statement, execution_options=_options(target, target_id))


def followers(target: Target, target_id: int, viewer: object) -> tuple[int, bool]:
    """How many follow, and whether ``viewer`` does: one query for the follow button."""
    viewer_id = viewer.id if isinstance(viewer, User) else None
    count, mine = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.max(sa.case((Follow.user_id == viewer_id, 1), else_=0)), 0),
        ).where(Follow.target == target, Follow.target_id == target_id)
    ).one()
    return int(count), bool(mine)


def follows_of(user: User) -> list[tuple[Follow, targets.Described | None]]:
    """Everything the person follows, newest first, each with its public description (or
    ``None`` for a target no longer public, which can still be unfollowed)."""
    rows = list(
        db.session.scalars(
            sa.select(Follow)
            .where(Follow.user_id == user.id)
            .order_by(Follow.created_at.desc(), Follow.id.desc())
        )
    )
    described: dict[Target, dict[int, targets.Described]] = {}
    for kind in {row.target for row in rows}:
        described[kind] = targets.describe(
            kind, (r.target_id for r in rows if r.target == kind), viewer=user
        )
    return [(row, described.get(row.target, {}).get(row.target_id)) for row in rows]
