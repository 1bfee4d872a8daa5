"""What can happen, and which steps of the timelines people hear about."""

from __future__ import annotations

import enum
from typing import Any

from app.initiatives.models import EventKind as IE  # noqa: N814  (short, as in a table)
from app.projects.models import CommitmentState, LinkRelation, ProjectUpdate, UpdateKind
from app.questions.models import QuestionEventKind as QE  # noqa: N814
from app.replies.models import ReplyEventKind as RE  # noqa: N814


class Kind(enum.StrEnum):
    INITIATIVE_SUBMITTED = "initiative.submitted"  # waits for a moderator
    INITIATIVE_PUBLISHED = "initiative.published"
    INITIATIVE_REJECTED = "initiative.rejected"  # not published, with the reason
    INITIATIVE_THRESHOLD_REACHED = "initiative.threshold_reached"
    INITIATIVE_ASSIGNED = "initiative.assigned"  # to a unit, which now owes the response
    INITIATIVE_DUE_SOON = "initiative.due_soon"
    INITIATIVE_OVERDUE = "initiative.overdue"
    INITIATIVE_ANSWERED = "initiative.answered"
    INITIATIVE_PROGRESS = "initiative.progress"
    INITIATIVE_COMPLETED = "initiative.completed"
    INITIATIVE_EXPIRED = "initiative.expired"
    INITIATIVE_WITHDRAWN = "initiative.withdrawn"
    INITIATIVE_ADOPTED = "initiative.adopted"  # by a councillor
    QUESTION_SUBMITTED = "question.submitted"
    QUESTION_PUBLISHED = "question.published"
    QUESTION_REJECTED = "question.rejected"
    QUESTION_RECORDED = "question.recorded"  # a councillor's new question
    QUESTION_ASSIGNED = "question.assigned"
    QUESTION_FORWARDED = "question.forwarded"
    QUESTION_EXTENDED = "question.extended"
    QUESTION_DUE_SOON = "question.due_soon"
    QUESTION_OVERDUE = "question.overdue"
    QUESTION_ANSWERED = "question.answered"
    QUESTION_ADOPTED = "question.adopted"
    QUESTION_WITHDRAWN = "question.withdrawn"
    QUESTION_MERGED = "question.merged"
    QUESTION_LAPSED = "question.lapsed"
    REPLY_SUBMITTED = "reply.submitted"  # waits for a second official's review
    REPLY_RETURNED = "reply.returned"  # back to its writers, with the reviewer's note
    REPLY_PUBLISHED = "reply.published"  # a correction too (it says so)
    REPLY_RETRACTED = "reply.retracted"
    VERDICT_GIVEN = "verdict.given"  # whoever asked says whether the letter answered
    # A project's timeline: what changes the municipality's promise to the public.
    PROJECT_LIGHT_CHANGED = "project.light_changed"  # green, amber or red (with its reason)
    PROJECT_DONE = "project.done"
    PROJECT_DELAYED = "project.delayed"  # its end, start or a milestone moved later
    PROJECT_MILESTONE_REACHED = "project.milestone_reached"
    PROJECT_BUDGET_RAISED = "project.budget_raised"  # a year's budget grew
    PROJECT_LINKED = "project.linked"  # an initiative, question or letter led to it
    # A commitment made in a reply letter.
    COMMITMENT_DUE_SOON = "commitment.due_soon"
    COMMITMENT_LATE = "commitment.late"
    COMMITMENT_KEPT = "commitment.kept"
    COMMITMENT_DROPPED = "commitment.dropped"  # given up, with the public reason


_INITIATIVE_STEPS = {
    IE.SUBMITTED: Kind.INITIATIVE_SUBMITTED,
    IE.PUBLISHED: Kind.INITIATIVE_PUBLISHED,
    IE.REJECTED: Kind.INITIATIVE_REJECTED,
    IE.THRESHOLD_REACHED: Kind.INITIATIVE_THRESHOLD_REACHED,
    IE.ANSWERED: Kind.INITIATIVE_ANSWERED,
    IE.PROGRESS: Kind.INITIATIVE_PROGRESS,
    IE.COMPLETED: Kind.INITIATIVE_COMPLETED,
    IE.EXPIRED: Kind.INITIATIVE_EXPIRED,
    IE.WITHDRAWN: Kind.INITIATIVE_WITHDRAWN,
    IE.ADOPTED: Kind.INITIATIVE_ADOPTED,
}
_QUESTION_STEPS = {
    QE.SUBMITTED: Kind.QUESTION_SUBMITTED,
    QE.PUBLISHED: Kind.QUESTION_PUBLISHED,
    QE.RECORDED: Kind.QUESTION_RECORDED,
    QE.REJECTED: Kind.QUESTION_REJECTED,
    QE.ASSIGNED: Kind.QUESTION_ASSIGNED,
    QE.FORWARDED: Kind.QUESTION_FORWARDED,
    QE.EXTENDED: Kind.QUESTION_EXTENDED,
    QE.OVERDUE: Kind.QUESTION_OVERDUE,
    QE.ANSWERED: Kind.QUESTION_ANSWERED,
    QE.ADOPTED: Kind.QUESTION_ADOPTED,
    QE.WITHDRAWN: Kind.QUESTION_WITHDRAWN,
    QE.MERGED: Kind.QUESTION_MERGED,
    QE.LAPSED: Kind.QUESTION_LAPSED,
}
_REPLY_STEPS = {
    RE.SUBMITTED: Kind.REPLY_SUBMITTED,
    RE.RETURNED: Kind.REPLY_RETURNED,
    RE.PUBLISHED: Kind.REPLY_PUBLISHED,
    RE.RETRACTED: Kind.REPLY_RETRACTED,
}

