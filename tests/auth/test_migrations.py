"""The tombstone migration on a database with accounts in it, up and down, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import Databases, base_config

BEFORE, AFTER = "f1search0001", "e7a1tomb0001"
KEY_A, KEY_B = "a" * 64, "b" * 64


@pytest.fixture
def fresh_app(databases: Databases) -> Iterator[Flask]:
    """An app on an empty database of its own, migrated to just before the tombstones."""
    # A name of its own: on SQLite the name is the file.
    app = create_app(base_config(databases.new(f"tombstones_{uuid.uuid4().hex[:8]}")))
    with app.app_context():
        upgrade(revision=BEFORE)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _insert_accounts() -> None:
    now = "2026-11-30 10:00:00"
    for row in (
        {"id": 1, "subject_key": KEY_A, "pseudonym": "Ana", "deleted_at": None},
        {"id": 2, "subject_key": KEY_B, "pseudonym": None, "deleted_at": now},
    ):
        db.session.execute(
            sa.text(
                "INSERT INTO users (id, subject_key, subject_key_version, language, is_adult, "
                "created_at, deleted_at, pseudonym) VALUES (:id, :subject_key, 1, 'sl', false, "
                ":created, :deleted_at, :pseudonym)"
            ),
            {**row, "created": now},
        )
    db.session.execute(
        sa.text(
            "INSERT INTO role_grants (id, user_id, role, granted_at) "
            "VALUES (1, 1, 'moderator', :now)"
        ),
        {"now": now},
    )
    db.session.execute(
        sa.text(
            "INSERT INTO auth_sessions (id, token_hash, user_id, created_at, last_seen_at, "
            "expires_at, acr) VALUES (1, :token, 1, :now, :now, :now, 'high')"
        ),
        {"token": "c" * 64, "now": now},
    )
    db.session.commit()


def _rows(sql: str) -> list[tuple[object, ...]]:
    rows = [tuple(row) for row in db.session.execute(sa.text(sql))]
    # End the read: on SQLite an open transaction holds the lock the migration needs.
    db.session.rollback()
    return rows


def test_tombstones_move_their_key_aside_and_back(fresh_app: Flask) -> None:
    with fresh_app.app_context():
        _insert_accounts()
        upgrade(revision=AFTER)
        keys = _rows("SELECT id, subject_key, former_subject_key FROM users ORDER BY id")
        assert keys == [(1, KEY_A, None), (2, "deleted:2", KEY_B)]
        # Nothing that refers to the accounts was lost on the way (SQLite cascades on a
        # rebuilt table: the migration must not rebuild it).
        assert _rows("SELECT user_id FROM role_grants") == [(1,)]
        assert _rows("SELECT user_id FROM auth_sessions") == [(1,)]

        # The person of account 2 comes back: a new account with the same key.
        db.session.execute(
            sa.text(
                "INSERT INTO users (id, subject_key, subject_key_version, language, is_adult, "
                "created_at) VALUES (3, :key, 1, 'sl', false, '2026-12-01 10:00:00')"
            ),
            {"key": KEY_B},
        )
        db.session.commit()
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "former_subject_key" not in columns
        # The live account keeps its key; the tombstone stays void rather than clash with it.
        rows = _rows("SELECT id, subject_key FROM users ORDER BY id")
        assert rows == [(1, KEY_A), (2, "deleted:2"), (3, KEY_B)]
        downgrade(revision="base")


def test_downgrade_gives_a_lone_tombstone_its_key_back(fresh_app: Flask) -> None:
    with fresh_app.app_context():
        _insert_accounts()
        upgrade(revision=AFTER)
        downgrade(revision=BEFORE)
        assert _rows("SELECT id, subject_key FROM users ORDER BY id") == [(1, KEY_A), (2, KEY_B)]
        downgrade(revision="base")
