"""Full-text search of initiatives, questions, reply letters and projects: the same words,
matches and order on PostgreSQL and SQLite.

Written first for initiatives; questions, reply letters and projects have an index each, built
the same way (migrations ``j6qsearch0001``, ``l8rsearch0001`` and ``o11psearch0001``), and
every function here takes the ``Index`` to search (``INITIATIVES`` by default, ``QUESTIONS``,
``REPLIES``, ``PROJECTS``). What follows says "initiatives"; for a question read its title for
the title and summary, and its text for the text; for a letter its reference number and
subject for the title, and its text for the text; for a project its code and title for the
title, its summary for the summary and its description for the text. Only a public letter
(published, corrected or retracted) is in the index, and its reference number is split at its
punctuation like any text ("032-11/2016" is 032, 11 and 2016), as a project's code is
("OB-2026-014" is ob, 2026 and 014). Every project is public, so every project is indexed;
its "published" time in the index is when it was recorded (``created_at``).

The index lives in the database and is kept in step with every write by triggers (migrations
``f1search0001``, ``f2search0002`` and ``h4search0003``): on PostgreSQL a ``search_vector``
tsvector column (``unaccent``, config ``simple``, weights title A / summary B / body C), copied
into the table ``initiative_search_documents`` with its title-and-summary part and its length,
where its GIN index is; on SQLite an FTS5 external-content table ``initiatives_fts``
(``unicode61 remove_diacritics 2``) over the view ``initiatives_search_text``. None of it is
mapped in the models, and ``include_name`` keeps it out of autogenerate.

**Only what the public may read is indexed**, so hidden text can match nothing, anywhere (the
list, "Look for similar initiatives", the spelling suggestions): the title, summary and text of
an initiative that is or was published (withdrawn ones only if a moderator had published them);
only the title of one rejected by moderation (its summary and text were never public); nothing
of drafts and submissions. The triggers decide it from ``state`` and ``published_at``, the same
rules as ``permissions.can_view`` and ``can_view_body`` for a visitor (a test holds them equal).

Both databases store words without accents, in lower case, split at punctuation; the visitor's
text is reduced here, in Python, to the same kind of words (``terms``), so that what matches
does not depend on the database. Each word is also a prefix: ``sola`` finds ``šola`` and
``šole``, ``kolesar`` finds ``kolesarska``.

**Slovenian word forms.** Neither database can lemmatize Slovenian, so the application writes a
lemma text beside each searchable text (``title_lemmas``, ``summary_lemmas``, ``body_lemmas``;
see ``app.initiatives.lemmas``) on every insert and update of the text, and the index covers it
with the text, at the same weight as its field: a form of a word in the title still ranks as a
title hit. A word of the query then matches itself as a prefix *or* one of its lemmas exactly:
"prehoda" finds "prehod" and "prehodu" (all lemma "prehod"), "avtobusa" finds "avtobus", "šole"
and "sole" both find "šola". Lemmas are matched exactly, not as prefixes: a half-typed word has
no meaningful lemma, and its prefix already matches.

**Ranking is by the title and summary**; the text decides what matches, not the order.
SQLite's ``bm25`` with column weights 10 / 5 / 0, and on PostgreSQL ``ts_rank`` of the
title-and-summary vector with the same proportions (A 1.0, B 0.5); both divided by (the log
of) the length of the whole text, as bm25 is. bm25 adds up a score per word, so PostgreSQL ranks
by the OR of the words even where it matches their AND (ranking the AND would reward words
standing close together, which bm25 ignores). A title hit therefore beats a summary hit beats
a hit in the text alone on both; hits in the text alone all rank 0 on SQLite and come newest
first (the list's tie-break), and on PostgreSQL their rank says the same (see ``_pg_ranked``).
What cannot be the same: bm25 also counts a rare word more than a common one (and a word in
most initiatives almost not at all), PostgreSQL has no such measure; so when initiatives
match different words of a query in title and summary, the two may order them differently.
The scores differ in scale: compare them only within one query on one database.

Why not the text: at ten times Kranj's size a common word is in the text of thousands of
initiatives, and a rank reads something of every hit. The whole vector is 3 kB, out of line
(TOAST, ~3 µs a hit: most of the 108 ms the list's page took for the 4,644 hits of
"slovenski"); the title-and-summary part is 0.5 kB in a row of ``initiative_search_documents``,
fourteen to a page (~0.5 µs). Ranking by
the whole text where a search finds few initiatives (at most 200, where it is cheap) was tried
and measured: knowing that a search finds few costs a second pass of the index in each of the
list's two queries, 3 ms at the 95th percentile, a tenth of the budget of a search.

**How PostgreSQL reads it**, planned for the words of each search (see ``_pg_query``): the GIN
index, never every row (``initiative_search_document`` gives the match its true cost,
migration ``h4search0003``); the head of each hit, ranked and numbered in order by a window
function (``_pg_ranked``); then the list's page joins ``initiatives`` to its first rows only
(``best_first``), and the list's count, which names no column of the hits, counts as it reads
and stops at its cap.

**Spelling suggestions** (``corrections``) come from the index, so from public text only. A
word of the query that matches nothing is replaced by the words one edit away (a letter left
out, added, changed, or two swapped: most typing mistakes) that the index holds, the commonest
first. Each candidate is an exact lookup in the index's vocabulary, so the cost does not grow
with the number of initiatives: on SQLite an ``fts5vocab`` table over the FTS5 index, on
PostgreSQL the table ``initiative_search_terms`` of every lexeme ``search_vector`` has held
(it only grows; a word that has left the index is found there but counts no initiative, and
is never offered).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from app.extensions import db
from app.initiatives import lemmas
from app.initiatives.models import PUBLIC, Initiative

#: At most this many words of a query are used (the rest is ignored) …
MAX_TERMS = 8
#: … each cut to this many characters: still a prefix of the word, so it still matches.
MAX_TERM_LENGTH = 32
# Only the start of a very long input is read: MAX_TERMS words fit many times over.
_MAX_INPUT = 1000

# similar(): words that say nothing about the subject, already folded (no accents).
_STOP_WORDS = frozenset({
    "ali", "bil", "bila", "bile", "bili", "bilo", "biti", "bodo", "bolj", "bomo", "brez", "kaj",
    "kako", "kdo", "ker", "kjer", "kot", "lahko", "med", "mora", "morajo", "naj", "nad", "nam",
    "nas", "nasa", "nase", "nasi", "naso", "niso", "nov", "nova", "novi", "novih", "novo",
    "obcina", "obcine", "obcino", "pobuda", "pobude", "pobudo", "pod", "potreben", "potrebna",
    "potrebno", "predlagam", "predlog", "pri", "prosim", "proti", "smo", "ste", "tako", "tam",
    "tega", "teh", "tem", "ter", "tudi", "vec", "vse", "vsi", "zakaj", "zato",
    "about", "and", "are", "for", "from", "into", "more", "new", "not", "our", "should", "that",
    "the", "their", "this", "with", "would",
})  # fmt: skip
# similar(): shorter words are too common to suggest anything (na, za, in, je …).
_MIN_SIMILAR_LENGTH = 3

# corrections(): words shorter than this are not corrected (one edit makes any other short
# word of them), longer ones neither (the lookups grow with the length; no word is that long).
_MIN_CORRECTED_LENGTH = 3
_MAX_CORRECTED_LENGTH = 20
# At most this many unknown words of one query are corrected: each costs about 50 lookups a
# letter, and a query with more unknown words is not a typing mistake.
_MAX_CORRECTED_WORDS = 2
# The letters an edit may add or change: the index folds č, š, ž to c, s, z.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# Counting the initiatives that have a candidate stops here: enough to tell common from rare.
_COUNT_CAP = 50
# At most this many candidates are counted (a typo rarely has more than a few near words).
_MAX_COUNTED = 24

# --- the index objects, unmapped ----------------------------------------------------------

# FTS5 adds initiatives_fts_data …
_SEARCH_TABLES = (
    "initiatives_fts",
    "initiative_search_terms",
    "initiative_search_documents",
    "questions_fts",
    "question_search_documents",
    "replies_fts",
    "reply_search_documents",
    "projects_fts",
    "project_search_documents",
)
_SEARCH_COLUMNS = {("initiatives", "search_vector")}
# The index on initiatives until h4search0003; since, the one on its documents, and the ids
# of the listed initiatives, which the list's count of a search reads (see the migration).
_SEARCH_INDEXES = frozenset(
    {
        "ix_initiatives_search_vector",
        "ix_initiative_search_documents_document",
        "ix_initiatives_listed_id",
        "ix_question_search_documents_document",
        "ix_reply_search_documents_document",
        "ix_project_search_documents_document",
    }
)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic's name filter: hide the search objects that the models do not map.

    Used by ``migrations/env.py`` (so autogenerate does not drop them) and by the test that
    compares the migrations with the models.
    """
    if name is None:
        return True
    if type_ == "table":
        return not any(name == t or name.startswith(f"{t}_") for t in _SEARCH_TABLES)
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in _SEARCH_COLUMNS
    if type_ == "index":
        return name not in _SEARCH_INDEXES
    return True


