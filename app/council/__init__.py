"""The city council: its members (public person records), their terms and their questions."""

from flask import Blueprint

bp = Blueprint("council", __name__, url_prefix="/councillors")
