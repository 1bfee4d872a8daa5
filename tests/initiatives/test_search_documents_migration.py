"""The migration h4search0003 on a database that already holds initiatives, up and down.

Its own database (not the suite's), as in test_search_migration: it starts at the revision
before, writes rows the way that schema had them, and moves across the revision both ways.
On SQLite the revision changes nothing, and the search must work on both sides of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.search import engine as search
from tests.conftest import Databases
from tests.initiatives._migration_helpers import app_at, insert_initiative

BEFORE = "g3listidx0001"
REVISION = "h4search0003"


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    """An app on a fresh database migrated up to the revision before this one."""
    with app_at(databases, "search_documents_migration", BEFORE) as app:
        yield app


_insert = insert_initiative


def _found(text: str) -> list[int]:
    query = search.ranked(text)
    assert query is not None
    return [row.id for row in db.session.execute(query.order_by(sa.text("rank DESC")))]


def _objects() -> dict[str, bool]:
    """Which of this revision's objects exist (PostgreSQL)."""
    names = {
        "table": "SELECT to_regclass('initiative_search_documents') IS NOT NULL",
        "index": "SELECT to_regclass('ix_initiative_search_documents_document') IS NOT NULL",
        "old index": "SELECT to_regclass('ix_initiatives_search_vector') IS NOT NULL",
        "listed ids": "SELECT to_regclass('ix_initiatives_listed_id') IS NOT NULL",
        "function": "SELECT to_regprocedure('initiative_search_document(tsvector)') IS NOT NULL",
    }
    return {name: db.session.execute(sa.text(sql)).scalar_one() for name, sql in names.items()}


def test_existing_initiatives_get_their_documents_and_lose_them_again(old_app: Flask) -> None:
    with old_app.app_context():
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        db.session.execute(
            sa.text(
                "INSERT INTO users (id, subject_key, subject_key_version, language, is_adult,"
                " created_at) VALUES (1, :key, 1, 'sl', :adult, CURRENT_TIMESTAMP)"
            ),
            {"key": "f" * 64, "adult": True},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO topics (id, slug, name_sl, name_en, is_active)"
                " VALUES (1, 'promet', 'Promet', 'Traffic', :active)"
            ),
            {"active": True},
        )
        in_title = _insert("Vodnjak na trgu", "Ne deluje.", "Otroci.", "published", published=True)
        in_text = _insert("Klopi", "Ob poti.", "Ob vodnjaku.", "published", published=True)
        rejected = _insert("Zavrnjena", "Vodnjak.", "Vodnjak.", "rejected", published=False)
        _insert("Osnutek", "Vodnjak.", "Vodnjak.", "draft", published=False)
        db.session.commit()
        db.session.remove()

        upgrade(revision=REVISION)

        if postgresql:
            assert _objects() == {
                "table": True, "index": True, "old index": False, "listed ids": True,
                "function": True,
            }  # fmt: skip
            documents = db.session.execute(
                sa.text(
                    "SELECT count(*) AS rows, bool_and(d.document = i.search_vector) AS same,"
                    " bool_and(d.head = ts_filter(i.search_vector, '{a,b}')) AS heads,"
                    " bool_and(d.word_count = (SELECT coalesce(sum(coalesce("
                    "array_length(positions, 1), 1)), 0) FROM unnest(i.search_vector)))"
                    " AS counted FROM initiatives i JOIN initiative_search_documents d"
                    " ON d.initiative_id = i.id"
                )
            ).one()
            assert (documents.rows, documents.same, documents.heads, documents.counted) == (
                4, True, True, True,
            )  # fmt: skip
        # Only public text matches (a rejected title, not its text); the title ranks first.
        assert _found("vodnjak") == [in_title, in_text]
        assert _found("zavrnjena") == [rejected]
        written = _insert("Vodnjak za pse", "Pitnik.", "Voda.", "published", published=True)
        db.session.commit()
        assert set(_found("vodnjak")) == {in_title, in_text, written}  # the trigger wrote it
        db.session.remove()

        downgrade(revision=BEFORE)

        if postgresql:
            assert _objects() == {
                "table": False, "index": False, "old index": True, "listed ids": False,
                "function": False,
            }  # fmt: skip
            # The old index matches again, and a write no longer looks for the table.
            _insert("Vodnjak ob šoli", "Pitnik.", "Voda.", "published", published=True)
            matched = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM initiatives"
                    " WHERE search_vector @@ to_tsquery('simple', 'vodnjak:*')"
                )
            )
            assert matched == 4  # the three public ones and the new one, by the old index
            db.session.commit()
        else:
            assert set(_found("vodnjak")) == {in_title, in_text, written}
        db.session.remove()
