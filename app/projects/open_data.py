"""Projects and commitments as open data: the commitments' CSV (``/projects/commitments.csv``)
and the two datasets of the daily dump (``app.opendata.datasets``).

The projects' dataset is the list's own CSV (``export``), unfiltered; the commitments' is the
commitments list's, of public letters only, with the letter's reference number and address.
Imported by the app factory (``app.register_blueprints``), so that the datasets are registered
and the route exists whether or not anything else imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, abort, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.core import csvstream
from app.core.time import today
from app.core.urls import public_url_for
from app.extensions import db, limiter
from app.opendata.datasets import Dataset, register
from app.projects import bp, export, queries
from app.projects.models import Commitment
from app.replies.models import Reply

COMMITMENT_COLUMNS = (
    "id",
    "text",
    "owner_unit",
    "due_on",
    "state",
    "late",
    "closed_on",
    "note",
    "project_code",
    "reply_reference_number",
    "reply_letter_date",
    "reply_url",
)


def commitment_chunks(filters: queries.CommitmentFilters) -> Iterator[str]:
    """The CSV of the commitments the filters choose (public letters only), by due date."""
    day = today()
    query = (
        queries.public_commitments(filters)
        .add_columns(Reply.reference_number, Reply.letter_date, Reply.id)
        .options(joinedload(Commitment.owner_unit), joinedload(Commitment.project))
        .order_by(Commitment.due_on, Commitment.id)
        .execution_options(yield_per=csvstream.BATCH)
    )

    def batches() -> Iterator[list[list[str]]]:
        for partition in db.session.execute(query).partitions():
            rows = []
            for commitment, number, letter_date, reply_id in partition:
                cells = [
                    commitment.id,
                    commitment.text,
                    commitment.owner_unit.code,
                    commitment.due_on.isoformat(),
                    commitment.state.value,
                    "yes" if commitment.is_late(day) else "no",
                    commitment.closed_on.isoformat() if commitment.closed_on else "",
                    commitment.note or "",
                    commitment.project.code if commitment.project else "",
                    number,
                    letter_date.isoformat(),
                    public_url_for("replies.detail", reply_id=reply_id),
                ]
                rows.append([csvstream.csv_safe(cell) for cell in cells])
            yield rows

    return csvstream.chunks(COMMITMENT_COLUMNS, batches())


@bp.get("/commitments.csv")
@limiter.limit("30 per minute")
def commitments_csv() -> ResponseReturnValue:
    try:
        filters = queries.parse_commitment_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")
    return Response(
        stream_with_context(commitment_chunks(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-commitments.csv"'},
    )


register(
    Dataset(
        id="projects",
        title=_l("Projects and their traffic light"),
        description=_l(
            "The municipality's projects: code, title, responsible unit, topic, local community, "
            "start and end now and as first planned, the light and its reason, progress, the "
            "budget and spending of each year now and as first planned, milestones done, and "
            "when each was last updated."
        ),
        keywords=(_l("projects"), _l("traffic light"), _l("budget")),
        landing_endpoint="projects.index",
        chunks=lambda: export.csv_chunks(queries.Filters()),
    )
)
register(
    Dataset(
        id="commitments",
        title=_l("Commitments made in reply letters"),
        description=_l(
            "What the municipality promised in its published reply letters: the promise, the "
            "unit that must keep it, the due date, whether it was kept, given up or is late, "
            "the project that carries it out, and the letter."
        ),
        keywords=(_l("commitments"), _l("replies"), _l("accountability")),
        landing_endpoint="projects.commitments",
        chunks=lambda: commitment_chunks(queries.CommitmentFilters()),
    )
)
