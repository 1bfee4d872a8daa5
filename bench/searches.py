"""Search queries for the benchmark, drawn from the seeded text's own vocabulary.

Four kinds, as residents type them: a *common* word (in a good share of the initiatives, so
that many matches are ranked), a *rare* one (among the words in fewest initiatives: two or
three at 1x, a dozen at 10x, where 20,000 texts use even the rarest words of the vocabulary
several times), *several words* (from one
initiative's title, so that they match together) and *prefixes* (the first letters of a word,
often without č, š, ž). How many initiatives each word is in comes from the search index's own
vocabulary table where the migration made one, else from counting in the titles.

Questions are searched the same way: ``queries(..., corpus=QUESTIONS)`` draws the words from
the questions' own index and titles, for their list (``/questions/?q=``); ``path`` sends the
same queries to another page (``/search``, which searches both). Reply letters likewise
(``corpus=REPLIES``, ``/replies/?q=``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, LiteralString
from urllib.parse import quote_plus

import psycopg

from bench.text import TextGenerator


@dataclass(frozen=True)
class Query:
    kind: str  # common, rare, words, prefix
    text: str
    #: The page that searches: a list (``/initiatives/``, ``/questions/``) or ``/search``.
    page: str = "/initiatives/"

    @property
    def path(self) -> str:
        return f"{self.page}?q={quote_plus(self.text)}"


@dataclass(frozen=True)
class Corpus:
    """What is searched: the search index's words per document, the public items' titles."""

    name: str
    page: str
    #: (term, documents) of every word in the index (the vector's lexemes).
    terms_sql: LiteralString
    #: The column that says whether the index exists (else the titles are counted).
    vector: tuple[str, str]
    #: The public items, and their titles in a stable order.
    public_sql: LiteralString
    titles_sql: LiteralString


INITIATIVES = Corpus(
    "initiatives",
    "/initiatives/",
    "SELECT term, count(*) FROM initiatives,"
    " unnest(tsvector_to_array(search_vector)) AS term GROUP BY term",
    ("initiatives", "search_vector"),
    "SELECT count(*) FROM initiatives WHERE published_at IS NOT NULL",
    "SELECT title FROM initiatives WHERE published_at IS NOT NULL ORDER BY id",
)
QUESTIONS = Corpus(
    "questions",
    "/questions/",
    "SELECT term, count(*) FROM question_search_documents,"
    " unnest(tsvector_to_array(document)) AS term GROUP BY term",
    ("question_search_documents", "document"),
    "SELECT count(*) FROM questions WHERE published_at IS NOT NULL",
    "SELECT title FROM questions WHERE published_at IS NOT NULL ORDER BY id",
)

#: Reply letters (issue 10): the public letters' index; their "titles" are the subjects
#: without the head every letter shares ("Odgovor na svetniško vprašanje – …").
REPLIES = Corpus(
    "replies",
    "/replies/",
    "SELECT term, count(*) FROM reply_search_documents,"
    " unnest(tsvector_to_array(document)) AS term GROUP BY term",
    ("reply_search_documents", "document"),
    "SELECT count(*) FROM replies WHERE state IN ('published', 'corrected', 'retracted')",
    "SELECT coalesce(nullif(split_part(subject, ' – ', 2), ''), subject) FROM replies"
    " WHERE state IN ('published', 'corrected', 'retracted') ORDER BY id",
)


def _fold(word: str) -> str:
    from app.initiatives.lemmas import split

    parts = split(word)
    return parts[0][1] if parts else word


def _document_counts(
    connection: psycopg.Connection[Any], corpus: Corpus = INITIATIVES
) -> dict[str, int]:
    """In how many items each indexed word (or lemma) is, from the search vectors."""
    found = connection.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        corpus.vector,
    ).fetchone()
    if found:
        rows = connection.execute(corpus.terms_sql).fetchall()
    else:
        rows = connection.execute(
            "SELECT word, count(DISTINCT id) FROM initiatives,"
            " regexp_split_to_table(lower(title || ' ' || summary), '\\W+') AS word GROUP BY word"
        ).fetchall()
    connection.rollback()
    return dict(rows)


def queries(
    connection: psycopg.Connection[Any],
    text: TextGenerator,
    rng: random.Random,
    n: int = 200,
    *,
    corpus: Corpus = INITIATIVES,
) -> list[Query]:
    """About ``n`` varied queries (a quarter of each kind) for ``corpus``'s list, reproducibly."""
    documents = _document_counts(connection, corpus)
    public = connection.execute(corpus.public_sql).fetchone()
    titles = [title for (title,) in connection.execute(corpus.titles_sql)]
    connection.rollback()
    total = int(public[0]) if public else 1
    words = [w for w in text.words if len(w) >= 4]
    counted = [(w, documents.get(_fold(w), 0)) for w in words]
    common = [w for w, c in counted if 0.05 * total <= c <= 0.5 * total]
    quarter = n // 4
    # The least used tenth of the words that occur at all.
    occurring = sorted(((c, w) for w, c in counted if c >= 1 and len(w) >= 6))
    rare = [w for _, w in occurring[: max(quarter, len(occurring) // 10)]]
    middling = [w for w, c in counted if 0.005 * total <= c < 0.05 * total]
    page = corpus.page
    result = [Query("common", w, page) for w in rng.sample(common, min(quarter, len(common)))]
    result += [Query("rare", w, page) for w in rng.sample(rare, min(quarter, len(rare)))]
    for title in rng.sample(titles, min(quarter, len(titles))):
        picked = [w.strip("?") for w in title.replace(":", " ").split() if len(w) >= 3][:3]
        result.append(Query("words", " ".join(picked).lower(), page))
    for word in rng.sample(middling + common, min(quarter, len(middling + common))):
        prefix = word[: rng.randint(3, 5)]
        result.append(Query("prefix", _fold(prefix) if rng.random() < 0.5 else prefix, page))
    return result


def mixed(page: str, *groups: list[Query]) -> list[Query]:
    """The queries of several corpora, in turn, sent to one ``page`` (``/search``)."""
    longest = max((len(group) for group in groups), default=0)
    return [
        replace(group[n], page=page) for n in range(longest) for group in groups if n < len(group)
    ]


def representative(
    connection: psycopg.Connection[Any], text: TextGenerator
) -> dict[str, tuple[str, int]]:
    """One query of each of the three kinds measured on their own, with its match count.

    Common: the word closest to a quarter of the published initiatives; rare: a word in the
    fewest (at least two);
    several words: the three longest words of the most supported open initiative's title.
    """
    documents = _document_counts(connection)
    public = connection.execute(
        "SELECT count(*) FROM initiatives WHERE published_at IS NOT NULL"
    ).fetchone()
    title = connection.execute(
        "SELECT title FROM initiatives WHERE state = 'published' ORDER BY support_count DESC"
        " LIMIT 1"
    ).fetchone()
    connection.rollback()
    total = int(public[0]) if public else 1
    counted = [(w, documents.get(_fold(w), 0)) for w in text.words if len(w) >= 5]
    common = min(counted, key=lambda item: abs(item[1] - total / 4))
    rare = min(((w, c) for w, c in counted if c >= 2 and len(w) >= 7), key=lambda item: item[1])
    words = sorted((w for w in (title[0] if title else "").split() if w.isalpha()), key=len)
    several = " ".join(words[-3:]).lower() or common[0]
    return {"common": common, "rare": rare, "words": (several, -1)}
