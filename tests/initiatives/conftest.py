"""Fixtures for initiatives: reference data and initiatives in any state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from app.auth.models import User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import rules, services
from app.initiatives.models import InitiativeState
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.conftest import SeedOnce

_S = InitiativeState


@pytest.fixture
def reference(app: Flask, seed_once: SeedOnce) -> None:
    """Kranj's communities, the topics and the rejection reasons."""

    def seed() -> None:
        with app.app_context():
            seed_reference_data()
            db.session.commit()

    seed_once("initiatives.reference", seed)


@pytest.fixture
def make_initiative(
    app: Flask, make_user: Callable[..., int], reference: None
) -> Callable[..., int]:
    """Create an initiative in ``state`` the way the services would; returns its id.

    ``supporters`` adds that many supports by fresh residents (through the service).
    """

    def _make(
        state: InitiativeState = _S.PUBLISHED,
        *,
        author_id: int | None = None,
        supporters: int = 0,
        title: str = "Varen prehod za pešce pred šolo",
        **fields: Any,
    ) -> int:
        author_id = author_id or make_user()
        supporter_ids = [make_user() for _ in range(supporters)]
        with app.app_context():
            author = db.session.get(User, author_id)
            topic = db.session.scalar(db.select(Topic).filter_by(slug="promet"))
            assert author is not None
            assert topic is not None
            initiative = services.create_draft(
                author,
                title=title,
                summary=fields.pop("summary", "Otroci prečkajo cesto brez semaforja."),
                body=fields.pop("body", "Predlagam **osvetljen** prehod."),
                topic_id=topic.id,
                community_id=None,
                location=None,
            )
            if state is not _S.DRAFT:
                initiative.state = _S.SUBMITTED
                initiative.submitted_at = utcnow()
            # A rejected one was never published: it goes no further than moderation.
            if state not in (_S.DRAFT, _S.SUBMITTED, _S.REJECTED):
                current = rules.current()
                initiative.state = _S.PUBLISHED
                initiative.published_at = utcnow() - timedelta(days=1)
                initiative.support_closes_at = utcnow() + timedelta(days=current.support_days)
                initiative.threshold = fields.pop("threshold", current.threshold)
            db.session.flush()
            for supporter_id in supporter_ids:
                services.support(db.session.get(User, supporter_id), initiative)  # type: ignore[arg-type]
            if state not in (_S.DRAFT, _S.SUBMITTED, _S.PUBLISHED):
                initiative.state = state
                if state is _S.REJECTED:
                    initiative.closed_at = utcnow()
            for name, value in fields.items():
                setattr(initiative, name, value)
            db.session.commit()
            return initiative.id

    return _make
