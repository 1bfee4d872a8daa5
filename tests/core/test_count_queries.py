"""The ``count_queries`` fixture itself: it sees the app's statements, and an N+1 query."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import Queries

CountQueries = Callable[[], AbstractContextManager[Queries]]


def test_counts_the_statements_of_the_apps_session_but_not_savepoints(
    app: Flask, count_queries: CountQueries
) -> None:
    with app.app_context(), count_queries() as queries:
        db.session.execute(sa.text("SELECT 1"))
        with db.session.begin_nested():  # the isolation's kind of statement: not counted
            db.session.execute(sa.text("SELECT 2"))
        db.session.commit()
    assert [" ".join(q.split()) for q in queries] == ["SELECT 1", "SELECT 2"]


def _names_and_roles(app: Flask, count_queries: CountQueries, *, eager: bool) -> Queries:
    query = sa.select(User).order_by(User.id)
    if eager:
        query = query.options(selectinload(User.role_grants))
    with app.app_context(), count_queries() as queries:
        for user in db.session.scalars(query):
            _ = [grant.role for grant in user.role_grants]
    return queries


def test_an_n_plus_one_query_is_seen(
    app: Flask, count_queries: CountQueries, make_user: Callable[..., int]
) -> None:
    for _ in range(3):
        make_user(roles=[(Role.MODERATOR, None)])
    assert len(_names_and_roles(app, count_queries, eager=False)) == 1 + 3
    make_user(roles=[(Role.MODERATOR, None)])
    assert len(_names_and_roles(app, count_queries, eager=False)) == 1 + 4
    assert len(_names_and_roles(app, count_queries, eager=True)) == 2


def test_a_missed_bound_prints_the_statements(app: Flask, count_queries: CountQueries) -> None:
    with app.app_context(), count_queries() as queries:
        db.session.execute(sa.select(User.id).where(User.pseudonym == "nobody"))
    with pytest.raises(AssertionError) as failure:
        queries.expect(0)
    message = str(failure.value)
    assert "1 SQL statements where 0 are expected" in message
    assert "1. SELECT users.id FROM users WHERE users.pseudonym =" in message
