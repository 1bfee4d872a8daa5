"""Search of questions: an index of their own, built as the initiatives' is.

See ``app.search.engine``. What the public may read of a question is indexed, nothing else
(as ``app.questions.permissions.can_view`` / ``can_view_body`` decide for a visitor): the
title and text of a question that is public (a withdrawn one only if it had been published),
the title alone of one moderation refused, nothing of one waiting for moderation. The lemma
texts (``title_lemmas``, ``body_lemmas``) are written by the application on every write.

- **PostgreSQL**: ``question_search_documents``, one row per question, written by a trigger
  after every insert and every update of the indexed columns: the vector (title A, text C,
  ``unaccent``, config ``simple``), its title part (``head``, what ranking reads), its length
  and ``published_at``. Its GIN index is on ``initiative_search_document(document)``, the
  identity function whose declared cost makes the planner prefer the index (``h4search0003``).
  The lexemes go into the vocabulary of spelling suggestions the initiatives fill
  (``initiative_search_terms``): one vocabulary for one search page.
- **SQLite**: the FTS5 table ``questions_fts`` over the view ``questions_search_text`` (which
  applies the same rule), kept by triggers, and its vocabulary ``questions_fts_terms``.

Revision ID: j6qsearch0001
Revises: i5questions0001
Create Date: 2026-12-02 05:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "j6qsearch0001"
down_revision = "i5questions0001"
branch_labels = None
depends_on = None

# The columns whose change changes what the index holds.
_INDEXED_COLUMNS = "title, body, title_lemmas, body_lemmas, state, published_at"
_LISTED = (
    "'posed', 'registered', 'assigned', 'in_preparation', 'awaiting_signature', "
    "'interim_answered', 'partially_answered', 'answered', 'merged', 'lapsed'"
)


def _text_public(row: str) -> str:
    """SQL: the text of the question ``row`` is public."""
    return (
        f"({row}.state IN ({_LISTED})"
        f" OR ({row}.state = 'withdrawn' AND {row}.published_at IS NOT NULL))"
    )


def _title_public(row: str) -> str:
    """SQL: the title of the question ``row`` is public (a refused one shows it)."""
    return f"({_text_public(row)} OR {row}.state = 'rejected')"


def _visible(row: str, column: str) -> str:
    """SQL: the text of ``column`` and its lemmas, or '' where the public may not read it."""
    rule = _title_public(row) if column == "title" else _text_public(row)
    return (
        f"CASE WHEN {rule} THEN coalesce({row}.{column}, '') || ' ' || "
        f"coalesce({row}.{column}_lemmas, '') ELSE '' END"
    )


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_PUNCTUATION = r"'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+'"


def _pg_field(column: str, weight: str) -> str:
    return (
        "setweight(to_tsvector('simple', regexp_replace("
        f"immutable_unaccent({_visible('NEW', column)}), {_PG_PUNCTUATION}, ' ', 'g')), "
        f"'{weight}')"
    )


_PG_TABLE = """
CREATE TABLE question_search_documents (
    question_id integer NOT NULL,
    published_at timestamp with time zone,
    document tsvector NOT NULL,
    head tsvector NOT NULL,
    word_count integer NOT NULL,
    CONSTRAINT pk_question_search_documents PRIMARY KEY (question_id),
    CONSTRAINT fk_question_search_documents_question_id_questions
        FOREIGN KEY (question_id) REFERENCES questions (id) ON DELETE CASCADE
)
"""

_PG_STORAGE = (
    "ALTER TABLE question_search_documents ALTER COLUMN head SET STORAGE MAIN",
    "ALTER TABLE question_search_documents ALTER COLUMN document SET STORAGE EXTERNAL",
)

_PG_INDEX = """
CREATE INDEX ix_question_search_documents_document ON question_search_documents
USING gin (initiative_search_document(document))
"""

# The word count as ts_rank's cnt_length counts it (as in h4search0003).
_PG_COUNT = (
    "(SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer "
    "FROM unnest(vector))"
)

_PG_FUNCTION = f"""
CREATE FUNCTION question_search_documents_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    vector tsvector;
BEGIN
    vector := {_pg_field("title", "A")} || {_pg_field("body", "C")};
    INSERT INTO question_search_documents
        (question_id, published_at, document, head, word_count)
    VALUES (NEW.id, NEW.published_at, vector, ts_filter(vector, '{{a}}'), {_PG_COUNT})
    ON CONFLICT (question_id) DO UPDATE SET
        published_at = EXCLUDED.published_at,
        document = EXCLUDED.document,
        head = EXCLUDED.head,
        word_count = EXCLUDED.word_count;
    -- The vocabulary of spelling suggestions: only lexemes it lacks, in order (no deadlock).
    INSERT INTO initiative_search_terms (term)
    SELECT DISTINCT lexeme FROM unnest(tsvector_to_array(vector)) AS lexemes (lexeme)
    ORDER BY lexeme
    ON CONFLICT (term) DO NOTHING;
    RETURN NULL;
