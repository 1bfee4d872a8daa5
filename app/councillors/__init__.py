"""The councillors' public pages: who sits on the council, what each asked, how it was answered.

Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("council", __name__, url_prefix="/councillors")
