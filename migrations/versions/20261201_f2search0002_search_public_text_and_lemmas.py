"""Search: Slovenian word forms, only public text in the index, and its vocabulary.

Three changes to the index of ``f1search0001`` (see ``app.search.engine``):

- **Lemma text.** ``title_lemmas``, ``summary_lemmas`` and ``body_lemmas`` hold the lemmas of
  each text (``app.initiatives.lemmas.lemma_text``), written by the application; the index
  covers each with its text, at the text's weight. Existing rows are lemmatized here.
- **Only public text.** The triggers index what a visitor may read, decided from ``state`` and
  ``published_at`` (as ``permissions.can_view`` / ``can_view_body``): everything of a published
  initiative (a withdrawn one only if it had been published), the title alone of a rejected one,
  nothing of drafts and submissions. A change of state or publication re-indexes the row.
- **Vocabulary** for spelling suggestions: on PostgreSQL the table ``initiative_search_terms``
  of every lexeme that ``search_vector`` has held, filled by a trigger; on SQLite an
  ``fts5vocab`` table over the FTS5 index. The PostgreSQL table only grows (a word that left
  the index stays in it), so that no write ever updates a row of it: many initiatives written in
  one transaction would otherwise pile up versions of the same rows. It is only a list of
  candidates; what is suggested is always checked against the index itself.

On SQLite the FTS5 table's content is now the view ``initiatives_search_text``, which applies
the same rule, so that ``rebuild`` indexes public text only. Careful on SQLite, as before: a
later batch migration of ``initiatives`` (copy, drop, rename) drops the triggers below with the
old table, and the view must be dropped before and created again after it.

Revision ID: f2search0002
Revises: e7a1tomb0001
Create Date: 2026-12-01 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2search0002"
down_revision = "e7a1tomb0001"  # after the tombstones (both of 2026-12-01)
branch_labels = None
depends_on = None

_LEMMA_COLUMNS = ("title_lemmas", "summary_lemmas", "body_lemmas")
# The columns whose change changes what the index holds.
_INDEXED_COLUMNS = (
    "title, summary, body, title_lemmas, summary_lemmas, body_lemmas, state, published_at"
)


def _text_public(row: str) -> str:
    """SQL: the summary and text of the initiative ``row`` are public."""
    return (
        f"({row}.state IN ('published', 'awaiting_response', 'answered', 'completed', 'expired')"
        f" OR ({row}.state = 'withdrawn' AND {row}.published_at IS NOT NULL))"
    )


def _title_public(row: str) -> str:
    """SQL: the title of the initiative ``row`` is public (a rejected one shows it)."""
    return f"({_text_public(row)} OR {row}.state = 'rejected')"


def _visible(row: str, column: str) -> str:
    """SQL: the text of ``column`` and its lemmas, or '' where the public may not read it."""
    rule = _title_public(row) if column == "title" else _text_public(row)
    return (
        f"CASE WHEN {rule} THEN coalesce({row}.{column}, '') || ' ' || "
        f"coalesce({row}.{column}_lemmas, '') ELSE '' END"
    )


def _fill_lemmas() -> None:
    # The application's own function, so that existing rows get exactly what a new write gets.
    # (A migration normally does not import the application; this one exists to run it once.)
    from app.initiatives.lemmas import lemma_text

    connection = op.get_bind()
    select = sa.text(
        "SELECT id, title, summary, body FROM initiatives WHERE id > :after ORDER BY id LIMIT 500"
    )
    update = sa.text(
        "UPDATE initiatives SET title_lemmas = :title, summary_lemmas = :summary,"
        " body_lemmas = :body WHERE id = :id"
    )
    after = 0
    while rows := connection.execute(select, {"after": after}).all():
        connection.execute(
            update,
            [
                {
                    "id": row.id,
                    "title": lemma_text(row.title),
                    "summary": lemma_text(row.summary),
                    "body": lemma_text(row.body),
                }
                for row in rows
            ],
        )
        after = rows[-1].id


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_PUNCTUATION = r"'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+'"


def _pg_field(column: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('simple', regexp_replace(immutable_unaccent({_visible('NEW', column)}),"
        f" {_PG_PUNCTUATION}, ' ', 'g')), '{weight}')"
    )


_PG_VECTOR_FUNCTION = f"""
CREATE OR REPLACE FUNCTION initiatives_search_vector_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector :=
        {_pg_field("title", "A")}
        || {_pg_field("summary", "B")}
        || {_pg_field("body", "C")};
    RETURN NEW;
