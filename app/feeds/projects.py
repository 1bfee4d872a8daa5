"""The entries of projects: one per project in a list, one per entry of a project's timeline.

Every project is public, and so is its whole timeline (``ProjectUpdate``): the page shows
each entry with its unit, never the official who made it, and so does the feed. A project's
entry in a list is updated whenever its timeline is (``updated_at``), so a feed reader shows
a project again when something happened to it: the list's feed is the newest updates first.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload, raiseload

from app.extensions import db
from app.feeds import html
from app.feeds.atom import Entry, newest_first
from app.feeds.urls import absolute_for, item_id, step_id
from app.projects import money, queries
from app.projects.models import (
    COMMITMENT_STATE_LABELS,
    LIGHT_COLOURS,
    LIGHT_LABELS,
    LINK_RELATION_LABELS,
    UPDATE_KIND_LABELS,
    CommitmentState,
    Light,
    LinkRelation,
    LinkTarget,
    Project,
    ProjectUpdate,
    UpdateKind,
)

#: The list's newest first: the last entry of the timeline, then the id (``queries._order``).
_NEWEST = (Project.updated_at.desc(), Project.id.desc())
#: The page of what a link names, by the link's kind.
_LINK_PAGES = {
    LinkTarget.INITIATIVE: ("initiatives.detail", "initiative_id"),
    LinkTarget.QUESTION: ("questions.detail", "question_id"),
    LinkTarget.REPLY: ("replies.detail", "reply_id"),
}
_LINK_NAMES = {
    LinkTarget.INITIATIVE: _l("Initiative No. %(number)s"),
    LinkTarget.QUESTION: _l("Question No. %(number)s"),
    LinkTarget.REPLY: _l("Reply letter No. %(number)s"),
}
#: The fields a ``details`` entry may change, as the page's form names them.
_DETAIL_NAMES = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "unit_id": _l("Responsible unit"),
    "topic_id": _l("Topic"),
    "community_id": _l("Local community"),
    "location": _l("Location"),
}


def entry_id(project_id: int) -> str:
    return item_id("projects.detail", project_id=project_id)


def page_url(project: Project) -> str:
    return absolute_for("projects.detail", project_id=project.id)


def _light(light: Light) -> str:
    # The colour's name and what it means: a light is never told by its colour alone.
    return _("%(colour)s: %(meaning)s", colour=LIGHT_COLOURS[light], meaning=LIGHT_LABELS[light])


# --- the list -------------------------------------------------------------------------------


def list_options() -> tuple[Any, ...]:
    """What a project's entry shows besides its columns, in the list's one statement."""
    return (
        joinedload(Project.unit),
        joinedload(Project.topic),
        joinedload(Project.community),
        raiseload("*"),
    )


def list_entries(filters: queries.Filters, limit: int) -> list[Entry]:
    """The ``limit`` projects of the list as ``filters`` filter it, last updated first.

    The list's own filter (``queries.filtered``, the text searched in the projects' index);
    the order is the feed's, whatever the page's sort. One statement with the text and one
    without (the search is a subquery of it), however many projects.
    """
    query = queries.filtered(filters).order_by(*_NEWEST).limit(limit).options(*list_options())
    return [_entry(project) for project in db.session.scalars(query).unique()]


def _entry(project: Project) -> Entry:
    return Entry(
        id=entry_id(project.id),
        title=project.title,
        link=page_url(project),
        updated=project.updated_at,
        published=project.created_at,
        author=project.unit.name,
        summary=project.summary,
        content=html.join(*_facts(project), html.sanitised(project.description_html)),
    )


def _facts(project: Project) -> list[Markup]:
    """What the project's card says: its light and why, its code, unit, topic and place,
    progress, dates and money."""
    place = project.community.name if project.community else _("The whole municipality")
    start, end = html.day(project.starts_on), html.day(project.ends_on)
    planned = _("From %(start)s to %(end)s", start=start, end=end)
    delay = (
        _("%(days)s days later than first planned", days=project.delay_days)
        if project.delay_days
        else None
    )
    budget = _(
        "Budget %(budget)s, spent %(spent)s",
        budget=money.euros(project.budget_cents),
        spent=money.euros(project.spent_cents),
    )
    return [
        html.paragraph(_light(project.light), strong=True),
        html.paragraph(project.light_reason),
        html.paragraph(project.code, project.unit.name, project.topic.name, place),
        html.paragraph(_("%(percent)s %% done", percent=project.progress), planned, delay),
        html.paragraph(budget),
        html.paragraph(project.summary),
    ]


# --- one project ----------------------------------------------------------------------------


def item_entries(project: Project) -> list[Entry]:
    """The project's timeline, newest first (``queries.for_page`` loads it with its units)."""
    return newest_first([_step(project, update) for update in project.updates])