# --- the visitor's words ------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word of a query, and what it matches."""

    #: As typed, in lower case with its accents: for showing it back.
    written: str
    #: Folded and cut to MAX_TERM_LENGTH: matches every word that starts with it.
    prefix: str
    #: Its lemmas, folded (``lemmas.keys``): each matches that exact word of text or lemma text.
    keys: tuple[str, ...]


def _terms(text: str, limit: int = MAX_TERMS) -> list[Term]:
    words: dict[str, Term] = {}
    for written, folded in lemmas.split(text[:_MAX_INPUT]):
        prefix = folded[:MAX_TERM_LENGTH]
        if prefix not in words:
            keys = tuple(key for key in lemmas.keys(written, folded) if key != prefix)
            words[prefix] = Term(written, prefix, keys)
        if len(words) == limit:
            break
    return list(words.values())


def terms(text: str) -> list[str]:
    """The words of a visitor's query that the search uses, safe for either database.

    Only letters and digits survive, lower-cased and without accents; quotes, operators,
    SQL and emoji merely separate words. At most ``MAX_TERMS`` distinct words, each at most
    ``MAX_TERM_LENGTH`` characters.
    """
    return [term.prefix for term in _terms(text)]


def _significant_terms(title: str) -> list[Term]:
    """The words of a draft title worth comparing: no short or stop words."""
    return [
        term
        for term in _terms(title, limit=MAX_TERMS * 4)
        if len(term.prefix) >= _MIN_SIMILAR_LENGTH and term.prefix not in _STOP_WORDS
    ][:MAX_TERMS]


