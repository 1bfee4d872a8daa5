"""Sessions of the council: what was posed at each, and the answers presented later.

Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
