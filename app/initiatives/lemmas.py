"""Words and Slovenian word forms for search: what the index and the visitor's query share.

Neither database can lemmatize Slovenian (PostgreSQL has no Slovenian dictionary, SQLite no
dictionary at all), so the application does it with Lemmagen's Slovenian model (``lemmagen3``,
CC BY-SA model data, LGPL/MIT code): every searchable text gets a *lemma text* beside it (see
``lemma_text`` and the ``*_lemmas`` columns of ``Initiative``), which the index covers with the
text itself, and the query side reduces each of the visitor's words the same way (``keys``).

A lemma here is a matching key, not a dictionary entry: the same function runs on both sides,
so "prehoda" and "prehodu" meet at "prehod" whether or not the model knows the word. Words are
lemmatized in lower case (the model treats "Kranju" and "kranju" differently; visitors type
either) and *before* accents are folded, because the model needs the accents ("šole" → "šola");
each word also yields the lemma of its folded form, because residents often type without č, š,
ž and the model reads "sole" as a form of "solo": both "sole" and the text's "šola" then give
"solo", and meet. Keys are folded (no accents), like every word of the index.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from lemmagen3 import Lemmatizer

# A word: letters (upper, lower, title case, other) and decimal digits; everything else
# separates words. Modifier letters (Lm) and ŉ are left out on purpose: PostgreSQL's unaccent
# turns them into quotes or a colon, which would be syntax inside a tsquery.
_WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo", "Nd"})
_NOT_WORD = frozenset({"ŉ"})

#: Shorter words get no lemma: they are prepositions, conjunctions and forms of "biti", for
#: which the model's guesses ("si" → "se") would only join unrelated words.
MIN_LEMMA_WORD = 3
#: Longer words get no lemma: no Slovenian word is this long, and the query side cuts its
#: words to this length anyway (``search.MAX_TERM_LENGTH``).
MAX_LEMMA_WORD = 32


def split(text: str) -> list[tuple[str, str]]:
    """Every word of ``text`` in order, in lower case: ``(as written, folded)``.

    *As written* keeps the accents (NFC); *folded* drops them, the way PostgreSQL's unaccent
    and SQLite's ``unicode61 remove_diacritics 2`` do for Slovenian letters (č, š, ž, ć).
    """
    # NFD splits "š" into "s" + a combining caron (category Mn): the caron neither ends a word
    # nor stays in its folded form. Not NFKD: it would also turn "ﬁ" into "fi" and "²" into
    # "2", which unicode61 keeps as they are.
    decomposed = unicodedata.normalize("NFD", text.lower())
    words: list[tuple[str, str]] = []
    written: list[str] = []
    folded: list[str] = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn":
            if folded:
                written.append(char)
            continue
        if category in _WORD_CATEGORIES and char not in _NOT_WORD:
            written.append(char)
            folded.append(char)
        elif folded:
            words.append((unicodedata.normalize("NFC", "".join(written)), "".join(folded)))
            written, folded = [], []
    if folded:
        words.append((unicodedata.normalize("NFC", "".join(written)), "".join(folded)))
    return words


@cache
def _lemmatizer() -> Lemmatizer:
    # Loaded on first use and kept for the life of the process (about 1 MB); every request
    # and every thread share it (lemmatize only reads the model).
    from lemmagen3 import Lemmatizer

    return Lemmatizer("sl")


@lru_cache(maxsize=65_536)
def keys(written: str, folded: str) -> tuple[str, ...]:
    """The folded lemmas of one word (from ``split``) that differ from the folded word itself.

    At most two: the lemma of the word as written and the lemma of its folded form.
    """
    if not MIN_LEMMA_WORD <= len(folded) <= MAX_LEMMA_WORD or folded.isdigit():
        return ()
    lemmatizer = _lemmatizer()
    found: list[str] = []
    for source in dict.fromkeys((written, folded)):
        # The model's answer is split like any text, so a key is always a plain word.
        lemma = [word for _, word in split(lemmatizer.lemmatize(source))]
        if len(lemma) == 1 and lemma[0] != folded and lemma[0] not in found:
            found.append(lemma[0])
    return tuple(found)


def lemma_text(text: str | None) -> str:
    """The lemma text written beside a searchable text: the keys of its words, in order.

    A word that is its own lemma adds nothing (the text already holds it), so the base form
    of a word is not counted twice by the ranking.
    """
    return " ".join(key for written, folded in split(text or "") for key in keys(written, folded))


def keep_lemma_texts(model: type[Any], texts: Mapping[str, str]) -> None:
    """Write each text's lemma column (``texts``: text column → lemma column) on every flush.

    A flush event, so every write through the ORM passes here (services, demo data, CLI);
    only a changed text is lemmatized again, so a support or a state change costs nothing.
    A bulk ``UPDATE`` of a text must set its lemmas itself.
    """

    @sa.event.listens_for(model, "before_insert")
    def _write_all(_mapper: Any, _connection: Any, row: Any) -> None:
        for text, lemmas in texts.items():
            setattr(row, lemmas, lemma_text(getattr(row, text)))

    @sa.event.listens_for(model, "before_update")
    def _write_changed(_mapper: Any, _connection: Any, row: Any) -> None:
        changes = sa.inspect(row).attrs
        for text, lemmas in texts.items():
            if changes[text].history.has_changes():
                setattr(row, lemmas, lemma_text(getattr(row, text)))
