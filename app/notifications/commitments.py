"""The events of commitments made in reply letters that no timeline entry carries.

A commitment tracked on a project is closed with an entry of the project's timeline
(``UpdateKind.COMMITMENT``), which ``recording`` turns into its event like any other step. A
commitment without a project has no timeline: ``closed`` records its event instead. The
commitments' service calls it after every close, with or without a project, so that the rule
of which one records lives here alone.
"""

from __future__ import annotations

from app.auth.models import User
from app.notifications import kinds, recording
from app.projects.models import Commitment, CommitmentState


def closed(actor: User | None, commitment: Commitment, *, was: CommitmentState) -> bool:
    """Record that ``commitment`` was kept or given up, as it now stands, having been in
    state ``was``; whether an event was recorded here.

    Nothing for a commitment on a project (its timeline entry makes the event), one whose
    state did not change (a note mended), or one reopened (nobody is told of that). Call it
    after the commitment's state is set, in the same transaction: a change rolled back takes
    its event with it.
    """
    kind = kinds.of_commitment_state(commitment.state)
    if kind is None or commitment.state is was or commitment.project_id is not None:
        return False
    return recording.record(
        kind,
        "commitment",
        commitment.id,
        actor=actor,
        data={"state": commitment.state.value},
    )
