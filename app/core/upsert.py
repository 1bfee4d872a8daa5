"""``INSERT … ON CONFLICT DO NOTHING`` on both databases Glas runs on.

SQLAlchemy spells ON CONFLICT per dialect (PostgreSQL since 9.5, SQLite since 3.24, with
RETURNING since 3.35): this hands out the INSERT of the session's own database, so callers
write the statement once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def insert(model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
