"""Supports under real concurrency over HTTP, on both databases (SQLite is the demo's).

Glas runs under a real threaded HTTP server (as ``flask run`` and the demo serve it) on a
database file of its own; residents with real server-side sessions press "Support" at the
same moment. Every request must succeed or get a clean 4xx — never a 500 such as SQLite's
``database is locked`` — and the counter must equal the rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.auth import SESSION_TOKEN_KEY
from app.auth.models import ResidencySource, Role, User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import EventKind, Initiative, InitiativeEvent, InitiativeState, Support
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from tests.conftest import Databases, base_config
from tests.eid import free_port

RESIDENTS = 12
#: The last account of the site is an administrator: they may answer and moderate.
ADMIN = -1


@dataclass
class Site:
    app: Flask
    url: str
    cookies: list[str]  # one signed-in session cookie per resident; the last is the admin's
    author_cookie: str

    @property
    def residents(self) -> list[str]:
        return self.cookies[:RESIDENTS]


def _session_cookie(app: Flask, token: str) -> str:
    """The value of the session cookie that signs in with the server-side session ``token``."""
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = token
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


@pytest.fixture(scope="module")
def site(databases: Databases) -> Iterator[Site]:
    from app.auth import roles, sessions

    # Rate limits stay on: the support limit is per account, so residents are not refused
    # for each other's clicks although they all come from one address.
    app = create_app(base_config(databases.new("http_concurrency")))
    with app.app_context():
        upgrade()
        seed_reference_data()
        tokens = []
        # The first is the author (who cannot support), the last an administrator.
        for n in range(RESIDENTS + 2):
            user = User(
                subject_key=f"{n:064x}", pseudonym=f"R{n}", pseudonym_key=f"r{n}",
                is_adult=True, last_acr="http://eidas.europa.eu/LoA/substantial",
                resident_verified_at=utcnow(), residency_source=ResidencySource.EID,
            )  # fmt: skip
            db.session.add(user)
            db.session.flush()
            if n == RESIDENTS + 1:
                roles.grant_role(None, user, Role.ADMINISTRATOR)
            tokens.append(sessions.start_session(user, acr=user.last_acr, provider_sid=None))  # type: ignore[arg-type]
        db.session.commit()
    cookies = [_session_cookie(app, token) for token in tokens[1:]]
    author_cookie = _session_cookie(app, tokens[0])
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(app, f"http://127.0.0.1:{port}", cookies, author_cookie)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


def _new_initiative(site: Site, state: InitiativeState = InitiativeState.PUBLISHED) -> int:
    with site.app.app_context():
        author = db.session.scalar(sa.select(User.id).order_by(User.id))
        topic = db.session.scalar(sa.select(Topic).filter_by(slug="promet"))
        initiative = Initiative(
            title="Hkratna podpora", summary="s", body="b", body_html="<p>b</p>", topic=topic,
            author_id=author, state=state, threshold=1000,
            published_at=utcnow(), support_closes_at=utcnow() + timedelta(days=30),
        )  # fmt: skip
        db.session.add(initiative)
        db.session.commit()
        return initiative.id


def _post_at_once(site: Site, path: str, cookies: list[str]) -> list[int]:
    """Every cookie's owner posts to ``path`` at the same moment; returns the statuses."""
    barrier = threading.Barrier(len(cookies))
    name = site.app.config["SESSION_COOKIE_NAME"]

    def one(cookie: str) -> int:
        with requests.Session() as http:
            http.cookies.set(name, cookie)
            barrier.wait(timeout=30)
            response = http.post(site.url + path, allow_redirects=False, timeout=60)
            return response.status_code

    with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
        return list(pool.map(one, cookies))


def _counter_and_rows(site: Site, initiative_id: int) -> tuple[int, int]:
    with site.app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        rows = db.session.scalar(
            sa.select(sa.func.count()).select_from(Support).filter_by(initiative_id=initiative_id)
        )
        return initiative.support_count, int(rows or 0)


def test_residents_supporting_at_once_all_succeed(site: Site) -> None:
    initiative_id = _new_initiative(site)
    statuses = _post_at_once(site, f"/initiatives/{initiative_id}/support", site.residents)
    assert statuses == [302] * RESIDENTS
    assert _counter_and_rows(site, initiative_id) == (RESIDENTS, RESIDENTS)


