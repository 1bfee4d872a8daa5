"""m9notify0001: after the upgrade everyone follows what they already proposed or support.

Without it, an initiative supported last month would be answered after the upgrade and
nobody who supports it would hear.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app.extensions import db
from tests.conftest import Databases
from tests.initiatives._migration_helpers import app_at, insert_initiative

BEFORE = "l8rsearch0001"
REVISION = "m9notify0001"


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    with app_at(databases, "notify_migration", BEFORE) as app:
        yield app


def _user(key: str, *, deleted: bool = False) -> int:
    return db.session.execute(
        sa.text(
            "INSERT INTO users (subject_key, subject_key_version, language, is_adult,"
            " created_at, deleted_at) VALUES (:key, 1, 'sl', true, CURRENT_TIMESTAMP,"
            " CASE WHEN :deleted THEN CURRENT_TIMESTAMP END) RETURNING id"
        ),
        {"key": key, "deleted": deleted},
    ).scalar_one()


def _support(initiative_id: int, user_id: int) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO initiative_supports (initiative_id, user_id, created_at)"
            " VALUES (:i, :u, CURRENT_TIMESTAMP)"
        ),
        {"i": initiative_id, "u": user_id},
    )


def test_authors_and_supporters_follow_what_they_had(old_app: Flask) -> None:
    with old_app.app_context():
        db.session.execute(
            sa.text(
                "INSERT INTO topics (id, slug, name_sl, is_active)"
                " VALUES (1, 'promet', 'Promet', true)"
            )
        )
        author = _user("author")  # insert_initiative's author is user 1
        supporter, gone = _user("supporter"), _user("gone", deleted=True)
        first = insert_initiative("Klopi", "Več klopi.", "Več klopi.", "published", published=True)
        second = insert_initiative("Drevesa", "Drevesa.", "Drevesa.", "published", published=True)
        for initiative_id in (first, second):
            _support(initiative_id, supporter)
            _support(initiative_id, gone)
        db.session.commit()
        upgrade(revision=REVISION)
        result = db.session.execute(
            sa.text("SELECT user_id, target, target_id, reason FROM follows")
        )
        rows = {tuple(row) for row in result}
        db.session.commit()  # the downgrade afterwards needs the table free
    assert rows == {
        (author, "initiative", first, "own"),
        (author, "initiative", second, "own"),
        (supporter, "initiative", first, "supported"),
        (supporter, "initiative", second, "supported"),
    }  # nothing for the deleted account
