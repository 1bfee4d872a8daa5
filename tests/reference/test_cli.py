"""``flask reference seed``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import COMMUNITIES, REASONS, TOPICS


def _counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Topic, LocalCommunity, RejectionReason)
        )


def test_seed_adds_what_is_missing_once(app: Flask, runner: FlaskCliRunner) -> None:
    expected = len(TOPICS) + len(COMMUNITIES) + len(REASONS)
    first = runner.invoke(args=["reference", "seed"])
    assert first.exit_code == 0, first.output
    assert f"({expected} rows added)" in first.output
    assert _counts(app) == (len(TOPICS), 26, len(REASONS))
    second = runner.invoke(args=["reference", "seed"])
    assert second.exit_code == 0, second.output
    assert "(0 rows added)" in second.output
    assert _counts(app) == (len(TOPICS), 26, len(REASONS))


def test_seed_keeps_what_an_administrator_changed(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["reference", "seed"])
    with app.app_context():
        center = db.session.scalar(sa.select(LocalCommunity).filter_by(slug="center"))
        assert center is not None
        center.name_sl, center.is_active = "Center mesta", False
        db.session.commit()
    assert "(0 rows added)" in runner.invoke(args=["reference", "seed"]).output
    with app.app_context():
        center = db.session.scalar(sa.select(LocalCommunity).filter_by(slug="center"))
        assert center is not None
        assert (center.name_sl, center.is_active) == ("Center mesta", False)
