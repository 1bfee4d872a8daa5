"""Full-text search of initiatives: tsvector + unaccent + GIN on PostgreSQL, FTS5 on SQLite.

Written by hand: autogenerate knows neither triggers nor virtual tables, and these objects are
deliberately not in the ORM models (``app.search.engine.include_name`` hides them from
autogenerate and from the "migrations match the models" test).

Both databases index the same words: accents removed (``šola`` is stored as ``sola``), lower
case, and ASCII punctuation treated as a space, so that ``e-mail``, ``www.kranj.si`` or
``30 km/h`` split into the same words that SQLite's unicode61 tokenizer and the query side
(``app.search.engine.terms``) produce. Without that, PostgreSQL's parser would keep
``www.kranj.si`` as one host token and ``kranj`` would find it only on SQLite.

Careful on SQLite: a later batch migration of ``initiatives`` (copy, drop, rename) drops the
triggers below with the old table; such a migration must create them again.

Revision ID: f1search0001
Revises: d620d260a107
Create Date: 2026-11-27 21:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f1search0001"
down_revision = "d620d260a107"
branch_labels = None
depends_on = None

# --- PostgreSQL ---------------------------------------------------------------------------

# unaccent() is only STABLE (its dictionary could be changed), so it may not appear in an
# index or a generated column; naming the dictionary and the schema explicitly makes the
# result depend on nothing but the argument, which is what IMMUTABLE promises.
_PG_IMMUTABLE_UNACCENT = """
CREATE OR REPLACE FUNCTION immutable_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""

# Weights: title A, summary B, body C. Config 'simple' (no stemming, no stop words): there is
# no Slovenian stemmer in PostgreSQL, and SQLite's unicode61 does not stem either, so both
# databases match the same words. The character class is the ASCII punctuation (\x21-\x2f,
# \x3a-\x40, \x5b-\x60, \x7b-\x7e), spelled with escapes so that no locale changes it.
_PG_TRIGGER_FUNCTION = r"""
CREATE FUNCTION initiatives_search_vector_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('simple', regexp_replace(immutable_unaccent(coalesce(NEW.title, '')),
            '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('simple', regexp_replace(immutable_unaccent(coalesce(NEW.summary, '')),
            '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')), 'B')
        || setweight(to_tsvector('simple', regexp_replace(immutable_unaccent(coalesce(NEW.body, '')),
            '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')), 'C');
    RETURN NEW;
END;
$$
"""

# Only a change of the text recomputes the vector: a support (support_count + 1) or a state
# change must stay a cheap UPDATE.
_PG_TRIGGER = """
CREATE TRIGGER initiatives_search_vector_update
BEFORE INSERT OR UPDATE OF title, summary, body ON initiatives
FOR EACH ROW EXECUTE FUNCTION initiatives_search_vector_update()
"""


def _upgrade_postgresql() -> None:
    # unaccent is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    op.execute(_PG_IMMUTABLE_UNACCENT)
    op.execute("ALTER TABLE initiatives ADD COLUMN search_vector tsvector")
    op.execute(_PG_TRIGGER_FUNCTION)
    op.execute(_PG_TRIGGER)
    # Backfill: naming a column in SET fires the UPDATE OF trigger, which computes the vector.
    op.execute("UPDATE initiatives SET title = title")
    op.execute("CREATE INDEX ix_initiatives_search_vector ON initiatives USING gin (search_vector)")


def _downgrade_postgresql() -> None:
    op.execute("DROP INDEX IF EXISTS ix_initiatives_search_vector")
    op.execute("DROP TRIGGER IF EXISTS initiatives_search_vector_update ON initiatives")
    op.execute("DROP FUNCTION IF EXISTS initiatives_search_vector_update()")
    op.execute("ALTER TABLE initiatives DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP FUNCTION IF EXISTS immutable_unaccent(text)")
    # The unaccent extension stays: it may have been installed before this revision (by a DBA,
    # or for other uses), and leaving it is harmless; the upgrade uses IF NOT EXISTS.


# --- SQLite -------------------------------------------------------------------------------

# An external-content table: the text lives only in ``initiatives``; FTS5 keeps the index.
# remove_diacritics 2 also folds letters with several accents, as unaccent does.
_SQLITE_TABLE = """
CREATE VIRTUAL TABLE initiatives_fts USING fts5(
    title, summary, body,
    content='initiatives', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

# The triggers of the FTS5 documentation for external content: an UPDATE deletes the old
# text from the index (it must be given exactly, hence old.*) and inserts the new one.
_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER initiatives_fts_insert AFTER INSERT ON initiatives BEGIN
        INSERT INTO initiatives_fts (rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    """
    CREATE TRIGGER initiatives_fts_delete AFTER DELETE ON initiatives BEGIN
        INSERT INTO initiatives_fts (initiatives_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
    END
    """,
    # As on PostgreSQL, only a change of the text touches the index.
    """
    CREATE TRIGGER initiatives_fts_update AFTER UPDATE OF title, summary, body ON initiatives
    BEGIN
        INSERT INTO initiatives_fts (initiatives_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO initiatives_fts (rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
)


def _upgrade_sqlite() -> None:
    op.execute(_SQLITE_TABLE)
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO initiatives_fts (initiatives_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for name in ("initiatives_fts_update", "initiatives_fts_delete", "initiatives_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS initiatives_fts")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()
    else:
        raise NotImplementedError(f"initiative search is not written for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
    else:
        raise NotImplementedError(f"initiative search is not written for {dialect}")
