"""Open data: the page for developers and journalists, the daily dumps and the DCAT-AP catalogue.

Its views are imported when the app registers the blueprint (``app.register_blueprints``).
"""

from flask import Blueprint

bp = Blueprint("opendata", __name__)
