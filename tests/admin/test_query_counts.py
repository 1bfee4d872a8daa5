"""How many SQL statements the administration's lists cost, whatever the number of rows.

Each list is counted with few rows and with more than a page of them. The bounds are today's
counts, exactly (see tests/initiatives/test_query_counts.py for the rule).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.admin.queries import PAGE_SIZE
from app.auth.models import Role
from app.core.models import record
from app.extensions import db
from app.pages import services as page_services
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import seed_reference_data
from tests.conftest import Queries

CountQueries = Callable[[], AbstractContextManager[Queries]]
#: More rows than a page of the administration's lists shows.
MANY = PAGE_SIZE + 5


def measure(
    client: FlaskClient, count_queries: CountQueries, path: str, status: int = 200
) -> Queries:
    """The statements of one request, after a first one that may fill per-process caches."""
    assert client.get(path).status_code == status
    with count_queries() as queries:
        assert client.get(path).status_code == status
    return queries


@pytest.fixture
def admin(app: Flask, make_user: Callable[..., int], login, client: FlaskClient) -> int:
    with app.app_context():
        seed_reference_data()
        db.session.commit()
    user_id = make_user(pseudonym="Bojan", roles=[(Role.ADMINISTRATOR, None)])
    login(client, user_id)
    return user_id


def _accounts(make_user: Callable[..., int], count: int) -> None:
    # Each with roles, units and a person record: what the list shows beside the name.
    for n in range(count):
        roles = [(Role.OFFICIAL, "UOP"), (Role.MODERATOR, None)] if n % 2 else []
        make_user(roles=[*roles, (Role.COUNCILLOR, None)] if n % 3 == 0 else roles)


def _audit(app: Flask, actors: list[int], count: int) -> None:
    with app.app_context():
        for n in range(count):
            record(actors[n % len(actors)], "test.entry", "users", n, note=f"entry {n}")
        db.session.commit()


def _feedback(app: Flask, admin: int, count: int) -> None:
    with app.app_context():
        for n in range(count):
            message = page_services.record_feedback(
                message=f"Gumb {n} nima oznake.",
                page_url="/initiatives/",
                contact_name="Oseba" if n % 2 else None,
                contact_email="oseba@primer.si" if n % 2 else None,
                language="sl",
            )
            if n % 3 == 0:  # handled ones too: they are listed after the others
                page_services.mark_handled(admin, message)
        db.session.commit()


def _reference(app: Flask, count: int) -> None:
    with app.app_context():
        for n in range(count):
            db.session.add(Topic(slug=f"tema-{n}", name_sl=f"Tema {n}", name_en=f"Topic {n}"))
            db.session.add(LocalCommunity(slug=f"ks-{n}", name_sl=f"Skupnost {n}"))
            db.session.add(RejectionReason(slug=f"razlog-{n}", name_sl=f"Razlog {n}."))
        db.session.commit()


# The session with its account, and its roles; the total and the page of accounts, and their
# roles with the units and person records (selectinload: one query each, whatever the page size).
@pytest.mark.parametrize("bound", [7])
def test_the_accounts_list(
    client: FlaskClient,
    count_queries: CountQueries,
    make_user: Callable[..., int],
    admin: int,
    bound: int,
) -> None:
    _accounts(make_user, 2)  # a councillor, and an official of a unit
    measure(client, count_queries, "/admin/users").expect(bound)
    _accounts(make_user, MANY)
    measure(client, count_queries, "/admin/users").expect(bound)


@pytest.mark.parametrize("bound", [7])
def test_the_accounts_list_filtered(
    client: FlaskClient,
    count_queries: CountQueries,
    make_user: Callable[..., int],
    admin: int,
    bound: int,
) -> None:
    path = "/admin/users?q=resident&role=moderator"
    _accounts(make_user, 4)  # the fourth: a moderator who is an official and a councillor
    measure(client, count_queries, path).expect(bound)
    _accounts(make_user, MANY)
    measure(client, count_queries, path).expect(bound)


# Signed in (2); the total, the page of entries and the names of their actors (one query).
@pytest.mark.parametrize("bound", [5])
def test_the_audit_log(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_user: Callable[..., int],
    admin: int,
    bound: int,
) -> None:
    actors = [admin, *(make_user() for _ in range(5))]
    _audit(app, actors, 1)
    measure(client, count_queries, "/admin/audit").expect(bound)
    _audit(app, actors, MANY)
    measure(client, count_queries, "/admin/audit").expect(bound)


@pytest.mark.parametrize("bound", [4])  # signed in (2); the total and the page
def test_the_feedback_list(
    app: Flask, client: FlaskClient, count_queries: CountQueries, admin: int, bound: int
) -> None:
    _feedback(app, admin, 1)
    measure(client, count_queries, "/admin/feedback").expect(bound)
    _feedback(app, admin, MANY)
    measure(client, count_queries, "/admin/feedback").expect(bound)


# Signed in (2); the whole list (sorted in Python, in Slovenian order).
@pytest.mark.parametrize(("kind", "bound"), [("topics", 3), ("communities", 3), ("reasons", 3)])
def test_the_reference_lists(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    admin: int,
    kind: str,
    bound: int,
) -> None:
    measure(client, count_queries, f"/admin/{kind}").expect(bound)
    _reference(app, MANY)
    measure(client, count_queries, f"/admin/{kind}").expect(bound)


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/audit", "/admin/feedback", "/admin/topics"]
)
def test_a_visitor_is_sent_to_sign_in_without_a_query(
    client: FlaskClient, count_queries: CountQueries, path: str
) -> None:
    measure(client, count_queries, path, status=302).expect(0)
