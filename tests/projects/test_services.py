"""The services of projects: every rule refused with its field and message (and nothing saved),
then the timeline and the audit log that every change writes, and the first plan that stays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.core.models import AuditEntry
from app.core.time import today, utcnow
from app.extensions import db
from app.projects import services
from app.projects.models import MAX_CENTS, Light, ProjectUpdate, UpdateKind
from tests.projects.conftest import (
    ENDS,
    STARTS,
    Actors,
    Org,
    account,
    counts,
    details,
    project,
    record,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("ctx")

YM = services.YearMoney


def _refused(field: str, message: str, call: Any, project_id: int | None = None) -> None:
    """``call()`` raises Invalid for ``field`` with ``message`` and leaves everything as it was."""
    before = counts(), snapshot(project_id) if project_id else None
    with pytest.raises(services.Invalid) as raised:
        call()
    db.session.rollback()  # as the views do
    assert raised.value.field == field
    with force_locale("en"):
        assert str(raised.value.message) == message
    assert (counts(), snapshot(project_id) if project_id else None) == before


# --- recording a project: every rule --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"unit_id": 999_999}, "unit", "Choose a unit of the municipal administration."),
        ({"unit_id": None}, "unit", "Choose a unit of the municipal administration."),
        ({"unit_id": "inactive_unit"}, "unit", "Choose a unit of the municipal administration."),
        ({"topic_id": 999_999}, "topic", "Choose a topic."),
        ({"topic_id": "inactive_topic"}, "topic", "Choose a topic."),
        (
            {"community_id": 999_999},
            "community",
            "Choose a local community, or the whole municipality.",
        ),
        (
            {"community_id": "inactive_community"},
            "community",
            "Choose a local community, or the whole municipality.",
        ),
        ({"title": "   "}, "title", "This is required."),
        ({"title": "x" * 201}, "title", "At most 200 characters."),
        ({"summary": ""}, "summary", "This is required."),
        ({"summary": "x" * 401}, "summary", "At most 400 characters."),
        ({"description": "x" * 20_001}, "description", "At most 20000 characters."),
        ({"location": "x" * 201}, "location", "At most 200 characters."),
    ],
)
def test_a_project_of_bad_details_is_refused(
    org: Org, overrides: dict[str, Any], field: str, message: str
) -> None:
    values = {
        k: getattr(org, v) if isinstance(v, str) and hasattr(org, v) else v
        for k, v in overrides.items()
    }
    _refused(field, message, lambda: record(org, **values))


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"ends_on": STARTS - timedelta(days=1)}, "ends_on", "The end cannot be before the start."),
        ({"starts_on": date(1989, 12, 31)}, "starts_on", "Enter a year from 1990 to 2100."),
        ({"ends_on": date(2101, 1, 1)}, "ends_on", "Enter a year from 1990 to 2100."),
        ({"starts_on": None}, "starts_on", "Enter the date the project starts."),
        ({"ends_on": None}, "ends_on", "Enter the date the project ends."),
        ({"years": (YM(1989, 100),)}, "year", "Enter a year from 1990 to 2100."),
        ({"years": (YM(2101, 100),)}, "year", "Enter a year from 1990 to 2100."),
        ({"years": (YM(2026, -1),)}, "budget", "An amount cannot be negative."),
        ({"years": (YM(2026, 100, -1),)}, "spent", "An amount cannot be negative."),
        ({"years": (YM(2026, MAX_CENTS + 1),)}, "budget", "This amount is too large."),
        ({"years": (YM(2026, 100, MAX_CENTS + 1),)}, "spent", "This amount is too large."),
        ({"years": (YM(2026, 100), YM(2026, 200))}, "year", "The year 2026 is given twice."),
        ({"progress": -1}, "progress", "Progress is a percentage from 0 to 100."),
        ({"progress": 101}, "progress", "Progress is a percentage from 0 to 100."),
        (
            {"light": Light.AMBER},
            "reason",
            "Say why the project is at risk, delayed or stopped.",
        ),
        (
            {"light": Light.RED, "reason": "  "},
            "reason",
            "Say why the project is at risk, delayed or stopped.",
        ),
        ({"light": Light.DONE, "progress": 99}, "progress", "A project that is done is at 100 %."),
        ({"reason": "x" * 2001, "light": Light.RED}, "reason", "At most 2000 characters."),
    ],
)
def test_a_project_of_a_bad_plan_is_refused(
    org: Org, arguments: dict[str, Any], field: str, message: str
) -> None:
    _refused(field, message, lambda: record(org, **arguments))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "This is required."),
        ("OB 2026 014", "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014)."),
        ("O" * 31, "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014)."),
        ("-OB-1", "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014)."),
        ("OB;1", "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014)."),
        ("OB-2026-014", "Another project already has this code."),
    ],
)
def test_a_bad_or_taken_code_is_refused(org: Org, code: str, message: str) -> None:
    record(org, "OB-2026-014")
    db.session.commit()
    _refused("code", message, lambda: record(org, code))


def test_a_code_of_thirty_characters_and_every_sign_is_taken(org: Org) -> None:
    code = "A1._/-" + "x" * 24
    assert record(org, code).code == code


def test_only_an_official_of_the_unit_records_its_project(org: Org, actors: Actors) -> None:
    before = counts()
    for who in (actors.other_official, actors.resident, actors.moderator, actors.administrator):
        with pytest.raises(services.NotAllowed):
            record(org, actor=account(who))
    with pytest.raises(services.NotAllowed):
        services.create(None, "OB-1", details(org), starts_on=STARTS, ends_on=ENDS)
    assert counts() == before
    made = record(org, actor=account(actors.official))
    assert made.updates[0].actor_id == actors.official


def test_a_new_project_keeps_its_plan_as_the_first(org: Org) -> None:
    made = record(
        org,
        years=(YM(2027, 5_000_00, 0), YM(2026, 10_000_00, 2_000_00)),
        light=Light.AMBER,
        reason="Dobava zamuja.",
        progress=10,
    )
    assert (made.original_starts_on, made.original_ends_on) == (STARTS, ENDS)
    assert made.budget_cents == made.original_budget_cents == 15_000_00
    assert made.spent_cents == 2_000_00
    assert [y.year for y in made.years] == [2026, 2027]
    assert made.light_reason == "Dobava zamuja."
    assert made.description_html.strip() == "<p>Prehod dobi <strong>luči</strong>.</p>"
    (entry,) = made.updates
    assert entry.kind is UpdateKind.CREATED
    assert entry.after == {"light": "amber", "progress": 10, "budget_cents": 15_000_00}
    audit = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.target_type == "project", AuditEntry.target_id == made.id
        )
    ).all()
    assert [a.action for a in audit] == ["project.created"]


def test_done_at_creation_is_dated(org: Org) -> None:
    made = record(org, light=Light.DONE, progress=100)
    assert made.done_at is not None


# --- updates: every rule, and nothing saved when one is broken ------------------------------


@pytest.fixture
def pid(org: Org, actors: Actors) -> int:
    # The accounts first, and no read after the commit: a read would open this session's
    # SAVEPOINT before them, and a test's rollback would take them along.
    made_id = record(org).id
    db.session.commit()
    return made_id


@pytest.fixture
def me(actors: Actors) -> Any:
    return account(actors.official)


@pytest.mark.parametrize(
    ("light", "progress", "reason", "field", "message"),
    [
        (Light.AMBER, 30, None, "reason", "Say why the project is at risk, delayed or stopped."),
        (Light.RED, 30, "", "reason", "Say why the project is at risk, delayed or stopped."),
        (Light.DONE, 99, None, "progress", "A project that is done is at 100 %."),
        (Light.GREEN, 101, None, "progress", "Progress is a percentage from 0 to 100."),
        (Light.GREEN, -1, None, "progress", "Progress is a percentage from 0 to 100."),
        (Light.GREEN, None, None, "progress", "Progress is a percentage from 0 to 100."),
        (Light.RED, 30, "x" * 2001, "reason", "At most 2000 characters."),
    ],
)
def test_a_bad_status_is_refused(
    pid: int,
    me: Any,
    light: Light,
    progress: int | None,
    reason: str | None,
    field: str,
    message: str,
) -> None:
    _refused(
        field,
        message,
        lambda: services.update_status(
            me, project(pid), light=light, progress=progress, reason=reason
        ),
        pid,
    )


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "message"),
    [
        (STARTS, ENDS + timedelta(days=1), "reason", "Say why the project is later than planned."),
        (STARTS + timedelta(days=1), ENDS, "reason", "Say why the project is later than planned."),
        (STARTS, STARTS - timedelta(days=1), "ends_on", "The end cannot be before the start."),
        (date(1989, 1, 1), ENDS, "starts_on", "Enter a year from 1990 to 2100."),
        (STARTS, date(2101, 1, 1), "ends_on", "Enter a year from 1990 to 2100."),
        (None, ENDS, "starts_on", "Enter the date the project starts."),
    ],
)
def test_a_bad_schedule_is_refused(
    pid: int, me: Any, starts_on: date | None, ends_on: date, field: str, message: str
) -> None:
    _refused(
        field,
        message,
        lambda: services.update_schedule(
            me, project(pid), starts_on=starts_on, ends_on=ends_on, reason=None
        ),
        pid,
    )


@pytest.mark.parametrize(
    ("year", "budget", "spent", "field", "message"),
    [
        (2026, 10_000_001, 0, "reason", "Say why the budget grows."),
        (2026, -1, 0, "budget", "An amount cannot be negative."),
        (2026, 100, -1, "spent", "An amount cannot be negative."),
        (2026, MAX_CENTS + 1, 0, "budget", "This amount is too large."),
        (1989, 100, 0, "year", "Enter a year from 1990 to 2100."),
        (2101, 100, 0, "year", "Enter a year from 1990 to 2100."),
        (None, 100, 0, "year", "Enter a year from 1990 to 2100."),
    ],
)
def test_a_bad_year_of_money_is_refused(
    pid: int, me: Any, year: int | None, budget: int, spent: int, field: str, message: str
) -> None:
    _refused(
        field,
        message,
        lambda: services.set_year(
            me, project(pid), year=year, budget_cents=budget, spent_cents=spent, reason=None
        ),
        pid,
    )


def test_a_bad_milestone_is_refused(pid: int, me: Any) -> None:
    _refused(
        "title",
        "This is required.",
        lambda: services.add_milestone(me, project(pid), title=" ", planned_on=STARTS),
        pid,
    )
    _refused(
        "title",
        "At most 200 characters.",
        lambda: services.add_milestone(me, project(pid), title="x" * 201, planned_on=STARTS),
        pid,
    )
    _refused(
        "planned_on",
        "Enter the date the milestone is planned for.",
        lambda: services.add_milestone(me, project(pid), title="Razpis", planned_on=None),
        pid,
    )
    _refused(
        "planned_on",
        "Enter a year from 1990 to 2100.",
        lambda: services.add_milestone(
            me, project(pid), title="Razpis", planned_on=date(2101, 1, 1)
        ),
        pid,
    )


@pytest.mark.parametrize(
    ("planned", "done", "field", "message"),
    [
        (1, None, "reason", "Say why the milestone is later than planned."),
        (0, 1, "done_on", "A milestone cannot be done on a day still to come."),
        (None, None, "planned_on", "Enter the date the milestone is planned for."),
    ],
)
def test_a_bad_milestone_update_is_refused(
    pid: int, me: Any, planned: int | None, done: int | None, field: str, message: str
) -> None:
    planned_day = today() + timedelta(days=10)
    milestone = services.add_milestone(me, project(pid), title="Razpis", planned_on=planned_day)
    db.session.commit()
    _refused(
        field,
        message,
        lambda: services.update_milestone(
            me,
            milestone,
            planned_on=None if planned is None else planned_day + timedelta(days=planned),
            done_on=None if done is None else today() + timedelta(days=done),
            reason=None,
        ),
        pid,
    )


def test_nobody_but_the_units_officials_changes_a_project(
    pid: int, org: Org, actors: Actors
) -> None:
    before = counts(), snapshot(pid)
    for who in (
        actors.other_official,
        actors.resident,
        actors.moderator,
        actors.administrator,
        None,
    ):
        user = account(who) if who else None
        found = project(pid)
        calls = [
            lambda user=user, found=found: services.update_status(
                user, found, light=Light.DONE, progress=100, reason=None
            ),
            lambda user=user, found=found: services.update_schedule(
                user, found, starts_on=STARTS, ends_on=STARTS, reason=None
            ),
            lambda user=user, found=found: services.set_year(
                user, found, year=2026, budget_cents=1, spent_cents=0, reason=None
            ),
            lambda user=user, found=found: services.add_milestone(
                user, found, title="M", planned_on=STARTS
            ),
            lambda user=user, found=found: services.update_details(user, found, details(org)),
        ]
        for call in calls:
            with pytest.raises(services.NotAllowed):
                call()
    assert (counts(), snapshot(pid)) == before


# --- the timeline and the audit log --------------------------------------------------------


def _entries(pid: int) -> list[ProjectUpdate]:
    return list(
        db.session.scalars(
            sa.select(ProjectUpdate)
            .where(ProjectUpdate.project_id == pid)
            .order_by(ProjectUpdate.id)
        )
    )


def _audit(pid: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.target_type == "project", AuditEntry.target_id == pid)
            .order_by(AuditEntry.id)
        )
    )


def _change(pid: int, call: Any) -> tuple[ProjectUpdate, AuditEntry]:
    """``call(project)`` writes exactly one entry and one audit entry and moves updated_at."""
    found = project(pid)
    entries, audit, moved_from = len(_entries(pid)), len(_audit(pid)), found.updated_at
    update = call(found)
    db.session.commit()
    assert update is not None
    new_entries, new_audit = _entries(pid)[entries:], _audit(pid)[audit:]
    assert len(new_entries) == 1
    assert len(new_audit) == 1
    assert new_audit[0].action == f"project.{new_entries[0].kind.value}"
    assert new_audit[0].data["before"] == new_entries[0].before
    assert new_audit[0].data["after"] == new_entries[0].after
    db.session.expire_all()
    assert project(pid).updated_at > moved_from
    assert project(pid).updated_at == new_entries[0].created_at
    return new_entries[0], new_audit[0]


def _first_plan(pid: int) -> tuple[Any, ...]:
    found = project(pid)
    return (
        found.original_starts_on,
        found.original_ends_on,
        found.original_budget_cents,
        [(y.year, y.original_budget_cents) for y in found.years],
        [m.original_planned_on for m in found.milestones],
    )


def test_every_change_is_one_entry_with_before_and_after(pid: int, me: Any, org: Org) -> None:
    plan = _first_plan(pid)

    entry, audit = _change(
        pid,
        lambda p: services.update_status(
            me, p, light=Light.AMBER, progress=35, reason="Dobava luči zamuja."
        ),
    )
    assert (entry.kind, entry.before, entry.after) == (
        UpdateKind.STATUS,
        {"light": "green", "progress": 20},
        {"light": "amber", "progress": 35},
    )
    assert entry.reason == audit.data["reason"] == "Dobava luči zamuja."
    assert entry.actor_id == audit.actor_id == me.id
    assert project(pid).light_reason == "Dobava luči zamuja."

    entry, _ = _change(
        pid,
        lambda p: services.update_schedule(
            me, p, starts_on=STARTS, ends_on=ENDS + timedelta(days=30), reason="Pritožba."
        ),
    )
    assert (entry.kind, entry.before, entry.after, entry.reason) == (
        UpdateKind.SCHEDULE,
        {"ends_on": ENDS.isoformat()},
        {"ends_on": (ENDS + timedelta(days=30)).isoformat()},
        "Pritožba.",
    )
    assert project(pid).delay_days == 30

    entry, _ = _change(
        pid,
        lambda p: services.set_year(
            me, p, year=2026, budget_cents=12_000_000, spent_cents=3_000_000, reason="Dražje."
        ),
    )
    assert (entry.kind, entry.before, entry.after) == (
        UpdateKind.BUDGET,
        {"year": 2026, "budget_cents": 10_000_000, "spent_cents": 2_500_000},
        {"year": 2026, "budget_cents": 12_000_000, "spent_cents": 3_000_000},
    )
    assert (project(pid).budget_cents, project(pid).spent_cents) == (12_000_000, 3_000_000)
    assert project(pid).overrun_cents == 2_000_000

    # A year first planned now needs no reason: it had no budget in the first plan.
    entry, _ = _change(
        pid,
        lambda p: services.set_year(
            me, p, year=2027, budget_cents=1_000_000, spent_cents=None, reason=None
        ),
    )
    assert entry.before == {"year": 2027, "budget_cents": 0, "spent_cents": 0}
    assert project(pid).budget_cents == 13_000_000

    added = services.add_milestone(me, project(pid), title="Razpis", planned_on=STARTS)
    db.session.commit()
    entry = _entries(pid)[-1]
    assert (entry.kind, entry.before) == (UpdateKind.MILESTONE, {})
    assert entry.after == {
        "milestone": added.id,
        "title": "Razpis",
        "planned_on": STARTS.isoformat(),
    }

    later = STARTS + timedelta(days=14)
    entry, _ = _change(
        pid,
        lambda p: services.update_milestone(
            me, added, planned_on=later, done_on=None, reason="Razpis ponovljen."
        ),
    )
    assert entry.before == {
        "milestone": added.id,
        "title": "Razpis",
        "planned_on": STARTS.isoformat(),
        "done_on": None,
    }
    assert entry.after["planned_on"] == later.isoformat()

    # Done on a past day, earlier than planned now: no delay, no reason needed.
    entry, _ = _change(
        pid,
        lambda p: services.update_milestone(
            me, added, planned_on=later, done_on=today() - timedelta(days=1), reason=None
        ),
    )
    assert entry.after["done_on"] == (today() - timedelta(days=1)).isoformat()

    entry, _ = _change(
        pid,
        lambda p: services.update_details(
            me, p, details(org, title="Osvetljen prehod", description="Nove **luči**.")
        ),
    )
    assert entry.kind is UpdateKind.DETAILS
    assert entry.before == {"title": "Osvetljen prehod pred šolo", "description": None}
    assert entry.after == {"title": "Osvetljen prehod", "description": None}
    assert "<strong>luči</strong>" in project(pid).description_html

    entry, _ = _change(
        pid, lambda p: services.update_status(me, p, light=Light.DONE, progress=100, reason=None)
    )
    assert project(pid).done_at is not None
    assert project(pid).light_reason is None

    # The plan as first made is where it was.
    assert _first_plan(pid)[:3] == plan[:3]
    assert _first_plan(pid)[3] == [(2026, 10_000_000), (2027, 0)]
    assert _first_plan(pid)[4] == [STARTS]


def test_a_change_that_changes_nothing_writes_nothing(pid: int, me: Any, org: Org) -> None:
    milestone = services.add_milestone(me, project(pid), title="Razpis", planned_on=STARTS)
    db.session.commit()
    before = counts(), snapshot(pid)
    found = project(pid)
    assert services.update_status(me, found, light=Light.GREEN, progress=20, reason=None) is None
    assert services.update_schedule(me, found, starts_on=STARTS, ends_on=ENDS, reason=None) is None
    assert (
        services.set_year(
            me, found, year=2026, budget_cents=10_000_000, spent_cents=2_500_000, reason=None
        )
        is None
    )
    assert (
        services.update_milestone(me, milestone, planned_on=STARTS, done_on=None, reason=None)
        is None
    )
    assert services.update_details(me, found, details(org)) is None
    db.session.commit()
    assert (counts(), snapshot(pid)) == before


def test_a_new_reason_alone_is_an_entry(pid: int, me: Any) -> None:
    services.update_status(me, project(pid), light=Light.RED, progress=20, reason="Ustavljeno.")
    db.session.commit()
    entry, _ = _change(
        pid,
        lambda p: services.update_status(me, p, light=Light.RED, progress=20, reason="Pritožba."),
    )
    assert (entry.before, entry.after, entry.reason) == ({}, {}, "Pritožba.")
    assert project(pid).light_reason == "Pritožba."
    # The same reason again is nothing new.
    assert (
        services.update_status(me, project(pid), light=Light.RED, progress=20, reason="Pritožba.")
        is None
    )


def test_green_after_amber_keeps_no_reason_and_done_is_undone(pid: int, me: Any) -> None:
    services.update_status(me, project(pid), light=Light.AMBER, progress=20, reason="Zamuja.")
    services.update_status(me, project(pid), light=Light.GREEN, progress=40, reason=None)
    assert project(pid).light_reason is None
    services.update_status(me, project(pid), light=Light.DONE, progress=100, reason=None)
    done_at = project(pid).done_at
    assert done_at is not None
    services.update_status(me, project(pid), light=Light.DONE, progress=100, reason="Predano.")
    assert project(pid).done_at == done_at  # done once, dated once
    services.update_status(me, project(pid), light=Light.GREEN, progress=90, reason=None)
    assert project(pid).done_at is None


def test_an_earlier_schedule_needs_no_reason(pid: int, me: Any) -> None:
    update = services.update_schedule(
        me,
        project(pid),
        starts_on=STARTS - timedelta(days=5),
        ends_on=ENDS - timedelta(days=5),
        reason=None,
    )
    assert update is not None
    assert update.reason is None
    assert project(pid).original_starts_on == STARTS


def test_a_budget_that_shrinks_needs_no_reason(pid: int, me: Any) -> None:
    update = services.set_year(
        me, project(pid), year=2026, budget_cents=9_000_000, spent_cents=2_500_000, reason=None
    )
    assert update is not None
    assert project(pid).original_budget_cents == 10_000_000
    assert project(pid).overrun_cents == 0


def test_a_milestone_done_today_is_taken(pid: int, me: Any) -> None:
    milestone = services.add_milestone(me, project(pid), title="Razpis", planned_on=today())
    assert services.update_milestone(
        me, milestone, planned_on=today(), done_on=today(), reason=None
    )
    assert milestone.is_done
    assert milestone.delay_days == 0


def test_a_milestone_done_late_counts_its_days(pid: int, me: Any) -> None:
    planned = today() - timedelta(days=10)
    milestone = services.add_milestone(me, project(pid), title="Razpis", planned_on=planned)
    services.update_milestone(me, milestone, planned_on=planned, done_on=today(), reason=None)
    assert milestone.delay_days == 10
    assert milestone.original_planned_on == planned


# --- handing a project to another unit -----------------------------------------------------


def test_handing_a_project_on_needs_an_official_of_both_units(
    pid: int, org: Org, actors: Actors
) -> None:
    _refused(
        "unit",
        "You can hand a project only to a unit you work in.",
        lambda: services.update_details(
            account(actors.official), project(pid), details(org, unit_id=org.other_unit)
        ),
        pid,
    )
    update = services.update_details(
        account(actors.both), project(pid), details(org, unit_id=org.other_unit)
    )
    db.session.commit()
    assert update is not None
    assert update.before == {"unit_id": org.unit}
    assert update.after == {"unit_id": org.other_unit}
    assert update.unit_id == org.other_unit
    # Now the other unit's official keeps it, and the first unit's no longer may.
    assert services.update_status(
        account(actors.other_official), project(pid), light=Light.GREEN, progress=50, reason=None
    )
    with pytest.raises(services.NotAllowed):
        services.update_status(
            account(actors.official), project(pid), light=Light.GREEN, progress=60, reason=None
        )


def test_handing_to_an_inactive_unit_is_refused(pid: int, org: Org, actors: Actors) -> None:
    _refused(
        "unit",
        "Choose a unit of the municipal administration.",
        lambda: services.update_details(
            account(actors.both), project(pid), details(org, unit_id=org.inactive_unit)
        ),
        pid,
    )


# --- an official who saw an older version ---------------------------------------------------


def test_a_change_made_on_an_older_version_is_refused(pid: int, me: Any) -> None:
    seen = services.version(project(pid))
    services.update_status(me, project(pid), light=Light.GREEN, progress=40, reason=None)
    db.session.commit()
    before = counts(), snapshot(pid)
    found = project(pid)
    calls = [
        lambda: services.update_status(
            me, found, light=Light.DONE, progress=100, reason=None, seen=seen
        ),
        lambda: services.update_schedule(
            me, found, starts_on=STARTS, ends_on=ENDS, reason=None, seen=seen
        ),
        lambda: services.set_year(
            me, found, year=2026, budget_cents=1, spent_cents=0, reason=None, seen=seen
        ),
        lambda: services.add_milestone(me, found, title="M", planned_on=STARTS, seen=seen),
    ]
    for call in calls:
        with pytest.raises(services.ChangedMeanwhile):
            call()
    assert (counts(), snapshot(pid)) == before
    # The version just read is accepted.
    assert services.update_status(
        me, found, light=Light.GREEN, progress=45, reason=None, seen=services.version(found)
    )


def test_the_version_survives_the_database(pid: int) -> None:
    """What a form carries is compared with the row read again: no precision may be lost."""
    seen = services.version(project(pid))
    db.session.expire_all()
    db.session.close()
    assert services.version(project(pid)) == seen


def test_acting_as_the_system_nests_and_ends(org: Org) -> None:
    with services.as_the_system():
        with services.as_the_system():
            record(org, "A-1")
        record(org, "A-2")
    with pytest.raises(services.NotAllowed):
        services.create(None, "A-3", details(org), starts_on=STARTS, ends_on=ENDS)


def test_updated_at_is_the_last_entrys_time(pid: int, me: Any) -> None:
    before = utcnow()
    services.update_status(me, project(pid), light=Light.GREEN, progress=21, reason=None)
    assert project(pid).updated_at >= before
