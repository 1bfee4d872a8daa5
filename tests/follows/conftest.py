"""Fixtures of the follows' tests: one public thing of every kind that can be followed, the
questions' people and council (``tests/questions``) and the replies' letters (``tests/replies``).

A non-root conftest may not declare ``pytest_plugins``; importing the fixtures here makes them
this package's fixtures too (they are found by name, as if defined here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.models import User
from app.extensions import db
from app.follows.models import Follow, Reason, Target
from app.org.models import OrgUnit
from app.projects import services as project_services
from app.reference.models import LocalCommunity, Topic
from tests.conftest import SeedOnce
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
from tests.replies.factories import Letters


@dataclass(frozen=True)
class Things:
    """The ids of one public thing of each kind, and the page each is on (if it has one)."""

    initiative: int
    question: int
    reply: int
    councillor: int  # a person of the council with a seat
    session: int
    topic: int
    community: int
    project: int

    def id_of(self, target: Target) -> int:
        return int(getattr(self, target.value))

    def page_of(self, target: Target) -> str:
        return {
            Target.INITIATIVE: f"/initiatives/{self.initiative}",
            Target.QUESTION: f"/questions/{self.question}",
            Target.REPLY: f"/replies/{self.reply}",
            Target.COUNCILLOR: f"/councillors/{self.councillor}",
            Target.SESSION: f"/sessions/{self.session}",
            Target.PROJECT: f"/projects/{self.project}",
        }[target]


#: The targets that have a page with a follow button on it.
WITH_A_PAGE = (
    Target.INITIATIVE,
    Target.QUESTION,
    Target.REPLY,
    Target.COUNCILLOR,
    Target.SESSION,
    Target.PROJECT,
)
#: The targets followed from "What I follow" (they have no page of their own).
PLACES = (Target.TOPIC, Target.COMMUNITY)


@pytest.fixture
def things(
    app: Flask,
    council: Council,  # noqa: F811
    people: People,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    make_question: Callable[..., int],  # noqa: F811
    letters: Letters,  # noqa: F811
    seed_once: SeedOnce,
) -> Things:
    """A published initiative, a published resident's question, a published reply letter, a
    seated councillor, the session held two weeks ago, a topic, a local community and a
    project."""
    return seed_once(
        "follows.things",
        lambda: _things(app, council, people, make_initiative, make_question, letters),
        counters=[(letters, "cases")],
    )


def _things(
    app: Flask,
    council: Council,  # noqa: F811
    people: People,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    make_question: Callable[..., int],  # noqa: F811
    letters: Letters,  # noqa: F811
) -> Things:
    initiative = make_initiative()
    question = make_question()
    with app.app_context():
        reply = letters.make("published")
        db.session.commit()
        topic = db.session.scalar(sa.select(Topic.id).where(Topic.slug == "promet"))
        community = db.session.scalar(
            sa.select(LocalCommunity.id).where(LocalCommunity.is_active).order_by(LocalCommunity.id)
        )
        assert topic is not None
        assert community is not None
        unit = db.session.scalar(sa.select(OrgUnit.id).order_by(OrgUnit.id))
        with project_services.as_the_system():
            project = project_services.create(
                None,
                "OB-2026-001",
                project_services.Details(
                    "Osvetlitev prehoda", "Prehod pri šoli", "", unit, topic, None, None
                ),
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
            )
        db.session.commit()
        return Things(
            initiative=initiative,
            question=question,
            reply=reply.id,
            councillor=people.councillor_person,
            session=council.held_session_id,
            topic=topic,
            community=community,
            project=project.id,
        )


@pytest.fixture
def resident(make_user: Callable[..., int]) -> int:
    """A resident who follows nothing yet."""
    return make_user(pseudonym="Mojca Sledilka")


def follows_of(user_id: int) -> list[tuple[Target, int, Reason]]:
    """In an app context: what ``user_id`` follows, as (target, id, reason), in id order."""
    return [
        (row.target, row.target_id, row.reason)
        for row in db.session.scalars(
            sa.select(Follow).where(Follow.user_id == user_id).order_by(Follow.id)
        )
    ]


def follow_rows(target: Target, target_id: int) -> list[int]:
    """In an app context: the user ids following one thing."""
    return list(
        db.session.scalars(
            sa.select(Follow.user_id)
            .where(Follow.target == target, Follow.target_id == target_id)
            .order_by(Follow.user_id)
        )
    )


def account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user
