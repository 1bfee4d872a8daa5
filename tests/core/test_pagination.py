"""Paging by number with a capped count, and by keyset, on the audit log's real table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core import pagination
from app.core.models import AuditEntry
from app.core.pagination import BadPage, Key
from app.extensions import db

pytestmark = pytest.mark.usefixtures("ctx")

START = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def entries() -> list[int]:
    """25 audit entries: five share each timestamp, actions cycle a, b, c."""
    for n in range(25):
        db.session.add(
            AuditEntry(
                created_at=START + timedelta(minutes=n // 5),
                action="abc"[n % 3],
                target_type="test",
                target_id=n,
                data={},
            )
        )
    db.session.flush()
    return list(db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)))


@pytest.mark.parametrize(("value", "number"), [(None, 1), ("", 1), ("1", 1), ("10000", 10000)])
def test_page_numbers(value: object, number: int) -> None:
    assert pagination.parse_page_number(value) == number


@pytest.mark.parametrize("value", ["0", "-1", "10001", "9" * 400, "²", "1.5", "abc", " 2"])
def test_bad_page_numbers_are_refused(value: str) -> None:
    with pytest.raises(BadPage):
        pagination.parse_page_number(value)


def test_paginate_counts_and_slices(entries: list[int]) -> None:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    page = pagination.paginate(query, page=3, size=10)
    assert [e.id for e in page.items] == entries[20:]
    assert (page.total, page.total_capped, page.pages) == (25, False, 3)
    assert page.has_previous
    assert not page.has_next


def test_a_capped_count_stops_at_the_cap_and_says_so(entries: list[int]) -> None:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    page = pagination.paginate(query, page=2, size=10, count_cap=20)
    assert (page.total, page.total_capped) == (20, True)
    assert [e.id for e in page.items] == entries[10:20]
    assert page.has_next  # the 21st to 25th lie past the counted ones
    exact = pagination.paginate(query, page=1, size=10, count_cap=25)
    assert (exact.total, exact.total_capped) == (25, False)


def _walk(keys: list[Key], size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = pagination.keyset(sa.select(AuditEntry), keys=keys, size=size, cursor=cursor)
        seen.extend(entry.id for entry in page.items)
        if page.next_cursor is None:
            return seen
        assert page.has_next
        cursor = page.next_cursor
    raise AssertionError("keyset paging did not end")


NEWEST = [
    Key(AuditEntry.created_at, True, lambda e: e.created_at),
    Key(AuditEntry.id, True, lambda e: e.id),
]
BY_ACTION = [
    Key(AuditEntry.action, False, lambda e: e.action),
    Key(AuditEntry.created_at, True, lambda e: e.created_at),
    Key(AuditEntry.id, True, lambda e: e.id),
]


@pytest.mark.parametrize("size", [1, 4, 5, 7, 25, 30])
def test_keyset_visits_every_row_once_in_order(entries: list[int], size: int) -> None:
    # Ties on the timestamp are broken by the id: no row is skipped or repeated at a boundary.
    expected = list(
        db.session.scalars(
            sa.select(AuditEntry.id).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
    )
    assert _walk(NEWEST, size) == expected
    assert sorted(expected) == entries


@pytest.mark.parametrize("size", [2, 6, 10])
def test_keyset_with_mixed_directions(entries: list[int], size: int) -> None:
    expected = list(
        db.session.scalars(
            sa.select(AuditEntry.id).order_by(
                AuditEntry.action.asc(), AuditEntry.created_at.desc(), AuditEntry.id.desc()
            )
        )
    )
    assert _walk(BY_ACTION, size) == expected


def test_the_first_keyset_page(entries: list[int]) -> None:
    page = pagination.keyset(sa.select(AuditEntry), keys=NEWEST, size=10)
    assert page.number == 1
    assert len(page.items) == 10
    assert page.next_cursor is not None
    last = pagination.keyset(sa.select(AuditEntry), keys=NEWEST, size=25)
    assert last.next_cursor is None
    assert not last.has_next


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        pagination.encode_cursor([1]),  # too few values
        pagination.encode_cursor(["2026-11-01", 3]),  # text where a time belongs
        pagination.encode_cursor([START.replace(tzinfo=None), 3]),  # a naive time
        pagination.encode_cursor([START, "3"]),  # text where a number belongs
        pagination.encode_cursor([START, 3]) + "A" * 600,  # far too long
        "W3sidCI6IDF9LCAxXQ",  # {"t": 1}: not a time
    ],
)
def test_a_cursor_glas_did_not_write_is_refused(entries: list[int], cursor: str) -> None:
    with pytest.raises(BadPage):
        pagination.keyset(sa.select(AuditEntry), keys=NEWEST, size=5, cursor=cursor)