# --- the queries --------------------------------------------------------------------------

# Lightweight, unmapped views of the index: its table and the virtual table are not models.
# ts_rank's weights are given in the order D, C, B, A. The head has only A and B.
_PG_WEIGHTS: sa.ColumnClause[Any] = sa.literal_column("'{0, 0, 0.5, 1.0}'::float4[]")
# 0: no normalisation by ts_rank, which would divide by the head's length; _pg_ranked
# divides by the whole text's, as bm25 favours shorter texts.
_PG_NO_NORMALISATION: sa.ColumnClause[Any] = sa.literal_column("0")
# The vocabulary of the index: on PostgreSQL every lexeme either index has held (one table,
# filled by the triggers of both), on SQLite every term each FTS5 index holds and in how many
# of its rows ("doc", read from FTS5 itself).
_PG_VOCABULARY = sa.table("initiative_search_terms", sa.column("term", sa.Text))


def _documents(table: str, key: str, alias: str) -> sa.FromClause:
    return sa.table(
        table,
        sa.column(key, sa.Integer),
        sa.column("published_at", sa.DateTime(timezone=True)),
        sa.column("document", TSVECTOR),
        sa.column("head", TSVECTOR),
        sa.column("word_count", sa.Integer),
    ).alias(alias)


@dataclass(frozen=True)
class Index:
    """One search index: its PostgreSQL documents and its SQLite FTS5 table."""

    #: The documents (one row per item) and the column of the item's id in them.
    pg_documents: sa.FromClause
    pg_key: str
    #: The FTS5 table (its rowid is the item's id) and its vocabulary.
    sqlite_fts: str
    #: bm25 column weights, in column order (each text with its lemma text); the texts that
    #: match but do not rank weigh 0, as on PostgreSQL (they still count in the length).
    sqlite_weights: tuple[float, ...]

    @property
    def pg_id(self) -> sa.ColumnElement[int]:
        return self.pg_documents.c[self.pg_key]

    @property
    def sqlite_table(self) -> sa.TableClause:
        return sa.table(self.sqlite_fts, sa.column("rowid", sa.Integer))

    @property
    def sqlite_name(self) -> sa.ColumnClause[Any]:
        return sa.literal_column(self.sqlite_fts)

    @property
    def sqlite_vocabulary(self) -> sa.TableClause:
        return sa.table(
            f"{self.sqlite_fts}_terms", sa.column("term", sa.Text), sa.column("doc", sa.Integer)
        )


