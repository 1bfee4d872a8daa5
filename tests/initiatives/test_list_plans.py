"""The public list's sorts are served by an index, not by reading and sorting every row.

The test data is small, so a planner would rightly scan it: with sequential scans, bitmap
scans and explicit sorts discouraged, the only plan left without a Sort node is an index
that gives the list's order. The real plans at ten times Kranj are checked by `make bench`.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.initiatives.models import InitiativeState

_S = InitiativeState


def _page_query(app: Flask, client: FlaskClient, path: str) -> tuple[str, Any]:
    """The statement (and its parameters) with which the list page read its rows."""
    seen: list[tuple[str, Any]] = []
    connection = app.extensions["test_connection"]

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM initiatives" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(connection, "before_cursor_execute", listener)
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
    forced = statement.replace("FROM initiatives ", f"FROM initiatives INDEXED BY {index} ", 1)
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
    # PostgreSQL: no Sort node (the index gives the order); SQLite: no temporary B-tree.
    assert "Sort" not in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
