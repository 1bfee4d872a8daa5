"""What a follow points at: whether it exists and is public, its name and its page.

Everything here is loaded in bulk (one query per kind of target), so a list of 200 follows or
a page of notifications costs the same few queries as a list of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for

from app.auth.models import User
from app.council.models import Person
from app.extensions import db
from app.follows.models import Target
from app.initiatives import permissions as initiative_permissions
from app.initiatives.models import Initiative
from app.projects.models import Project
from app.questions import permissions as question_permissions
from app.questions.models import Question
from app.reference.models import LocalCommunity, Topic
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply
from app.sessions.labels import session_title
from app.sessions.models import CouncilSession


@dataclass(frozen=True)
class Described:
    """A public target as a person sees it: a name and the page it is on."""

    target: Target
    id: int
    title: str
    endpoint: str
    values: tuple[tuple[str, int | str], ...]

    @property
    def path(self) -> str:
        values: dict[str, Any] = dict(self.values)
        return url_for(self.endpoint, **values)


def describe(
    target: Target, ids: Iterable[int], viewer: User | None = None
) -> dict[int, Described]:
    """The ones of ``ids`` that ``viewer`` may see (``None``: the public), by id; a missing
    or hidden target is left out. Only the public ones may be followed; the list of what one
    follows also shows one's own draft as what it is."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if target is Target.INITIATIVE:
        return _initiatives(wanted, viewer)
    if target is Target.QUESTION:
        return _questions(wanted, viewer)
    return _DESCRIBERS[target](wanted)


def describe_one(target: Target, target_id: int) -> Described | None:
    return describe(target, [target_id]).get(target_id)


def _initiatives(ids: list[int], viewer: User | None) -> dict[int, Described]:
    rows = db.session.scalars(sa.select(Initiative).where(Initiative.id.in_(ids)))
    return {
        i.id: Described(
            Target.INITIATIVE,
            i.id,
            i.title,
            "initiatives.detail",
            (("initiative_id", i.id),),
        )
        for i in rows
        # As an anonymous visitor sees it: a follow is of what the public can read.
        if initiative_permissions.can_view(viewer, i)
    }


def _questions(ids: list[int], viewer: User | None) -> dict[int, Described]:
    rows = db.session.scalars(sa.select(Question).where(Question.id.in_(ids)))
    return {
        q.id: Described(
            Target.QUESTION, q.id, q.title, "questions.detail", (("question_id", q.id),)
        )
        for q in rows
        if question_permissions.can_view(viewer, q)
    }


def _replies(ids: list[int]) -> dict[int, Described]:
    rows = db.session.scalars(
        sa.select(Reply).where(Reply.id.in_(ids), Reply.state.in_(PUBLIC_REPLIES))
    )
    return {
        r.id: Described(
            Target.REPLY,
            r.id,
            f"{r.reference_number} · {r.subject}",
            "replies.detail",
            (("reply_id", r.id),),
        )
        for r in rows
    }


def _councillors(ids: list[int]) -> dict[int, Described]:
    # Only a person with a seat has a page (app/councillors/views.py): the rest are names
    # the council's records mention, not councillors one could follow.
    rows = db.session.scalars(sa.select(Person).where(Person.id.in_(ids), Person.mandates.any()))
    return {
        p.id: Described(Target.COUNCILLOR, p.id, p.name, "council.detail", (("person_id", p.id),))
        for p in rows
    }


def _sessions(ids: list[int]) -> dict[int, Described]:
    rows = db.session.scalars(sa.select(CouncilSession).where(CouncilSession.id.in_(ids)))
    return {
        s.id: Described(
            Target.SESSION, s.id, session_title(s), "sessions.detail", (("session_id", s.id),)
        )
        for s in rows
    }


def _topics(ids: list[int]) -> dict[int, Described]:
    rows = db.session.scalars(sa.select(Topic).where(Topic.id.in_(ids), Topic.is_active))
    return {
        t.id: Described(Target.TOPIC, t.id, t.name, "initiatives.index", (("topic", t.slug),))
        for t in rows
    }


def _communities(ids: list[int]) -> dict[int, Described]:
    rows = db.session.scalars(
        sa.select(LocalCommunity).where(LocalCommunity.id.in_(ids), LocalCommunity.is_active)
    )
    return {
        c.id: Described(
            Target.COMMUNITY, c.id, c.name, "initiatives.index", (("community", c.slug),)
        )
        for c in rows
    }


def _projects(ids: list[int]) -> dict[int, Described]:
    # Every project is public: there is no unpublished one to hide. Named by its title, as
    # its page and its notifications name it (its code is the municipality's filing).
    rows = db.session.execute(sa.select(Project.id, Project.title).where(Project.id.in_(ids)))
    return {
        project_id: Described(
            Target.PROJECT, project_id, title, "projects.detail", (("project_id", project_id),)
        )
        for project_id, title in rows
    }


_DESCRIBERS = {
    Target.REPLY: _replies,
    Target.COUNCILLOR: _councillors,
    Target.SESSION: _sessions,
    Target.TOPIC: _topics,
    Target.COMMUNITY: _communities,
    Target.PROJECT: _projects,
}