#: Title, summary, text: ranked by the title and the summary.
INITIATIVES = Index(
    pg_documents=_documents("initiative_search_documents", "initiative_id", "initiative_search"),
    pg_key="initiative_id",
    sqlite_fts="initiatives_fts",
    sqlite_weights=(10.0, 5.0, 0.0),
)
#: Title and text: ranked by the title.
QUESTIONS = Index(
    pg_documents=_documents("question_search_documents", "question_id", "question_search"),
    pg_key="question_id",
    sqlite_fts="questions_fts",
    sqlite_weights=(10.0, 0.0),
)
#: Reference number, subject and text: ranked by the reference number and the subject (both
#: weight A on PostgreSQL, as a title).
REPLIES = Index(
    pg_documents=_documents("reply_search_documents", "reply_id", "reply_search"),
    pg_key="reply_id",
    sqlite_fts="replies_fts",
    sqlite_weights=(10.0, 10.0, 0.0),
)
#: Code, title, summary, description: ranked by the code and the title (weight A on
#: PostgreSQL, as a title) and the summary (B), as an initiative by its title and summary.
PROJECTS = Index(
    pg_documents=_documents("project_search_documents", "project_id", "project_search"),
    pg_key="project_id",
    sqlite_fts="projects_fts",
    sqlite_weights=(10.0, 10.0, 5.0, 0.0),
)


def _dialect() -> str:
    # Asked at each call: one process may serve apps on different databases (the tests do).
    return db.session.get_bind().dialect.name


def _pg_query(words: list[Term], operator: str) -> sa.ColumnElement[Any]:
    # The words and lemmas are letters and digits only, so the tsquery syntax around them is
    # ours alone. The text is written into the statement (quoted, as a literal), not bound:
    # PostgreSQL then plans each search for its words and knows how many initiatives match,
    # and the query is a constant, parsed once. A bound text gives a statement that is the
    # same for every search, which psycopg prepares after five runs; PostgreSQL then keeps a
    # generic plan that guesses a hundred hits (and so ranks all of them in the list's count)
    # and parses the text again for every hit ranked. unaccent runs once more on the text
    # because PostgreSQL also folds letters that Python's decomposition keeps (đ → d, ß → ss).
    text = f" {operator} ".join(
        "(" + " | ".join([f"{term.prefix}:*", *term.keys]) + ")" for term in words
    )
    written = sa.bindparam(None, text, type_=sa.Text, literal_execute=True)
    return sa.func.to_tsquery(
        sa.literal_column("'simple'"), sa.func.immutable_unaccent(written), type_=TSQUERY
    )


