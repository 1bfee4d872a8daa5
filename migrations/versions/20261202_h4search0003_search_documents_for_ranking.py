"""Search: a narrow table of what the search reads, so that ranking reads ~0.5 kB a hit, not 3 kB.

PostgreSQL only (SQLite's FTS5 index is unchanged). See ``app.search.engine``.

At ten times Kranj's size a common word matches thousands of initiatives, and the list ranked
every one of them on ``initiatives.search_vector``: a 3 kB tsvector stored out of line (TOAST),
fetched for each hit (~3 µs a row, 4,644 rows in 100 ms for "slovenski"). Worse, the planner
cannot see that cost: for a common word it read every row's vector in a sequential scan
instead of the GIN index, and evaluated ``@@`` on each.

- **``initiative_search_documents``**, one row per initiative, kept by a trigger: the vector
  (``document``, the same as ``search_vector``), its title and summary part (``head``,
  ``ts_filter(…, '{a,b}')``, ~0.5 kB, kept in the row), its length in words (``word_count``,
  what ``ts_rank`` normalises by) and ``published_at`` for the ties. The search ranks by the
  head alone and reads it from a page it shares with 13 other rows (an initiative's row is
  three times as wide, and its vector out of line).
- **The GIN index moves there**, on ``initiative_search_document(document)``: an identity
  function whose declared cost is what evaluating a match on a row really costs (reading the
  vector from TOAST). With it the planner reads the index instead of every vector.
  ``ix_initiatives_search_vector`` is dropped: nothing matches on ``initiatives`` any more.
- **``ix_initiatives_listed_id``**, the ids of the default list's initiatives: the list's count
  of a search checks each hit's state, and this partial index answers without reading the
  row (0.6 ms instead of 3 for a search with 178 hits, where PostgreSQL read the ids of all
  17,000 listed initiatives into a hash). Search owns it: it is not in the models.

Revision ID: h4search0003
Revises: g3listidx0001
Create Date: 2026-12-02 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "h4search0003"
down_revision = "g3listidx0001"
branch_labels = None
depends_on = None

# The columns whose change changes the vector or the ties (as in f2search0002).
_INDEXED_COLUMNS = (
    "title, summary, body, title_lemmas, summary_lemmas, body_lemmas, state, published_at"
)

# plpgsql, so that it is never inlined: the planner then charges its COST (in units of
# cpu_operator_cost) for each row it would evaluate the match on, where a column costs it
# nothing. 100, a quarter of a page read, stands for reading the vector from TOAST; a plan
# that evaluates the match on every row (a sequential scan, or another index and a filter)
# then costs more than the bitmap scan of this index, which evaluates nothing (unless its
# bitmap grows lossy, which work_mem prevents at this size).
_PG_DOCUMENT_FUNCTION = """
CREATE FUNCTION initiative_search_document(tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 100
AS $$ BEGIN RETURN $1; END $$
"""

_PG_TABLE = """
CREATE TABLE initiative_search_documents (
    initiative_id integer NOT NULL,
    published_at timestamp with time zone,
    document tsvector NOT NULL,
    head tsvector NOT NULL,
    word_count integer NOT NULL,
    CONSTRAINT pk_initiative_search_documents PRIMARY KEY (initiative_id),
    CONSTRAINT fk_initiative_search_documents_initiative_id_initiatives
        FOREIGN KEY (initiative_id) REFERENCES initiatives (id) ON DELETE CASCADE
)
"""

# head stays in the row (MAIN: compressed only if the row would not fit otherwise), where
# ranking reads it; the document goes out of line uncompressed (EXTERNAL: a tsvector barely
# compresses, and only writes read it, to make the index entries).
_PG_STORAGE = (
    "ALTER TABLE initiative_search_documents ALTER COLUMN head SET STORAGE MAIN",
    "ALTER TABLE initiative_search_documents ALTER COLUMN document SET STORAGE EXTERNAL",
)


def _row(vector: str) -> str:
    """SQL: the document, head and word count of a vector (count as ts_rank's cnt_length)."""
    count = "SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer"
    return f"{vector}, ts_filter({vector}, '{{a,b}}'), ({count} FROM unnest({vector}))"


_PG_BACKFILL = f"""
INSERT INTO initiative_search_documents
    (initiative_id, published_at, document, head, word_count)
SELECT id, published_at, {_row("coalesce(search_vector, ''::tsvector)")}
FROM initiatives
"""  # noqa: S608  (this file's constants only)

_PG_INDEX = """
CREATE INDEX ix_initiative_search_documents_document ON initiative_search_documents
USING gin (initiative_search_document(document))
"""

# The predicate as the list writes it (queries._state_condition, models.LISTED), or the
# planner cannot use the index for it.
_PG_LISTED_INDEX = """
CREATE INDEX ix_initiatives_listed_id ON initiatives (id)
WHERE state IN ('published', 'awaiting_response', 'answered', 'completed', 'expired')
"""

# After the row is written: search_vector is then final (the BEFORE trigger computed it).
_PG_UPDATE_FUNCTION = f"""
CREATE FUNCTION initiative_search_documents_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector
            AND NEW.published_at IS NOT DISTINCT FROM OLD.published_at THEN
        RETURN NULL;
    END IF;
    INSERT INTO initiative_search_documents
        (initiative_id, published_at, document, head, word_count)
    SELECT NEW.id, NEW.published_at, {_row("vector")}
    FROM (SELECT coalesce(NEW.search_vector, ''::tsvector)) AS written (vector)
    ON CONFLICT (initiative_id) DO UPDATE SET
        published_at = EXCLUDED.published_at,
        document = EXCLUDED.document,
        head = EXCLUDED.head,
        word_count = EXCLUDED.word_count;
    RETURN NULL;
END;
$$
"""  # noqa: S608

_PG_UPDATE_TRIGGER = f"""
CREATE TRIGGER initiative_search_documents_update
AFTER INSERT OR UPDATE OF {_INDEXED_COLUMNS} ON initiatives
FOR EACH ROW EXECUTE FUNCTION initiative_search_documents_update()
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite ranks with FTS5's bm25 over its own index: nothing to change
    op.execute(_PG_DOCUMENT_FUNCTION)
    op.execute(_PG_TABLE)
    for statement in _PG_STORAGE:
        op.execute(statement)
    op.execute(_PG_BACKFILL)
    op.execute(_PG_INDEX)
    op.execute(_PG_UPDATE_FUNCTION)
    op.execute(_PG_UPDATE_TRIGGER)
    op.execute("DROP INDEX ix_initiatives_search_vector")
    op.execute(_PG_LISTED_INDEX)
    # Statistics of the index's expression at once: they decide between index and table.
    op.execute("ANALYZE initiative_search_documents")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_initiatives_listed_id")
    op.execute("CREATE INDEX ix_initiatives_search_vector ON initiatives USING gin (search_vector)")
    op.execute("DROP TRIGGER initiative_search_documents_update ON initiatives")
    op.execute("DROP FUNCTION initiative_search_documents_update()")
    op.execute("DROP TABLE initiative_search_documents")
    op.execute("DROP FUNCTION initiative_search_document(tsvector)")
