"""Cursor pagination of the API's lists, over keys that never change.

A list is ordered by a moment that is set once (an item's publication, or for what is never
published, the moment it became public record) and the id, newest first by default; a page
ends with a cursor of the last item's keys (``app.core.pagination.keyset``), and the next page
is what comes after it. Because no key of an item changes, and a new item takes its place at
the head of the list (newest first) or at its end (oldest first), a walk through the pages
never skips nor repeats an item while new ones arrive; an offset would do both. A page costs
one statement wherever it is in the list, given an index that matches the order.

A cursor says which order it belongs to (``n.`` or ``o.``): one of the other order, or any
text the API did not write, is a 400, never a page of something else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagination
from app.core.pagination import BadPage, Key, Page
from app.core.urls import public_url_for

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Order(enum.StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


_PREFIX = {Order.NEWEST: "n.", Order.OLDEST: "o."}

#: The parameters of every list.
PARAMS = (
    Param("limit", "limit"),
    Param("cursor", max_length=512),
    choice("order", [order.value for order in Order]),
)


@dataclass(frozen=True)
class Paging:
    limit: int
    order: Order
    cursor: str | None


def paging_of(values: Mapping[str, str]) -> Paging:
    """The paging of checked parameters (``params.parse``); ``limit=0`` was refused there."""
    return Paging(
        limit=int(values.get("limit", DEFAULT_LIMIT)),
        order=Order(values.get("order", Order.NEWEST)),
        cursor=values.get("cursor"),
    )


#: A key of a list: its column, and how to read its value from an item.
KeyColumn = tuple[QueryableAttribute[Any], Callable[[Any], Any]]


def page(
    query: sa.Select[Any], keys: Sequence[KeyColumn], paging: Paging, *, unique: bool = True
) -> Page[Any]:
    """One page of ``query`` after the cursor, in the order of ``keys`` (the last one unique)."""
    descending = paging.order is Order.NEWEST
    ordered = [Key(column.expression, descending, value) for column, value in keys]
    raw = None
    if paging.cursor is not None:
        prefix = _PREFIX[paging.order]
        if not paging.cursor.startswith(prefix):
            raise invalid("cursor", "bad_cursor")
        raw = paging.cursor.removeprefix(prefix)
    try:
        found = pagination.keyset(query, keys=ordered, size=paging.limit, cursor=raw, unique=unique)
    except BadPage:
        raise invalid("cursor", "bad_cursor") from None
    if found.next_cursor is None:
        return found
    return Page(
        found.items,
        found.number,
        found.size,
        found.total,
        next_cursor=_PREFIX[paging.order] + found.next_cursor,
    )


def listing(
    endpoint: str, values: Mapping[str, str], found: Page[Any], items: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body of a list page and its ``Link`` header (RFC 8288) to the next page."""
    others = {name: value for name, value in values.items() if name != "cursor"}
    this = public_url_for(endpoint, **values)
    following = (
        public_url_for(endpoint, **others, cursor=found.next_cursor)
        if found.next_cursor is not None
        else None
    )
    body = {"items": items, "links": {"self": this, "next": following}}
    headers = {"Link": f'<{following}>; rel="next"'} if following else {}
    return body, headers
