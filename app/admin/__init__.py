"""Administration: accounts, roles, residency, the audit log, reference data and rules."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import deadline_views, reference_views, views  # noqa: E402, F401  (registers the routes)