def test_one_resident_supporting_twenty_times_at_once_counts_once(site: Site) -> None:
    initiative_id = _new_initiative(site)
    statuses = _post_at_once(
        site, f"/initiatives/{initiative_id}/support", [site.residents[0]] * 20
    )
    assert statuses == [302] * 20  # one "thank you", nineteen "you already support it"
    assert _counter_and_rows(site, initiative_id) == (1, 1)


def test_supports_and_withdrawals_racing_keep_the_counter_true(site: Site) -> None:
    initiative_id = _new_initiative(site)
    half = RESIDENTS // 2
    assert _post_at_once(site, f"/initiatives/{initiative_id}/support", site.residents[:half]) == (
        [302] * half
    )
    # The first half withdraws while the second half supports, all at the same moment.
    barrier = threading.Barrier(RESIDENTS)
    name = site.app.config["SESSION_COOKIE_NAME"]

    def toggle(index: int) -> int:
        action = "support/withdraw" if index < half else "support"
        with requests.Session() as http:
            http.cookies.set(name, site.residents[index])
            barrier.wait(timeout=30)
            url = f"{site.url}/initiatives/{initiative_id}/{action}"
            return http.post(url, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
        statuses = list(pool.map(toggle, range(RESIDENTS)))
    assert statuses == [302] * RESIDENTS
    assert _counter_and_rows(site, initiative_id) == (RESIDENTS - half, RESIDENTS - half)


def test_pages_read_while_residents_support_never_fail(site: Site) -> None:
    initiative_id = _new_initiative(site)
    name = site.app.config["SESSION_COOKIE_NAME"]
    barrier = threading.Barrier(RESIDENTS * 2)

    def write(cookie: str) -> int:
        with requests.Session() as http:
            http.cookies.set(name, cookie)
            barrier.wait(timeout=30)
            url = f"{site.url}/initiatives/{initiative_id}/support"
            return http.post(url, allow_redirects=False, timeout=60).status_code

    def read(cookie: str) -> int:
        # Signed in: the page read also touches the server-side session (a write).
        with requests.Session() as http:
            http.cookies.set(name, cookie)
            barrier.wait(timeout=30)
            return http.get(f"{site.url}/initiatives/{initiative_id}", timeout=60).status_code

    with ThreadPoolExecutor(max_workers=RESIDENTS * 2) as pool:
        writes = [pool.submit(write, cookie) for cookie in site.residents]
        reads = [pool.submit(read, cookie) for cookie in site.residents]
        assert [f.result() for f in writes] == [302] * RESIDENTS
        assert [f.result() for f in reads] == [200] * RESIDENTS
    assert _counter_and_rows(site, initiative_id) == (RESIDENTS, RESIDENTS)


def _post_same_at_once(
    site: Site, path: str, cookie: str, data: dict[str, str], n: int
) -> list[int]:
    """One person sends the same form ``n`` times at the same moment (a nervous double click)."""
    barrier = threading.Barrier(n)
    name = site.app.config["SESSION_COOKIE_NAME"]

    def one(_: int) -> int:
        with requests.Session() as http:
            http.cookies.set(name, cookie)
            barrier.wait(timeout=30)
            url = site.url + path
            return http.post(url, data=data, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_answering_twice_at_once_answers_once(site: Site) -> None:
    initiative_id = _new_initiative(site, InitiativeState.AWAITING_RESPONSE)
    data = {"respond-kind": "accepted", "respond-text": "Sprejeto."}
    statuses = _post_same_at_once(
        site, f"/initiatives/{initiative_id}/respond", site.cookies[ADMIN], data, 4
    )
    # One answer; the other clicks are told it is answered now (303), none fails.
    assert sorted(statuses) == [302, 303, 303, 303]
    with site.app.app_context():
        answers = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(InitiativeEvent)
            .filter_by(initiative_id=initiative_id, kind=EventKind.ANSWERED)
        )
    assert answers == 1


def test_deleting_a_draft_twice_at_once(site: Site) -> None:
    initiative_id = _new_initiative(site, InitiativeState.DRAFT)
    statuses = _post_same_at_once(
        site, f"/initiatives/{initiative_id}/delete", site.author_cookie, {}, 3
    )
    assert sorted(statuses) == [302, 303, 303]
    with site.app.app_context():
        assert db.session.get(Initiative, initiative_id) is None
