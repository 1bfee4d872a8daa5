"""One way to page through a list: by page number with a capped count, or by keyset.

``db.paginate`` always counts every matching row, and an ``OFFSET`` reads and throws away
every row before the page. Both grow with the table. Here:

- ``paginate`` pages by number, but counts at most ``count_cap`` rows (the page then says
  "more than 1,000"), so the count costs the same at 2,000 or 2,000,000 rows;
- ``keyset`` pages by the sort key of the last row shown (a *cursor*), so that a deep page
  costs what the first one does, given an index that matches the order.

Both run exactly two queries at most (the count and the page) or one (keyset).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from app.extensions import db

T = TypeVar("T")

#: The deepest page number accepted in a URL; deeper lists are reached by narrowing them.
MAX_PAGE = 10_000
# Only ASCII digits, and few of them: str.isdigit() takes "²", and a number with thousands of
# digits costs int() real time (and overflows the database's OFFSET).
_PAGE_NUMBER = re.compile(r"[0-9]{1,5}")
# A cursor is a few key values; anything longer is not one of ours.
_MAX_CURSOR_LENGTH = 512


class BadPage(Exception):
    """A page number or cursor in a URL that is not one Glas would write (a 400)."""


def canonical_query(
    pairs: list[tuple[str, str]], *, defaults: dict[str, str], sort_with_text: str, sort: str
) -> list[tuple[str, str]] | None:
    """The query of the one address of a list page, for the cache of pages; ``None``: a page
    number the list does not write (its view answers 400).

    A list's filter form sends every field, empty or at its default (``?q=&state=all&page=1``);
    those say nothing, and ``page=02`` is page 2. What is left are the filters that matter.
    ``defaults`` are the values that say nothing; the sort's default is ``sort_with_text`` with
    a search text (``q``), else ``sort``.
    """
    given = dict(pairs)
    text = " ".join(given.get("q", "").split())
    silent = {**defaults, "sort": sort_with_text if text else sort}
    canonical = []
    for name, value in pairs:
        if name == "page":
            try:
                number = parse_page_number(value)
            except BadPage:
                return None
            value = str(number) if number > 1 else ""
        elif name == "q":
            value = text
        elif silent.get(name) == value:
            value = ""
        if value:
            canonical.append((name, value))
    return canonical


def parse_page_number(value: object, *, max_page: int = MAX_PAGE) -> int:
    """The page number from a query-string value: ``None`` or empty is page 1."""
    text = "1" if value in (None, "") else str(value)
    if not _PAGE_NUMBER.fullmatch(text) or not 1 <= int(text) <= max_page:
        raise BadPage(text[:20])
    return int(text)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and what the links around it need."""

    items: list[T]
    #: The page number (1-based); with keyset paging, 1 for the first page and 0 after it.
    number: int
    size: int
    #: Rows counted; with a cap, at most the cap (see ``total_capped``).
    total: int
    #: True when more rows than ``total`` exist: show "more than {total}".
    total_capped: bool = False
    #: Keyset paging: the cursor of the next page, ``None`` on the last one.
    next_cursor: str | None = None

    @property
    def pages(self) -> int:
        """How many pages ``total`` fills (at least 1)."""
        return max(1, -(-self.total // self.size))

    @property
    def past_the_end(self) -> bool:
        """A page number beyond the last page: a link Glas never makes (a 404)."""
        return self.number > 1 and not self.items

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.next_cursor is not None:
            return True
        # With a capped count, pages go on past the last one counted.
        return self.number * self.size < self.total or (
            self.total_capped and len(self.items) == self.size
        )


def count(query: sa.Select[Any], *, cap: int | None = None) -> tuple[int, bool]:
    """The number of rows of ``query`` (at most ``cap``), and whether there are more."""
    # The order does not change a count, and dropping it spares the database a sort; nor do
    # the columns: counting a bare 1 per row keeps long texts out of the subquery.
    unordered: sa.Select[Any] = query.order_by(None).with_only_columns(
        sa.literal_column("1"), maintain_column_froms=True
    )
    if cap is not None:
        unordered = unordered.limit(cap + 1)
    found = db.session.scalar(sa.select(sa.func.count()).select_from(unordered.subquery())) or 0
    if cap is not None and found > cap:
        return cap, True
    return int(found), False


def paginate(
    query: sa.Select[Any],
    *,
    page: int,
    size: int,
    count_cap: int | None = None,
    unique: bool = False,
) -> Page[Any]:
    """Page ``page`` of an ordered select of one entity (``size`` rows), with its count.

    ``unique`` de-duplicates rows when the select eager-loads a collection with a join.
    """
    total, capped = count(query, cap=count_cap)
    result = db.session.scalars(query.limit(size).offset((page - 1) * size))
    items = list(result.unique() if unique else result)
    return Page(items, page, size, total, capped)


# --- keyset paging -------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One column of a keyset order: the SQL expression, its direction, and its value on a row.

    The columns of a keyset order must never be NULL, and the last one must be unique (the
    id), so that every row has exactly one place in the order.
    """

    column: sa.ColumnElement[Any]
    descending: bool
    value: Callable[[Any], Any]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a keyset value must be a number, text or a time, not {type(value)!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError("not a keyset value")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for the key ``values`` of a row."""
    text = json.dumps([_encode(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[Key]) -> list[Any]:
    """The key values of a cursor; ``BadPage`` for anything Glas did not write."""
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise BadPage("cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong number of values")
        decoded = [_decode(value) for value in values]
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise BadPage("cursor") from error
    for key, value in zip(keys, decoded, strict=True):
        # The type must fit the column, or the database would compare text with a number.
        python_type = _python_type(key.column)
        if python_type is not None and not isinstance(value, python_type):
            raise BadPage("cursor")
        if isinstance(value, bool):
            raise BadPage("cursor")  # JSON's true is a Python int, but no key is a boolean
        if isinstance(value, int) and not _fits(key.column, value):
            raise BadPage("cursor")  # the database would refuse it (an error, not a page)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise BadPage("cursor")
            try:
                value.astimezone(UTC)  # year 1 at +14:00 is before any time a column holds
            except OverflowError as error:
                raise BadPage("cursor") from error
    return decoded


def _fits(column: sa.ColumnElement[Any], value: int) -> bool:
    """Whether ``value`` fits the integer column (32 bits, or 64 for a BigInteger)."""
    bits = 64 if isinstance(column.type, sa.BigInteger) else 32
    limit: int = 2 ** (bits - 1)
    return -limit <= value < limit


def _python_type(column: sa.ColumnElement[Any]) -> type | tuple[type, ...] | None:
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance  # e.g. UTCDateTime: a DateTime underneath
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    if python_type is float:
        return (int, float)
    if python_type is int:
        return int
    return python_type if python_type in (str, datetime) else None


def _after(keys: Sequence[Key], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """The rows that come after ``values`` in the order of ``keys``."""
    if all(key.descending == keys[0].descending for key in keys):
        # One row-value comparison: PostgreSQL walks a matching composite index with it.
        left = sa.tuple_(*(key.column for key in keys))
        right = sa.tuple_(
            *(sa.literal(v, key.column.type) for key, v in zip(keys, values, strict=True))
        )
        return left < right if keys[0].descending else left > right
    # Mixed directions: (a after) or (a equal and b after) or …
    alternatives = []
    for index, key in enumerate(keys):
        equal = [
            earlier.column == sa.literal(values[i], earlier.column.type)
            for i, earlier in enumerate(keys[:index])
        ]
        value = sa.literal(values[index], key.column.type)
        beyond = key.column < value if key.descending else key.column > value
        alternatives.append(sa.and_(*equal, beyond))
    return sa.or_(*alternatives)


def keyset(
    query: sa.Select[Any],
    *,
    keys: Sequence[Key],
    size: int,
    cursor: str | None = None,
    unique: bool = False,
) -> Page[Any]:
    """The page of ``query`` after ``cursor`` (the first page without one), ordered by ``keys``.

    ``query`` must not be ordered yet: the order is the keys'. One query; no count.
    """
    ordered = query.order_by(
        *(key.column.desc() if key.descending else key.column.asc() for key in keys)
    )
    if cursor is not None:
        ordered = ordered.where(_after(keys, decode_cursor(cursor, keys)))
    # One row more than the page tells whether a next page exists, without a count.
    result = db.session.scalars(ordered.limit(size + 1))
    rows = list(result.unique() if unique else result)
    items = rows[:size]
    following = None
    if len(rows) > size:
        following = encode_cursor([key.value(items[-1]) for key in keys])
    return Page(items, 1 if cursor is None else 0, size, len(items), next_cursor=following)
