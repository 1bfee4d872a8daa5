"""Who hears of an event: followers of what it concerns, and those it gives work to.

An event on a question concerns the question, and for some kinds also its topic, its local
community, the councillors who asked it and the session it was posed at; a reply letter's
concerns what it answers. A project's concerns the project, and for its bigger news its topic
and community, and always the public initiatives, questions and letters that led to it (an
accepted initiative's progress is reported on its project); a commitment's concerns the
letter that made it and the project that carries it out, and when it falls due or is late,
the unit that owns it. A person who follows several of them is one recipient: the
recipients are a UNION, and the fan-out writes one notification per event and person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, RoleGrant, User
from app.extensions import db
from app.follows import targets
from app.follows.models import Follow, Target
from app.initiatives import permissions as initiative_permissions
from app.initiatives.models import Initiative, InitiativeEvent, Support
from app.notifications.kinds import PRIVATE, Kind
from app.notifications.models import Event
from app.projects.models import (
    Commitment,
    LinkRelation,
    LinkTarget,
    Project,
    ProjectLink,
    ProjectUpdate,
)
from app.questions import permissions as question_permissions
from app.questions.models import (
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionEvent,
    QuestionSupport,
)
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply, ReplyEvent

K = Kind

#: What an event can be about.
Item = Initiative | Question | Reply | Project | Commitment
#: The timeline step an event can come from.
Step = InitiativeEvent | QuestionEvent | ReplyEvent | ProjectUpdate

#: The project's news that its topic's and community's followers hear too; the rest (a
#: milestone, a budget) only those who follow the project or what led to it.
_PROJECT_NEWS = frozenset({K.PROJECT_LIGHT_CHANGED, K.PROJECT_DONE, K.PROJECT_DELAYED})
_LINK_TARGETS = {
    LinkTarget.INITIATIVE: Target.INITIATIVE,
    LinkTarget.QUESTION: Target.QUESTION,
    LinkTarget.REPLY: Target.REPLY,
}


@dataclass
class Audience:
    follows: set[tuple[Target, int]] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    #: Everyone who supports these initiatives and questions (an adoption tells them).
    initiative_supporters: set[int] = field(default_factory=set)
    question_supporters: set[int] = field(default_factory=set)
    #: The officials of these units.
    units: set[int] = field(default_factory=set)
    moderators: bool = False
    #: Never told: who acted, and a letter's writers of its review.
    excluded: set[int] = field(default_factory=set)
    #: Not told of a councillor's question that adopts what they support or follow: the
    #: adoption's own event tells them, and they follow the new question from now on.
    excluded_supporters_of: tuple[type[Support] | type[QuestionSupport], int] | None = None
    excluded_followers_of: tuple[Target, int] | None = None


def source_of(event: Event) -> Step | None:
    """The timeline step the event comes from (its note and data), if any."""
    if event.source_id is None:
        return None
    if event.source_type == "project_update":
        return db.session.get(ProjectUpdate, event.source_id)
    if event.source_type == "initiative_event":
        return db.session.get(InitiativeEvent, event.source_id)
    if event.source_type == "question_event":
        return db.session.get(QuestionEvent, event.source_id)
    if event.source_type == "reply_event":
        return db.session.get(ReplyEvent, event.source_id)
    return None


def item_of(event: Event) -> Item | None:
    if event.item_type == "project":
        return db.session.get(Project, event.item_id)
    if event.item_type == "commitment":
        return db.session.get(Commitment, event.item_id)
    if event.item_type == "initiative":
        return db.session.get(Initiative, event.item_id)
    if event.item_type == "question":
        return db.session.get(Question, event.item_id)
    if event.item_type == "reply":
        return db.session.get(Reply, event.item_id)
    return None


def of(event: Event) -> Audience:
    """The audience of ``event`` as things stand (an item deleted meanwhile has none)."""
    audience = Audience()
    if event.actor_id is not None:
        audience.excluded.add(event.actor_id)
    item = item_of(event)
    if item is None or (Kind(event.kind) not in PRIVATE and not _public(item)):
        return audience  # gone, or not public (any more): nobody but those above hears
    if isinstance(item, Initiative):
        _initiative(audience, Kind(event.kind), item)
    elif isinstance(item, Question):
        step = source_of(event)
        _question(
            audience, Kind(event.kind), item, None if isinstance(step, ProjectUpdate) else step
        )
    elif isinstance(item, Reply):
        _reply(audience, Kind(event.kind), item)
    elif isinstance(item, Project):
        _project(audience, Kind(event.kind), item, source_of(event))
    else:
        _commitment(audience, Kind(event.kind), item)
    return audience


def _public(item: Item) -> bool:
    if isinstance(item, Initiative):
        return initiative_permissions.can_view(None, item)
    if isinstance(item, Question):
        return question_permissions.can_view(None, item)
    if isinstance(item, Project):
        return True  # every project is public
    if isinstance(item, Commitment):
        # Public with its letter: a promise of a letter not yet published is nobody's news.
        state = db.session.scalar(sa.select(Reply.state).where(Reply.id == item.reply_id))
        return state in PUBLIC_REPLIES
    return item.is_public


def _initiative(audience: Audience, kind: Kind, initiative: Initiative) -> None:
    this = (Target.INITIATIVE, initiative.id)
    around = {(Target.TOPIC, initiative.topic_id)}
    if initiative.community_id is not None:
        around.add((Target.COMMUNITY, initiative.community_id))
    unit = initiative.responsible_unit_id
    if kind is K.INITIATIVE_SUBMITTED:
        audience.moderators = True
    elif kind is K.INITIATIVE_PUBLISHED:
        audience.users.add(initiative.author_id)
        audience.follows |= {this, *around}
        if unit is not None:
            audience.units.add(unit)  # given to a unit by the moderator who published it
    elif kind is K.INITIATIVE_REJECTED:
        audience.users.add(initiative.author_id)  # told the reason even if not following
    elif kind is K.INITIATIVE_THRESHOLD_REACHED:
        audience.follows.add(this)
        if unit is not None:
            audience.units.add(unit)
        else:
            audience.moderators = True  # someone must now give it to a unit
    elif kind is K.INITIATIVE_ASSIGNED:
        if unit is not None:
            audience.units.add(unit)
    elif kind in (K.INITIATIVE_DUE_SOON, K.INITIATIVE_OVERDUE):
        audience.follows.add(this)
        if unit is not None:
            audience.units.add(unit)
    elif kind is K.INITIATIVE_ANSWERED:
        audience.follows |= {this, *around}
    elif kind is K.INITIATIVE_ADOPTED:
        audience.follows.add(this)
        audience.initiative_supporters.add(initiative.id)
    else:  # progress, completed, expired, withdrawn
        audience.follows.add(this)


def _question_around(question: Question) -> set[tuple[Target, int]]:
    """What a question is part of: its topic, community, councillors and session."""
    around: set[tuple[Target, int]] = set()
    if question.topic_id is not None:
        around.add((Target.TOPIC, question.topic_id))
    if question.community_id is not None:
        around.add((Target.COMMUNITY, question.community_id))
    if question.session_id is not None:
        around.add((Target.SESSION, question.session_id))
    people = db.session.scalars(
        sa.select(QuestionAuthor.person_id).where(QuestionAuthor.question_id == question.id)
    )
    around |= {(Target.COUNCILLOR, person_id) for person_id in people}
    return around


def _units_of(question: Question) -> set[int]:
    if question.responsible_unit_id is not None:
        return {question.responsible_unit_id}
    addressed = db.session.scalars(
        sa.select(QuestionAddressee.unit_id).where(QuestionAddressee.question_id == question.id)
    )
    return set(addressed)


def _question(
    audience: Audience,
    kind: Kind,
    question: Question,
    step: InitiativeEvent | QuestionEvent | ReplyEvent | None,
) -> None:
    this = (Target.QUESTION, question.id)
    if kind is K.QUESTION_SUBMITTED:
        audience.moderators = True
    elif kind is K.QUESTION_PUBLISHED:
        # A unit given it at publication hears of it by the step "assigned" beside this one.
        if question.author_id is not None:
            audience.users.add(question.author_id)
        audience.follows |= {this, *_question_around(question)}
    elif kind is K.QUESTION_REJECTED:
        if question.author_id is not None:
            audience.users.add(question.author_id)
    elif kind is K.QUESTION_RECORDED:
        audience.follows |= {this, *_question_around(question)}
        audience.units |= _units_of(question)
        if question.adopts_initiative_id is not None:
            audience.excluded_supporters_of = (Support, question.adopts_initiative_id)
            audience.excluded_followers_of = (Target.INITIATIVE, question.adopts_initiative_id)
        elif question.adopts_question_id is not None:
            audience.excluded_supporters_of = (QuestionSupport, question.adopts_question_id)
            audience.excluded_followers_of = (Target.QUESTION, question.adopts_question_id)
    elif kind in (K.QUESTION_ASSIGNED, K.QUESTION_FORWARDED):
        audience.units |= _units_of(question)
        if not (step is not None and (step.data or {}).get("at_publication")):
            # Given to a unit as it was published: its followers hear of the publication.
            audience.follows.add(this)
    elif kind in (K.QUESTION_DUE_SOON, K.QUESTION_OVERDUE):
        audience.units |= _units_of(question)
        audience.follows.add(this)
    elif kind is K.QUESTION_ANSWERED:
        audience.follows |= {this, *_question_around(question)}
    elif kind is K.QUESTION_ADOPTED:
        audience.follows.add(this)
        audience.question_supporters.add(question.id)
    else:  # extended, withdrawn, merged, lapsed
        audience.follows.add(this)


def _reply(audience: Audience, kind: Kind, reply: Reply) -> None:
    if kind is K.REPLY_SUBMITTED:
        audience.units.add(reply.issuer_unit_id)
        # The review is for a second official: the letter's writers need no reminder.
        audience.excluded |= set(reply.written_by or [])
    elif kind is K.REPLY_RETURNED:
        audience.users |= set(reply.written_by or [])
    elif kind is K.VERDICT_GIVEN:
        audience.units.add(reply.issuer_unit_id)
    else:  # published (a correction too) or retracted: everyone following what it answers
        audience.follows.add((Target.REPLY, reply.id))
        if reply.supersedes_id is not None:
            audience.follows.add((Target.REPLY, reply.supersedes_id))
        for row in reply.coverage:
            if row.question is not None:
                audience.follows.add((Target.QUESTION, row.question.id))
                audience.follows |= _question_around(row.question)
            elif row.initiative is not None:
                initiative = row.initiative
                audience.follows.add((Target.INITIATIVE, initiative.id))
                audience.follows.add((Target.TOPIC, initiative.topic_id))
                if initiative.community_id is not None:
                    audience.follows.add((Target.COMMUNITY, initiative.community_id))
        if reply.forwarded_to_id is not None:
            audience.units.add(reply.forwarded_to_id)


def _led_to(project_id: int) -> set[tuple[Target, int]]:
    """The public initiatives, questions and letters that led to the project."""
    rows = db.session.execute(
        sa.select(ProjectLink.target, ProjectLink.target_id).where(
            ProjectLink.project_id == project_id, ProjectLink.relation == LinkRelation.LED_TO
        )
    )
    by_kind: dict[Target, set[int]] = defaultdict(set)
    for target, target_id in rows:
        by_kind[_LINK_TARGETS[target]].add(target_id)
    return _public_only(by_kind)


def _public_only(by_kind: dict[Target, set[int]]) -> set[tuple[Target, int]]:
    # Those the public may read (one query per kind): the followers of an initiative hidden
    # since it was linked hear nothing through it.
    public: set[tuple[Target, int]] = set()
    for target, ids in by_kind.items():
        public |= {(target, target_id) for target_id in targets.describe(target, ids)}
    return public


def _project(audience: Audience, kind: Kind, project: Project, step: Step | None) -> None:
    if kind is K.PROJECT_LINKED:
        # The item that led to the project: its followers learn where its progress is told
        # (and hear of the project's news from now on, through the link).
        after = step.after if isinstance(step, ProjectUpdate) else {}
        target = _LINK_TARGETS.get(LinkTarget(after["target"])) if "target" in after else None
        if target is not None:
            audience.follows |= _public_only({target: {int(after["target_id"])}})
        return
    audience.follows.add((Target.PROJECT, project.id))
    audience.follows |= _led_to(project.id)
    if kind in _PROJECT_NEWS:
        audience.follows.add((Target.TOPIC, project.topic_id))
        if project.community_id is not None:
            audience.follows.add((Target.COMMUNITY, project.community_id))


def _commitment(audience: Audience, kind: Kind, commitment: Commitment) -> None:
    audience.follows.add((Target.REPLY, commitment.reply_id))
    if commitment.project_id is not None:
        audience.follows.add((Target.PROJECT, commitment.project_id))
    if kind in (K.COMMITMENT_DUE_SOON, K.COMMITMENT_LATE):
        audience.units.add(commitment.owner_unit_id)  # the unit that must keep it


def recipients(audience: Audience, *, after: int, limit: int) -> list[User]:
    """The next ``limit`` recipients with a user id above ``after``, in id order.

    One statement: a UNION of the sources (each an index range scan), deduplicated, joined to
    the accounts that still exist.
    """
    parts: list[sa.Select[Any]] = []
    by_target: dict[Target, set[int]] = defaultdict(set)
    for target, target_id in audience.follows:
        by_target[target].add(target_id)
    if by_target:
        matches = sa.or_(
            *(
                sa.and_(Follow.target == target, Follow.target_id.in_(sorted(ids)))
                for target, ids in sorted(by_target.items())
            )
        )
        parts.append(sa.select(Follow.user_id.label("id")).where(matches, Follow.user_id > after))
    if audience.users:
        parts.append(_ids(audience.users, after))
    if audience.initiative_supporters:
        parts.append(
            sa.select(Support.user_id.label("id")).where(
                Support.initiative_id.in_(sorted(audience.initiative_supporters)),
                Support.user_id > after,
            )
        )
    if audience.question_supporters:
        parts.append(
            sa.select(QuestionSupport.user_id.label("id")).where(
                QuestionSupport.question_id.in_(sorted(audience.question_supporters)),
                QuestionSupport.user_id > after,
            )
        )
    if audience.units:
        parts.append(
            sa.select(RoleGrant.user_id.label("id")).where(
                RoleGrant.role == Role.OFFICIAL,
                RoleGrant.org_unit_id.in_(sorted(audience.units)),
                RoleGrant.user_id > after,
            )
        )
    if audience.moderators:
        parts.append(
            sa.select(RoleGrant.user_id.label("id")).where(
                RoleGrant.role.in_((Role.MODERATOR, Role.ADMINISTRATOR)),
                RoleGrant.user_id > after,
            )
        )
    if not parts:
        return []
    # UNION deduplicates across the parts, DISTINCT within one: a person following the
    # question, its topic and its councillor is one candidate, even when follows are the only
    # source (a union of one part is that part, duplicates and all).
    if len(parts) == 1:
        candidates = parts[0].distinct().subquery("candidates")
    else:
        candidates = sa.union(*parts).subquery("candidates")
    statement = (
        sa.select(User)
        .join(candidates, candidates.c.id == User.id)
        .where(User.deleted_at.is_(None))
        .order_by(User.id)
        .limit(limit)
    )
    if audience.excluded:
        statement = statement.where(User.id.not_in(sorted(audience.excluded)))
    if audience.excluded_supporters_of is not None:
        model, item_id = audience.excluded_supporters_of
        item = Support.initiative_id if model is Support else QuestionSupport.question_id
        statement = statement.where(~sa.exists().where(item == item_id, model.user_id == User.id))
    if audience.excluded_followers_of is not None:
        target, target_id = audience.excluded_followers_of
        statement = statement.where(
            ~sa.exists().where(
                Follow.target == target, Follow.target_id == target_id, Follow.user_id == User.id
            )
        )
    return list(db.session.scalars(statement))


def _ids(ids: Iterable[int], after: int) -> sa.Select[Any]:
    return sa.select(User.id.label("id")).where(User.id.in_(sorted(ids)), User.id > after)
