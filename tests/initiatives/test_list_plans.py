"""The public list's sorts are served by an index, not by reading and sorting every row.

The test data is small, so a planner would rightly scan it: with sequential scans, bitmap
scans and explicit sorts discouraged, the only plan left without a Sort node is an index
that gives the list's order. The real plans at ten times Kranj are checked by `make bench`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.initiatives.models import InitiativeState
from tests.conftest import statements_sent

_S = InitiativeState


def _page_query(app: Flask, client: FlaskClient, path: str) -> tuple[str, Any]:
    """The statement (and its parameters) with which the list page read its rows."""
    with statements_sent(app) as sent:
        assert client.get(path).status_code == 200
    seen = [
        (sql, parameters)
        for sql, parameters in sent
        if "FROM initiatives" in sql and "ORDER BY" in sql
    ]
    assert len(seen) == 1, seen
    return seen[0]


def _plan(app: Flask, statement: str, parameters: Any, index: str) -> str:
    connection = app.extensions["test_connection"]
    if connection.dialect.name == "postgresql":
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.exec_driver_sql(f"RESET {setting}")
        return "\n".join(row[0] for row in rows)
    # SQLite has no statistics here and rightly prefers the (state, …) index on a small table;
    # INDEXED BY proves that the list's WHERE lets it use the partial index (SQLite refuses
    # the statement when it cannot) and that the index gives the order without sorting.
    # A later page picks its rows in a subquery (``queries._late_rows``): the last FROM.
    head, _, tail = statement.rpartition("FROM initiatives ")
    forced = f"{head}FROM initiatives INDEXED BY {index} {tail}"
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("path", "index"),
    [
        ("/initiatives/", "ix_initiatives_listed_newest"),
        ("/initiatives/?page=2", "ix_initiatives_listed_newest"),
        ("/initiatives/?sort=supported", "ix_initiatives_listed_supported"),
    ],
)
def test_the_default_list_reads_its_order_from_an_index(
    app: Flask, client: FlaskClient, make_initiative, path: str, index: str
) -> None:
    for n in range(25):
        make_initiative(_S.PUBLISHED if n % 2 else _S.ANSWERED, title=f"Pobuda {n}")
    make_initiative(_S.DRAFT, title="Osnutek")
    statement, parameters = _page_query(app, client, path)
    plan = _plan(app, statement, parameters, index)
    assert index in plan, plan
    # PostgreSQL: no Sort node (the index gives the order); SQLite: no temporary B-tree
    # where the rows are chosen (a later page then orders its 20 rows again, as it reads them).
    assert "Sort" not in plan, plan
    choosing = plan.partition("SCAN anon_1")[0]
    assert "TEMP B-TREE FOR ORDER BY" not in choosing, plan


def test_closing_soon_reads_both_of_its_orders_from_indexes(
    app: Flask, client: FlaskClient, make_initiative
) -> None:
    """Open ones by deadline, then the rest newest first: two index reads, a sort of a page.

    Sorting on ``CASE WHEN open THEN 0 ELSE 1 END`` sorted every listed row for each page;
    now each part is read in order from its index and stops at the rows the page needs, and
    only those (at most two pages of rows) are sorted together.
    """
    for n in range(25):
        make_initiative(_S.PUBLISHED if n % 2 else _S.ANSWERED, title=f"Pobuda {n}")
    statement, parameters = _page_query(app, client, "/initiatives/?sort=closing&page=2")
    connection = app.extensions["test_connection"]
    indexes = ("ix_initiatives_state_support_closes_at", "ix_initiatives_listed_newest")
    if connection.dialect.name == "postgresql":
        plan = _plan(app, statement, parameters, "")
        assert "Seq Scan" not in plan, plan
        for index in indexes:
            assert index in plan, plan
        # The one full sort is of the rows the two reads chose, above both of them (the
        # deadlines' index leaves only ties to order: an incremental sort, as it reads).
        full_sorts = re.findall(r"(?<!Incremental )Sort  \(", plan)
        assert len(full_sorts) == 1, plan
        assert plan.index("Sort  (") < min(plan.index(index) for index in indexes), plan
        return
    # SQLite: the outer FROM comes first in the text, then the open part, then the rest;
    # INDEXED BY fails the statement if a part cannot use its index.
    parts = statement.split("FROM initiatives ")
    assert len(parts) == 4, statement
    forced = (
        parts[0] + "FROM initiatives " + parts[1]
        + f"FROM initiatives INDEXED BY {indexes[0]} " + parts[2]
        + f"FROM initiatives INDEXED BY {indexes[1]} " + parts[3]
    )  # fmt: skip
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, parameters).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    assert plan.count("TEMP B-TREE FOR ORDER BY") == 1, plan  # the outer sort only
