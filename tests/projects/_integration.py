"""What the tests of projects in search, following, notifications and feeds share.

Not a conftest (the package's conftest is the projects' own): a test module imports what it
uses from here, fixtures included (pytest finds an imported fixture by its name).

Projects are made through ``app.projects.services`` as the demo makes them (``system=True``
for the record itself) and changed by an official of their unit, as the pages change them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth.models import Role, User
from app.core.time import today as local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.projects import services
from app.projects.models import Project
from app.reference.models import LocalCommunity, Topic
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

#: The unit that owns the projects here.
UNIT = "UGDP"
UNIT_NAME = "Urad za gospodarske dejavnosti in promet"


@dataclass(frozen=True)
class World:
    """The ids the tests of projects need: an official of UGDP and where projects belong."""

    official: int  # of UGDP, the projects' unit
    unit: int
    topic: int
    community: int


@pytest.fixture
def world(app: Flask, council: Council, make_user: Callable[..., int]) -> World:  # noqa: F811
    """The council's units and the reference data, and an official of UGDP."""
    official = make_user(pseudonym="Uradnica Projektna", roles=[(Role.OFFICIAL, UNIT)])
    with app.app_context():
        unit = db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == UNIT))
        topic = db.session.scalar(sa.select(Topic.id).where(Topic.slug == "promet"))
        community = db.session.scalar(
            sa.select(LocalCommunity.id).where(LocalCommunity.is_active).order_by(LocalCommunity.id)
        )
        assert unit is not None
        assert topic is not None
        assert community is not None
        return World(official=official, unit=unit, topic=topic, community=community)


def account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def new_project(
    world: World,
    code: str,
    title: str,
    *,
    summary: str = "Kratek opis projekta.",
    description: str = "",
    community: bool = False,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Project:
    """In an app context: a project of UGDP on the topic "promet", not committed."""
    start = starts_on or local_today() - timedelta(days=30)
    return services.create(
        None,
        code,
        services.Details(
            title=title,
            summary=summary,
            description=description,
            unit_id=world.unit,
            topic_id=world.topic,
            community_id=world.community if community else None,
            location=None,
        ),
        starts_on=start,
        ends_on=ends_on or start + timedelta(days=365),
        system=True,
    )


@pytest.fixture
def make_ugdp_project(app: Flask, world: World) -> Callable[..., int]:
    """A committed project (``new_project``'s arguments); its id."""

    def _make(code: str, title: str, **details: object) -> int:
        with app.app_context():
            project = new_project(world, code, title, **details)  # type: ignore[arg-type]
            db.session.commit()
            return project.id

    return _make
