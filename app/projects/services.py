"""Use cases of projects and commitments. Services flush, never commit: the view owns the
transaction.

Every change is checked here, whoever makes it (a form, the CSV import, the demo), so that the
rules hold once: a known, active unit, topic and community; an end not before the start; no
negative amount; a progress of 0–100; a reason for amber and red and for every delay. A
broken rule raises ``Invalid`` naming the field and saying what is wrong, in words a form can
show beside the field and the importer beside the line.

Every change writes one entry of the project's public timeline (``ProjectUpdate``, with the
values before and after) and an audit entry, and moves ``updated_at``; a change that changes
nothing writes nothing, so the timeline never fills with empty entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.auth.models import User
from app.core import models as audit
from app.core.text import has_direction_controls, render_markdown
from app.core.time import today, utcnow
from app.extensions import db
from app.initiatives import permissions as initiative_permissions
from app.initiatives.models import Initiative
from app.notifications import commitments as commitment_events
from app.org.models import OrgUnit
from app.projects import permissions
from app.projects.models import (
    CODE_MAX,
    CODE_PATTERN,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_CENTS,
    NEEDS_REASON,
    Commitment,
    CommitmentState,
    Light,
    LinkRelation,
    LinkTarget,
    Milestone,
    Project,
    ProjectLink,
    ProjectUpdate,
    ProjectYear,
    UpdateKind,
)
from app.questions import permissions as question_permissions
from app.questions.models import Question
from app.reference.models import LocalCommunity, Topic
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply

#: Invisible characters no text may hold (line breaks and tabs are fine), as in forms.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The longest texts (the columns' lengths; a reason is a paragraph, not a report).
TITLE_MAX, SUMMARY_MAX, LOCATION_MAX, MILESTONE_MAX = 200, 400, 200, 200
DESCRIPTION_MAX, REASON_MAX, COMMITMENT_MAX = 20_000, 2_000, 500


class NotAllowed(Exception):
    """The acting user may not do this to this project or commitment."""


class Invalid(Exception):
    """A value breaks a rule; ``field`` names the form field (or CSV column), ``message``
    says what is wrong."""

    def __init__(self, field: str, message: str | LazyString) -> None:
        super().__init__(field, str(message))
        self.field = field
        self.message = message


class ChangedMeanwhile(Exception):
    """The project changed after the form was opened: the official must look again."""


def version(project: Project) -> str:
    """What the official saw: a form sent for an older version is refused."""
    return project.updated_at.isoformat()


def check_seen(project: Project, seen: str | None) -> None:
    if seen is not None and seen != version(project):
        raise ChangedMeanwhile


# --- checks ------------------------------------------------------------------------------------


def _text(field: str, value: str | None, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid(field, _l("This is required."))
        return None
    if len(text) > limit:
        raise Invalid(field, _l("At most %(limit)d characters.", limit=limit))
    # What the base form refuses (app.core.forms), refused here too: the CSV import and the
    # CLI send no form.
    if _CONTROL.search(text):
        raise Invalid(field, _l("Remove the invisible control characters."))
    if has_direction_controls(text):
        raise Invalid(
            field, _l("Remove the invisible characters that change the direction of the text.")
        )
    return text


def check_code(value: str) -> str:
    code = (value or "").strip()
    if not code:
        raise Invalid("code", _l("This is required."))
    if len(code) > CODE_MAX or not CODE_PATTERN.fullmatch(code):
        raise Invalid(
            "code",
            _l(
                "A code is up to %(limit)d letters, digits and . _ / - (e.g. OB-2026-014).",
                limit=CODE_MAX,
            ),
        )
    return code


def _unit(unit_id: int | None, *, kept: int | None = None) -> OrgUnit:
    """An active unit, or the one the record has already (``kept``): retiring a unit leaves
    its projects with it, and they may still be changed."""
    unit = db.session.get(OrgUnit, unit_id) if unit_id else None
    if unit is None or not (unit.is_active or unit.id == kept):
        raise Invalid("unit", _l("Choose a unit of the municipal administration."))
    return unit


def _topic(topic_id: int | None, *, kept: int | None = None) -> Topic:
    topic = db.session.get(Topic, topic_id) if topic_id else None
    if topic is None or not (topic.is_active or topic.id == kept):
        raise Invalid("topic", _l("Choose a topic."))
    return topic


def _community(community_id: int | None, *, kept: int | None = None) -> LocalCommunity | None:
    if community_id is None:
        return None
    community = db.session.get(LocalCommunity, community_id)
    if community is None or not (community.is_active or community.id == kept):
        raise Invalid("community", _l("Choose a local community, or the whole municipality."))
    return community


def _dates(starts_on: date | None, ends_on: date | None) -> tuple[date, date]:
    if starts_on is None:
        raise Invalid("starts_on", _l("Enter the date the project starts."))
    if ends_on is None:
        raise Invalid("ends_on", _l("Enter the date the project ends."))
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise Invalid(
                field,
                _l("Enter a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR),
            )
    if ends_on < starts_on:
        raise Invalid("ends_on", _l("The end cannot be before the start."))
    return starts_on, ends_on


def check_cents(field: str, cents: int | None) -> int:
    if cents is None:
        return 0
    if cents < 0:
        raise Invalid(field, _l("An amount cannot be negative."))
    if cents > MAX_CENTS:
        raise Invalid(field, _l("This amount is too large."))
    return cents


def check_year(field: str, year: int | None) -> int:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(
            field, _l("Enter a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )
    return year


def _progress(progress: int | None) -> int:
    if progress is None or not 0 <= progress <= 100:
        raise Invalid("progress", _l("Progress is a percentage from 0 to 100."))
    return progress


def _reason(value: str | None, *, required: bool, message: str | LazyString) -> str | None:
    reason = _text("reason", value, REASON_MAX, required=False)
    if reason is None and required:
        raise Invalid("reason", message)
    return reason


def _status(light: Light, progress: int, reason: str | None) -> str | None:
    if light in NEEDS_REASON and reason is None:
        raise Invalid("reason", _l("Say why the project is at risk, delayed or stopped."))
    if light is Light.DONE and progress != 100:
        raise Invalid("progress", _l("A project that is done is at 100 %."))
    return reason


# --- the timeline ------------------------------------------------------------------------------


def _entry(
    project: Project,
    actor: User | None,
    kind: UpdateKind,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str | None = None,
) -> ProjectUpdate:
    now = utcnow()
    update = ProjectUpdate(
        kind=kind,
        created_at=now,
        actor_id=actor.id if actor else None,
        unit_id=project.unit_id,
        before=before,
        after=after,
        reason=reason,
    )
    project.updates.append(update)
    project.updated_at = now
    audit.record(
        actor.id if actor else None,
        f"project.{kind.value}",
        "project",
        project.id,
        before=before,
        after=after,
        reason=reason,
    )
    return update


def _stored(value: Any) -> Any:
    """A value as the timeline keeps it: codes, ISO dates, numbers."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Light):
        return value.value
    return value


