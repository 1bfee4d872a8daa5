"""Questions: residents ask the municipality, councillors ask at council sessions."""

from flask import Blueprint

bp = Blueprint("questions", __name__, url_prefix="/questions")

from app.questions import models  # noqa: E402, F401  (the tables)
