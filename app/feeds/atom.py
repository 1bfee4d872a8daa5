"""An Atom document (RFC 4287) from plain values, written by feedgen, and its HTTP response.

The rest of the package builds ``Feed`` and ``Entry`` values; only this module knows feedgen
(which ships no type information: typings/feedgen declares what is used here). It writes with
lxml, which refuses a character XML cannot hold: those are dropped here first (``_xml``), so
that a stray control character in a title makes a feed without it, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import Response

from app.core.time import utcnow

#: What Atom's content type says, charset included: feed readers then need not guess.
MIMETYPE = "application/atom+xml"
CONTENT_TYPE = f"{MIMETYPE}; charset=utf-8"

# Characters outside XML 1.0's ``Char`` production (control characters, lone surrogates,
# U+FFFE and U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _moment(value: datetime) -> datetime:
    # Whole seconds: the microseconds of a database row say nothing to a feed reader.
    return value.replace(microsecond=0)


@dataclass(frozen=True)
class Entry:
    """One entry: an item of a list, or a step on an item's timeline."""

    #: A permanent IRI: the same in every language and under every filter.
    id: str
    title: str
    #: The public page the entry is about (absolute).
    link: str
    #: The entry's last public change.
    updated: datetime
    #: Sanitised HTML (the apps keep their texts sanitised; ``html`` escapes the rest).
    content: str
    published: datetime | None = None
    #: The public name of who wrote it; ``None``: the feed's author (the municipality).
    author: str | None = None
    #: A plain-text summary, where the item has one.
    summary: str | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    #: The feed's own address (``rel="self"``) and the page it mirrors (``rel="alternate"``).
    self_url: str
    page_url: str
    entries: Sequence[Entry]
    language: str
    #: Who answers for the feed, and so for every entry that names no author of its own.
    author: str
    #: When nothing in the feed says: the item's own time, for an item without a timeline.
    fallback_updated: datetime | None = None

    @property
    def updated(self) -> datetime:
        """The latest entry's change (Atom requires the feed's)."""
        times = [entry.updated for entry in self.entries]
        if times:
            return max(times)
        # An empty list: nothing has changed in it, but Atom wants a time all the same.
        return self.fallback_updated or utcnow()


def newest_first(entries: Sequence[Entry]) -> list[Entry]:
    """By time, the latest first; of entries of the same moment (steps of one transaction),
    the one given later first."""
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].updated, pair[0]), reverse=True)
    return [entry for _index, entry in ordered]


def render(feed: Feed) -> bytes:
    """The Atom document of ``feed``, UTF-8, entries in the order given."""
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(_xml(feed.title))
    generator.language(feed.language)
    generator.updated(_moment(feed.updated))
    generator.author({"name": _xml(feed.author)})
    generator.link(href=feed.page_url, rel="alternate", type="text/html")
    generator.link(href=feed.self_url, rel="self", type=MIMETYPE)
    generator.generator("Glas")
    for entry in feed.entries:
        # feedgen puts a new entry first unless told otherwise.
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.title(_xml(entry.title))
        item.link(href=entry.link, rel="alternate", type="text/html")
        item.updated(_moment(entry.updated))
        if entry.published is not None:
            item.published(_moment(entry.published))
        if entry.author:
            item.author({"name": _xml(entry.author)})
        if entry.summary:
            item.summary(_xml(entry.summary))
        item.content(_xml(entry.content), type="html")
    body: bytes = generator.atom_str(pretty=False)
    return body


def response(feed: Feed) -> Response:
    return Response(render(feed), content_type=CONTENT_TYPE)
