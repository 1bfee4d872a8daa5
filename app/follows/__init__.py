"""Following: a person keeps track of an item, a councillor, a session, a project, a topic or a
community.

A follow is only a row; what it brings is decided by the notifications (``app.notifications``),
which match each event against the follows of everything the event concerns.

Its views are imported when the app registers the blueprint (``app.register_blueprints``).
"""

from flask import Blueprint

bp = Blueprint("follows", __name__)
