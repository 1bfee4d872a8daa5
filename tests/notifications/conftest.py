"""Fixtures of the notifications' tests: the replies' letters and the questions' people.

A non-root conftest may not declare ``pytest_plugins``; importing the fixtures here makes them
this package's fixtures too (they are found by name, as if defined here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.models import EmailFrequency, User
from app.core.time import utcnow
from app.extensions import db
from app.follows import services as follows
from app.follows.models import Target
from app.initiatives import services as initiatives
from app.initiatives.models import Initiative
from app.notifications import fanout
from app.notifications.models import Event, Notification
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    Council,
    People,
    council,
    make_councillor,
    make_initiative,
    make_question,
    people,
    reference,
)
from tests.replies.conftest import letters, upload_folder  # noqa: F401


@pytest.fixture
def reader(app: Flask, make_user: Callable[..., int]) -> Callable[..., int]:
    """A resident with a confirmed address (``<name>@example.si``) in ``language``."""

    def _make(
        name: str,
        *,
        language: str = "sl",
        frequency: EmailFrequency = EmailFrequency.IMMEDIATE,
        confirmed: bool = True,
        **overrides: Any,
    ) -> int:
        user_id = make_user(**overrides)
        with app.app_context():
            user = db.session.get(User, user_id)
            assert user is not None
            user.email = f"{name}@example.si"
            user.email_confirmed_at = utcnow() if confirmed else None
            user.language = language
            user.email_frequency = frequency
            db.session.commit()
        return user_id

    return _make


def draft(author: User, title: str) -> Initiative:
    """In an app context: a draft initiative of ``author`` on the topic "promet"."""
    from tests.questions.conftest import topic_id

    return initiatives.create_draft(
        author,
        title=title,
        summary=f"{title}.",
        body=f"Predlagam: {title}.",
        topic_id=topic_id(),
        community_id=None,
        location=None,
    )


def follow(user_id: int, target: Target, target_id: int) -> None:
    """In an app context: ``user_id`` follows, committed."""
    user = db.session.get(User, user_id)
    assert user is not None
    follows.follow(user, target, target_id)
    db.session.commit()


def fan_out() -> fanout.FanOutReport:
    """Tell everyone of every pending event (what the worker does after each commit)."""
    return fanout.fan_out_all()


def told(user_id: int) -> list[str]:
    """The kinds of the events ``user_id`` was told of, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Event.kind)
            .join(Notification, Notification.event_id == Event.id)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
    )


def events(kind: str | None = None) -> list[Event]:
    statement = sa.select(Event).order_by(Event.id)
    if kind is not None:
        statement = statement.where(Event.kind == kind)
    return list(db.session.scalars(statement))
