"""Moderation of what residents write: one queue, one set of reasons, one version check.

Initiatives and residents' questions are moderated the same way before they are public: a
moderator reads the text as it is at one moment (its version), publishes it or refuses it
with a public reason, and is stopped if the author changed the text meanwhile.


Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
