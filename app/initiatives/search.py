"""Full-text search of initiatives: the same words, matches and order on PostgreSQL and SQLite.

The index lives in the database and is kept in step with every write by triggers (migrations
``f1search0001`` and ``f2search0002``): on PostgreSQL a ``search_vector`` tsvector column
(``unaccent``, config ``simple``, weights title A / summary B / body C, GIN index), on SQLite an
FTS5 external-content table ``initiatives_fts`` (``unicode61 remove_diacritics 2``) over the view
``initiatives_search_text``. Neither is mapped in the models: the column exists only on
PostgreSQL. ``include_name`` keeps them out of autogenerate.

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

Ranking: SQLite's ``bm25`` with column weights 10 / 5 / 1, and on PostgreSQL ``ts_rank`` with
the same proportions (A 1.0, B 0.5, C 0.1) and normalised by document length, as bm25 is. bm25
adds up a score per word, so PostgreSQL ranks by the OR of the words even where it matches
their AND (ranking the AND would reward words standing close together, which bm25 ignores).
A title hit therefore beats a summary hit beats a body hit on both. What cannot be the same:
bm25 also counts a rare word more than a common one (and a word in most initiatives almost
not at all), PostgreSQL has no such measure; so when initiatives match different words of a
query in different fields, the two may order them differently. The scores differ in scale:
compare them only within one query on one database.

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

_SEARCH_TABLES = ("initiatives_fts", "initiative_search_terms")  # FTS5 adds initiatives_fts_data …
_SEARCH_COLUMNS = {("initiatives", "search_vector")}
_SEARCH_INDEXES = frozenset({"ix_initiatives_search_vector"})


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

# Lightweight, unmapped views of the index: the column and the virtual table are not models.
_PG_INITIATIVES = sa.table(
    "initiatives", sa.column("id", sa.Integer), sa.column("search_vector", TSVECTOR)
).alias("initiative_search")
# ts_rank's weights are given in the order D, C, B, A; D is not used.
_PG_WEIGHTS: sa.ColumnClause[Any] = sa.literal_column("'{0.1, 0.1, 0.5, 1.0}'::float4[]")
# 1 = divide by 1 + the logarithm of the document's length, as bm25 favours shorter texts.
_PG_NORMALISATION: sa.ColumnClause[Any] = sa.literal_column("1")
_SQLITE_FTS = sa.table("initiatives_fts", sa.column("rowid", sa.Integer))
_SQLITE_FTS_NAME: sa.ColumnClause[Any] = sa.literal_column("initiatives_fts")
# bm25 column weights, in column order: title, summary, body (each with its lemma text).
_SQLITE_WEIGHTS: tuple[sa.ColumnClause[Any], ...] = (
    sa.literal_column("10.0"),
    sa.literal_column("5.0"),
    sa.literal_column("1.0"),
)
# The vocabulary of the index: on PostgreSQL every lexeme it has held (filled by a trigger),
# on SQLite every term it holds and in how many initiatives ("doc", read from FTS5 itself).
_PG_VOCABULARY = sa.table("initiative_search_terms", sa.column("term", sa.Text))
_SQLITE_VOCABULARY = sa.table(
    "initiatives_fts_terms", sa.column("term", sa.Text), sa.column("doc", sa.Integer)
)


def _dialect() -> str:
    # Asked at each call: one process may serve apps on different databases (the tests do).
    return db.session.get_bind().dialect.name


def _pg_query(words: list[Term], operator: str) -> sa.ColumnElement[Any]:
    # The words and lemmas are letters and digits only, so the tsquery syntax around them is
    # ours alone; the text still travels as a bound parameter. unaccent runs once more on it
    # because PostgreSQL also folds letters that Python's decomposition keeps (đ → d, ß → ss).
    text = f" {operator} ".join(
        "(" + " | ".join([f"{term.prefix}:*", *term.keys]) + ")" for term in words
    )
    return sa.func.to_tsquery(
        sa.literal_column("'simple'"), sa.func.immutable_unaccent(sa.literal(text, sa.Text))
    )


def _fts5_query(words: list[Term], operator: str) -> str:
    # Quoted, a word is never an FTS5 keyword or column filter; the * makes it a prefix.
    return f" {operator} ".join(
        "(" + " OR ".join([f'"{term.prefix}"*', *(f'"{key}"' for key in term.keys)]) + ")"
        for term in words
    )


def _hits(words: list[Term], *, every: bool) -> sa.Select[Any]:
    """Ids of the initiatives matching all (``every``) or any of the words."""
    if _dialect() == "postgresql":
        wanted = _pg_query(words, "&" if every else "|")
        return sa.select(_PG_INITIATIVES.c.id.label("id")).where(
            _PG_INITIATIVES.c.search_vector.bool_op("@@")(wanted)
        )
    match = _fts5_query(words, "AND" if every else "OR")
    return sa.select(_SQLITE_FTS.c.rowid.label("id")).where(
        _SQLITE_FTS_NAME.op("MATCH")(sa.literal(match, sa.Text))
    )


def _matching(words: list[Term], *, every: bool) -> sa.Select[Any]:
    """Ids and ranks of the initiatives matching all (``every``) or any of the words."""
    if _dialect() == "postgresql":
        scored = _pg_query(words, "|")
        vector = _PG_INITIATIVES.c.search_vector
        rank: sa.ColumnElement[float] = sa.func.ts_rank(
            _PG_WEIGHTS, vector, scored, _PG_NORMALISATION, type_=sa.Float
        )
    else:
        # bm25 is smaller-is-better (negative for a match); the callers want higher-is-better.
        rank = -sa.func.bm25(_SQLITE_FTS_NAME, *_SQLITE_WEIGHTS, type_=sa.Float)
    return _hits(words, every=every).add_columns(rank.label("rank"))


def ranked(text: str) -> sa.Select[Any] | None:
    """The initiatives matching every word of ``text`` (each also as a prefix), with a rank.

    A SELECT of two columns: ``id`` (of the initiative) and ``rank`` (a float, higher is
    better); ``None`` when ``text`` has no usable word. Only public text is in the index, so
    nothing hidden can match; it filters nothing else, though, not even the list's states:
    join it as a subquery on ``Initiative.id`` and add the list's filters, e.g.::

        hits = ranked(text).subquery()
        query = (
            sa.select(Initiative)
            .join(hits, hits.c.id == Initiative.id)
            .order_by(hits.c.rank.desc(), Initiative.id.desc())
        )
    """
    words = _terms(text)
    if not words:
        return None
    return _matching(words, every=True)


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
    ordered = query.order_by(hits.c.rank.desc(), Initiative.id.desc()).limit(limit)
    return list(db.session.scalars(ordered))


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


def _counted(candidates: list[str]) -> dict[str, int]:
    """Those of the words that the index holds now, each with how many initiatives have it.

    Counted up to ``_COUNT_CAP`` on both databases, so that they order the same. One query on
    SQLite, where the vocabulary counts; two on PostgreSQL, where it only lists candidates.
    """
    if _dialect() != "postgresql":
        term = _SQLITE_VOCABULARY.c.term
        documents = sa.func.min(_SQLITE_VOCABULARY.c.doc, _COUNT_CAP)
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
    vector = _PG_INITIATIVES.c.search_vector
    counts = [
        # The word as a one-lexeme tsquery: matched exactly, as the vocabulary holds it.
        _count_up_to(
            sa.select(_PG_INITIATIVES.c.id).where(
                vector.bool_op("@@")(sa.cast(sa.literal(word, sa.Text), TSQUERY))
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


def _known(words: list[Term]) -> list[bool]:
    """For each word, whether it alone matches anything, as the search matches it (one query)."""
    checks = [_any_row(_hits([word], every=True)) for word in words]
    return list(db.session.execute(sa.select(*checks)).one())


def corrections(text: str, limit: int = 3) -> list[str]:
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
    unknown = [i for i, known in enumerate(_known(words)) if not known]
    if not unknown or len(unknown) > _MAX_CORRECTED_WORDS:
        return []
    if not all(
        _MIN_CORRECTED_LENGTH <= len(words[i].prefix) <= _MAX_CORRECTED_LENGTH
        and words[i].prefix.isalpha()
        for i in unknown
    ):
        return []
    edits = {i: _edits(words[i].prefix) for i in unknown}
    counts = _counted(sorted(set().union(*edits.values())))
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
