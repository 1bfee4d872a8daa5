"""The commitments' figures of the accountability page: per unit that must keep them, how
many are open, late, kept on time, kept late and given up. One statement, counted by the
database; only commitments of public letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.org.models import OrgUnit
from app.projects.models import Commitment, CommitmentState
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply


@dataclass(frozen=True)
class CommitmentFigures:
    unit_code: str
    unit_name: str
    open: int
    late: int
    kept_on_time: int
    kept_late: int
    dropped: int

    @property
    def total(self) -> int:
        return self.open + self.kept_on_time + self.kept_late + self.dropped


def by_unit(today: date) -> list[CommitmentFigures]:
    """Per owner unit, the most late first, then the most commitments."""
    c = Commitment
    is_open = c.state == CommitmentState.OPEN
    is_done = c.state == CommitmentState.DONE
    rows = db.session.execute(
        sa.select(
            OrgUnit.code,
            OrgUnit.name,
            sa.func.count().filter(is_open),
            sa.func.count().filter(sa.and_(is_open, c.due_on < today)),
            sa.func.count().filter(sa.and_(is_done, c.closed_on <= c.due_on)),
            sa.func.count().filter(sa.and_(is_done, c.closed_on > c.due_on)),
            sa.func.count().filter(c.state == CommitmentState.DROPPED),
        )
        .select_from(c)
        .join(Reply, Reply.id == c.reply_id)
        .join(OrgUnit, OrgUnit.id == c.owner_unit_id)
        .where(Reply.state.in_(list(PUBLIC_REPLIES)))
        .group_by(OrgUnit.code, OrgUnit.name)
    ).all()
    figures = [CommitmentFigures(*row) for row in rows]
    return sorted(figures, key=lambda f: (-f.late, -f.total, f.unit_name))
