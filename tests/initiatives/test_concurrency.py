"""Supports under real concurrency, on PostgreSQL: separate connections, real commits.

50 residents supporting at once give exactly 50; one resident sending 20 supports at once
gives exactly 1; the counter always equals the rows; the threshold is crossed once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.auth.models import ResidencySource, User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import services
from app.initiatives.models import EventKind, Initiative, InitiativeEvent, InitiativeState, Support
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.conftest import Databases, base_config

RESIDENTS = 60


@pytest.fixture(scope="module")
def shared_app(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Flask]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL, the production database")
    app = create_app(
        base_config(
            databases.new("concurrency"),
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RESIDENTS + 5, "max_overflow": 5},
        )
    )
    with app.app_context():
        upgrade()
        seed_reference_data()
        for n in range(RESIDENTS + 1):
            db.session.add(
                User(
                    subject_key=f"{n:064x}", pseudonym=f"R{n}", pseudonym_key=f"r{n}",
                    is_adult=True, last_acr="http://eidas.europa.eu/LoA/substantial",
                    resident_verified_at=utcnow(), residency_source=ResidencySource.EID,
                )
            )  # fmt: skip
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _new_initiative(app: Flask, threshold: int) -> tuple[int, list[int]]:
    with app.app_context():
        users = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
        author, residents = users[0], users[1:]
        topic = db.session.scalar(sa.select(Topic).filter_by(slug="promet"))
        initiative = Initiative(
            title="Hkratna podpora", summary="s", body="b", body_html="<p>b</p>", topic=topic,
            author_id=author, state=InitiativeState.PUBLISHED, threshold=threshold,
            published_at=utcnow(), support_closes_at=utcnow() + timedelta(days=30),
        )  # fmt: skip
        db.session.add(initiative)
        db.session.commit()
        return initiative.id, residents


def _support_all(app: Flask, initiative_id: int, user_ids: list[int]) -> list[str]:
    """Every user id supports at the same moment; returns each outcome."""
    barrier = threading.Barrier(len(user_ids))

    def one(user_id: int) -> str:
        with app.app_context():
            user = db.session.get(User, user_id)
            initiative = db.session.get(Initiative, initiative_id)
            barrier.wait(timeout=30)
            try:
                services.support(user, initiative)  # type: ignore[arg-type]
            except services.AlreadySupported:
                db.session.rollback()
                return "duplicate"
            db.session.commit()
            return "ok"

    with ThreadPoolExecutor(max_workers=len(user_ids)) as pool:
        return list(pool.map(one, user_ids))


def _state(app: Flask, initiative_id: int) -> tuple[int, int, int]:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        rows = db.session.scalar(
            sa.select(sa.func.count()).select_from(Support).filter_by(initiative_id=initiative_id)
        )
        crossings = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(InitiativeEvent)
            .filter_by(initiative_id=initiative_id, kind=EventKind.THRESHOLD_REACHED)
        )
        return initiative.support_count, int(rows or 0), int(crossings or 0)


def test_fifty_residents_at_once_give_exactly_fifty(shared_app: Flask) -> None:
    initiative_id, residents = _new_initiative(shared_app, threshold=25)
    outcomes = _support_all(shared_app, initiative_id, residents[:50])
    assert outcomes.count("ok") == 50
    counter, rows, crossings = _state(shared_app, initiative_id)
    assert (counter, rows) == (50, 50)
    assert crossings == 1  # the threshold of 25 was crossed once, whoever crossed it


def test_one_resident_twenty_times_at_once_gives_exactly_one(shared_app: Flask) -> None:
    initiative_id, residents = _new_initiative(shared_app, threshold=1000)
    outcomes = _support_all(shared_app, initiative_id, [residents[0]] * 20)
    assert outcomes.count("ok") == 1
    assert outcomes.count("duplicate") == 19
    counter, rows, _ = _state(shared_app, initiative_id)
    assert (counter, rows) == (1, 1)


def test_support_and_withdrawal_racing_keep_the_counter_true(shared_app: Flask) -> None:
    initiative_id, residents = _new_initiative(shared_app, threshold=1000)
    _support_all(shared_app, initiative_id, residents[:40])
    barrier = threading.Barrier(40)

    def toggle(index: int) -> None:
        user_id = residents[index]
        with shared_app.app_context():
            user = db.session.get(User, user_id)
            initiative = db.session.get(Initiative, initiative_id)
            barrier.wait(timeout=30)
            if index % 2:
                services.withdraw_support(user, initiative)  # type: ignore[arg-type]
            else:
                with contextlib.suppress(services.AlreadySupported):
                    services.support(user, initiative)  # type: ignore[arg-type]
            db.session.commit()

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(toggle, range(40)))
    counter, rows, _ = _state(shared_app, initiative_id)
    assert counter == rows == 20