END;
$$
"""

# A change of the text, or of who may read it (state, published_at), recomputes the vector;
# a support (support_count + 1) stays a cheap UPDATE.
_PG_VECTOR_TRIGGER = f"""
CREATE TRIGGER initiatives_search_vector_update
BEFORE INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON initiatives
FOR EACH ROW EXECUTE FUNCTION initiatives_search_vector_update()
"""

_PG_VOCABULARY = """
CREATE TABLE initiative_search_terms (
    term text NOT NULL,
    CONSTRAINT pk_initiative_search_terms PRIMARY KEY (term)
)
"""

# Only the lexemes the old vector did not have; an existing term costs one index probe and
# writes nothing. In order, so that two writers adding the same new terms wait, never deadlock.
_PG_VOCABULARY_FUNCTION = """
CREATE FUNCTION initiative_search_terms_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector THEN
        RETURN NULL;
    END IF;
    INSERT INTO initiative_search_terms (term)
    SELECT added
    FROM (
        SELECT unnest(tsvector_to_array(coalesce(NEW.search_vector, '')))
        EXCEPT
        SELECT unnest(tsvector_to_array(coalesce(
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.search_vector END, '')))
    ) AS new_ones (added)
    ORDER BY added
    ON CONFLICT (term) DO NOTHING;
    RETURN NULL;
END;
$$
"""

_PG_VOCABULARY_TRIGGER = f"""
CREATE TRIGGER initiative_search_terms_update
AFTER INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON initiatives
FOR EACH ROW EXECUTE FUNCTION initiative_search_terms_update()
"""

# f1search0001's function and trigger, for the downgrade.
_PG_OLD_VECTOR_FUNCTION = r"""
CREATE OR REPLACE FUNCTION initiatives_search_vector_update() RETURNS trigger
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

_PG_OLD_VECTOR_TRIGGER = """
CREATE TRIGGER initiatives_search_vector_update
BEFORE INSERT OR UPDATE OF title, summary, body ON initiatives
FOR EACH ROW EXECUTE FUNCTION initiatives_search_vector_update()
"""


def _upgrade_postgresql() -> None:
    _fill_lemmas()  # the old trigger does not watch the new columns: this costs no re-index
    op.execute("DROP TRIGGER initiatives_search_vector_update ON initiatives")
    op.execute(_PG_VECTOR_FUNCTION)
    op.execute(_PG_VECTOR_TRIGGER)
    # Naming a column in SET fires the UPDATE OF trigger, which computes the vector.
    op.execute("UPDATE initiatives SET title = title")
    op.execute(_PG_VOCABULARY)
    op.execute(
        "INSERT INTO initiative_search_terms (term)"
        " SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM initiatives"
    )
    op.execute(_PG_VOCABULARY_FUNCTION)
    op.execute(_PG_VOCABULARY_TRIGGER)


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER IF EXISTS initiative_search_terms_update ON initiatives")
    op.execute("DROP FUNCTION IF EXISTS initiative_search_terms_update()")
    op.execute("DROP TABLE IF EXISTS initiative_search_terms")
    op.execute("DROP TRIGGER IF EXISTS initiatives_search_vector_update ON initiatives")
    op.execute(_PG_OLD_VECTOR_FUNCTION)
    op.execute(_PG_OLD_VECTOR_TRIGGER)
    op.execute("UPDATE initiatives SET title = title")


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_values(row: str) -> str:
    return ", ".join(_visible(row, column) for column in ("title", "summary", "body"))