def _fts5_query(words: list[Term], operator: str) -> str:
    # Quoted, a word is never an FTS5 keyword or column filter; the * makes it a prefix.
    return f" {operator} ".join(
        "(" + " OR ".join([f'"{term.prefix}"*', *(f'"{key}"' for key in term.keys)]) + ")"
        for term in words
    )


def _pg_matches(
    documents: sa.FromClause, words: list[Term], *, every: bool
) -> sa.ColumnElement[bool]:
    # Through initiative_search_document(), as the GIN index is built: see migration
    # h4search0003 for why the planner must see that reading a document is not free.
    document = sa.func.initiative_search_document(documents.c.document, type_=TSVECTOR)
    return document.bool_op("@@")(_pg_query(words, "&" if every else "|"))


def _hits(words: list[Term], *, every: bool, index: Index = INITIATIVES) -> sa.Select[Any]:
    """Ids of the items matching all (``every``) or any of the words."""
    if _dialect() == "postgresql":
        return sa.select(index.pg_id.label("id")).where(
            _pg_matches(index.pg_documents, words, every=every)
        )
    match = _fts5_query(words, "AND" if every else "OR")
    return sa.select(index.sqlite_table.c.rowid.label("id")).where(
        index.sqlite_name.op("MATCH")(sa.literal(match, sa.Text))
    )


def _pg_ranked(words: list[Term], *, every: bool, index: Index = INITIATIVES) -> sa.Select[Any]:
    """The PostgreSQL hits, best first: ``id``, ``rank``, ``published_at`` and ``position``.

    A window function numbers the hits in rank order (``position``), so the select comes out
    sorted: a page's query that orders by the rank first and names ``position`` joins the
    initiatives to its first rows only (``best_first``), not to every hit. A count of the hits
    names no column of it, so PostgreSQL drops the window there and counts as it reads.
    """
    documents = index.pg_documents
    # ts_rank on the title and summary (normalisation 0), divided by the log of the whole
    # length as normalisation 1 divides: ln instead of log2 changes no order. (Typed, or
    # SQLAlchemy divides by a NUMERIC: numeric arithmetic and a numeric sort, for every hit.)
    length: sa.ColumnElement[float] = sa.func.ln(
        sa.cast(1 + documents.c.word_count, sa.Float), type_=sa.Float
    )
    head = (
        sa.func.ts_rank(
            _PG_WEIGHTS, documents.c.head, _pg_query(words, "|"), _PG_NO_NORMALISATION,
            type_=sa.Float,
        )
        / length
    )  # fmt: skip
    # A hit in the text alone ranks 0 there: it gets -1 / (1 + the second it was published)
    # instead, below every title and summary hit and newest first, so that the rank alone
    # sorts the hits as "rank, then newest" would. Thousands of hits can tie at 0, and a sort
    # that breaks ties on more keys reads them from each row anew: twice the time. Without a
    # published_at (never, for public text) the newest, as NULLS FIRST would place it.
    published = sa.func.coalesce(
        sa.func.date_part("epoch", documents.c.published_at, type_=sa.Float),
        sa.literal_column("'infinity'::float8", sa.Float),
    )
    text_only = sa.literal(-1.0, sa.Float) / (sa.literal(1.0, sa.Float) + published)
    rank = sa.func.coalesce(sa.func.nullif(head, 0.0, type_=sa.Float), text_only)
    # Ranks that are equal still (rare) are ordered by best_first after the join.
    return sa.select(
        index.pg_id.label("id"),
        rank.label("rank"),
        documents.c.published_at.label("published_at"),
        sa.func.row_number().over(order_by=rank.desc()).label("position"),
    ).where(_pg_matches(documents, words, every=every))


