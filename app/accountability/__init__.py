"""Accountability: is the municipality answering, and on time?"""

from flask import Blueprint

bp = Blueprint("accountability", __name__, url_prefix="/accountability")
