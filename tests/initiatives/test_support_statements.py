"""What a support sends to the database: the statements themselves, not only how many.

A support is one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (no SAVEPOINT around it) and one
``UPDATE … RETURNING`` that moves the counter and, once, the state; the threshold rules come
from the process's copy of the settings, and the redirect needs no reload of the initiative. A
withdrawal is one DELETE and one ``UPDATE … RETURNING``. The counts are in test_query_counts.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import User
from app.core import settings
from app.core.models import AuditEntry
from app.extensions import db
from app.initiatives import rules, services
from app.initiatives.models import EventKind, Initiative, InitiativeEvent, InitiativeState, Support

_S = InitiativeState


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every statement on this test's connection, SAVEPOINTs included, one line each."""
    sent: list[str] = []
    connection = app.extensions["test_connection"]

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    sa.event.listen(connection, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        sa.event.remove(connection, "before_cursor_execute", listener)


def _main_from(statement: str) -> str:
    """The table after the statement's own FROM, not a subquery's in its columns."""
    depth = 0
    flat = " ".join(statement.split())
    for index, char in enumerate(flat):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and flat.startswith(" FROM ", index):
            return flat[index + 6 :].split()[0]
    raise AssertionError(f"no FROM in {statement!r}")


def _kinds(sent: list[str]) -> list[str]:
    """Each statement by what it does to which table: ``SELECT users``, ``RELEASE`` …"""
    kinds = []
    for statement in sent:
        words = statement.split()
        verb = words[0].upper()
        if verb in ("SAVEPOINT", "RELEASE"):
            kinds.append(verb)
            continue
        # INSERT INTO t, DELETE FROM t, UPDATE t; a SELECT by its own FROM.
        table = _main_from(statement) if verb == "SELECT" else words[1 if verb == "UPDATE" else 2]
        kinds.append(f"{verb} {table}")
    return kinds


def _returning(statement: str) -> list[str]:
    """The columns a statement returns, without their table (SQLite's SQL leaves it out)."""
    columns = statement.rsplit(" RETURNING ", 1)[1].split(", ")
    return [column.split(" AS ")[0].removeprefix("initiatives.") for column in columns]


#: What every request of a signed-in resident to an initiative starts with.
_REQUEST = ["SELECT auth_sessions", "SELECT initiatives"]  # the account joined to its session


@pytest.fixture
def signed_in(
    client: FlaskClient, make_user: Callable[..., int], login: Callable[[FlaskClient, int], None]
) -> Callable[[int], None]:
    """Sign ``client`` in as a new resident who has just looked at an initiative.

    The look is the request that records the session's activity (once a minute), so that the
    POST after it shows only its own statements.
    """

    def _sign_in(initiative_id: int) -> None:
        login(client, make_user())
        assert client.get(f"/initiatives/{initiative_id}").status_code == 200

    return _sign_in


def _count_and_state(app: Flask, initiative_id: int) -> tuple[int, int, _S]:
    with app.app_context():
        item = db.session.get(Initiative, initiative_id)
        assert item is not None
        rows = db.session.scalar(
            sa.select(sa.func.count()).select_from(Support).filter_by(initiative_id=item.id)
        )
        return item.support_count, int(rows or 0), item.state


def test_a_support_is_one_insert_on_conflict_and_one_update_returning(
    app: Flask, client: FlaskClient, make_initiative: Callable[..., int], signed_in
) -> None:
    item = make_initiative()
    signed_in(item)
    settings.clear_cache(app)  # as in a process that has not read the rules yet
    with statements(app) as first:
        assert client.post(f"/initiatives/{item}/support").status_code == 302
    # The harness's SAVEPOINT for the request's transaction is the only one: the service has
    # none of its own, and nothing is read after the commit (the redirect was built before).
    # Then the automatic follow of what one supports (app.follows), also ON CONFLICT.
    assert _kinds(first) == [
        "SAVEPOINT", *_REQUEST, "INSERT initiative_supports", "SELECT site_settings",
        "UPDATE initiatives", "INSERT follows", "RELEASE",
    ]  # fmt: skip
    insert = next(s for s in first if s.startswith("INSERT"))
    assert "ON CONFLICT (initiative_id, user_id) DO NOTHING RETURNING" in insert
    # Nobody who counts already under an account they deleted: checked in the INSERT itself.
    assert "former_subject_key" in insert
    update = next(s for s in first if s.startswith("UPDATE"))
    assert "support_count=(initiatives.support_count +" in update
    assert "CASE WHEN" in update
    assert _returning(update)[:4] == [
        "support_count", "state", "threshold_reached_at", "response_due_at"
    ]  # fmt: skip

    signed_in(item)  # a second resident, in the same process a moment later
    with statements(app) as second:
        response = client.post(f"/initiatives/{item}/support")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/initiatives/{item}-varen-prehod-za-pesce-pred-solo#support"
    )
    # The rules come from the process's copy now: no settings SELECT.
    assert _kinds(second) == [
        "SAVEPOINT", *_REQUEST, "INSERT initiative_supports", "UPDATE initiatives",
        "INSERT follows", "RELEASE",
    ]  # fmt: skip
    assert _count_and_state(app, item) == (2, 2, _S.PUBLISHED)


