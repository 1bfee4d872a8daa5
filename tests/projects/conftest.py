"""Fixtures for projects and commitments: the units, topics and communities a project belongs
to, the officials of those units, projects recorded through ``app.projects.services`` and
published reply letters (``tests/replies``) to record commitments on.

Factories return ids (``tests/conftest.py``'s habit): HTTP tests keep no ORM object across
requests. The counting helpers (``counts``, ``snapshot``) say what a refused request must not
have changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.core.time import today as local_today
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind
from app.projects import services
from app.projects.models import (
    Commitment,
    Light,
    Milestone,
    Project,
    ProjectLink,
    ProjectUpdate,
    ProjectYear,
)
from app.reference.models import LocalCommunity, Topic
from app.replies.models import Reply
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
from tests.replies.conftest import letters, upload_folder  # noqa: F401 (fixtures)
from tests.replies.factories import Letters

#: The unit that owns the projects of these tests, and the one that does not.
UNIT, OTHER_UNIT = "UGDP", "UOP"


@dataclass(frozen=True)
class Org:
    """Where a project belongs: ids of units, topics and communities, active or not."""

    unit: int  # UGDP, the projects' unit
    other_unit: int  # UOP
    kz: int  # the cabinet, which issues the letters
    inactive_unit: int
    topic: int  # promet
    other_topic: int
    inactive_topic: int
    community: int
    other_community: int
    inactive_community: int
    topic_slug: str
    other_topic_slug: str
    community_slug: str


@dataclass(frozen=True)
class Actors:
    """User ids of everyone the permission matrix asks about."""

    official: int  # of UGDP, the projects' unit
    other_official: int  # of UOP only
    both: int  # of UGDP and UOP
    issuer: int  # of KZ, which issues the letters (``people.official``)
    resident: int
    moderator: int
    administrator: int


@pytest.fixture
def org(app: Flask, council: Council, seed_once: SeedOnce) -> Org:  # noqa: F811
    """The council's three units and the reference data, with one of each made inactive."""
    return seed_once("projects.org", lambda: _org(app, council))


def _org(app: Flask, council: Council) -> Org:  # noqa: F811
    with app.app_context():
        inactive = OrgUnit(code="OLD", name="Urad, ki ga ni več", kind=OrgUnitKind.OFFICE)
        inactive.is_active = False
        db.session.add(inactive)
        topics = list(db.session.scalars(sa.select(Topic).order_by(Topic.id)))
        communities = list(
            db.session.scalars(sa.select(LocalCommunity).order_by(LocalCommunity.id))
        )
        promet = next(t for t in topics if t.slug == "promet")
        others = [t for t in topics if t.slug != "promet"]
        others[-1].is_active = False
        communities[-1].is_active = False
        db.session.commit()
        return Org(
            unit=council.units[UNIT],
            other_unit=council.units[OTHER_UNIT],
            kz=council.units["KZ"],
            inactive_unit=inactive.id,
            topic=promet.id,
            other_topic=others[0].id,
            inactive_topic=others[-1].id,
            community=communities[0].id,
            other_community=communities[1].id,
            inactive_community=communities[-1].id,
            topic_slug=promet.slug,
            other_topic_slug=others[0].slug,
            community_slug=communities[0].slug,
        )


@pytest.fixture
def actors(
    org: Org,
    people: People,  # noqa: F811
    make_user: Callable[..., int],
    seed_once: SeedOnce,
) -> Actors:
    official, both = seed_once(
        "projects.actors",
        lambda: (
            make_user(pseudonym="Uradnica Prometna", roles=[(Role.OFFICIAL, UNIT)]),
            make_user(
                pseudonym="Uradnik Dvojni",
                roles=[(Role.OFFICIAL, UNIT), (Role.OFFICIAL, OTHER_UNIT)],
            ),
        ),
    )
    return Actors(
        official=official,
        other_official=people.other_official,
        both=both,
        issuer=people.official,
        resident=people.resident,
        moderator=people.moderator,
        administrator=people.administrator,
    )


def account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def project(project_id: int) -> Project:
    found = db.session.get(Project, project_id)
    assert found is not None
    return found


def details(org: Org, **overrides: Any) -> services.Details:
    fields: dict[str, Any] = {
        "title": "Osvetljen prehod pred šolo",
        "summary": "Talne utripajoče luči na prehodu.",
        "description": "Prehod dobi **luči**.",
        "unit_id": org.unit,
        "topic_id": org.topic,
        "community_id": None,
        "location": "Šolska ulica",
    }
    fields.update(overrides)
    return services.Details(**fields)


#: The plan of a project these tests record: this year, 100 000 € of budget.
STARTS = date(2026, 3, 1)
ENDS = date(2026, 10, 31)


