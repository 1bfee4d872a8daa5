"""Projects and their traffic light (*semafor projektov*), and the commitments made in replies.

Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")
