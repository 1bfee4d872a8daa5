"""One support per person, exact under any concurrency: the statements both kinds share.

Initiatives and residents' questions are supported the same way (``Support``,
``QuestionSupport``): a row per person and item under a unique constraint, and a counter on
the item kept equal to the rows in the same transaction. The unique constraint decides who
got in: ``INSERT … ON CONFLICT DO NOTHING`` returns no row for a second support, so no
SAVEPOINT is needed to survive the conflict, and only the request whose row went in moves
the counter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.auth import identity
from app.auth.models import User
from app.core import upsert
from app.core.db import UTCDateTime
from app.extensions import db


def insert_once(
    model: type[Any],
    item: InstrumentedAttribute[int],
    item_id: int,
    actor: User,
    now: datetime,
    *,
    unless: sa.ColumnElement[bool],
    execution_options: dict[str, Any],
) -> int | None:
    """Insert ``actor``'s support of ``item_id`` unless present or ``unless``; its id or None.

    ``INSERT … SELECT … WHERE NOT unless ON CONFLICT (item, user_id) DO NOTHING RETURNING id``:
    ON CONFLICT in the session's database's own spelling (app/core/upsert.py). ``unless`` is
    part of the INSERT's own WHERE, so it costs no round trip of its own.
    """
    row = sa.select(
        sa.literal(item_id, sa.Integer),
        sa.literal(actor.id, sa.Integer),
        sa.literal(now, UTCDateTime()),
    ).where(~unless)
    columns, unique = [item.key, "user_id", "created_at"], [item.key, "user_id"]
    statement = (
        upsert.insert(model).from_select(columns, row).on_conflict_do_nothing(index_elements=unique)
    )
    inserted: int | None = db.session.scalar(
        statement.returning(model.id), execution_options=execution_options
    )
    return inserted


def counted_before(
    actor: User,
    item: InstrumentedAttribute[int],
    item_id: int,
    *,
    author_id: int | None,
) -> sa.ColumnElement[bool]:
    """Whether the person already counts here through an account they deleted (as SQL).

    A returning person has a new account, and the unique constraint only sees that one: their
    old support, or their old item (an author never supports their own), must not let them
    count twice. The old account stays anonymous; only its key is compared.
    """
    former = identity.former_accounts(actor)
    support = item.class_
    supported = sa.exists().where(item == item_id, support.user_id.in_(former))
    if author_id is None:
        return supported
    proposed = former.where(User.id == author_id).exists()
    return sa.or_(supported, proposed)


def delete_one(
    model: type[Any],
    item: InstrumentedAttribute[int],
    item_id: int,
    actor: User,
    *,
    execution_options: dict[str, Any],
) -> bool:
    """Remove ``actor``'s support of ``item_id``; whether there was one."""
    deleted = db.session.execute(
        sa.delete(model).where(item == item_id, model.user_id == actor.id),
        execution_options=execution_options,
    )
    return bool(getattr(deleted, "rowcount", 0) == 1)


def has_supported(user: object, item: InstrumentedAttribute[int], item_id: int) -> bool:
    if not isinstance(user, User):
        return False
    support = item.class_
    return (
        db.session.scalar(sa.select(support.id).where(item == item_id, support.user_id == user.id))
        is not None
    )
