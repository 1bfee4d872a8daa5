"""Signed-in residents for the benchmark: real server-side sessions and real CSRF tokens.

Sessions are opened the way sign-in opens them (``app.auth.sessions.start_session``, then the
session cookie holds the token and a fresh CSRF binding, as ``auth.views.callback`` leaves
it), and the cookie is signed with the app's own session serializer. The CSRF token is then
read the way a browser gets it: a GET of an initiative page with that cookie, and the hidden
``csrf_token`` field of its support form.

Each support POST of the benchmark must be a *new* support, so the load generator is given a
list of distinct (resident, initiative) pairs that the app's own rule allows
(``permissions.can_support``) and that the seeded data has not used yet. Residents' questions
are supported the same way ("I want this answered too"): ``question_support_pairs``, with the
questions' own rule. The CSRF token is bound to the session, not to a page, so the token read
from an initiative page serves the question POSTs too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Resident:
    user_id: int
    cookie: str
    #: The resident's own client address (an X-Forwarded-For value; never a target).
    address: str
    token: str = ""


def address(n: int) -> str:
    return f"127.{100 + n // 62_500}.{(n // 250) % 250}.{n % 250 + 1}"


def sign_in(
    app: Flask, count: int, *, skip: int = 0, exclude: frozenset[int] = frozenset()
) -> list[Resident]:
    """Open sessions for ``count`` residents who may support, after skipping ``skip`` of
    them and leaving out the accounts in ``exclude``."""
    from app.auth import permissions as auth_permissions
    from app.auth.models import User
    from app.extensions import db

    with app.app_context():
        candidates = db.session.scalars(
            sa.select(User)
            .where(User.deleted_at.is_(None), User.id > 20)
            .order_by(sa.func.md5(sa.cast(User.id, sa.Text)))
        )
        users = [
            user
            for user in candidates
            if auth_permissions.can_participate(user) and user.id not in exclude
        ]
        chosen = users[skip : skip + count]
        if len(chosen) < count:
            raise SystemExit(f"only {len(chosen)} residents may support; {count} wanted")
        return _sessions(app, chosen, skip)


def _sessions(app: Flask, users: list[Any], first_address: int) -> list[Resident]:
    """A session and its signed cookie for each account (in an app context)."""
    import flask

    from app.auth import SESSION_TOKEN_KEY, sessions
    from app.core import csrf
    from app.extensions import db

    tokens = [
        sessions.start_session(user, acr=user.last_acr or "", provider_sid=None) for user in users
    ]
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    residents = []
    for n, (user, token) in enumerate(zip(users, tokens, strict=True)):
        with app.test_request_context("/"):
            flask.session.clear()
            flask.session[SESSION_TOKEN_KEY] = token
            csrf.new_session_binding()
            cookie = serializer.dumps(dict(flask.session))
        residents.append(Resident(user.id, cookie, address(first_address + n)))
    return residents


def sign_in_accounts(app: Flask, ids: list[int], *, first_address: int) -> list[Resident]:
    """Open sessions for these accounts, in this order (the heavy users of the follows)."""
    from app.auth.models import User
    from app.extensions import db

    with app.app_context():
        found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise SystemExit(f"accounts {missing} to sign in do not exist")
        return _sessions(app, [found[i] for i in ids], first_address)


def write_signed_in(path: Path, lines: Iterable[tuple[str, Resident]]) -> int:
    """The file of ``signed_in.lua``: one GET a line (path, cookie, the resident's address)."""
    rows = [f"{target}\t{r.cookie}\t{r.address}\n" for target, r in lines]
    path.write_text("".join(rows), encoding="ascii")
    return len(rows)


def fetch_tokens(
    base_url: str, cookie_name: str, residents: list[Resident], path: str, workers: int = 4
) -> None:
    """Each resident's CSRF token, read from ``path`` as the browser would get it."""

    def one(resident: Resident) -> None:
        response = requests.get(
            base_url + path,
            headers={
                "Cookie": f"{cookie_name}={resident.cookie}",
                "X-Forwarded-For": resident.address,
            },
            timeout=60,
        )
        found = _TOKEN.search(response.text)
        if response.status_code != 200 or found is None:
            raise RuntimeError(f"no CSRF token for resident {resident.user_id} at {path}")
        if 'action="/auth/logout"' not in response.text:  # signed in: it offers to sign out
            raise RuntimeError(f"resident {resident.user_id} is not signed in at {path}")
        resident.token = found.group(1)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, residents))


