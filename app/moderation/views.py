"""The moderation queue: initiatives and residents' questions that wait, oldest first."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from app.auth import permissions
from app.core.time import utcnow
from app.initiatives import queries as initiative_queries
from app.moderation import bp
from app.questions import queries as question_queries


@bp.get("/")
@permissions.role_required(permissions.is_moderator)
def index() -> ResponseReturnValue:
    return render_template(
        "moderation/index.html",
        initiatives=initiative_queries.moderation_queue(),
        questions=question_queries.moderation_queue(),
        awaiting=initiative_queries.awaiting_response(),
        now=utcnow(),
    )