def test_a_second_support_stops_at_the_insert(
    app: Flask, client: FlaskClient, make_initiative: Callable[..., int], signed_in
) -> None:
    item = make_initiative()
    signed_in(item)
    client.post(f"/initiatives/{item}/support")
    with statements(app) as sent:
        again = client.post(f"/initiatives/{item}/support")
    assert again.status_code == 302
    # The conflict returned no row: no SAVEPOINT to roll back to, no counter to move.
    assert _kinds(sent) == ["SAVEPOINT", *_REQUEST, "INSERT initiative_supports", "RELEASE"]
    assert _count_and_state(app, item) == (1, 1, _S.PUBLISHED)
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "To pobudo že podpirate." in page  # "You already support this initiative."


def test_the_support_that_reaches_the_threshold_adds_the_step_and_the_audit_entry(
    app: Flask, client: FlaskClient, make_initiative: Callable[..., int], signed_in
) -> None:
    item = make_initiative(supporters=1, threshold=2)
    signed_in(item)
    with statements(app) as sent:
        assert client.post(f"/initiatives/{item}/support").status_code == 302
    kinds = _kinds(sent)
    assert kinds[:-5] == [
        "SAVEPOINT",
        *_REQUEST,
        "INSERT initiative_supports",
        "UPDATE initiatives",
    ]
    # The timeline's step and the audit entry, in one flush (in whichever order it chooses),
    # with the step's event (app.notifications); then the automatic follow.
    assert sorted(kinds[-5:-2]) == [
        "INSERT audit_entries",
        "INSERT events",
        "INSERT initiative_events",
    ]
    assert kinds[-2:] == ["INSERT follows", "RELEASE"]
    assert _count_and_state(app, item) == (2, 2, _S.AWAITING_RESPONSE)
    signed_in(item)
    with statements(app) as later:
        assert client.post(f"/initiatives/{item}/support").status_code == 302
    assert "INSERT initiative_events" not in _kinds(later)  # the threshold is reached once
    with app.app_context():
        steps = db.session.scalars(
            sa.select(InitiativeEvent.kind).filter_by(
                initiative_id=item, kind=EventKind.THRESHOLD_REACHED
            )
        ).all()
        audited = db.session.scalars(
            sa.select(AuditEntry.action).filter_by(
                target_id=item, action="initiative.threshold_reached"
            )
        ).all()
    assert (len(steps), len(audited)) == (1, 1)


def test_a_withdrawal_is_one_delete_one_update_returning_and_the_follow_it_made(
    app: Flask, client: FlaskClient, make_initiative: Callable[..., int], signed_in
) -> None:
    item = make_initiative(supporters=2)
    signed_in(item)
    client.post(f"/initiatives/{item}/support")
    with statements(app) as sent:
        response = client.post(f"/initiatives/{item}/support/withdraw")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#support")
    assert _kinds(sent) == [
        "SAVEPOINT", *_REQUEST, "DELETE initiative_supports", "UPDATE initiatives",
        "DELETE follows", "RELEASE",
    ]  # fmt: skip
    assert _returning(sent[-3]) == ["support_count"]
    assert _count_and_state(app, item) == (2, 2, _S.PUBLISHED)


