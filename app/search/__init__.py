"""Search across initiatives and questions: one page, the same words and order on both databases."""

from flask import Blueprint

bp = Blueprint("search", __name__)
