"""``/api/v1/projects`` and ``/api/v1/commitments``: the traffic light of projects and the
commitments made in reply letters, as their pages show them.

Both lists are ordered by the moment the row was recorded and its id (``created_at`` is set
once): a project's last update, its end or its light all change, so none of them could page
a walk that neither skips nor repeats. The filters are the pages' own
(``app.projects.queries``). Every project is public; a commitment is public with its letter.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue

from app.api import bp, data, limits, paging, params
from app.api.http import json_response
from app.api.paging import KeyColumn
from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagecache
from app.core.time import next_midnight, today
from app.projects import queries
from app.projects.models import Commitment, Light, Project, ProjectUpdate

PROJECT_PARAMS = (
    choice("light", [*(light.value for light in Light), queries.STALE]),
    Param("unit", "code"),
    Param("topic", "slug"),
    Param("community", "slug"),
    Param("year", "year"),
    Param("q"),
    *paging.PARAMS,
)
_PROJECT_NAMES = tuple(param.name for param in PROJECT_PARAMS)
COMMITMENT_PARAMS = (
    choice("state", [state.value for state in queries.CommitmentFilter]),
    Param("unit", "code"),
    *paging.PARAMS,
)
_COMMITMENT_NAMES = tuple(param.name for param in COMMITMENT_PARAMS)

_PROJECT_KEYS: tuple[KeyColumn, ...] = (
    (Project.created_at, lambda p: p.created_at),
    (Project.id, lambda p: p.id),
)
_COMMITMENT_KEYS: tuple[KeyColumn, ...] = (
    (Commitment.created_at, lambda c: c.created_at),
    (Commitment.id, lambda c: c.id),
)


def _project_links(project: Project) -> dict[str, str]:
    return data.links(
        "projects.detail", {"project_id": project.id}, "api.project", {"project_id": project.id}
    )


def project_summary(project: Project) -> dict[str, Any]:
    """A project as the list shows it: its light, plan against the first plan, money."""
    return {
        "id": project.id,
        "code": project.code,
        "title": project.title,
        "summary": project.summary,
        "light": project.light.value,
        "light_reason": project.light_reason,
        "stale": queries.is_stale(project),
        "progress": project.progress,
        "unit": data.unit(project.unit),
        "topic": data.named(project.topic),
        "community": data.named(project.community),
        "location": project.location,
        "starts_on": data.day(project.starts_on),
        "ends_on": data.day(project.ends_on),
        "original_starts_on": data.day(project.original_starts_on),
        "original_ends_on": data.day(project.original_ends_on),
        "delay_days": project.delay_days,
        "budget_cents": project.budget_cents,
        "original_budget_cents": project.original_budget_cents,
        "spent_cents": project.spent_cents,
        "created_at": data.moment(project.created_at),
        "updated_at": data.moment(project.updated_at),
        "done_at": data.moment(project.done_at),
        **_project_links(project),
    }


def _update(update: ProjectUpdate) -> dict[str, Any]:
    return {
        "at": data.moment(update.created_at),
        "kind": update.kind.value,
        "unit": data.unit(update.unit),
        "before": dict(update.before or {}),
        "after": dict(update.after or {}),
        "reason": update.reason,
    }


def _linked(row: queries.Linked) -> dict[str, Any]:
    item = row.item
    target = row.link.target.value
    page, api_endpoint, argument = {
        "initiative": ("initiatives.detail", "api.initiative", "initiative_id"),
        "question": ("questions.detail", "api.question", "question_id"),
        "reply": ("replies.detail", "api.reply", "reply_id"),
    }[target]
    title = getattr(item, "subject", None) if target == "reply" else getattr(item, "title", None)
    return {
        "kind": target,
        "id": item.id,
        "title": title,
        "relation": row.link.relation.value,
        **data.links(page, {argument: item.id}, api_endpoint, {argument: item.id}),
    }


def commitment_summary(commitment: Commitment, reply: Any) -> dict[str, Any]:
    """A commitment: what was promised, by whom, by when, and where it stands."""
    project = commitment.project
    return {
        "id": commitment.id,
        "text": commitment.text,
        "state": commitment.state.value,
        "late": commitment.is_late(today()),
        "owner_unit": data.unit(commitment.owner_unit),
        "due_on": data.day(commitment.due_on),
        "closed_on": data.day(commitment.closed_on),
        "note": commitment.note,
        "project": {
            "id": project.id,
            "code": project.code,
            **_project_links(project),
        }
        if project is not None
        else None,
        "reply": {
            "id": reply.id,
            "reference_number": reply.reference_number,
            **data.links(
                "replies.detail", {"reply_id": reply.id}, "api.reply", {"reply_id": reply.id}
            ),
        },
        "created_at": data.moment(commitment.created_at),
    }


def _project_tags() -> tuple[str, ...]:
    return ("projects",)


@bp.get("/projects")
@pagecache.cached(_project_tags, params=_PROJECT_NAMES, free=("q", "cursor"), guard=limits.allowed)
def projects() -> ResponseReturnValue:
    values = params.parse(PROJECT_PARAMS)
    try:
        filters = queries.parse_filters(params.rename(values, {}))
    except queries.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    pagecache.expires_by(next_midnight())  # "stale" comes with the day
    query = queries.filtered(filters).options(*queries.card_options())
    found = paging.page(query, _PROJECT_KEYS, paging.paging_of(values))
    body, headers = paging.listing(
        "api.projects", values, found, [project_summary(p) for p in found.items]
    )
    return json_response(body, headers=headers)


def _project_item_tags(project_id: int) -> tuple[str, ...]:
    # As its page: it names what is linked and its commitments' letters.
    return ("project", f"project:{project_id}", "initiative", "question", "reply", "commitments")


@bp.get("/projects/<id:project_id>")
@pagecache.cached(_project_item_tags, guard=limits.allowed)
def project(project_id: int) -> ResponseReturnValue:
    params.parse(())
    found = queries.for_page(project_id)
    if found is None:
        abort(404)
    pagecache.expires_by(next_midnight())
    commitments = queries.commitments_of_project(found.id)
    replies = queries.replies_by_id({c.reply_id for c in commitments})
    return json_response(
        {
            **project_summary(found),
            "description_html": found.description_html,
            "years": [
                {
                    "year": y.year,
                    "budget_cents": y.budget_cents,
                    "original_budget_cents": y.original_budget_cents,
                    "spent_cents": y.spent_cents,
                }
                for y in found.years
            ],
            "milestones": [
                {
                    "title": m.title,
                    "planned_on": data.day(m.planned_on),
                    "original_planned_on": data.day(m.original_planned_on),
                    "done_on": data.day(m.done_on),
                    "delay_days": m.delay_days,
                }
                for m in found.milestones
            ],
            "links": [_linked(row) for row in queries.linked_items(found.id)],
            "commitments": [commitment_summary(c, replies[c.reply_id]) for c in commitments],
            "timeline": [_update(u) for u in found.updates],
        }
    )


def _commitment_tags() -> tuple[str, ...]:
    return ("commitments", "reply", "project")


@bp.get("/commitments")
@pagecache.cached(
    _commitment_tags, params=_COMMITMENT_NAMES, free=("cursor",), guard=limits.allowed
)
def commitments() -> ResponseReturnValue:
    values = params.parse(COMMITMENT_PARAMS)
    try:
        filters = queries.parse_commitment_filters(params.rename(values, {}))
    except queries.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    pagecache.expires_by(next_midnight())  # "late" comes with the day
    query = queries.public_commitments(filters).options(*queries.commitment_options())
    found = paging.page(query, _COMMITMENT_KEYS, paging.paging_of(values))
    replies = queries.replies_by_id({c.reply_id for c in found.items})
    body, headers = paging.listing(
        "api.commitments",
        values,
        found,
        [commitment_summary(c, replies[c.reply_id]) for c in found.items],
    )
    return json_response(body, headers=headers)
