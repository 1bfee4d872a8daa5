"""Rules for the public name a person chooses: readable, unique, and not an official's."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

MIN_LENGTH = 3
MAX_LENGTH = 40
_ALLOWED = re.compile(r"^[\w .'()\-]+$")
#: Word stems that would make a resident look like the municipality or one of its officers.
_OFFICIAL_STEMS = (
    "zupan", "podzupan", "mayor", "obcin", "municipal", "kabinet", "uprav", "urad", "admin",
    "skrbni", "moderat", "official", "svetni", "council", "sistem", "system",
)  # fmt: skip
_OFFICIAL_WORDS = ("glas", "mok")


def normalize(pseudonym: str) -> str:
    """NFKC and collapsed spacing; otherwise the name is shown as the person typed it."""
    return " ".join(unicodedata.normalize("NFKC", pseudonym).split())


def key(pseudonym: str) -> str:
    """The name folded for comparison: case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", pseudonym)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = re.findall(r"[^\W_]+", bare.casefold())
    return " ".join(words)


def _tokens(pseudonym: str) -> list[str]:
    return key(pseudonym).split()


def looks_official(pseudonym: str) -> bool:
    return any(
        token.startswith(_OFFICIAL_STEMS) or token in _OFFICIAL_WORDS
        for token in _tokens(pseudonym)
    )


def _latin(char: str) -> bool:
    # Letters of the Latin script only (with any diacritics: č, ő, à …): a Cyrillic look-alike
    # of "a" or an invisible filler "letter" would make a name look like someone else's.
    return not char.isalpha() or unicodedata.name(char, "").startswith("LATIN ")


def problem(pseudonym: str) -> LazyString | None:
    """What is wrong with a proposed name, as a message for the person; ``None`` if fine.

    Uniqueness and councillors' names need the database: the service checks those.
    """
    name = normalize(pseudonym)
    if len(name) < MIN_LENGTH:
        return _l("Use at least %(min)d characters.", min=MIN_LENGTH)
    if len(name) > MAX_LENGTH or len(key(name)) > MAX_LENGTH:
        return _l("Use at most %(max)d characters.", max=MAX_LENGTH)
    if not _ALLOWED.match(name) or not name[0].isalnum() or not all(map(_latin, name)):
        return _l(
            "Use Latin letters, digits, spaces and . - ' ( ) only, starting with a letter or digit."
        )
    if sum(char.isalpha() for char in name) < 2:
        return _l("Use at least two letters.")
    return None