@pytest.mark.usefixtures("ctx")
class TestTheLoadedInitiative:
    """The service leaves the loaded initiative as the database has it, without reloading it."""

    def _both(self, make_initiative, make_user, **fields: Any) -> tuple[User, Initiative]:
        item = db.session.get(Initiative, make_initiative(**fields))
        resident = db.session.get(User, make_user())
        assert item is not None
        assert resident is not None
        return resident, item

    def test_support_returns_the_new_rows_id_and_sets_what_it_changed(
        self, app: Flask, make_initiative, make_user
    ) -> None:
        resident, item = self._both(make_initiative, make_user, supporters=1, threshold=2)
        with statements(app) as sent:
            support_id = services.support(resident, item)
        kinds = _kinds(sent)
        assert kinds[:2] == ["INSERT initiative_supports", "UPDATE initiatives"]
        assert sorted(kinds[2:-1]) == [
            "INSERT audit_entries",
            "INSERT events",
            "INSERT initiative_events",
        ]
        assert kinds[-1] == "INSERT follows"  # what one supports, one follows
        assert db.session.get(Support, support_id).user_id == resident.id  # type: ignore[union-attr]
        with statements(app) as reads:
            assert item.support_count == 2
            assert item.state is _S.AWAITING_RESPONSE
            assert item.threshold_reached_at is not None
            assert item.response_due_at is not None
        assert reads == []  # all of it came back with the UPDATE
        # Set as loaded, not as changes: the next flush writes none of it back.
        assert not db.session.is_modified(item)
        assert [event.kind for event in item.events][-1] is EventKind.THRESHOLD_REACHED

    def test_withdrawal_sets_the_count_it_returned(
        self, app: Flask, make_initiative, make_user
    ) -> None:
        resident, item = self._both(make_initiative, make_user, supporters=1)
        services.support(resident, item)
        with statements(app) as sent:
            services.withdraw_support(resident, item)
        # And the follow the support made (app.follows), if the person kept it.
        assert _kinds(sent) == [
            "DELETE initiative_supports",
            "UPDATE initiatives",
            "DELETE follows",
        ]
        with statements(app) as reads:
            assert item.support_count == 1
        assert reads == []
        assert not db.session.is_modified(item)


@pytest.mark.usefixtures("ctx")
class TestTheRulesCopy:
    def test_saved_rules_apply_at_once_in_this_process(self, app: Flask) -> None:
        assert rules.current() == rules.Rules()
        with statements(app) as sent:
            assert rules.current() == rules.Rules()
        assert sent == []  # from the copy
        rules.save(None, rules.Rules(threshold=50, support_days=30, response_days=20))
        assert rules.current().threshold == 50  # the saving transaction reads its own values
        with app.app_context():  # another request of this process, before the commit
            assert rules.current().threshold == 50  # (the tests share one connection)
        db.session.commit()
        with app.app_context():
            assert rules.current().threshold == 50

    def test_rules_rolled_back_are_not_kept(self, app: Flask) -> None:
        rules.save(None, rules.Rules(threshold=70))
        assert rules.current().threshold == 70
        db.session.rollback()
        assert rules.current() == rules.Rules()

    def test_another_process_sees_saved_rules_within_the_copys_lifetime(
        self, app: Flask, app_for: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(settings, "CACHE_SECONDS", 0.3)
        other = app_for()  # another process: an app with its own copy, on the same database
        with other.app_context():
            assert rules.current() == rules.Rules()
        rules.save(None, rules.Rules(threshold=80))
        db.session.commit()
        with other.app_context():
            assert rules.current() == rules.Rules()  # its copy is not yet 0.3 s old
        time.sleep(0.35)
        with other.app_context():
            assert rules.current().threshold == 80


def test_the_sessions_activity_goes_in_the_supports_own_commit(
    app: Flask,
    client: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[[FlaskClient, int], None],
) -> None:
    """A POST whose session is due for an activity record commits once, not twice.

    Each commit waits for the log to reach the disk; the activity used to be written in a
    transaction of its own after the support's.
    """
    from datetime import timedelta

    from app.auth.models import AuthSession
    from app.core.time import utcnow

    item = make_initiative()
    login(client, make_user())  # no page read first: this POST is the session's first request
    with app.app_context():
        db.session.execute(
            sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
    with statements(app) as sent:
        assert client.post(f"/initiatives/{item}/support").status_code == 302
    assert _kinds(sent) == [
        "SAVEPOINT", *_REQUEST, "INSERT initiative_supports", "UPDATE initiatives",
        "INSERT follows", "UPDATE auth_sessions", "RELEASE",
    ]  # fmt: skip
    with app.app_context():
        seen = db.session.scalar(sa.select(sa.func.max(AuthSession.last_seen_at)))
    assert seen is not None
    assert utcnow() - seen < timedelta(seconds=30)
