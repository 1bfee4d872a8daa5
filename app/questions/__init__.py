"""Questions: residents ask the municipality, councillors ask at council sessions.

Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("questions", __name__, url_prefix="/questions")
