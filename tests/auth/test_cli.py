"""``flask users …``."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.auth.demo import seed_org_units
from app.auth.models import User
from app.extensions import db


def _roles(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return sorted(
            f"{g.role.value}@{g.org_unit.code if g.org_unit else ''}" for g in user.role_grants
        )


def test_first_administrator_from_the_command_line(
    app: Flask, runner: FlaskCliRunner, make_user
) -> None:
    user_id = make_user(pseudonym="Bojan Kralj")
    result = runner.invoke(args=["users", "grant-role", "bojan kralj", "administrator"])
    assert result.exit_code == 0, result.output
    assert _roles(app, user_id) == ["administrator@"]
    result = runner.invoke(args=["users", "list", "--role", "administrator"])
    assert "Bojan Kralj" in result.output


def test_official_needs_a_unit(app: Flask, runner: FlaskCliRunner, make_user) -> None:
    user_id = make_user(pseudonym="Maja")
    with app.app_context():
        seed_org_units()
        db.session.commit()
    result = runner.invoke(args=["users", "grant-role", "Maja", "official"])
    assert result.exit_code != 0
    assert "official needs --org-unit" in result.output
    result = runner.invoke(
        args=["users", "grant-role", f"#{user_id}", "official", "--org-unit", "KZ"]
    )
    assert result.exit_code == 0, result.output
    assert _roles(app, user_id) == ["official@KZ"]
    result = runner.invoke(args=["users", "revoke-role", "Maja", "official", "--org-unit", "KZ"])
    assert result.exit_code == 0, result.output
    assert _roles(app, user_id) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "grant-role", "Nobody", "moderator"], "No account 'Nobody'"),
        (["users", "grant-role", "Maja", "emperor"], "is not a role"),
        (["users", "grant-role", "Maja", "official", "--org-unit", "XX"], "no organisational unit"),
        (["users", "revoke-role", "Maja", "moderator"], "does not have this role"),
    ],
)
def test_mistakes_are_explained(
    runner: FlaskCliRunner, make_user, args: list[str], message: str
) -> None:
    make_user(pseudonym="Maja")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_verify_a_resident(app: Flask, runner: FlaskCliRunner, make_user) -> None:
    user_id = make_user(pseudonym="Eva", resident_verified_at=None, residency_source=None)
    assert runner.invoke(args=["users", "verify-resident", "Eva"]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, user_id).resident_verified_at is not None  # type: ignore[union-attr]
    assert runner.invoke(args=["users", "verify-resident", "Eva", "--undo"]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, user_id).resident_verified_at is None  # type: ignore[union-attr]
