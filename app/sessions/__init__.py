"""Sessions of the council: what was posed at each, and the answers presented later."""

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

from app.sessions import models  # noqa: E402, F401  (the tables)
