"""Health check for load balancers and monitoring."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from app.core import replica
from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the app and its database answer, 503 otherwise (no details leak out)."""
    body: dict[str, object]
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        body, status = {"status": "unavailable", "database": "unreachable"}, 503
    else:
        body, status = {"status": "ok", "database": "ok"}, 200
    if replica.configured():
        # Reported, never failed on: when the replica is down or behind, the primary serves.
        # What the requests found, not measured here: this answer must not wait for a replica.
        standby = replica.replica()
        health, lag = standby.last().now(standby.bound)
        body["replica"] = {
            "state": health.value,
            "lag_seconds": None if lag is None else round(lag, 1),
        }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
