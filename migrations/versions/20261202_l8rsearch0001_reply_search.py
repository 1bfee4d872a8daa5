"""Search of reply letters: an index of their own, built as the questions' is.

See ``app.search.engine``. Only a public letter is indexed (``state`` published, corrected or
retracted, as ``app.replies.permissions.can_view`` decides for a visitor): its reference
number, its subject and its plain text. Nothing of a draft, of a letter in review, signed or
sent but not yet published: not a row, not a word. The lemma texts (``subject_lemmas``,
``body_lemmas``) are written by the application on every write.

- **PostgreSQL**: ``reply_search_documents``, one row per public letter, written by a trigger
  after every insert and every update of the indexed columns (and deleted by it when the
  letter is not public): the vector (reference number A, subject A, text C, ``unaccent``,
  config ``simple``), its A part (``head``, what ranking reads), its length and
  ``published_at``. Its GIN index is on ``initiative_search_document(document)``, as the
  questions' (``h4search0003``). The lexemes go into the one vocabulary of spelling
  suggestions (``initiative_search_terms``).
- **SQLite**: the FTS5 table ``replies_fts`` over the view ``replies_search_text`` (which
  applies the same rule), kept by triggers, and its vocabulary ``replies_fts_terms``.

The reference number ("032-11/2016-2-(52/17)") is split at its punctuation on both databases,
as the visitor's query is (PostgreSQL's parser would otherwise read "11/2016" as a path and
"-2" as a signed number): 032, 11, 2016, 2, 52, 17. The case number typed as printed
("032-11/2016") then finds every letter of the case, and the whole number the letter.

Revision ID: l8rsearch0001
Revises: k7replies0001
Create Date: 2026-12-02 08:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "l8rsearch0001"
down_revision = "k7replies0001"
branch_labels = None
depends_on = None

# The columns whose change changes what the index holds.
_INDEXED_COLUMNS = (
    "reference_number, subject, body_text, subject_lemmas, body_lemmas, state, published_at"
)
_PUBLIC = "'published', 'corrected', 'retracted'"


def _public(row: str) -> str:
    """SQL: the letter ``row`` is public."""
    return f"({row}.state IN ({_PUBLIC}))"


def _fields(row: str) -> list[tuple[str, str]]:
    """SQL of each field of the index for the letter ``row`` (each text with its lemma
    text; the reference number has none), with its PostgreSQL weight, in column order."""
    return [
        (f"coalesce({row}.reference_number, '')", "A"),
        (f"coalesce({row}.subject, '') || ' ' || coalesce({row}.subject_lemmas, '')", "A"),
        (f"coalesce({row}.body_text, '') || ' ' || coalesce({row}.body_lemmas, '')", "C"),
    ]


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_PUNCTUATION = r"'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+'"


def _pg_field(text: str, weight: str) -> str:
    return (
        "setweight(to_tsvector('simple', regexp_replace("
        f"immutable_unaccent({text}), {_PG_PUNCTUATION}, ' ', 'g')), '{weight}')"
    )


_PG_TABLE = """
CREATE TABLE reply_search_documents (
    reply_id integer NOT NULL,
    published_at timestamp with time zone,
    document tsvector NOT NULL,
    head tsvector NOT NULL,
    word_count integer NOT NULL,
    CONSTRAINT pk_reply_search_documents PRIMARY KEY (reply_id),
    CONSTRAINT fk_reply_search_documents_reply_id_replies
        FOREIGN KEY (reply_id) REFERENCES replies (id) ON DELETE CASCADE
)
"""

_PG_STORAGE = (
    "ALTER TABLE reply_search_documents ALTER COLUMN head SET STORAGE MAIN",
    "ALTER TABLE reply_search_documents ALTER COLUMN document SET STORAGE EXTERNAL",
)

_PG_INDEX = """
CREATE INDEX ix_reply_search_documents_document ON reply_search_documents
USING gin (initiative_search_document(document))
"""

# The word count as ts_rank's cnt_length counts it (as in h4search0003).
_PG_COUNT = (
    "(SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer "
    "FROM unnest(vector))"
)

_PG_VECTOR = " || ".join(_pg_field(text, weight) for text, weight in _fields("NEW"))

_PG_FUNCTION = f"""
CREATE FUNCTION reply_search_documents_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    vector tsvector;
BEGIN
    -- A letter that is not public has nothing in the index (not even an empty row).
    IF NOT {_public("NEW")} THEN
        DELETE FROM reply_search_documents WHERE reply_id = NEW.id;
        RETURN NULL;
    END IF;
    vector := {_PG_VECTOR};
    INSERT INTO reply_search_documents
        (reply_id, published_at, document, head, word_count)
    VALUES (NEW.id, NEW.published_at, vector, ts_filter(vector, '{{a}}'), {_PG_COUNT})
    ON CONFLICT (reply_id) DO UPDATE SET
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