def _matching(words: list[Term], *, every: bool, index: Index = INITIATIVES) -> sa.Select[Any]:
    """Ids and ranks of the items matching all (``every``) or any of the words."""
    if _dialect() == "postgresql":
        return _pg_ranked(words, every=every, index=index)
    # bm25 is smaller-is-better (negative for a match); the callers want higher-is-better.
    weights: list[sa.ColumnClause[Any]] = [
        sa.literal_column(repr(weight)) for weight in index.sqlite_weights
    ]
    rank = -sa.func.bm25(index.sqlite_name, *weights, type_=sa.Float)
    return _hits(words, every=every, index=index).add_columns(rank.label("rank"))


def matches(text: str, index: Index = INITIATIVES) -> sa.Select[Any] | None:
    """The ids (column ``id``) of the initiatives matching every word of ``text``, unranked.

    For asking whether a search finds anything; ``None`` when ``text`` has no usable word.
    """
    words = _terms(text)
    return _hits(words, every=True, index=index) if words else None


def ranked(text: str, index: Index = INITIATIVES) -> sa.Select[Any] | None:
    """The initiatives matching every word of ``text`` (each also as a prefix), with a rank.

    A SELECT of the columns ``id`` (of the initiative) and ``rank`` (a float, higher is
    better), and on PostgreSQL also ``published_at`` and ``position``; ``None`` when
    ``text`` has no usable word. Only public text is in the index, so nothing hidden can
    match; it filters nothing else, though, not even the list's states: join it as a
    subquery on ``Initiative.id``, add the list's filters, and order by ``best_first``::

        hits = ranked(text).subquery()
        query = (
            sa.select(Initiative)
            .join(hits, hits.c.id == Initiative.id)
            .order_by(*best_first(hits))
        )
    """
    words = _terms(text)
    if not words:
        return None
    return _matching(words, every=True, index=index)


def best_first(hits: sa.Subquery, model: Any = Initiative) -> list[sa.ColumnElement[Any]]:
    """The order of a search's hits joined on ``model.id``: best first, ties newest first.

    On PostgreSQL it is the order the hits come out in (``_pg_ranked``), ``position`` last
    (it breaks no tie: the id is unique) so that the window stays in the page's query.
    """
    if "position" in hits.c:
        return [
            hits.c.rank.desc(),
            hits.c.published_at.desc(),
            hits.c.id.desc(),
            hits.c.position,
        ]
    # A project has no publication: it is public from when it was recorded, which is the
    # time its documents hold on PostgreSQL (migration o11psearch0001).
    newest = model.published_at if hasattr(model, "published_at") else model.created_at
    return [hits.c.rank.desc(), newest.desc(), model.id.desc()]


def similar(title: str, *, exclude_id: int | None = None, limit: int = 5) -> list[Initiative]:
    """Public initiatives that share a significant word with a draft title, best first.

    Shown to a resident while writing, to point at possible duplicates: any word is enough
    (short and stop words are ignored), in any of its forms. The index holds only public
    text, so neither a draft's text nor a rejected one's summary can be found this way.
    """
    words = _significant_terms(title)
    if not words or limit <= 0:
        return []
    hits = _matching(words, every=False).subquery()
    query = (
        sa.select(Initiative)
        .join(hits, hits.c.id == Initiative.id)
        .where(Initiative.state.in_(PUBLIC))
    )
    if exclude_id is not None:
        query = query.where(Initiative.id != exclude_id)
    ordered = query.order_by(*best_first(hits)).limit(limit)
    return list(db.session.scalars(ordered))


# --- what matched, for showing it ---------------------------------------------------------