END;
$$
"""  # noqa: S608  (this file's constants only)

# A support (support_count + 1) or a stage leaves the index alone.
_PG_TRIGGER = f"""
CREATE TRIGGER question_search_documents_update
AFTER INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON questions
FOR EACH ROW EXECUTE FUNCTION question_search_documents_update()
"""


def _upgrade_postgresql() -> None:
    op.execute(_PG_TABLE)
    for statement in _PG_STORAGE:
        op.execute(statement)
    op.execute(_PG_INDEX)
    op.execute(_PG_FUNCTION)
    op.execute(_PG_TRIGGER)
    op.execute("UPDATE questions SET title = title")  # index what exists (none, usually)
    op.execute("ANALYZE question_search_documents")


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER question_search_documents_update ON questions")
    op.execute("DROP FUNCTION question_search_documents_update()")
    op.execute("DROP TABLE question_search_documents")


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_values(row: str) -> str:
    return ", ".join(_visible(row, column) for column in ("title", "body"))


_SQLITE_VIEW = f"""
CREATE VIEW questions_search_text (id, title, body) AS
SELECT questions.id, {_sqlite_values("questions")}
FROM questions
WHERE {_title_public("questions")}
"""  # noqa: S608

_SQLITE_TABLE = """
CREATE VIRTUAL TABLE questions_fts USING fts5(
    title, body,
    content='questions_search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

_SQLITE_VOCABULARY = (
    "CREATE VIRTUAL TABLE questions_fts_terms USING fts5vocab(questions_fts, 'row')"
)

# An external-content table must be told exactly what it indexed when a row leaves it.
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions
    WHEN {_title_public("new")}
    BEGIN
        INSERT INTO questions_fts (rowid, title, body) VALUES (new.id, {_sqlite_values("new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions
    WHEN {_title_public("old")}
    BEGIN
        INSERT INTO questions_fts (questions_fts, rowid, title, body)
        VALUES ('delete', old.id, {_sqlite_values("old")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER questions_fts_update AFTER UPDATE OF {_INDEXED_COLUMNS} ON questions
    BEGIN
        INSERT INTO questions_fts (questions_fts, rowid, title, body)
        SELECT 'delete', old.id, {_sqlite_values("old")} WHERE {_title_public("old")};
        INSERT INTO questions_fts (rowid, title, body)
        SELECT new.id, {_sqlite_values("new")} WHERE {_title_public("new")};
    END
    """,
)
_SQLITE_TRIGGER_NAMES = (
    "questions_fts_update",
    "questions_fts_delete",
    "questions_fts_insert",
)


def _upgrade_sqlite() -> None:
    op.execute(_SQLITE_VIEW)
    op.execute(_SQLITE_TABLE)
    op.execute(_SQLITE_VOCABULARY)
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO questions_fts (questions_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for name in _SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS questions_fts_terms")
    op.execute("DROP TABLE IF EXISTS questions_fts")
    op.execute("DROP VIEW IF EXISTS questions_search_text")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()
    else:
        raise NotImplementedError(f"question search is not written for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
    else:
        raise NotImplementedError(f"question search is not written for {dialect}")