# A verdict, an event or a file leaves the index alone: they are other tables.
_PG_TRIGGER = f"""
CREATE TRIGGER reply_search_documents_update
AFTER INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON replies
FOR EACH ROW EXECUTE FUNCTION reply_search_documents_update()
"""


def _upgrade_postgresql() -> None:
    op.execute(_PG_TABLE)
    for statement in _PG_STORAGE:
        op.execute(statement)
    op.execute(_PG_INDEX)
    op.execute(_PG_FUNCTION)
    op.execute(_PG_TRIGGER)
    op.execute("UPDATE replies SET subject = subject")  # index what exists
    op.execute("ANALYZE reply_search_documents")


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER reply_search_documents_update ON replies")
    op.execute("DROP FUNCTION reply_search_documents_update()")
    op.execute("DROP TABLE reply_search_documents")


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_COLUMNS = "reference, subject, body"


def _sqlite_values(row: str) -> str:
    return ", ".join(text for text, _weight in _fields(row))


_SQLITE_VIEW = f"""
CREATE VIEW replies_search_text (id, {_SQLITE_COLUMNS}) AS
SELECT replies.id, {_sqlite_values("replies")}
FROM replies
WHERE {_public("replies")}
"""  # noqa: S608

_SQLITE_TABLE = f"""
CREATE VIRTUAL TABLE replies_fts USING fts5(
    {_SQLITE_COLUMNS},
    content='replies_search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

_SQLITE_VOCABULARY = "CREATE VIRTUAL TABLE replies_fts_terms USING fts5vocab(replies_fts, 'row')"

# An external-content table must be told exactly what it indexed when a row leaves it.
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER replies_fts_insert AFTER INSERT ON replies
    WHEN {_public("new")}
    BEGIN
        INSERT INTO replies_fts (rowid, {_SQLITE_COLUMNS})
        VALUES (new.id, {_sqlite_values("new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER replies_fts_delete AFTER DELETE ON replies
    WHEN {_public("old")}
    BEGIN
        INSERT INTO replies_fts (replies_fts, rowid, {_SQLITE_COLUMNS})
        VALUES ('delete', old.id, {_sqlite_values("old")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER replies_fts_update AFTER UPDATE OF {_INDEXED_COLUMNS} ON replies
    BEGIN
        INSERT INTO replies_fts (replies_fts, rowid, {_SQLITE_COLUMNS})
        SELECT 'delete', old.id, {_sqlite_values("old")} WHERE {_public("old")};
        INSERT INTO replies_fts (rowid, {_SQLITE_COLUMNS})
        SELECT new.id, {_sqlite_values("new")} WHERE {_public("new")};
    END
    """,
)
_SQLITE_TRIGGER_NAMES = ("replies_fts_update", "replies_fts_delete", "replies_fts_insert")


def _upgrade_sqlite() -> None:
    op.execute(_SQLITE_VIEW)
    op.execute(_SQLITE_TABLE)
    op.execute(_SQLITE_VOCABULARY)
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO replies_fts (replies_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for name in _SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS replies_fts_terms")
    op.execute("DROP TABLE IF EXISTS replies_fts")
    op.execute("DROP VIEW IF EXISTS replies_search_text")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()
    else:
        raise NotImplementedError(f"reply search is not written for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
    else:
        raise NotImplementedError(f"reply search is not written for {dialect}")
