"""What the migration tests of search share: a database at an old revision, and old rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import Databases, base_config


@contextmanager
def app_at(databases: Databases, name: str, revision: str) -> Iterator[Flask]:
    """An app on a fresh database migrated up to ``revision``, and down to nothing after."""
    app = create_app(base_config(databases.new(name)))
    with app.app_context():
        upgrade(revision=revision)
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def insert_initiative(title: str, summary: str, body: str, state: str, *, published: bool) -> int:
    """An initiative as a row of an older schema (raw SQL: the models may have more columns);
    that schema's triggers index it."""
    return db.session.execute(
        sa.text(
            "INSERT INTO initiatives (title, summary, body, body_html, topic_id, author_id,"
            " state, support_count, created_at, updated_at, published_at)"
            " VALUES (:title, :summary, :body, '', 1, 1, :state, 0, CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP, CASE WHEN :published THEN CURRENT_TIMESTAMP END) RETURNING id"
        ),
        {"title": title, "summary": summary, "body": body, "state": state, "published": published},
    ).scalar_one()
