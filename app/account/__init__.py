"""My account: public name, language, e-mail, my data, sessions, deleting the account."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/me")

from app.account import views  # noqa: E402, F401  (registers the routes)