#: A snippet shows this many words of a text …
SNIPPET_WORDS = 30
#: … from this many before its first matching word (or from its start) …
_SNIPPET_LEAD = 8
#: … looked for among its first this many words (a letter is rarely longer).
_SNIPPET_SCAN = 3000


@dataclass(frozen=True)
class Snippet:
    """A few words of a text around the first word a search matched in it.

    ``parts`` in order, each ``(text, matched)``: a matching word (with the punctuation that
    touches it) or the text between. Whitespace is shown as single spaces.
    """

    parts: tuple[tuple[str, bool], ...]
    #: Whether words of the text were left out before the parts, and after them.
    cut_before: bool
    cut_after: bool


def _matched(piece: str, words: list[Term]) -> bool:
    """Whether a piece of text (no whitespace) holds a word that one of ``words`` matches,
    as the index matches it: the word or one of its lemmas starts with the prefix, or is
    one of the term's lemmas."""
    for written, folded in lemmas.split(piece):
        indexed = (folded, *lemmas.keys(written, folded))
        for term in words:
            if any(word.startswith(term.prefix) for word in indexed):
                return True
            if any(key in indexed for key in term.keys):
                return True
    return False


def snippet(text: str, query: str, words: int = SNIPPET_WORDS) -> Snippet:
    """``words`` words of ``text`` around the first that the search ``query`` matches, each
    matching word marked; the start of the text when none does (the hit was elsewhere)."""
    searched = _terms(query)
    pieces = text.split()
    first = None
    if searched:
        first = next(
            (i for i, piece in enumerate(pieces[:_SNIPPET_SCAN]) if _matched(piece, searched)),
            None,
        )
    start = 0 if first is None else max(0, first - _SNIPPET_LEAD)
    end = min(len(pieces), start + words)
    start = max(0, min(start, end - words))  # near the end: a whole snippet still
    parts: list[tuple[str, bool]] = []

    def add_plain(piece: str) -> None:
        if parts and not parts[-1][1]:
            parts[-1] = (parts[-1][0] + piece, False)
        else:
            parts.append((piece, False))

    for n, piece in enumerate(pieces[start:end]):
        if n:
            add_plain(" ")
        if searched and _matched(piece, searched):
            parts.append((piece, True))
        else:
            add_plain(piece)
    return Snippet(tuple(parts), start > 0, end < len(pieces))


# --- spelling suggestions -----------------------------------------------------------------


def planned_whole(query: sa.Select[Any]) -> sa.FromClause:
    """A search query as a source that PostgreSQL plans as a whole, however little is read.

    For EXISTS or a LIMIT, PostgreSQL expects a searched word to be common, and scans the
    table for its first few rows: all of it when there are none (0.1 s at 20,000 initiatives).
    As a materialized CTE the search is planned for all its rows (through the GIN index when
    they are few), and the reader still stops at the first row it needs. Keep joins and other
    filters outside it, or they are computed for every row too.
    """
    if _dialect() == "postgresql":
        return query.cte().prefix_with("MATERIALIZED")
    return query.subquery()


def _any_row(query: sa.Select[Any]) -> sa.Exists:
    """Whether a search query (or one built on it) finds anything: a cheap EXISTS."""
    return sa.select(sa.literal_column("1")).select_from(planned_whole(query)).exists()


def _count_up_to(query: sa.Select[Any], cap: int) -> sa.ScalarSelect[int]:
    """How many rows a search query finds, counted no further than ``cap``."""
    first: sa.Select[Any] = (
        sa.select(sa.literal_column("1")).select_from(planned_whole(query)).limit(cap)
    )
    return sa.select(sa.func.count()).select_from(first.subquery()).scalar_subquery()