def _step(project: Project, update: ProjectUpdate) -> Entry:
    unit = update.unit.name if update.unit is not None else project.unit.name
    return Entry(
        id=step_id(entry_id(project.id), "update", update.id),
        title=html.step_title(str(UPDATE_KIND_LABELS[update.kind]), project.title),
        link=page_url(project),
        updated=update.created_at,
        published=update.created_at,
        author=unit,
        content=html.join(
            html.items(_changes(update)),
            html.paragraph(update.reason),
        ),
    )


def _was(before: dict[str, Any], after: dict[str, Any], name: str, shown: Any) -> Markup:
    """One changed value: "now (was before)", or the value alone when it is new."""
    new = shown(after[name]) if after.get(name) is not None else _("none")
    if name not in before:
        return Markup("{}").format(new)
    old = shown(before[name]) if before.get(name) is not None else _("none")
    return Markup("{}").format(_("%(now)s (was %(was)s)", now=new, was=old))


def _day(value: Any) -> str:
    return html.day_written(str(value)) or str(value)


def _money(cents: Any) -> str:
    return money.euros(int(cents))


def _changes(update: ProjectUpdate) -> list[Markup]:
    """What the entry changed, as lines: each field's new value and the old one."""
    before, after = update.before or {}, update.after or {}
    kind = update.kind
    lines: list[Markup] = []

    def line(label: str, value: Markup | str) -> None:
        lines.append(Markup("{}: {}").format(label, value))

    if kind in (UpdateKind.CREATED, UpdateKind.STATUS):
        if "light" in after:
            line(_("Light"), _was(before, after, "light", lambda v: _light(Light(v))))
        if "progress" in after:
            line(_("Progress"), _was(before, after, "progress", lambda v: f"{v} %"))
        if kind is UpdateKind.CREATED and "budget_cents" in after:
            line(_("Budget"), money.euros(int(after["budget_cents"])))
    elif kind is UpdateKind.SCHEDULE:
        if "starts_on" in after:
            line(_("Start"), _was(before, after, "starts_on", _day))
        if "ends_on" in after:
            line(_("End"), _was(before, after, "ends_on", _day))
    elif kind is UpdateKind.BUDGET:
        year = str(after.get("year") or before.get("year") or "")
        line(_("Budget for %(year)s", year=year), _was(before, after, "budget_cents", _money))
        line(_("Spent in %(year)s", year=year), _was(before, after, "spent_cents", _money))
    elif kind is UpdateKind.MILESTONE:
        line(_("Milestone"), str(after.get("title") or before.get("title") or ""))
        if "planned_on" in after:
            line(_("Planned for"), _was(before, after, "planned_on", _day))
        if after.get("done_on") or before.get("done_on"):
            line(_("Done on"), _was(before, after, "done_on", _day))
    elif kind is UpdateKind.DETAILS:
        changed = [str(_DETAIL_NAMES.get(name, name)) for name in after]
        line(_("Changed"), ", ".join(changed))
    elif kind is UpdateKind.LINK:
        lines.append(_link(before, after))
    elif kind is UpdateKind.COMMITMENT:
        state = after.get("state") or before.get("state")
        if state:
            line(_("Commitment"), _was(before, after, "state", _commitment_state))
        if after.get("due_on"):
            line(_("Due on"), _day(after["due_on"]))
        if after.get("closed_on"):
            line(_("Closed on"), _day(after["closed_on"]))
    return lines


def _commitment_state(value: Any) -> str:
    return str(COMMITMENT_STATE_LABELS[CommitmentState(value)])


def _link(before: dict[str, Any], after: dict[str, Any]) -> Markup:
    """The item linked (or unlinked), by the name it had then (entries since it was kept) or
    else its number, with a link to its page."""
    data = after or before
    target = LinkTarget(data["target"])
    endpoint, argument = _LINK_PAGES[target]
    name = str(data.get("name") or str(_LINK_NAMES[target]) % {"number": data["target_id"]})
    item = html.link(absolute_for(endpoint, **{argument: data["target_id"]}), name)
    relation = str(LINK_RELATION_LABELS[LinkRelation(data["relation"])])
    if after:
        return Markup("{}: {}").format(_("Linked"), Markup("{} · {}").format(item, relation))
    return Markup("{}: {}").format(_("Link removed"), item)
