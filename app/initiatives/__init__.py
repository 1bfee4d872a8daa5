"""Initiatives (pobude): submit, moderate, support, respond, track; list and search."""

from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

from app.initiatives import (  # noqa: E402, F401  (registers the routes)
    attachment_views,
    privacy,
    views,
)


def _register_privacy_hooks() -> None:
    from app.auth import accounts

    if privacy.export not in accounts.data_exporters:
        accounts.data_exporters.append(privacy.export)
        accounts.account_erasers.append(privacy.erase)


_register_privacy_hooks()
