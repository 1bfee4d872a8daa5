"""Notifications of projects and commitments, by e-mail over TCP to the real SMTP server.

A project's timeline entries become events by the same flush listener as the other
timelines' steps; which entries are told, and to whom, is ``kinds.of_project_update`` and
``audience._project``. A commitment's due date is the clock's (``clock.commitments_due``, run
by ``flask notifications commitments-due``), once each however often it runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.auth.models import Role
from app.core.cli import deliver_backlog
from app.core.time import today as local_today
from app.extensions import db
from app.follows.models import Target
from app.notifications import clock, commitments, queries
from app.notifications.kinds import Kind
from app.notifications.models import Event
from app.projects import services
from app.projects.models import (
    Commitment,
    CommitmentState,
    Light,
    LinkRelation,
    LinkTarget,
    Project,
)
from app.replies.models import Reply
from tests.notifications.conftest import events, fan_out, follow, reader, told  # noqa: F401
from tests.projects._integration import (  # noqa: F401 (fixtures, found by name)
    World,
    account,
    council,
    letters,
    make_councillor,
    make_initiative,
    make_question,
    new_project,
    people,
    reference,
    upload_folder,
    world,
)
from tests.replies.factories import Letters
from tests.smtp import SMTPServer

pytestmark = pytest.mark.usefixtures("ctx")

TITLE = "Razsvetljava prehoda pri Osnovni šoli Stražišče"
COMMITMENT = "Prehod pri šoli bo osvetljen do začetka šolskega leta."


def _project(world: World) -> Project:  # noqa: F811
    project = new_project(world, "OB-2026-014", TITLE, community=True)
    db.session.commit()
    return project


def _quiet(smtp: SMTPServer) -> None:
    """Everything so far told and delivered: the inbox holds only what comes next."""
    fan_out()
    deliver_backlog()
    smtp.inbox.clear()


def _inbox(smtp: SMTPServer) -> Counter[str]:
    return Counter(address for message in smtp.messages for address in message.rcpt_tos)


def _only(smtp: SMTPServer, address: str):  # type: ignore[no-untyped-def]
    found = [m.message for m in smtp.messages if address in m.rcpt_tos]
    assert len(found) == 1, [m["Subject"] for m in found]
    return found[0]


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(("plain",)).get_content())


def _kinds(after: int) -> list[str]:
    return [e.kind for e in events() if e.id > after]


def _last_event_id() -> int:
    return int(db.session.scalar(sa.select(sa.func.max(Event.id))) or 0)


# --- project updates ------------------------------------------------------------------------


def test_a_project_update_reaches_its_followers_once_in_their_language_and_not_the_actor(
    app: Flask,
    world: World,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
    smtp: SMTPServer,
) -> None:
    ana, bob = reader("ana"), reader("bob", language="en")
    topical, local = reader("cene"), reader("dora")  # the topic's and the community's
    behind = reader("eva")  # follows the initiative that led to the project
    bystander = reader("filip")
    actor = reader("urska", roles=[(Role.OFFICIAL, "UGDP")])
    project = _project(world)
    initiative = make_initiative()
    services.link(account(actor), project, LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
    db.session.commit()
    for user_id in (ana, bob, actor):
        follow(user_id, Target.PROJECT, project.id)
    follow(topical, Target.TOPIC, world.topic)
    follow(local, Target.COMMUNITY, world.community)
    follow(behind, Target.INITIATIVE, initiative)
    _quiet(smtp)

    services.update_status(
        account(actor), project, light=Light.AMBER, progress=40, reason="Izvajalec zamuja."
    )
    db.session.commit()
    report = fan_out()
    assert report.mailed == 5
    deliver_backlog()

    everyone = {f"{name}@example.si": 1 for name in ("ana", "bob", "cene", "dora", "eva")}
    assert _inbox(smtp) == everyone  # not urska, who set the light; not filip
    assert told(actor) == told(bystander) == []
    english, slovenian = _only(smtp, "bob@example.si"), _only(smtp, "ana@example.si")
    assert english["Content-Language"] == "en"
    assert slovenian["Content-Language"] == "sl"
    assert f"The traffic light of the project »{TITLE}« changed." in _text(english)
    assert "Now amber: At risk." in _text(english)
    assert "Izvajalec zamuja." in _text(english)
    assert _text(slovenian) != _text(english)
    for message in (english, slovenian):
        assert f"http://localhost/projects/{project.id}" in _text(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Told once: a second fan-out and a second delivery add nothing.
    smtp.inbox.clear()
    assert fan_out().notified == 0
    assert deliver_backlog().sent == 0
    assert told(ana) == ["project.light_changed"]


def test_what_a_follower_hears_and_what_is_left_to_the_timeline(
    world: World,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    official = account(world.official)
    fan, topical = reader("ana"), reader("cene")
    project = _project(world)
    follow(fan, Target.PROJECT, project.id)
    follow(topical, Target.TOPIC, world.topic)
    fan_out()
    start = _last_event_id()

    # Left to the timeline: progress alone, words, a new milestone, an earlier end, a first
    # year's budget, and spending.
    services.update_status(official, project, light=Light.GREEN, progress=20, reason=None)
    details = services.Details(
        "Nova razsvetljava", "Drugačen povzetek.", "", world.unit, world.topic, None, None
    )
    services.update_details(official, project, details)
    milestone = services.add_milestone(
        official, project, title="Izbira izvajalca", planned_on=project.starts_on
    )
    services.update_schedule(
        official,
        project,
        starts_on=project.starts_on,
        ends_on=project.ends_on - timedelta(days=10),
        reason=None,
    )
    year = project.starts_on.year
    services.set_year(
        official, project, year=year, budget_cents=100_000, spent_cents=0, reason=None
    )
    services.set_year(
        official, project, year=year, budget_cents=100_000, spent_cents=5_000, reason=None
    )
    db.session.commit()
    assert _kinds(start) == []

    # Told: a delay, a milestone reached, a budget that grows, done.
    services.update_schedule(
        official,
        project,
        starts_on=project.starts_on,
        ends_on=project.ends_on + timedelta(days=60),
        reason="Dobava svetilk zamuja.",
    )
    services.update_milestone(
        official,
        milestone,
        planned_on=milestone.planned_on,
        done_on=local_today(),
        reason=None,
    )
    services.set_year(
        official,
        project,
        year=year,
        budget_cents=150_000,
        spent_cents=5_000,
        reason="Dražje svetilke.",
    )
    services.update_status(official, project, light=Light.DONE, progress=100, reason=None)
    db.session.commit()
    assert _kinds(start) == [
        "project.delayed",
        "project.milestone_reached",
        "project.budget_raised",
        "project.done",
    ]
    fan_out()
    assert told(fan) == [
        "project.delayed",
        "project.milestone_reached",
        "project.budget_raised",
        "project.done",
    ]
    # The topic's followers hear the light's news, not every milestone or budget line.
    assert told(topical) == ["project.delayed", "project.done"]


def test_the_list_says_what_changed_in_the_readers_words(
    app: Flask,
    world: World,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    from flask_babel import force_locale

    project = _project(world)
    fan = reader("ana", language="en")
    follow(fan, Target.PROJECT, project.id)
    services.update_schedule(
        account(world.official),
        project,
        starts_on=project.starts_on,
        ends_on=project.ends_on + timedelta(days=30),
        reason="Soglasje upravljavca ceste še ni izdano.",
    )
    db.session.commit()
    fan_out()
    (event,) = events("project.delayed")
    with app.test_request_context(), force_locale("en"):
        (message,) = queries.describe_all([event]).values()
    assert message.sentence == f"The project »{TITLE}« is later than planned."
    assert message.subject == f"Delayed: {TITLE}"
    assert message.note is not None
    assert message.note.startswith("It now ends on ")
    assert message.note.endswith("Soglasje upravljavca ceste še ni izdano.")
    assert message.url == f"http://localhost/projects/{project.id}"


def test_what_led_to_a_project_hears_of_the_link_and_then_of_the_project(
    world: World,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    project = _project(world)
    initiative, other = make_initiative(), make_initiative()
    behind, speaks, fan = reader("eva"), reader("gal"), reader("ana")
    follow(behind, Target.INITIATIVE, initiative)
    follow(speaks, Target.INITIATIVE, other)
    follow(fan, Target.PROJECT, project.id)
    fan_out()
    official = account(world.official)
    services.link(official, project, LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
    services.link(official, project, LinkTarget.INITIATIVE, other, LinkRelation.SPEAKS_OF)
    db.session.commit()
    fan_out()
    assert told(behind) == ["project.linked"]
    assert told(speaks) == told(fan) == []  # a link is no news to the project's followers

    services.update_status(official, project, light=Light.RED, progress=10, reason="Ustavljeno.")
    db.session.commit()
    fan_out()
    assert told(behind) == ["project.linked", "project.light_changed"]
    assert told(speaks) == []  # it only speaks of the project


# --- commitments ----------------------------------------------------------------------------


def _commitment(
    letters: Letters,  # noqa: F811
    world: World,  # noqa: F811
    *,
    due_in: int,
    project: Project | None = None,
    stage: str = "published",
) -> tuple[Reply, Commitment]:
    reply = letters.make(stage)
    commitment = services.record_commitment(
        account(letters.drafter),
        reply,
        text=COMMITMENT,
        owner_unit_id=world.unit,
        due_on=local_today() + timedelta(days=due_in),
        project_id=project.id if project else None,
    )
    db.session.commit()
    fan_out()  # the letter's own news, told before anyone here follows it
    return reply, commitment


def test_a_late_commitment_is_announced_once_however_often_the_clock_runs(
    app: Flask,
    world: World,  # noqa: F811
    letters: Letters,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
    runner: FlaskCliRunner,
    smtp: SMTPServer,
) -> None:
    owner = reader("urska", language="en", roles=[(Role.OFFICIAL, "UGDP")])
    fan, colleague = reader("ana"), reader("kz", roles=[(Role.OFFICIAL, "KZ")])
    project = _project(world)
    reply, commitment = _commitment(letters, world, due_in=-1, project=project)
    watcher = reader("bojan")
    follow(fan, Target.REPLY, reply.id)
    follow(watcher, Target.PROJECT, project.id)
    _quiet(smtp)

    assert clock.commitments_due() == 1
    db.session.commit()
    for _ in range(3):
        result = runner.invoke(args=["notifications", "commitments-due"])
        assert result.exit_code == 0, result.output
        assert "0 commitment(s)" in result.output
        assert clock.commitments_due() == 0
    assert len(events("commitment.late")) == 1
    fan_out()
    deliver_backlog()
    # The unit that owns it, and whoever follows the letter or the project; not the letter's
    # unit (KZ), which made the promise but does not keep it.
    assert _inbox(smtp) == {"urska@example.si": 1, "ana@example.si": 1, "bojan@example.si": 1}
    assert "commitment.late" not in told(colleague)
    assert told(owner) == ["commitment.late"]
    text = _text(_only(smtp, "urska@example.si"))
    assert f"The commitment »{COMMITMENT}« of a reply letter is late." in text
    assert "It was due on" in text
    assert f"http://localhost/projects/{project.id}" in text
    smtp.inbox.clear()
    clock.commitments_due()
    db.session.commit()
    assert fan_out().notified == 0
    assert told(fan) == ["commitment.late"]
    assert commitment.state is CommitmentState.OPEN


def test_a_commitment_due_soon_is_told_once_and_one_far_off_or_unpublished_not(
    world: World,  # noqa: F811
    letters: Letters,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    owner = reader("urska", roles=[(Role.OFFICIAL, "UGDP")])
    _reply, soon = _commitment(letters, world, due_in=2)
    _commitment(letters, world, due_in=30)  # far off
    _commitment(letters, world, due_in=-1, stage="sent")  # its letter is not public yet
    fan_out()
    assert clock.commitments_due() == 1
    assert clock.commitments_due() == 0
    db.session.commit()
    (event,) = events("commitment.due_soon")
    assert event.item_type == "commitment"
    assert event.item_id == soon.id
    assert events("commitment.late") == []
    fan_out()
    assert told(owner) == ["commitment.due_soon"]


def test_a_commitment_kept_on_its_project_is_told_by_its_timeline_entry(
    world: World,  # noqa: F811
    letters: Letters,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    project = _project(world)
    reply, commitment = _commitment(letters, world, due_in=10, project=project)
    fan, watcher = reader("ana"), reader("bojan")
    follow(fan, Target.REPLY, reply.id)
    follow(watcher, Target.PROJECT, project.id)
    fan_out()
    closer = account(letters.drafter)
    services.close_commitment(
        closer,
        commitment,
        reply,
        state=CommitmentState.DONE,
        closed_on=local_today(),
        note="Svetilke so postavljene.",
    )
    # Whatever the service does, the rule holds: a commitment on a project is told by its
    # timeline entry alone, so a call here records nothing more.
    assert not commitments.closed(closer, commitment, was=CommitmentState.OPEN)
    db.session.commit()
    (event,) = events("commitment.kept")
    assert (event.item_type, event.item_id, event.source_type) == (
        "commitment",
        commitment.id,
        "project_update",
    )
    fan_out()
    assert told(fan) == told(watcher) == ["commitment.kept"]
    assert "commitment.kept" not in told(letters.drafter)  # who closed it


def test_a_commitment_without_a_project_is_told_by_closed(
    app: Flask,
    world: World,  # noqa: F811
    letters: Letters,  # noqa: F811
    reader: Callable[..., int],  # noqa: F811
) -> None:
    from flask_babel import force_locale

    reply, commitment = _commitment(letters, world, due_in=10)
    fan = reader("ana")
    follow(fan, Target.REPLY, reply.id)
    fan_out()
    closer = account(world.official)
    before = len(events("commitment.dropped"))
    # As ``services.close_commitment`` leaves it: the state set, then ``closed`` called.
    commitment.state, commitment.closed_on = CommitmentState.DROPPED, local_today()
    commitment.note = "Sredstev v proračunu ni."
    assert commitments.closed(closer, commitment, was=CommitmentState.OPEN)
    assert not commitments.closed(closer, commitment, was=CommitmentState.DROPPED)
    db.session.commit()
    assert len(events("commitment.dropped")) == before + 1
    fan_out()
    assert told(fan) == ["commitment.dropped"]
    assert told(world.official) == []
    (event,) = events("commitment.dropped")
    with app.test_request_context(), force_locale("en"):
        (message,) = queries.describe_all([event]).values()
    assert message.note == "Sredstev v proračunu ni."
    assert message.url == f"http://localhost/replies/{reply.id}"
    assert message.subject == f"Given up: {COMMITMENT}"
    # Reopened: nobody is told.
    commitment.state, commitment.closed_on = CommitmentState.OPEN, None
    assert not commitments.closed(closer, commitment, was=CommitmentState.DROPPED)


@pytest.mark.parametrize(
    "kind", [k for k in Kind if k.value.startswith(("project.", "commitment."))]
)
def test_every_new_kind_has_a_subject_or_a_sentence(app: Flask, kind: Kind) -> None:
    from flask_babel import force_locale

    from app.notifications import messages

    with app.test_request_context(), force_locale("en"):
        assert "»X«" in str(messages._SENTENCES[kind]) % {"title": "X"}
