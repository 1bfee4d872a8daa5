"""The migration f2search0002 on a database that already holds initiatives, up and down.

Its own database (not the suite's): it starts at the old index, writes rows the way the old
schema had them, and moves across the revision both ways.
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

#: The revision whose index f2search0002 replaces (others may lie between the two).
BEFORE = "f1search0001"
REVISION = "f2search0002"


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    """An app on a fresh database migrated up to the revision before this one."""
    with app_at(databases, "search_migration", BEFORE) as app:
        yield app


_insert = insert_initiative


def _found(text: str) -> set[int]:
    if db.session.get_bind().dialect.name != "postgresql":
        query = search.ranked(text)
        assert query is not None
        return {row.id for row in db.session.execute(query)}
    # The vector these revisions write, matched as the search matches: today's search reads
    # the table of documents that h4search0003 adds after them.
    words = search._terms(text)
    vector = sa.column("search_vector", search.TSVECTOR)
    matching = sa.select(sa.column("id", sa.Integer)).select_from(sa.table("initiatives"))
    return set(
        db.session.scalars(matching.where(vector.bool_op("@@")(search._pg_query(words, "&"))))
    )


def test_existing_initiatives_get_lemmas_and_only_public_text_stays_indexed(
    old_app: Flask,
) -> None:
    with old_app.app_context():
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
        published = _insert(
            "Varen prehod pri šoli", "Avtobusi vozijo hitro.", "Otroci.", "published",
            published=True,
        )  # fmt: skip
        rejected = _insert(
            "Zavrnjena", "Tajnopisno.", "Skrivnostnobesedilo.", "rejected", published=False
        )
        draft = _insert("Osnutek", "Tajnopisno.", "Skrivnostnobesedilo.", "draft", published=False)
        db.session.commit()
        # Before: the hidden text was in the index (and no lemma text was).
        assert _found("skrivnostnobesedilo") == {rejected, draft}
        assert _found("avtobusa") == set()  # "Avtobusi": neither a prefix nor the lemma
        db.session.remove()

        upgrade(revision=REVISION)

        lemmas = db.session.execute(
            sa.text("SELECT title_lemmas, summary_lemmas FROM initiatives WHERE id = :id"),
            {"id": published},
        ).one()
        assert "sola" in lemmas.title_lemmas.split()  # šoli → šola, folded
        assert "avtobus" in lemmas.summary_lemmas.split()
        assert _found("prehoda") == _found("avtobusa") == {published}
        for hidden in ("skrivnostnobesedilo", "skrivnost", "tajnopisno"):
            assert _found(hidden) == set()
        assert _found("zavrnjena") == {rejected}  # its public title stays findable
        db.session.remove()
        # Today's spelling suggestions read the documents table of a later revision, which
        # copies this revision's vectors.
        upgrade()
        assert search.corrections("skrivnostnobesedlo") == []
        assert search.corrections("prehdo") == ["prehod"]
        db.session.remove()

        downgrade(revision=BEFORE)

        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("initiatives")}
        assert not columns & {"title_lemmas", "summary_lemmas", "body_lemmas"}
        # The old index is back as it was, over every text.
        assert _found("skrivnost") == {rejected, draft}
        assert _found("prehod") == {published}
        db.session.remove()