#: Steps a published reply letter makes on what it answers. The letter's own event tells
#: everyone following those items, once; the steps would tell them a second time.
_MADE_BY_A_LETTER = frozenset(
    {
        Kind.INITIATIVE_ANSWERED,
        Kind.QUESTION_ANSWERED,
        Kind.QUESTION_EXTENDED,
        Kind.QUESTION_FORWARDED,  # the letter's event tells the new unit too
    }
)

#: Kinds told only while their item is public: everyone but moderators (the queue), an
#: author (a refusal) and a letter's own unit (its review) hears only of what anyone may read.
PRIVATE = frozenset(
    {
        Kind.INITIATIVE_SUBMITTED,
        Kind.INITIATIVE_REJECTED,
        Kind.QUESTION_SUBMITTED,
        Kind.QUESTION_REJECTED,
        Kind.REPLY_SUBMITTED,
        Kind.REPLY_RETURNED,
    }
)


def of_initiative_step(kind: IE, data: dict[str, Any]) -> Kind | None:
    return _unless_by_letter(_INITIATIVE_STEPS.get(kind), data)


def of_question_step(kind: QE, data: dict[str, Any]) -> Kind | None:
    return _unless_by_letter(_QUESTION_STEPS.get(kind), data)


def of_reply_step(kind: RE, data: dict[str, Any]) -> Kind | None:
    if kind is RE.PUBLISHED and data.get("again"):
        return None  # a corrected letter back in force after its correction was retracted
    return _REPLY_STEPS.get(kind)


def _unless_by_letter(kind: Kind | None, data: dict[str, Any]) -> Kind | None:
    if kind in _MADE_BY_A_LETTER and data.get("reply"):
        return None
    return kind


def of_project_update(update: ProjectUpdate) -> tuple[Kind, str, int] | None:
    """The kind of event an entry of a project's timeline makes, and the item it is about
    (``project`` or ``commitment`` and its id); ``None`` for an entry nobody is told of.

    Told: what changes what the public was promised — the light (done above all), a delay
    (which carries a public reason), a milestone reached, a budget that grows (also with a
    reason), a commitment kept or given up, and an item that led to the project (told to
    that item's followers, who from then on hear of the project). Not told, though on the
    timeline and in the feed: the project's creation (nobody follows it yet, and importing
    the register would tell a topic's followers hundreds of times at once), a change of its
    words, unit or place (``details``: nothing done or promised changed), progress or
    spending alone (they move often and say little until the light does), a milestone added
    or moved earlier, a commitment recorded or reopened, and a link that only speaks of the
    project or is taken away.
    """
    before, after = update.before or {}, update.after or {}
    project = ("project", update.project_id)
    kind: Kind | None = None
    if update.kind is UpdateKind.STATUS and "light" in after:
        kind = Kind.PROJECT_DONE if after["light"] == "done" else Kind.PROJECT_LIGHT_CHANGED
    elif update.kind is UpdateKind.SCHEDULE and _later(before, after, "starts_on", "ends_on"):
        kind = Kind.PROJECT_DELAYED
    elif update.kind is UpdateKind.MILESTONE and before:
        if after.get("done_on") and not before.get("done_on"):
            kind = Kind.PROJECT_MILESTONE_REACHED
        elif not after.get("done_on") and _later(before, after, "planned_on"):
            kind = Kind.PROJECT_DELAYED
    elif update.kind is UpdateKind.BUDGET:
        # A year that had a budget and now has more (the service asks why); a year first
        # given a budget is the plan being written down, often right after the project.
        old, new = int(before.get("budget_cents", 0)), int(after.get("budget_cents", 0))
        if 0 < old < new:
            kind = Kind.PROJECT_BUDGET_RAISED
    elif update.kind is UpdateKind.LINK and after.get("relation") == LinkRelation.LED_TO.value:
        kind = Kind.PROJECT_LINKED
    elif update.kind is UpdateKind.COMMITMENT and "commitment" in after:
        # Only a change of state: a note mended on a kept commitment is not kept again.
        state = after.get("state", "open")
        closed = of_commitment_state(CommitmentState(state))
        if closed is not None and before.get("state", "open") != state:
            return closed, "commitment", int(after["commitment"])
    if kind is None:
        return None
    return (kind, *project)


def of_commitment_state(state: CommitmentState) -> Kind | None:
    """The event of a commitment closed in ``state``; ``None`` for one (re)opened."""
    if state is CommitmentState.DONE:
        return Kind.COMMITMENT_KEPT
    if state is CommitmentState.DROPPED:
        return Kind.COMMITMENT_DROPPED
    return None


def _later(before: dict[str, Any], after: dict[str, Any], *fields: str) -> bool:
    """Whether any of the ISO dates moved later (dates compare as their ISO strings)."""
    return any(
        before.get(name) is not None
        and after.get(name) is not None
        and str(after[name]) > str(before[name])
        for name in fields
    )