def _counted(candidates: list[str], index: Index = INITIATIVES) -> dict[str, int]:
    """Those of the words that the index holds now, each with how many initiatives have it.

    Counted up to ``_COUNT_CAP`` on both databases, so that they order the same. One query on
    SQLite, where the vocabulary counts; two on PostgreSQL, where it only lists candidates.
    """
    if _dialect() != "postgresql":
        vocabulary = index.sqlite_vocabulary
        term = vocabulary.c.term
        documents = sa.func.min(vocabulary.c.doc, _COUNT_CAP)
        query = sa.select(term, documents).where(term.in_(candidates))
        return {row[0]: row[1] for row in db.session.execute(query) if row[1] > 0}
    # The vocabulary has every lexeme the index ever held: the candidates that exist are few.
    term = _PG_VOCABULARY.c.term
    found = db.session.scalars(
        sa.select(term).where(term.in_(candidates)).order_by(term).limit(_MAX_COUNTED)
    )
    # Letters only (the candidates are): no tsquery syntax in them.
    existing = [word for word in found if word.isalpha()]
    if not existing:
        return {}
    document = sa.func.initiative_search_document(index.pg_documents.c.document, type_=TSVECTOR)
    counts = [
        # The word as a one-lexeme tsquery: matched exactly, as the vocabulary holds it.
        _count_up_to(
            sa.select(index.pg_id).where(
                document.bool_op("@@")(sa.cast(sa.literal(word, sa.Text), TSQUERY))
            ),
            _COUNT_CAP,
        )
        for word in existing
    ]
    row = db.session.execute(sa.select(*counts)).one()
    return {word: count for word, count in zip(existing, row, strict=True) if count > 0}


def _edits(word: str) -> set[str]:
    """Every word one edit away: a letter left out, two swapped, one changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    added = {a + c + b for a, b in splits for c in _ALPHABET}
    return (deleted | swapped | changed | added) - {word}


def _known(words: list[Term], index: Index) -> list[bool]:
    """For each word, whether it alone matches anything, as the search matches it (one query)."""
    checks = [_any_row(_hits([word], every=True, index=index)) for word in words]
    return list(db.session.execute(sa.select(*checks)).one())


def corrections(text: str, limit: int = 3, index: Index = INITIATIVES) -> list[str]:
    """Other spellings of ``text`` whose every word occurs in public text, likeliest first.

    Each unknown word (one that no indexed word starts with and that has no indexed lemma) is
    replaced by the words of the index one edit away, the commonest first; known words stay
    as they were typed. ``[]`` when every word is known (a spelling is not what went wrong)
    or some unknown word has no near spelling. Two queries on SQLite and three on PostgreSQL,
    whatever the index holds.
    The suggestions are not checked against any filter: the caller does that.
    """
    words = _terms(text)
    if not words or limit <= 0:
        return []
    unknown = [i for i, known in enumerate(_known(words, index)) if not known]
    if not unknown or len(unknown) > _MAX_CORRECTED_WORDS:
        return []
    if not all(
        _MIN_CORRECTED_LENGTH <= len(words[i].prefix) <= _MAX_CORRECTED_LENGTH
        and words[i].prefix.isalpha()
        for i in unknown
    ):
        return []
    edits = {i: _edits(words[i].prefix) for i in unknown}
    counts = _counted(sorted(set().union(*edits.values())), index)
    # Per unknown word, its nearest spellings: the commonest first, then alphabetically.
    choices = [
        sorted((e for e in edits[i] if e in counts), key=lambda e: (-counts[e], e))[:limit]
        for i in unknown
    ]
    if not all(choices):
        return []
    # Every combination of the choices, the best-placed first: (0, 0), (0, 1), (1, 0) …
    combinations = sorted(
        itertools.product(*(range(len(c)) for c in choices)), key=lambda p: (sum(p), p)
    )[:limit]
    suggestions = []
    for picks in combinations:
        spelled = [word.written for word in words]
        for i, pick, options in zip(unknown, picks, choices, strict=True):
            spelled[i] = options[pick]
        suggestions.append(" ".join(spelled))
    return suggestions
