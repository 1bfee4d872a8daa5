"""Search across initiatives and questions: one page, the same words and order on both databases.

Its views are imported when the app registers the blueprint (``app.register_blueprints``).
"""

from flask import Blueprint

bp = Blueprint("search", __name__)