def fetch_token_in_process(app: Flask, cookie_name: str, resident: Resident, path: str) -> None:
    """The same as ``fetch_tokens``, with Flask's test client (no server running)."""
    client = app.test_client()
    client.set_cookie(cookie_name, resident.cookie)
    response = client.get(path, headers={"X-Forwarded-For": resident.address})
    found = _TOKEN.search(response.get_data(as_text=True))
    if response.status_code != 200 or found is None:
        raise RuntimeError(f"no CSRF token for resident {resident.user_id} at {path}")
    resident.token = found.group(1)


def open_initiatives(app: Flask, *, margin: timedelta = timedelta(hours=2)) -> list[int]:
    """Initiatives open for support for at least ``margin`` more, by id."""
    from app.extensions import db
    from app.initiatives import lifecycle
    from app.initiatives.models import SUPPORTABLE, Initiative

    later = datetime.now(UTC) + margin
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Initiative).where(Initiative.state.in_(SUPPORTABLE)).order_by(Initiative.id)
        )
        return [i.id for i in rows if lifecycle.is_open_for_support(i, later)]


def support_pairs(
    app: Flask,
    residents: list[Resident],
    initiatives: list[int],
    per_resident: int,
    rng: random.Random,
) -> list[tuple[Resident, int]]:
    """Distinct (resident, initiative) pairs that would each be a new support.

    Interleaved: consecutive requests come from different residents for different
    initiatives, as the supports of a real day are spread.
    """
    from app.auth.models import User
    from app.extensions import db
    from app.initiatives import permissions
    from app.initiatives.models import Initiative, Support

    now = datetime.now(UTC)
    with app.app_context():
        user_ids = [r.user_id for r in residents]
        done = set(
            db.session.execute(
                sa.select(Support.user_id, Support.initiative_id).where(
                    Support.user_id.in_(user_ids), Support.initiative_id.in_(initiatives)
                )
            ).tuples()
        )
        loaded = {
            i.id: i
            for i in db.session.scalars(sa.select(Initiative).where(Initiative.id.in_(initiatives)))
        }
        accounts = {
            u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
        }
        return _interleaved(
            residents,
            initiatives,
            per_resident,
            rng,
            lambda user_id, item: (
                (user_id, item) not in done
                and permissions.can_support(accounts[user_id], loaded[item], now)
            ),
        )


def _interleaved(
    residents: list[Resident],
    items: list[int],
    per_resident: int,
    rng: random.Random,
    allowed: Callable[[int, int], bool],
) -> list[tuple[Resident, int]]:
    """Up to ``per_resident`` items for each resident that ``allowed``, interleaved."""
    queues = []
    for resident in residents:
        start = rng.randrange(len(items))
        wanted = []
        for item in items[start:] + items[:start]:
            if allowed(resident.user_id, item):
                wanted.append(item)
                if len(wanted) == per_resident:
                    break
        queues.append((resident, wanted))
    pairs = []
    for k in range(per_resident):
        for resident, wanted in queues:
            if k < len(wanted):
                pairs.append((resident, wanted[k]))
    return pairs


def open_questions(app: Flask) -> list[int]:
    """Residents' questions the municipality still owes an answer to (others may support
    them), by id."""
    from app.extensions import db
    from app.questions.models import OPEN, Origin, Question

    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Question.id)
                .where(Question.origin == Origin.RESIDENT, Question.state.in_(OPEN))
                .order_by(Question.id)
            )
        )


def question_support_pairs(
    app: Flask,
    residents: list[Resident],
    questions: list[int],
    per_resident: int,
    rng: random.Random,
) -> list[tuple[Resident, int]]:
    """Distinct (resident, question) pairs that would each be a new support, interleaved."""
    from app.auth.models import User
    from app.extensions import db
    from app.questions import permissions
    from app.questions.models import Question, QuestionSupport

    with app.app_context():
        user_ids = [r.user_id for r in residents]
        done = set(
            db.session.execute(
                sa.select(QuestionSupport.user_id, QuestionSupport.question_id).where(
                    QuestionSupport.user_id.in_(user_ids),
                    QuestionSupport.question_id.in_(questions),
                )
            ).tuples()
        )
        loaded = {
            q.id: q
            for q in db.session.scalars(sa.select(Question).where(Question.id.in_(questions)))
        }
        accounts = {
            u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
        }
        return _interleaved(
            residents,
            questions,
            per_resident,
            rng,
            lambda user_id, item: (
                (user_id, item) not in done
                and permissions.can_support(accounts[user_id], loaded[item])
            ),
        )


def write_pairs(
    path: Path, pairs: Iterable[tuple[Resident, int]], target: str = "/initiatives/{}/support"
) -> int:
    """The file of ``support.lua``: one POST a line (``target`` with the item's id)."""
    lines = [f"{target.format(item)}\t{r.cookie}\t{r.token}\t{r.address}\n" for r, item in pairs]
    path.write_text("".join(lines), encoding="ascii")
    return len(lines)
