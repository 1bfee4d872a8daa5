"""Initiatives (pobude): submit, moderate, support, respond, track; list and search."""

from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

from app.initiatives import attachment_views, views  # noqa: E402, F401  (registers the routes)