def record(
    org: Org,
    code: str = "OB-2026-014",
    *,
    actor: User | None = None,
    years: tuple[services.YearMoney, ...] = (services.YearMoney(2026, 10_000_000, 2_500_000),),
    starts_on: date = STARTS,
    ends_on: date = ENDS,
    light: Light = Light.GREEN,
    progress: int = 20,
    reason: str | None = None,
    **detail: Any,
) -> Project:
    """A project recorded through the service, as the system (or ``actor``); flushed."""
    arguments: dict[str, Any] = {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "years": years,
        "light": light,
        "progress": progress,
        "reason": reason,
    }
    if actor is not None:
        return services.create(actor, code, details(org, **detail), **arguments)
    with services.as_the_system():
        return services.create(None, code, details(org, **detail), **arguments)


@pytest.fixture
def make_project(app: Flask, org: Org) -> Callable[..., int]:
    """``make_project(code, **record_arguments)``: a committed project's id."""

    def _make(code: str = "OB-2026-014", **arguments: Any) -> int:
        with app.app_context():
            made = record(org, code, **arguments)
            db.session.commit()
            return made.id

    return _make


@pytest.fixture
def add_milestone(app: Flask) -> Callable[..., int]:
    """``add_milestone(project_id, title, planned_on)``: a committed milestone's id."""

    def _add(
        project_id: int, title: str = "Izbira izvajalca", planned_on: date | None = None
    ) -> int:
        with app.app_context(), services.as_the_system():
            milestone = services.add_milestone(
                None, project(project_id), title=title, planned_on=planned_on or date(2026, 6, 1)
            )
            db.session.commit()
            return milestone.id

    return _add


@pytest.fixture
def make_reply(app: Flask, letters: Letters) -> Callable[..., int]:  # noqa: F811
    """``make_reply(stage="published", **content)``: a letter of KZ at that stage; its id."""

    def _make(stage: str = "published", **content: Any) -> int:
        with app.app_context():
            reply = letters.make(stage, **content)
            db.session.commit()
            return reply.id

    return _make


@pytest.fixture
def published_reply(
    make_reply: Callable[..., int],
    letters: Letters,  # noqa: F811
    seed_once: SeedOnce,
) -> int:
    """A published letter of KZ, dated two days ago."""
    return seed_once(
        "projects.published_reply", lambda: make_reply("published"), counters=[(letters, "cases")]
    )


def letter_date(reply_id: int) -> date:
    reply = db.session.get(Reply, reply_id)
    assert reply is not None
    return reply.letter_date


@pytest.fixture
def make_commitment(app: Flask) -> Callable[..., int]:
    """``make_commitment(reply_id, owner_unit_id, due_on=…, project_id=…)``: its id."""

    def _make(
        reply_id: int,
        owner_unit_id: int,
        *,
        text: str = "Prehod bo osvetljen pred začetkom šolskega leta.",
        due_on: date | None = None,
        project_id: int | None = None,
    ) -> int:
        with app.app_context(), services.as_the_system():
            reply = db.session.get(Reply, reply_id)
            assert reply is not None
            made = services.record_commitment(
                None,
                reply,
                text=text,
                owner_unit_id=owner_unit_id,
                due_on=due_on or local_today() + timedelta(days=30),
                project_id=project_id,
            )
            db.session.commit()
            return made.id

    return _make


# --- what a refused request must leave as it was ---------------------------------------------

_COUNTED = (Project, ProjectYear, Milestone, ProjectUpdate, ProjectLink, Commitment, AuditEntry)


def counts() -> dict[str, int]:
    """The number of rows of every table a project's change writes to."""
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in _COUNTED
    }


def snapshot(project_id: int) -> dict[str, Any]:
    """Everything of a project a change could touch, as plain values."""
    db.session.expire_all()
    found = project(project_id)
    columns = {c.key: getattr(found, c.key) for c in sa.inspect(Project).column_attrs}
    return {
        **columns,
        "years": [
            (y.year, y.budget_cents, y.original_budget_cents, y.spent_cents) for y in found.years
        ],
        "milestones": [
            (m.id, m.title, m.planned_on, m.original_planned_on, m.done_on)
            for m in found.milestones
        ],
        "updates": len(found.updates),
    }


@pytest.fixture
def unchanged(app: Flask) -> Callable[..., Any]:
    """``with unchanged(project_id):`` — the block must leave every count and the project as
    they were (``project_id`` may be None: the counts only)."""
    from contextlib import contextmanager

    @contextmanager
    def _unchanged(project_id: int | None = None) -> Any:
        with app.app_context():
            before = counts(), snapshot(project_id) if project_id else None
        yield
        with app.app_context():
            after = counts(), snapshot(project_id) if project_id else None
        assert after == before

    return _unchanged


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The lines of a CSV text as dictionaries (after a byte-order mark)."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


@pytest.fixture
def signed_in(app: Flask, login: Callable[[FlaskClient, int], None]) -> Callable[..., FlaskClient]:
    """``signed_in(user_id)``: a new test client signed in as that account (``None``: anonymous)."""

    def _client(user_id: int | None) -> FlaskClient:
        client = app.test_client()
        if user_id is not None:
            login(client, user_id)
        return client

    return _client
