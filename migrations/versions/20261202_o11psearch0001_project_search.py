"""Search of projects: an index of their own, built as the reply letters' is.

See ``app.search.engine``. Every project is public (there is no unpublished project), so
every project is indexed: its code, its title, its summary and its description, each text with
the lemma text the application writes beside it (``title_lemmas``, ``summary_lemmas``,
``description_lemmas``). Its light, money, dates and timeline are not text to search: a
change of them leaves the index alone (the triggers fire only on the indexed columns).

- **PostgreSQL**: ``project_search_documents``, one row per project, written by a trigger
  after every insert and every update of the indexed columns: the vector (code A, title A,
  summary B, description C; ``unaccent``, config ``simple``), its A and B part (``head``,
  what ranking reads, as the initiatives' title and summary), its length and the project's
  ``created_at`` as ``published_at`` (a project is public from the moment it is recorded;
  ``updated_at`` would rewrite the document at every entry of the timeline). Its GIN index
  is on ``initiative_search_document(document)``, as the others' (``h4search0003``). The
  lexemes go into the one vocabulary of spelling suggestions (``initiative_search_terms``).
- **SQLite**: the FTS5 table ``projects_fts`` over the view ``projects_search_text``, kept by
  triggers, and its vocabulary ``projects_fts_terms``.

The code ("OB-2026-014") is split at its punctuation on both databases, as the visitor's
query is and as a letter's reference number is: OB, 2026, 014. The code typed as written then
finds its project.

Revision ID: o11psearch0001
Revises: n10projects01
Create Date: 2026-12-02 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "o11psearch0001"
down_revision = "n10projects01"
branch_labels = None
depends_on = None

# The columns whose change changes what the index holds.
_INDEXED_COLUMNS = (
    "code, title, summary, description, title_lemmas, summary_lemmas, description_lemmas, "
    "created_at"
)


def _fields(row: str) -> list[tuple[str, str]]:
    """SQL of each field of the index for the project ``row`` (each text with its lemma
    text; the code has none), with its PostgreSQL weight, in column order."""
    return [
        (f"coalesce({row}.code, '')", "A"),
        (f"coalesce({row}.title, '') || ' ' || coalesce({row}.title_lemmas, '')", "A"),
        (f"coalesce({row}.summary, '') || ' ' || coalesce({row}.summary_lemmas, '')", "B"),
        (
            f"coalesce({row}.description, '') || ' ' || coalesce({row}.description_lemmas, '')",
            "C",
        ),
    ]


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_PUNCTUATION = r"'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+'"


def _pg_field(text: str, weight: str) -> str:
    return (
        "setweight(to_tsvector('simple', regexp_replace("
        f"immutable_unaccent({text}), {_PG_PUNCTUATION}, ' ', 'g')), '{weight}')"
    )


_PG_TABLE = """
CREATE TABLE project_search_documents (
    project_id integer NOT NULL,
    published_at timestamp with time zone,
    document tsvector NOT NULL,
    head tsvector NOT NULL,
    word_count integer NOT NULL,
    CONSTRAINT pk_project_search_documents PRIMARY KEY (project_id),
    CONSTRAINT fk_project_search_documents_project_id_projects
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
)
"""

_PG_STORAGE = (
    "ALTER TABLE project_search_documents ALTER COLUMN head SET STORAGE MAIN",
    "ALTER TABLE project_search_documents ALTER COLUMN document SET STORAGE EXTERNAL",
)

_PG_INDEX = """
CREATE INDEX ix_project_search_documents_document ON project_search_documents
USING gin (initiative_search_document(document))
"""

# The word count as ts_rank's cnt_length counts it (as in h4search0003).
_PG_COUNT = (
    "(SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer "
    "FROM unnest(vector))"
)

_PG_VECTOR = " || ".join(_pg_field(text, weight) for text, weight in _fields("NEW"))

_PG_FUNCTION = f"""
CREATE FUNCTION project_search_documents_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    vector tsvector;
BEGIN
    vector := {_PG_VECTOR};
    INSERT INTO project_search_documents
        (project_id, published_at, document, head, word_count)
    VALUES (NEW.id, NEW.created_at, vector, ts_filter(vector, '{{a,b}}'), {_PG_COUNT})
    ON CONFLICT (project_id) DO UPDATE SET
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

# A new light, progress, money, date or timeline entry leaves the index alone.
_PG_TRIGGER = f"""
CREATE TRIGGER project_search_documents_update
AFTER INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON projects
FOR EACH ROW EXECUTE FUNCTION project_search_documents_update()
"""


def _upgrade_postgresql() -> None:
    op.execute(_PG_TABLE)
    for statement in _PG_STORAGE:
        op.execute(statement)
    op.execute(_PG_INDEX)
    op.execute(_PG_FUNCTION)
    op.execute(_PG_TRIGGER)
    op.execute("UPDATE projects SET code = code")  # index what exists
    op.execute("ANALYZE project_search_documents")


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER project_search_documents_update ON projects")
    op.execute("DROP FUNCTION project_search_documents_update()")
    op.execute("DROP TABLE project_search_documents")


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_COLUMNS = "code, title, summary, description"


def _sqlite_values(row: str) -> str:
    return ", ".join(text for text, _weight in _fields(row))


_SQLITE_VIEW = f"""
CREATE VIEW projects_search_text (id, {_SQLITE_COLUMNS}) AS
SELECT projects.id, {_sqlite_values("projects")}
FROM projects
"""  # noqa: S608

_SQLITE_TABLE = f"""
CREATE VIRTUAL TABLE projects_fts USING fts5(
    {_SQLITE_COLUMNS},
    content='projects_search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""

_SQLITE_VOCABULARY = "CREATE VIRTUAL TABLE projects_fts_terms USING fts5vocab(projects_fts, 'row')"

# An external-content table must be told exactly what it indexed when a row leaves it.
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects
    BEGIN
        INSERT INTO projects_fts (rowid, {_SQLITE_COLUMNS})
        VALUES (new.id, {_sqlite_values("new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects
    BEGIN
        INSERT INTO projects_fts (projects_fts, rowid, {_SQLITE_COLUMNS})
        VALUES ('delete', old.id, {_sqlite_values("old")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER projects_fts_update AFTER UPDATE OF {_INDEXED_COLUMNS} ON projects
    BEGIN
        INSERT INTO projects_fts (projects_fts, rowid, {_SQLITE_COLUMNS})
        VALUES ('delete', old.id, {_sqlite_values("old")});
        INSERT INTO projects_fts (rowid, {_SQLITE_COLUMNS})
        VALUES (new.id, {_sqlite_values("new")});
    END
    """,  # noqa: S608
)
_SQLITE_TRIGGER_NAMES = ("projects_fts_update", "projects_fts_delete", "projects_fts_insert")


def _upgrade_sqlite() -> None:
    op.execute(_SQLITE_VIEW)
    op.execute(_SQLITE_TABLE)
    op.execute(_SQLITE_VOCABULARY)
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO projects_fts (projects_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for name in _SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS projects_fts_terms")
    op.execute("DROP TABLE IF EXISTS projects_fts")
    op.execute("DROP VIEW IF EXISTS projects_search_text")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()
    else:
        raise NotImplementedError(f"project search is not written for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
    else:
        raise NotImplementedError(f"project search is not written for {dialect}")