def _diff(project: Project, new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    for name, value in new.items():
        old = getattr(project, name)
        if old != value:
            before[name], after[name] = _stored(old), _stored(value)
    return before, after


_SYSTEM = "glas_projects_system"


@contextmanager
def as_the_system() -> Iterator[None]:
    """Act as no one, with every right: for the demo data and the tests' set-up, which record
    projects of units that have no official among the personas. The timeline then names no
    unit's official (``actor_id`` is empty), as for the CLI."""
    db.session.info[_SYSTEM] = db.session.info.get(_SYSTEM, 0) + 1
    try:
        yield
    finally:
        db.session.info[_SYSTEM] -= 1


def _system() -> bool:
    return bool(db.session.info.get(_SYSTEM))


def _require(actor: User | None, project: Project) -> None:
    if not _system() and not permissions.can_update(actor, project):
        raise NotAllowed


# --- projects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """What a project is: everything but its status, schedule and money."""

    title: str
    summary: str
    description: str
    unit_id: int | None
    topic_id: int | None
    community_id: int | None
    location: str | None


@dataclass(frozen=True)
class YearMoney:
    year: int
    budget_cents: int
    spent_cents: int = 0


def _checked_details(details: Details, project: Project | None = None) -> dict[str, Any]:
    """The details, checked; a project's own unit, topic and community stay valid for it
    when they are no longer active (the form offers them)."""
    title = _text("title", details.title, TITLE_MAX)
    summary = _text("summary", details.summary, SUMMARY_MAX)
    description = _text("description", details.description, DESCRIPTION_MAX, required=False)
    unit_id = _unit(details.unit_id, kept=project.unit_id if project else None).id
    topic_id = _topic(details.topic_id, kept=project.topic_id if project else None).id
    community = _community(details.community_id, kept=project.community_id if project else None)
    return {
        "title": title,
        "summary": summary,
        "description": description or "",
        "unit_id": unit_id,
        "topic_id": topic_id,
        "community_id": community.id if community else None,
        "location": _text("location", details.location, LOCATION_MAX, required=False),
    }


def code_taken(code: str, *, besides: int | None = None) -> bool:
    query = sa.select(Project.id).where(Project.code == code)
    if besides is not None:
        query = query.where(Project.id != besides)
    return db.session.scalar(query) is not None


def create(
    actor: User | None,
    code: str,
    details: Details,
    *,
    starts_on: date | None,
    ends_on: date | None,
    years: list[YearMoney] | tuple[YearMoney, ...] = (),
    light: Light = Light.GREEN,
    progress: int = 0,
    reason: str | None = None,
    system: bool = False,
) -> Project:
    """Record a project: its plan as first made is kept beside every later change.

    ``system``: the demo and the tests, acting as no one (the CLI import acts as an official).
    """
    values = _checked_details(details)
    system = system or _system()
    if not system and not permissions.can_create(actor, values["unit_id"]):
        raise NotAllowed
    code = check_code(code)
    if code_taken(code):
        raise Invalid("code", _l("Another project already has this code."))
    starts_on, ends_on = _dates(starts_on, ends_on)
    progress = _progress(progress)
    reason = _status(light, progress, _reason(reason, required=False, message=""))
    seen: set[int] = set()
    for money in years:
        year = check_year("year", money.year)
        if year in seen:
            raise Invalid("year", _l("The year %(year)d is given twice.", year=year))
        seen.add(year)
        check_cents("budget", money.budget_cents)
        check_cents("spent", money.spent_cents)
    now = utcnow()
    project = Project(
        code=code,
        **values,
        description_html=render_markdown(values["description"]),
        starts_on=starts_on,
        ends_on=ends_on,
        original_starts_on=starts_on,
        original_ends_on=ends_on,
        light=light,
        light_reason=reason,
        progress=progress,
        created_at=now,
        updated_at=now,
        done_at=now if light is Light.DONE else None,
    )
    for money in sorted(years, key=lambda m: m.year):
        project.years.append(
            ProjectYear(
                year=money.year,
                budget_cents=money.budget_cents,
                original_budget_cents=money.budget_cents,
                spent_cents=money.spent_cents,
            )
        )
    _sum_years(project)
    project.original_budget_cents = project.budget_cents
    db.session.add(project)
    db.session.flush()
    _entry(
        project,
        actor,
        UpdateKind.CREATED,
        {},
        {"light": light.value, "progress": progress, "budget_cents": project.budget_cents},
        reason,
    )
    db.session.flush()
    return project


def _sum_years(project: Project) -> None:
    project.budget_cents = sum(y.budget_cents for y in project.years)
    project.spent_cents = sum(y.spent_cents for y in project.years)
    project.original_budget_cents = sum(y.original_budget_cents for y in project.years)


def update_details(
    actor: User | None, project: Project, details: Details, *, seen: str | None = None
) -> ProjectUpdate | None:
    """Change what the project is; handing it to another unit needs an official of both."""
    _require(actor, project)
    check_seen(project, seen)
    values = _checked_details(details, project)
    if (
        values["unit_id"] != project.unit_id
        and not _system()
        and not permissions.can_create(actor, values["unit_id"])
    ):
        raise Invalid("unit", _l("You can hand a project only to a unit you work in."))
    before, after = _diff(project, values)
    if not after:
        return None
    for name, value in values.items():
        setattr(project, name, value)
    if "description" in after:
        project.description_html = render_markdown(project.description)
        # The timeline says that the text changed, not the whole text twice.
        before["description"] = after["description"] = None
    update = _entry(project, actor, UpdateKind.DETAILS, before, after)
    db.session.flush()
    return update


def update_status(
    actor: User | None,
    project: Project,
    *,
    light: Light,
    progress: int | None,
    reason: str | None,
    seen: str | None = None,
) -> ProjectUpdate | None:
    """Set the light and the progress; amber and red say why, done is at 100 %."""
    _require(actor, project)
    check_seen(project, seen)
    progress = _progress(progress)
    reason = _status(light, progress, _reason(reason, required=False, message=""))
    before, after = _diff(project, {"light": light, "progress": progress})
    if not after and reason in (None, project.light_reason):
        return None
    project.light, project.progress = light, progress
    if light is Light.DONE and project.done_at is None:
        project.done_at = utcnow()
    elif light is not Light.DONE:
        project.done_at = None
    # A reason speaks of the light it came with: a green light after amber keeps none.
    project.light_reason = reason if light in NEEDS_REASON or reason else None
    update = _entry(project, actor, UpdateKind.STATUS, before, after, reason)
    db.session.flush()
    return update


def update_schedule(
    actor: User | None,
    project: Project,
    *,
    starts_on: date | None,
    ends_on: date | None,
    reason: str | None,
    seen: str | None = None,
) -> ProjectUpdate | None:
    """Move the start or the end; moving either later is a delay and says why."""
    _require(actor, project)
    check_seen(project, seen)
    starts_on, ends_on = _dates(starts_on, ends_on)
    later = starts_on > project.starts_on or ends_on > project.ends_on
    reason = _reason(
        reason, required=later, message=_l("Say why the project is later than planned.")
    )
    before, after = _diff(project, {"starts_on": starts_on, "ends_on": ends_on})
    if not after:
        return None
    project.starts_on, project.ends_on = starts_on, ends_on
    update = _entry(project, actor, UpdateKind.SCHEDULE, before, after, reason)
    db.session.flush()
    return update


def set_year(
    actor: User | None,
    project: Project,
    *,
    year: int | None,
    budget_cents: int | None,
    spent_cents: int | None,
    reason: str | None,
    seen: str | None = None,
) -> ProjectUpdate | None:
    """Set one year's budget and spending. A year first planned now had no budget in the
    original plan; a budget that grows says why (everyone sees how much dearer it became)."""
    _require(actor, project)
    check_seen(project, seen)
    year = check_year("year", year)
    budget = check_cents("budget", budget_cents)
    spent = check_cents("spent", spent_cents)
    row = next((y for y in project.years if y.year == year), None)
    old_budget = row.budget_cents if row else 0
    old_spent = row.spent_cents if row else 0
    reason = _reason(
        reason,
        required=budget > old_budget and row is not None,
        message=_l("Say why the budget grows."),
    )
    if row is not None and (budget, spent) == (old_budget, old_spent):
        return None
    if row is None:
        row = ProjectYear(year=year, budget_cents=0, original_budget_cents=0, spent_cents=0)
        project.years.append(row)
    row.budget_cents, row.spent_cents = budget, spent
    _sum_years(project)
    update = _entry(
        project,
        actor,
        UpdateKind.BUDGET,
        {"year": year, "budget_cents": old_budget, "spent_cents": old_spent},
        {"year": year, "budget_cents": budget, "spent_cents": spent},
        reason,
    )
    db.session.flush()
    return update


def add_milestone(
    actor: User | None,
    project: Project,
    *,
    title: str,
    planned_on: date | None,
    seen: str | None = None,
) -> Milestone:
    _require(actor, project)
    check_seen(project, seen)
    text = _text("title", title, MILESTONE_MAX)
    if planned_on is None:
        raise Invalid("planned_on", _l("Enter the date the milestone is planned for."))
    check_year("planned_on", planned_on.year)
    milestone = Milestone(title=text, planned_on=planned_on, original_planned_on=planned_on)
    project.milestones.append(milestone)
    db.session.flush()
    _entry(
        project,
        actor,
        UpdateKind.MILESTONE,
        {},
        {"milestone": milestone.id, "title": text, "planned_on": planned_on.isoformat()},
    )
    db.session.flush()
    return milestone


def update_milestone(
    actor: User | None,
    milestone: Milestone,
    *,
    planned_on: date | None,
    done_on: date | None,
    reason: str | None,
    seen: str | None = None,
) -> ProjectUpdate | None:
    """Move a milestone (later is a delay and says why) or mark it done on a past day."""
    project = milestone.project
    _require(actor, project)
    check_seen(project, seen)
    if planned_on is None:
        raise Invalid("planned_on", _l("Enter the date the milestone is planned for."))
    check_year("planned_on", planned_on.year)
    if done_on is not None:
        check_year("done_on", done_on.year)
        if done_on > today():
            raise Invalid("done_on", _l("A milestone cannot be done on a day still to come."))
    later = planned_on > milestone.planned_on
    reason = _reason(
        reason, required=later, message=_l("Say why the milestone is later than planned.")
    )
    before = {"planned_on": milestone.planned_on.isoformat(), "done_on": _iso(milestone.done_on)}
    after = {"planned_on": planned_on.isoformat(), "done_on": _iso(done_on)}
    if before == after:
        return None
    milestone.planned_on, milestone.done_on = planned_on, done_on
    ids = {"milestone": milestone.id, "title": milestone.title}
    update = _entry(
        project, actor, UpdateKind.MILESTONE, {**ids, **before}, {**ids, **after}, reason
    )
    db.session.flush()
    return update


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- links -----------------------------------------------------------------------------------


def public_target(target: LinkTarget, target_id: int) -> Initiative | Question | Reply | None:
    """The initiative, question or letter, if the public may see it."""
    if target is LinkTarget.INITIATIVE:
        initiative = db.session.get(Initiative, target_id)
        return (
            initiative if initiative and initiative_permissions.can_view(None, initiative) else None
        )
    if target is LinkTarget.QUESTION:
        question = db.session.get(Question, target_id)
        return question if question and question_permissions.can_view(None, question) else None
    reply = db.session.get(Reply, target_id)
    return reply if reply and reply.state in PUBLIC_REPLIES else None


def _name_of(item: Initiative | Question | Reply) -> str:
    """An initiative's or question's title; a letter's reference number and subject."""
    if isinstance(item, Reply):
        return f"{item.reference_number} {item.subject}"
    return item.title


def link(
    actor: User | None,
    project: Project,
    target: LinkTarget,
    target_id: int,
    relation: LinkRelation,
    *,
    system: bool = False,
) -> ProjectLink:
    """Link a public initiative, question or letter to the project (once)."""
    if not system:
        _require(actor, project)
    item = public_target(target, target_id)
    if item is None:
        raise Invalid("target_id", _l("There is no public item with this number."))
    existing = db.session.scalar(
        sa.select(ProjectLink).where(
            ProjectLink.project_id == project.id,
            ProjectLink.target == target,
            ProjectLink.target_id == target_id,
        )
    )
    if existing is not None:
        raise Invalid("target_id", _l("This is already linked to the project."))
    row = ProjectLink(project_id=project.id, target=target, target_id=target_id, relation=relation)
    db.session.add(row)
    db.session.flush()
    _entry(
        project,
        actor,
        UpdateKind.LINK,
        {},
        {
            "target": target.value,
            "target_id": target_id,
            "relation": relation.value,
            # What it was called when linked: the timeline names it without a look-up.
            "name": _name_of(item),
        },
    )
    db.session.flush()
    return row


def unlink(actor: User | None, project: Project, row: ProjectLink) -> None:
    _require(actor, project)
    if row.project_id != project.id:
        raise NotAllowed
    before: dict[str, Any] = {
        "target": row.target.value,
        "target_id": row.target_id,
        "relation": row.relation.value,
    }
    item = public_target(row.target, row.target_id)
    if item is not None:
        before["name"] = _name_of(item)
    db.session.delete(row)
    _entry(project, actor, UpdateKind.LINK, before, {})
    db.session.flush()


# --- commitments -------------------------------------------------------------------------


def record_commitment(
    actor: User | None,
    reply: Reply,
    *,
    text: str,
    owner_unit_id: int | None,
    due_on: date | None,
    project_id: int | None = None,
    system: bool = False,
) -> Commitment:
    """Record what the letter promised, who must keep it and by when."""
    system = system or _system()
    if not system and not permissions.can_record_commitment(actor, reply.issuer_unit_id):
        raise NotAllowed
    words = _text("text", text, COMMITMENT_MAX)
    unit = _unit(owner_unit_id)
    if due_on is None:
        raise Invalid("due_on", _l("Enter the date it is due."))
    check_year("due_on", due_on.year)
    if due_on < reply.letter_date:
        raise Invalid("due_on", _l("A commitment cannot fall due before the letter's date."))
    project = None
    if project_id is not None:
        project = db.session.get(Project, project_id)
        if project is None:
            raise Invalid("project", _l("There is no project with this code."))
    now = utcnow()
    commitment = Commitment(
        reply_id=reply.id,
        text=words,
        owner_unit_id=unit.id,
        due_on=due_on,
        project_id=project.id if project else None,
        state=CommitmentState.OPEN,
        created_at=now,
        updated_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record(
        actor.id if actor else None,
        "commitment.record",
        "commitment",
        commitment.id,
        reply=reply.id,
        owner_unit=unit.code,
        due_on=due_on.isoformat(),
    )
    if project is not None:
        _entry(
            project,
            actor,
            UpdateKind.COMMITMENT,
            {},
            {"commitment": commitment.id, "state": "open", "due_on": due_on.isoformat()},
        )
    db.session.flush()
    return commitment


def close_commitment(
    actor: User | None,
    commitment: Commitment,
    reply: Reply,
    *,
    state: CommitmentState,
    closed_on: date | None,
    note: str | None,
) -> None:
    """Mark a commitment kept (on a past day) or given up (saying why), or reopen it."""
    if not _system() and not permissions.can_close_commitment(
        actor, commitment, reply.issuer_unit_id
    ):
        raise NotAllowed
    words = _text("note", note, REASON_MAX, required=state is CommitmentState.DROPPED)
    if state is CommitmentState.OPEN:
        closed_on = None
    else:
        if closed_on is None:
            raise Invalid("closed_on", _l("Enter the date."))
        check_year("closed_on", closed_on.year)
        if closed_on > today():
            raise Invalid("closed_on", _l("The date cannot be a day still to come."))
        if closed_on < reply.letter_date:
            raise Invalid("closed_on", _l("The date cannot be before the letter's date."))
    before = {"state": commitment.state.value, "closed_on": _iso(commitment.closed_on)}
    after = {"state": state.value, "closed_on": _iso(closed_on)}
    if before == after and words == commitment.note:
        return
    was = commitment.state
    commitment.state, commitment.closed_on, commitment.note = state, closed_on, words
    commitment.updated_at = utcnow()
    audit.record(
        actor.id if actor else None,
        "commitment.close" if state is not CommitmentState.OPEN else "commitment.reopen",
        "commitment",
        commitment.id,
        before=before,
        after=after,
        note=words,
    )
    if commitment.project is not None:
        _entry(
            commitment.project,
            actor,
            UpdateKind.COMMITMENT,
            {"commitment": commitment.id, **before},
            {"commitment": commitment.id, **after},
            words,
        )
    # Its event, where no timeline entry of a project makes one (app.notifications).
    commitment_events.closed(actor, commitment, was=was)
    db.session.flush()