# What the public may read of each initiative; the FTS5 table's content, so 'rebuild' and
# the triggers below index the same. (S608: the SQL is assembled from this file's constants.)
_SQLITE_VIEW = f"""
CREATE VIEW initiatives_search_text (id, title, summary, body) AS
SELECT initiatives.id, {_sqlite_values("initiatives")}
FROM initiatives
WHERE {_title_public("initiatives")}
"""  # noqa: S608

_SQLITE_TABLE = """
CREATE VIRTUAL TABLE initiatives_fts USING fts5(
    title, summary, body,
    content='initiatives_search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

# Every term of the index and the number of initiatives that have it (column "doc").
_SQLITE_VOCABULARY = (
    "CREATE VIRTUAL TABLE initiatives_fts_terms USING fts5vocab(initiatives_fts, 'row')"
)

# An external-content table must be told exactly what it indexed when a row leaves it (the old
# values, under the old state), and is told nothing about rows it never indexed.
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER initiatives_fts_insert AFTER INSERT ON initiatives
    WHEN {_title_public("new")}
    BEGIN
        INSERT INTO initiatives_fts (rowid, title, summary, body)
        VALUES (new.id, {_sqlite_values("new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER initiatives_fts_delete AFTER DELETE ON initiatives
    WHEN {_title_public("old")}
    BEGIN
        INSERT INTO initiatives_fts (initiatives_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, {_sqlite_values("old")});
    END
    """,  # noqa: S608
    # As on PostgreSQL, a support (support_count + 1) leaves the index alone.
    f"""
    CREATE TRIGGER initiatives_fts_update AFTER UPDATE OF {_INDEXED_COLUMNS} ON initiatives
    BEGIN
        INSERT INTO initiatives_fts (initiatives_fts, rowid, title, summary, body)
        SELECT 'delete', old.id, {_sqlite_values("old")} WHERE {_title_public("old")};
        INSERT INTO initiatives_fts (rowid, title, summary, body)
        SELECT new.id, {_sqlite_values("new")} WHERE {_title_public("new")};
    END
    """,
)
_SQLITE_TRIGGER_NAMES = (
    "initiatives_fts_update",
    "initiatives_fts_delete",
    "initiatives_fts_insert",
)

# f1search0001's table and triggers, for the downgrade.
_SQLITE_OLD_TABLE = """
CREATE VIRTUAL TABLE initiatives_fts USING fts5(
    title, summary, body,
    content='initiatives', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

_SQLITE_OLD_TRIGGERS = (
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


def _drop_sqlite_index() -> None:
    for name in _SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS initiatives_fts_terms")
    op.execute("DROP TABLE IF EXISTS initiatives_fts")
    op.execute("DROP VIEW IF EXISTS initiatives_search_text")


def _upgrade_sqlite() -> None:
    _fill_lemmas()  # before the new triggers, so that nothing is indexed twice
    _drop_sqlite_index()
    op.execute(_SQLITE_VIEW)
    op.execute(_SQLITE_TABLE)
    op.execute(_SQLITE_VOCABULARY)
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO initiatives_fts (initiatives_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    _drop_sqlite_index()
    op.execute(_SQLITE_OLD_TABLE)
    for trigger in _SQLITE_OLD_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO initiatives_fts (initiatives_fts) VALUES ('rebuild')")


def upgrade():
    for column in _LEMMA_COLUMNS:
        op.add_column(
            "initiatives", sa.Column(column, sa.Text(), server_default="", nullable=False)
        )
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
    # Last: the old index no longer reads them, and SQLite drops no column a trigger names.
    for column in reversed(_LEMMA_COLUMNS):
        op.drop_column("initiatives", column)
