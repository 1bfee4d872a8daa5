"""Full-text search of initiatives: the same words, matches and order on PostgreSQL and SQLite.

The index lives in the database and is kept in step with every write by triggers (migration
``f1search0001``): on PostgreSQL a ``search_vector`` tsvector column (``unaccent``, config
``simple``, weights title A / summary B / body C, GIN index), on SQLite an FTS5 external-content
table ``initiatives_fts`` (``unicode61 remove_diacritics 2``). Neither is mapped in the models:
the column exists only on PostgreSQL. ``include_name`` keeps them out of autogenerate.

Both databases store words without accents, in lower case, split at punctuation; the visitor's
text is reduced here, in Python, to the same kind of words (``terms``), so that what matches
does not depend on the database. Each word is also a prefix: ``sola`` finds ``šola`` and
``šole``, ``kolesar`` finds ``kolesarska``. There is no stemming: PostgreSQL has no Slovenian
stemmer, and SQLite none at all.

Ranking: SQLite's ``bm25`` with column weights 10 / 5 / 1, and on PostgreSQL ``ts_rank`` with
the same proportions (A 1.0, B 0.5, C 0.1) and normalised by document length, as bm25 is. bm25
adds up a score per word, so PostgreSQL ranks by the OR of the words even where it matches
their AND (ranking the AND would reward words standing close together, which bm25 ignores).
A title hit therefore beats a summary hit beats a body hit on both. What cannot be the same:
bm25 also counts a rare word more than a common one (and a word in most initiatives almost
not at all), PostgreSQL has no such measure; so when initiatives match different words of a
query in different fields, the two may order them differently. The scores differ in scale:
compare them only within one query on one database.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from app.extensions import db
from app.initiatives.models import PUBLIC, Initiative

#: At most this many words of a query are used (the rest is ignored) …
MAX_TERMS = 8
#: … each cut to this many characters: still a prefix of the word, so it still matches.
MAX_TERM_LENGTH = 32
# Only the start of a very long input is read: MAX_TERMS words fit many times over.
_MAX_INPUT = 1000

# A word: letters (upper, lower, title case, other) and decimal digits; everything else
# separates words. Modifier letters (Lm) and ŉ are left out on purpose: PostgreSQL's unaccent
# turns them into quotes or a colon, which would be syntax inside a tsquery.
_WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo", "Nd"})
_NOT_WORD = frozenset({"ŉ"})

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
_VOWELS = frozenset("aeiou")

# --- the index objects, unmapped ----------------------------------------------------------

_SEARCH_TABLES = ("initiatives_fts",)  # FTS5 adds shadow tables: initiatives_fts_data …
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


def _words(text: str) -> list[str]:
    """Every word of ``text``: lower case, accents removed, in order, with repetitions."""
    # NFD splits "š" into "s" + a combining caron (category Mn), which is dropped: the same
    # folding unaccent and unicode61 apply to Slovenian letters (č, š, ž, ć). Not NFKD: it
    # would also turn "ﬁ" into "fi" and "²" into "2", which unicode61 keeps as they are.
    decomposed = unicodedata.normalize("NFD", text[:_MAX_INPUT].lower())
    words: list[str] = []
    current: list[str] = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn":
            continue
        if category in _WORD_CATEGORIES and char not in _NOT_WORD:
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return [word[:MAX_TERM_LENGTH] for word in words]


def _unique(words: list[str], limit: int) -> list[str]:
    return list(dict.fromkeys(words))[:limit]


def terms(text: str) -> list[str]:
    """The words of a visitor's query that the search uses, safe for either database.

    Only letters and digits survive, lower-cased and without accents; quotes, operators,
    SQL and emoji merely separate words. At most ``MAX_TERMS`` distinct words, each at most
    ``MAX_TERM_LENGTH`` characters.
    """
    return _unique(_words(text), MAX_TERMS)


def _significant_terms(title: str) -> list[str]:
    """The words of a draft title worth comparing: no short or stop words, crudely stemmed."""
    words = [
        word
        for word in _words(title)
        if len(word) >= _MIN_SIMILAR_LENGTH and word not in _STOP_WORDS
    ]
    # Slovenian inflects mostly at the end of the word (šola, šole, šoli; cesta, ceste):
    # dropping one final vowel lets a title find the other forms; ranking sorts out the rest.
    stems = [
        word[:-1] if len(word) > _MIN_SIMILAR_LENGTH and word[-1] in _VOWELS else word
        for word in words
    ]
    return _unique(stems, MAX_TERMS)


# --- the queries --------------------------------------------------------------------------

# Lightweight, unmapped views of the index: the column and the virtual table are not models.
_PG_INITIATIVES = sa.table(
    "initiatives", sa.column("id", sa.Integer), sa.column("search_vector", TSVECTOR)
).alias("initiative_search")
# ts_rank's weights are given in the order D, C, B, A; D is not used.
_PG_WEIGHTS = sa.literal_column("'{0.1, 0.1, 0.5, 1.0}'::float4[]")
# 1 = divide by 1 + the logarithm of the document's length, as bm25 favours shorter texts.
_PG_NORMALISATION = sa.literal_column("1")
_SQLITE_FTS = sa.table("initiatives_fts", sa.column("rowid", sa.Integer))
_SQLITE_FTS_NAME = sa.literal_column("initiatives_fts")
# bm25 column weights, in column order: title, summary, body.
_SQLITE_WEIGHTS = (sa.literal_column("10.0"), sa.literal_column("5.0"), sa.literal_column("1.0"))


def _dialect() -> str:
    # Asked at each call: one process may serve apps on different databases (the tests do).
    return db.session.get_bind().dialect.name


def _pg_query(words: list[str], operator: str) -> sa.ColumnElement[Any]:
    # The words are letters and digits only, so the tsquery syntax around them is ours alone;
    # the text still travels as a bound parameter. unaccent runs once more on it because
    # PostgreSQL also folds letters that Python's decomposition keeps (đ → d, ł → l, ß → ss).
    text = f" {operator} ".join(f"{word}:*" for word in words)
    return sa.func.to_tsquery(
        sa.literal_column("'simple'"), sa.func.immutable_unaccent(sa.literal(text, sa.Text))
    )


def _fts5_query(words: list[str], operator: str) -> str:
    # Quoted, a word is never an FTS5 keyword or column filter; the * makes it a prefix.
    return f" {operator} ".join(f'"{word}"*' for word in words)


def _matching(words: list[str], *, every: bool) -> sa.Select[Any]:
    """Ids and ranks of the initiatives matching all (``every``) or any of the words."""
    if _dialect() == "postgresql":
        vector = _PG_INITIATIVES.c.search_vector
        scored = _pg_query(words, "|")
        wanted = _pg_query(words, "&") if every else scored
        rank = sa.func.ts_rank(_PG_WEIGHTS, vector, scored, _PG_NORMALISATION, type_=sa.Float)
        return sa.select(_PG_INITIATIVES.c.id.label("id"), rank.label("rank")).where(
            vector.bool_op("@@")(wanted)
        )
    # bm25 is smaller-is-better (negative for a match); the callers want higher-is-better.
    rank = -sa.func.bm25(_SQLITE_FTS_NAME, *_SQLITE_WEIGHTS, type_=sa.Float)
    match = _fts5_query(words, "AND" if every else "OR")
    return sa.select(_SQLITE_FTS.c.rowid.label("id"), rank.label("rank")).where(
        _SQLITE_FTS_NAME.op("MATCH")(sa.literal(match, sa.Text))
    )


def ranked(text: str) -> sa.Select[Any] | None:
    """The initiatives matching every word of ``text`` (each also as a prefix), with a rank.

    A SELECT of two columns: ``id`` (of the initiative) and ``rank`` (a float, higher is
    better); ``None`` when ``text`` has no usable word. It filters nothing else, not even the
    state: join it as a subquery on ``Initiative.id`` and add the list's filters, e.g.::

        hits = ranked(text).subquery()
        query = (
            sa.select(Initiative)
            .join(hits, hits.c.id == Initiative.id)
            .order_by(hits.c.rank.desc(), Initiative.id.desc())
        )
    """
    words = terms(text)
    if not words:
        return None
    return _matching(words, every=True)


def similar(title: str, *, exclude_id: int | None = None, limit: int = 5) -> list[Initiative]:
    """Public initiatives that share a significant word with a draft title, best first.

    Shown to a resident while writing, to point at possible duplicates: any word is enough
    (short and stop words are ignored), and a final vowel is dropped to reach other forms of
    a Slovenian word.
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
