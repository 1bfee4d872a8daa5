"""On PostgreSQL, each list's page is read from an index in its order: no sort of the table.

A test database is tiny, where a sequential scan is always cheapest; with sequential scans and
sorts priced out, a plan that still sorts has no index to read the order from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.api import paging

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture(autouse=True)
def _postgresql_only(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("query plans are PostgreSQL's")


def _plan(query: sa.Select[Any], keys: Any, order: paging.Order) -> str:
    from app.extensions import db

    descending = order is paging.Order.NEWEST
    ordered = query.order_by(
        *(k[0].expression.desc() if descending else k[0].expression.asc() for k in keys)
    ).limit(51)
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_sort = off"))
    compiled = ordered.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars()
    return "\n".join(rows)


def _lists() -> dict[str, Callable[[], tuple[sa.Select[Any], Any]]]:
    from app.api import councillors, initiatives, projects, questions, replies, sessions
    from app.core.time import today, utcnow
    from app.initiatives import queries as iq
    from app.projects import queries as pq
    from app.questions import queries as qq
    from app.replies import queries as rq

    return {
        "initiatives": lambda: (iq.filtered(iq.Filters(), utcnow()), initiatives._PUBLISHED),
        "questions": lambda: (qq.filtered(qq.Filters(), today())[0], questions._PUBLISHED),
        "replies": lambda: (rq.filtered(rq.Filters()), replies._KEYS),
        "sessions": lambda: (sa.select(sessions.CouncilSession), sessions._KEYS),
        "councillors": lambda: (
            sa.select(councillors.Person).where(
                sa.exists().where(councillors.CouncilMandate.person_id == councillors.Person.id)
            ),
            councillors._KEYS,
        ),
        "projects": lambda: (pq.filtered(pq.Filters()), projects._PROJECT_KEYS),
        "commitments": lambda: (
            pq.public_commitments(pq.CommitmentFilters()),
            projects._COMMITMENT_KEYS,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "initiatives",
        "questions",
        "replies",  # ix_replies_public_published_at (migration p12apiidx0001)
        "sessions",
        "councillors",
        "projects",
        "commitments",
    ],
)
@pytest.mark.parametrize("order", list(paging.Order))
def test_a_page_is_read_from_an_index(name: str, order: paging.Order) -> None:
    query, keys = _lists()[name]()
    plan = _plan(query, keys, order)
    assert "Index" in plan, plan
    assert "Sort" not in plan, plan
